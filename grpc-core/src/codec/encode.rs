//! The gRPC body encoder: length-prefixed messages, each compressed or not, ready messages
//! batched into one DATA frame, then trailers carrying the status.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{BufMut, Bytes, BytesMut};
use futures_core::Stream;
use http::HeaderMap;
use http_body::Frame;

use super::Compression;
use crate::status::{Code, Status};

/// Messages already buffered past this size go out before more are pulled from the source.
const YIELD_THRESHOLD: usize = 32 * 1024;

/// A message to send, and whether it may be compressed (when the call compresses at all).
///
/// ```
/// use grpc_core::codec::OutgoingMessage;
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

pub(crate) type Outgoing<T> = OutgoingMessage<T>;

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

/// Encodes a stream of messages as a gRPC body. A stream item `Err(status)` ends the body with
/// that status in the trailers (an OK status carries trailing metadata); the end of the stream
/// ends it with OK.
pub(crate) struct EncodeBody<S> {
    source: Option<Pin<Box<S>>>,
    /// Client side: when this completes, the body fails with CANCEL, resetting the stream.
    cancelled: Option<Pin<Box<tokio_util::sync::WaitForCancellationFutureOwned>>>,
    compression: Option<Compression>,
    max_send: usize,
    buf: BytesMut,
    scratch: BytesMut,
    trailers: Option<HeaderMap>,
}

impl<S> EncodeBody<S> {
    pub(crate) fn new(source: S, compression: Option<Compression>, max_send: usize) -> Self {
        EncodeBody {
            source: Some(Box::pin(source)),
            cancelled: None,
            compression,
            max_send,
            buf: BytesMut::new(),
            scratch: BytesMut::new(),
            trailers: None,
        }
    }

    /// Makes the body end the call with RST_STREAM(CANCEL) once `token` is cancelled.
    pub(crate) fn cancel_with(mut self, token: tokio_util::sync::CancellationToken) -> Self {
        self.cancelled = Some(Box::pin(token.cancelled_owned()));
        self
    }

    fn finish(&mut self, status: Status) {
        self.source = None;
        let mut trailers = HeaderMap::new();
        let status: tonic::Status = status.into();
        if let Err(unencodable) = status.add_header(&mut trailers) {
            trailers.clear();
            let _ = tonic::Status::internal(format!(
                "could not encode the status: {}",
                unencodable.message()
            ))
            .add_header(&mut trailers);
        }
        self.trailers = Some(trailers);
    }

    /// Frames one message into `buf`.
    fn encode<T: WireMessage>(&mut self, outgoing: OutgoingMessage<T>) -> Result<(), Status> {
        let compression = self.compression.filter(|_| outgoing.compress);
        let len = outgoing.message.wire_len();
        match compression {
            None => {
                self.check_size(len)?;
                self.buf.reserve(5 + len);
                self.buf.put_u8(0);
                self.buf.put_u32(len as u32);
                outgoing.message.write_to(&mut self.buf);
            }
            Some(compression) => {
                self.scratch.clear();
                self.scratch.reserve(len);
                outgoing.message.write_to(&mut self.scratch);
                let start = self.buf.len();
                self.buf.put_u8(1);
                self.buf.put_u32(0);
                compression
                    .compress(&self.scratch, &mut self.buf)
                    .map_err(|e| {
                        Status::internal(format!("{compression} compression failed: {e}"))
                    })?;
                let compressed = self.buf.len() - start - 5;
                if let Err(status) = self.check_size(compressed) {
                    self.buf.truncate(start);
                    return Err(status);
                }
                self.buf[start + 1..start + 5].copy_from_slice(&(compressed as u32).to_be_bytes());
            }
        }
        Ok(())
    }

    fn check_size(&self, len: usize) -> Result<(), Status> {
        if len > self.max_send || len > u32::MAX as usize {
            return Err(Status::resource_exhausted(format!(
                "message of {len} bytes is larger than the send limit of {} bytes",
                self.max_send.min(u32::MAX as usize)
            )));
        }
        Ok(())
    }
}

impl<S, T> http_body::Body for EncodeBody<S>
where
    S: Stream<Item = Result<OutgoingMessage<T>, Status>>,
    T: WireMessage,
{
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = &mut *self;
        if let Some(cancelled) = this.cancelled.as_mut() {
            if cancelled.as_mut().poll(cx).is_ready() {
                this.cancelled = None;
                this.source = None;
                // hyper resets the stream with the h2 reason found in the error's sources.
                let mut status = tonic::Status::cancelled("call cancelled");
                status.set_source(std::sync::Arc::new(h2::Error::from(h2::Reason::CANCEL)));
                return Poll::Ready(Some(Err(status.into())));
            }
        }
        let mut pending = false;
        while this.buf.len() < YIELD_THRESHOLD {
            let Some(source) = this.source.as_mut() else {
                break;
            };
            match source.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(outgoing))) => {
                    if let Err(status) = this.encode(outgoing) {
                        this.finish(status);
                    }
                }
                Poll::Ready(Some(Err(status))) => this.finish(status),
                Poll::Ready(None) => this.finish(Status::new(Code::Ok, "")),
                Poll::Pending => {
                    pending = true;
                    break;
                }
            }
        }
        if !this.buf.is_empty() {
            return Poll::Ready(Some(Ok(Frame::data(this.buf.split().freeze()))));
        }
        if let Some(trailers) = this.trailers.take() {
            return Poll::Ready(Some(Ok(Frame::trailers(trailers))));
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(None)
        }
    }

    fn is_end_stream(&self) -> bool {
        self.source.is_none() && self.trailers.is_none() && self.buf.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn frames_messages_with_per_message_compression_then_trailers() {
        let messages = vec![
            Ok(OutgoingMessage::new("a".repeat(100))),
            Ok(OutgoingMessage::uncompressed("b".repeat(100))),
        ];
        let body = EncodeBody::new(
            tokio_stream::iter(messages),
            Some(Compression::Gzip),
            usize::MAX,
        );
        let collected = body.collect().await.unwrap();
        let trailers = collected.trailers().cloned().unwrap();
        assert_eq!(trailers.get("grpc-status").unwrap(), "0");
        let data = collected.to_bytes();
        assert_eq!(data[0], 1, "first message compressed");
        let first_len = u32::from_be_bytes(data[1..5].try_into().unwrap()) as usize;
        assert!(first_len < 100);
        let second = &data[5 + first_len..];
        assert_eq!(second[0], 0, "second message not compressed");
        assert_eq!(u32::from_be_bytes(second[1..5].try_into().unwrap()), 102);
    }

    #[tokio::test]
    async fn oversized_message_ends_with_resource_exhausted() {
        let messages = vec![Ok(OutgoingMessage::new("x".repeat(50)))];
        let body = EncodeBody::new(tokio_stream::iter(messages), None, 10);
        let collected = body.collect().await.unwrap();
        assert_eq!(
            collected.trailers().unwrap().get("grpc-status").unwrap(),
            "8"
        );
        assert!(collected.to_bytes().is_empty());
    }
}
