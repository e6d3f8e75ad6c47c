//! Decoding length-prefixed messages: `Compressed-Flag Message-Length Message`, split across
//! DATA frames anywhere.
//!
//! The decoder checks each message's declared length against the receive limit before it
//! gathers a byte, and bounds decompression by the same limit, so a peer can make it allocate no
//! more than the limit per message. A message that arrives whole in one chunk is sliced out of
//! it without copying.

use std::collections::VecDeque;
use std::io::Read;

use bytes::{Buf, Bytes, BytesMut};

use super::Compression;
use crate::status::Status;

/// A message as it came off the wire, decompressed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decoded {
    /// Whether it arrived compressed.
    pub(crate) compressed: bool,
    /// Its encoded form.
    pub(crate) payload: Bytes,
}

/// Decodes a received message as `T` (what a typed stream does with each payload).
pub(crate) fn decode_message<T: prost::Message + Default>(payload: Bytes) -> Result<T, Status> {
    T::decode(payload)
        .map_err(|e| Status::internal(format!("failed to decode the message: {e}")).with_source(e))
}

/// Gathers body chunks and yields whole messages.
#[derive(Debug)]
pub(crate) struct FrameDecoder {
    chunks: Chunks,
    buffered: usize,
    compression: Option<Compression>,
    max_message_size: usize,
}

const HEADER_LEN: usize = 5;

impl FrameDecoder {
    /// A decoder for a stream whose `grpc-encoding` is `compression`, accepting messages of up
    /// to `max_message_size` bytes (after decompression).
    pub(crate) fn new(compression: Option<Compression>, max_message_size: usize) -> Self {
        FrameDecoder {
            chunks: Chunks::default(),
            buffered: 0,
            compression,
            max_message_size,
        }
    }

    /// Adds a chunk of the body.
    pub(crate) fn push(&mut self, chunk: Bytes) {
        if !chunk.is_empty() {
            self.buffered += chunk.len();
            self.chunks.push_back(chunk);
        }
    }

    /// Whether bytes of an unfinished message are buffered (at the end of the body, that is an
    /// error).
    pub(crate) fn has_partial(&self) -> bool {
        self.buffered > 0
    }

    /// The next whole message, if one is buffered.
    pub(crate) fn next_message(&mut self) -> Result<Option<Decoded>, Status> {
        if self.buffered < HEADER_LEN {
            return Ok(None);
        }
        let mut header = [0u8; HEADER_LEN];
        self.peek(&mut header);
        let flag = header[0];
        let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
        let compressed = match flag {
            0 => false,
            1 => true,
            other => {
                return Err(Status::internal(format!(
                    "invalid compressed flag {other} in a message header (expected 0 or 1)"
                )))
            }
        };
        if compressed && self.compression.is_none() {
            return Err(Status::internal(
                "a message has the compressed flag set but the stream has no grpc-encoding",
            ));
        }
        if !compressed && len > self.max_message_size {
            return Err(too_large(len, self.max_message_size));
        }
        // A compressed message may be at most as large as the limit allows after decompression
        // (compression never shrinks below this ratio for any input worth sending).
        if compressed && len > self.max_message_size.saturating_add(1024).saturating_mul(2) {
            return Err(too_large(len, self.max_message_size));
        }
        if self.buffered < HEADER_LEN + len {
            return Ok(None);
        }
        self.advance(HEADER_LEN);
        let payload = self.take(len);
        let payload = match self.compression.filter(|_| compressed) {
            None => payload,
            Some(compression) => decompress(compression, &payload, self.max_message_size)?,
        };
        Ok(Some(Decoded {
            compressed,
            payload,
        }))
    }

    fn peek(&self, out: &mut [u8]) {
        let mut filled = 0;
        for chunk in self.chunks.iter() {
            let n = (out.len() - filled).min(chunk.len());
            out[filled..filled + n].copy_from_slice(&chunk[..n]);
            filled += n;
            if filled == out.len() {
                break;
            }
        }
    }

    fn advance(&mut self, mut n: usize) {
        self.buffered -= n;
        while n > 0 {
            let Some(front) = self.chunks.front_mut() else {
                return;
            };
            if front.len() > n {
                front.advance(n);
                return;
            }
            n -= front.len();
            self.chunks.pop_front();
        }
    }

    /// Takes `n` buffered bytes: a slice of the first chunk when it holds them all.
    fn take(&mut self, n: usize) -> Bytes {
        if n == 0 {
            return Bytes::new();
        }
        self.buffered -= n;
        if let Some(front) = self.chunks.front_mut() {
            if front.len() >= n {
                let taken = front.split_to(n);
                if front.is_empty() {
                    self.chunks.pop_front();
                }
                return taken;
            }
        }
        let mut out = BytesMut::with_capacity(n);
        while out.len() < n {
            let Some(mut front) = self.chunks.pop_front() else {
                break;
            };
            let want = n - out.len();
            if front.len() > want {
                out.extend_from_slice(&front.split_to(want));
                self.chunks.push_front(front);
            } else {
                out.extend_from_slice(&front);
            }
        }
        out.freeze()
    }
}

/// A queue of body chunks, the first kept inline: a message in one chunk (nearly every
/// message) needs no allocation.
#[derive(Debug, Default)]
struct Chunks {
    /// `None` only when `rest` is empty too.
    front: Option<Bytes>,
    rest: VecDeque<Bytes>,
}

impl Chunks {
    fn push_back(&mut self, chunk: Bytes) {
        match self.front {
            None => self.front = Some(chunk),
            Some(_) => self.rest.push_back(chunk),
        }
    }

    fn push_front(&mut self, chunk: Bytes) {
        if let Some(front) = self.front.replace(chunk) {
            self.rest.push_front(front);
        }
    }

    fn pop_front(&mut self) -> Option<Bytes> {
        let front = self.front.take();
        self.front = self.rest.pop_front();
        front
    }

    fn front_mut(&mut self) -> Option<&mut Bytes> {
        self.front.as_mut()
    }

    fn iter(&self) -> impl Iterator<Item = &Bytes> {
        self.front.iter().chain(&self.rest)
    }
}

fn too_large(len: usize, limit: usize) -> Status {
    Status::resource_exhausted(format!(
        "received message of {len} bytes is larger than the limit of {limit} bytes"
    ))
}

/// Decompresses `data`, failing with RESOURCE_EXHAUSTED as soon as the output passes `limit`.
fn decompress(compression: Compression, data: &[u8], limit: usize) -> Result<Bytes, Status> {
    let bound = (limit as u64).saturating_add(1);
    let mut out = Vec::with_capacity(data.len().saturating_mul(2).min(limit));
    let result = match compression {
        Compression::Gzip => flate2::read::GzDecoder::new(data)
            .take(bound)
            .read_to_end(&mut out),
        Compression::Deflate => flate2::read::ZlibDecoder::new(data)
            .take(bound)
            .read_to_end(&mut out),
        Compression::Zstd => zstd::stream::read::Decoder::new(data)
            .and_then(|decoder| decoder.take(bound).read_to_end(&mut out)),
    };
    result.map_err(|e| {
        Status::internal(format!("failed to decompress a {compression} message: {e}"))
            .with_source(e)
    })?;
    if out.len() > limit {
        return Err(Status::resource_exhausted(format!(
            "received message is larger than the limit of {limit} bytes after decompression"
        )));
    }
    Ok(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Code;

    fn frame(flag: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![flag];
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(payload);
        out
    }

    fn compressed(compression: Compression, data: &[u8]) -> Vec<u8> {
        let mut out = BytesMut::new();
        compression.compress(data, &mut out).unwrap();
        out.to_vec()
    }

    #[test]
    fn messages_split_anywhere_decode_with_their_flags() {
        let gz = compressed(Compression::Gzip, &b"z".repeat(300));
        let mut stream = Vec::new();
        stream.extend(frame(0, b"abc"));
        stream.extend(frame(0, b""));
        stream.extend(frame(1, &gz));
        stream.extend(frame(0, b"xy"));
        for split in 1..=stream.len() {
            let mut decoder = FrameDecoder::new(Some(Compression::Gzip), 1000);
            let mut seen = Vec::new();
            for chunk in stream.chunks(split) {
                decoder.push(Bytes::copy_from_slice(chunk));
                while let Some(message) = decoder.next_message().unwrap() {
                    seen.push((message.compressed, message.payload.len()));
                }
            }
            assert!(!decoder.has_partial());
            assert_eq!(
                seen,
                [(false, 3), (false, 0), (true, 300), (false, 2)],
                "{split}"
            );
        }
    }

    #[test]
    fn a_whole_message_in_one_chunk_is_not_copied() {
        let chunk = Bytes::from(frame(0, &[7; 64]));
        let mut decoder = FrameDecoder::new(None, 1000);
        decoder.push(chunk.clone());
        let message = decoder.next_message().unwrap().unwrap();
        assert_eq!(message.payload.as_ptr(), chunk[5..].as_ptr());
    }

    #[test]
    fn limits_are_checked_before_gathering_and_after_decompressing() {
        let mut decoder = FrameDecoder::new(None, 10);
        decoder.push(Bytes::from(vec![0, 0xff, 0xff, 0xff, 0xff]));
        let status = decoder.next_message().unwrap_err();
        assert_eq!(status.code(), Code::ResourceExhausted);

        let bomb = compressed(Compression::Gzip, &vec![0; 1 << 20]);
        assert!(bomb.len() < 10_000);
        let mut decoder = FrameDecoder::new(Some(Compression::Gzip), 1000);
        decoder.push(Bytes::from(frame(1, &bomb)));
        let status = decoder.next_message().unwrap_err();
        assert_eq!(status.code(), Code::ResourceExhausted, "{status}");
    }

    #[test]
    fn malformed_headers_are_internal() {
        let mut decoder = FrameDecoder::new(None, 100);
        decoder.push(Bytes::from(frame(2, b"x")));
        assert_eq!(decoder.next_message().unwrap_err().code(), Code::Internal);

        let mut decoder = FrameDecoder::new(None, 100);
        decoder.push(Bytes::from(frame(1, b"x")));
        assert_eq!(decoder.next_message().unwrap_err().code(), Code::Internal);

        let mut decoder = FrameDecoder::new(Some(Compression::Zstd), 100);
        decoder.push(Bytes::from(frame(1, b"not zstd")));
        assert_eq!(decoder.next_message().unwrap_err().code(), Code::Internal);

        let mut decoder = FrameDecoder::new(None, 100);
        decoder.push(Bytes::from_static(&[0, 0, 0, 0, 9, 1]));
        assert_eq!(decoder.next_message().unwrap(), None);
        assert!(decoder.has_partial());
    }
}
