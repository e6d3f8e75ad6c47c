//! Encoding length-prefixed messages: each compressed or not, under the send limit.

use bytes::{BufMut, Bytes, BytesMut};

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
    fn write_to(&self, buf: &mut BytesMut);
}

impl<T: prost::Message> WireMessage for T {
    fn wire_len(&self) -> usize {
        self.encoded_len()
    }
    fn write_to(&self, buf: &mut BytesMut) {
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
    fn write_to(&self, buf: &mut BytesMut) {
        buf.extend_from_slice(&self.0);
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
                self.check_size(len)?;
                buf.reserve(5 + len);
                buf.put_u8(0);
                buf.put_u32(len as u32);
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
