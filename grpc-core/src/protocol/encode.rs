//! Encoding length-prefixed messages: each compressed or not, under the send limit.

use std::collections::VecDeque;

use bytes::buf::UninitSlice;
use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::Compression;
use crate::status::Status;

/// A message to send, and whether it may be compressed (when the call compresses at all).
///
/// ```
/// use grpc_core::protocol::OutgoingMessage;
///
/// let first = OutgoingMessage::new(1u32);               // compressed if the call compresses
/// let second = OutgoingMessage::uncompressed(2u32);     // never compressed
/// assert!(first.compress && !second.compress);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingMessage<T> {
    /// The message.
    pub message: T,
    /// Whether to compress it when the call uses compression.
    pub compress: bool,
}

impl<T> OutgoingMessage<T> {
    /// A message compressed when the call compresses.
    pub fn new(message: T) -> Self {
        OutgoingMessage {
            message,
            compress: true,
        }
    }

    /// A message sent uncompressed even when the call compresses.
    pub fn uncompressed(message: T) -> Self {
        OutgoingMessage {
            message,
            compress: false,
        }
    }
}

impl<T> From<T> for OutgoingMessage<T> {
    fn from(message: T) -> Self {
        OutgoingMessage::new(message)
    }
}

/// What the encoder can write: protobuf messages, or bytes already encoded.
pub(crate) trait WireMessage {
    fn wire_len(&self) -> usize;
    fn write_to(&self, buf: &mut impl BufMut);
}

impl<T: prost::Message> WireMessage for T {
    fn wire_len(&self) -> usize {
        self.encoded_len()
    }
    fn write_to(&self, buf: &mut impl BufMut) {
        // `buf` has room (reserved from `wire_len`), so encoding cannot fail.
        let _ = self.encode(buf);
    }
}

/// A message already in its encoded form (dynamic and raw calls).
#[derive(Debug, Clone)]
pub(crate) struct EncodedBytes(pub(crate) Bytes);

impl WireMessage for EncodedBytes {
    fn wire_len(&self) -> usize {
        self.0.len()
    }
    fn write_to(&self, buf: &mut impl BufMut) {
        buf.put(self.0.clone());
    }
}

/// Pieces of `Bytes` this large or larger are shared into a [`Spliced`] output, not copied.
const SPLICE_MIN: usize = 8 * 1024;

/// Encoded messages as a queue of `Bytes` that shares the large `Bytes` fields of the
/// messages (a `bytes` field held as [`Bytes`], or [`EncodedBytes`]) instead of copying them:
/// a 64 KiB payload streamed to many calls is never copied in user space. Smaller fields are
/// written into a buffer as usual.
#[derive(Debug, Default)]
pub(crate) struct Spliced {
    /// Finished pieces, in order, before `tail`.
    pieces: VecDeque<Bytes>,
    pieces_len: usize,
    tail: BytesMut,
}

impl Spliced {
    /// Bytes queued in all.
    pub(crate) fn len(&self) -> usize {
        self.pieces_len + self.tail.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The next piece to send, in order.
    pub(crate) fn pop(&mut self) -> Option<Bytes> {
        match self.pieces.pop_front() {
            Some(piece) => {
                self.pieces_len -= piece.len();
                Some(piece)
            }
            None => (!self.tail.is_empty()).then(|| self.tail.split().freeze()),
        }
    }

    fn share(&mut self, piece: Bytes) {
        if !self.tail.is_empty() {
            let written = self.tail.split().freeze();
            self.pieces_len += written.len();
            self.pieces.push_back(written);
        }
        self.pieces_len += piece.len();
        self.pieces.push_back(piece);
    }
}

/// The `BufMut` a message is encoded into for a [`Spliced`] output: `put` of a large `Buf`
/// takes it with `copy_to_bytes`, which for `Bytes` is a shared slice, not a copy.
struct Splicer<'a>(&'a mut Spliced);

// SAFETY: every method forwards to the tail `BytesMut`, except `put`, which either forwards or
// takes the source out whole without touching the tail's uninitialised memory. This is the
// crate's only `unsafe` (`lib.rs` denies it everywhere else).
#[allow(unsafe_code)]
unsafe impl BufMut for Splicer<'_> {
    fn remaining_mut(&self) -> usize {
        self.0.tail.remaining_mut()
    }

    unsafe fn advance_mut(&mut self, cnt: usize) {
        // SAFETY: the caller's contract for `advance_mut`, passed on to the tail.
        unsafe { self.0.tail.advance_mut(cnt) }
    }

    fn chunk_mut(&mut self) -> &mut UninitSlice {
        self.0.tail.chunk_mut()
    }

    fn put<T: Buf>(&mut self, mut src: T)
    where
        Self: Sized,
    {
        let len = src.remaining();
        // Only a `Bytes` is worth taking out: for it `copy_to_bytes` is a shared slice, while
        // any other source (a `Vec<u8>` field's slice) would be copied into a new allocation
        // instead of into the room the tail already has. A name that matched another type
        // would only cost that copy: the bytes are the same either way.
        if len >= SPLICE_MIN && std::any::type_name::<T>() == std::any::type_name::<Bytes>() {
            let piece = src.copy_to_bytes(len);
            self.0.share(piece);
        } else {
            self.0.tail.put(src);
        }
    }

    fn put_slice(&mut self, src: &[u8]) {
        self.0.tail.put_slice(src);
    }
}

/// Frames messages into a buffer: `Compressed-Flag Message-Length Message` each.
#[derive(Debug)]
pub(crate) struct FrameEncoder {
    compression: Option<Compression>,
    max_message_size: usize,
    scratch: BytesMut,
}

impl FrameEncoder {
    /// An encoder compressing with `compression` (the stream's `grpc-encoding`) the messages
    /// that allow it, refusing messages larger than `max_message_size` bytes.
    pub(crate) fn new(compression: Option<Compression>, max_message_size: usize) -> Self {
        FrameEncoder {
            compression,
            max_message_size,
            scratch: BytesMut::new(),
        }
    }

    /// Appends one framed message to `buf`; on error `buf` is unchanged.
    pub(crate) fn encode<T: WireMessage>(
        &mut self,
        outgoing: &OutgoingMessage<T>,
        buf: &mut BytesMut,
    ) -> Result<(), Status> {
        let compression = self.compression.filter(|_| outgoing.compress);
        let len = outgoing.message.wire_len();
        match compression {
            None => {
                self.uncompressed_prefix(len, buf)?;
                outgoing.message.write_to(buf);
            }
            Some(compression) => {
                self.scratch.clear();
                self.scratch.reserve(len);
                outgoing.message.write_to(&mut self.scratch);
                let start = buf.len();
                buf.put_u8(1);
                buf.put_u32(0);
                if let Err(e) = compression.compress(&self.scratch, buf) {
                    buf.truncate(start);
                    return Err(
                        Status::internal(format!("{compression} compression failed: {e}"))
                            .with_source(e),
                    );
                }
                let compressed = buf.len() - start - 5;
                if let Err(status) = self.check_size(compressed) {
                    buf.truncate(start);
                    return Err(status);
                }
                buf[start + 1..start + 5].copy_from_slice(&(compressed as u32).to_be_bytes());
            }
        }
        Ok(())
    }

    /// Appends one framed message to `out`, sharing its large `Bytes` fields rather than
    /// copying them when it is not compressed; on error `out` is unchanged.
    pub(crate) fn encode_spliced<T: WireMessage>(
        &mut self,
        outgoing: &OutgoingMessage<T>,
        out: &mut Spliced,
    ) -> Result<(), Status> {
        if self.compression.is_some() && outgoing.compress {
            // The compressor reads the whole message: nothing to share.
            return self.encode(outgoing, &mut out.tail);
        }
        self.uncompressed_prefix(outgoing.message.wire_len(), &mut out.tail)?;
        outgoing.message.write_to(&mut Splicer(out));
        Ok(())
    }

    /// Checks an uncompressed message of `len` bytes against the send limit, then appends its
    /// 5-byte prefix (flag 0, length) with room for the message after it.
    fn uncompressed_prefix(&self, len: usize, buf: &mut BytesMut) -> Result<(), Status> {
        self.check_size(len)?;
        buf.reserve(5 + len);
        buf.put_u8(0);
        buf.put_u32(len as u32);
        Ok(())
    }

    fn check_size(&self, len: usize) -> Result<(), Status> {
        if len > self.max_message_size || len > u32::MAX as usize {
            return Err(Status::resource_exhausted(format!(
                "message of {len} bytes is larger than the send limit of {} bytes",
                self.max_message_size.min(u32::MAX as usize)
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_messages_with_per_message_compression() {
        let mut encoder = FrameEncoder::new(Some(Compression::Gzip), usize::MAX);
        let mut data = BytesMut::new();
        encoder
            .encode(&OutgoingMessage::new("a".repeat(100)), &mut data)
            .unwrap();
        encoder
            .encode(&OutgoingMessage::uncompressed("b".repeat(100)), &mut data)
            .unwrap();
        assert_eq!(data[0], 1, "first message compressed");
        let first_len = u32::from_be_bytes(data[1..5].try_into().unwrap()) as usize;
        assert!(first_len < 100);
        let second = &data[5 + first_len..];
        assert_eq!(second[0], 0, "second message not compressed");
        assert_eq!(u32::from_be_bytes(second[1..5].try_into().unwrap()), 102);
    }

    /// A large `Bytes` field is shared, not copied; the pieces put together are the message
    /// framed as `encode` frames it; a compressed message is written whole.
    #[test]
    fn spliced_output_shares_large_bytes_fields() {
        #[derive(Clone, PartialEq, prost::Message)]
        struct Chunk {
            #[prost(uint32, tag = "1")]
            id: u32,
            #[prost(bytes = "bytes", tag = "2")]
            payload: Bytes,
        }
        let payload = Bytes::from(vec![7u8; 64 * 1024]);
        let small = Chunk {
            id: 1,
            payload: Bytes::from_static(b"tiny"),
        };
        let large = Chunk {
            id: 2,
            payload: payload.clone(),
        };
        let mut encoder = FrameEncoder::new(None, usize::MAX);
        let mut out = Spliced::default();
        for chunk in [&small, &large, &small] {
            encoder
                .encode_spliced(&OutgoingMessage::new(chunk.clone()), &mut out)
                .unwrap();
        }
        let mut expected = BytesMut::new();
        for chunk in [&small, &large, &small] {
            encoder
                .encode(&OutgoingMessage::new(chunk.clone()), &mut expected)
                .unwrap();
        }
        assert_eq!(out.len(), expected.len());
        let pieces: Vec<Bytes> = std::iter::from_fn(|| out.pop()).collect();
        assert!(out.is_empty());
        assert_eq!(
            pieces.len(),
            3,
            "head of the large message, its payload, the rest"
        );
        assert_eq!(
            pieces[1].as_ptr(),
            payload.as_ptr(),
            "the payload is shared"
        );
        assert_eq!(pieces.concat(), expected.to_vec());

        // A `Vec<u8>` field is copied into the tail, which has room for it: one piece.
        #[derive(Clone, PartialEq, prost::Message)]
        struct VecChunk {
            #[prost(bytes = "vec", tag = "2")]
            payload: Vec<u8>,
        }
        let mut out = Spliced::default();
        let vec_chunk = VecChunk {
            payload: vec![7u8; 64 * 1024],
        };
        encoder
            .encode_spliced(&OutgoingMessage::new(vec_chunk), &mut out)
            .unwrap();
        assert_eq!(std::iter::from_fn(|| out.pop()).count(), 1);

        let mut encoder = FrameEncoder::new(Some(Compression::Gzip), usize::MAX);
        let mut out = Spliced::default();
        encoder
            .encode_spliced(&OutgoingMessage::new(large.clone()), &mut out)
            .unwrap();
        let pieces: Vec<Bytes> = std::iter::from_fn(|| out.pop()).collect();
        assert_eq!((pieces.len(), pieces[0][0]), (1, 1), "one compressed frame");

        let mut encoder = FrameEncoder::new(None, 100);
        let mut out = Spliced::default();
        encoder
            .encode_spliced(&OutgoingMessage::new(small.clone()), &mut out)
            .unwrap();
        let before = out.len();
        let status = encoder
            .encode_spliced(&OutgoingMessage::new(large), &mut out)
            .unwrap_err();
        assert_eq!(status.code(), crate::Code::ResourceExhausted);
        assert_eq!(out.len(), before, "a refused message leaves the output");
    }

    #[test]
    fn oversized_message_is_resource_exhausted_and_leaves_the_buffer() {
        let mut encoder = FrameEncoder::new(None, 10);
        let mut data = BytesMut::from(&b"kept"[..]);
        let status = encoder
            .encode(&OutgoingMessage::new("x".repeat(50)), &mut data)
            .unwrap_err();
        assert_eq!(status.code(), crate::Code::ResourceExhausted);
        assert_eq!(&data[..], b"kept");
    }
}
