//! The bodies of server calls: what a request arrives as, and what a response is sent as (the
//! encoded messages, then trailers carrying the status).

use std::convert::Infallible;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http::HeaderMap;
use http_body::Frame;

use super::context::{CancelOnDrop, ServerContext};
use super::router::CallInfo;
use crate::protocol::{status_codec, FrameEncoder, OutgoingMessage, Spliced, WireMessage};
use crate::status::{Code, Status};

/// Messages already buffered past this size go out before more are pulled from the source.
const YIELD_THRESHOLD: usize = 32 * 1024;

/// A call's request body, as the router hands it to a service, with what the router learned
/// about the call. Not for use outside generated code.
#[doc(hidden)]
pub struct RequestBody {
    pub(crate) body: h2::RecvStream,
    pub(crate) info: CallInfo,
}

impl fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBody").finish_non_exhaustive()
    }
}

/// A call's response body: nothing (a trailers-only response), or encoded messages followed
/// by the status trailers. Not for use outside generated code.
#[doc(hidden)]
pub struct ResponseBody(Kind);

enum Kind {
    /// Nothing: the headers end the stream.
    Empty,
    /// One message already encoded (unary and client-streaming calls): not boxed.
    Unary(UnaryBody),
    /// A stream of messages.
    Stream(Pin<Box<dyn http_body::Body<Data = Bytes, Error = Infallible> + Send>>),
}

impl ResponseBody {
    /// A body with nothing in it: the headers end the stream.
    pub(crate) fn empty() -> Self {
        ResponseBody(Kind::Empty)
    }

    pub(crate) fn new(
        body: impl http_body::Body<Data = Bytes, Error = Infallible> + Send + 'static,
    ) -> Self {
        ResponseBody(Kind::Stream(Box::pin(body)))
    }

    pub(crate) fn unary(body: UnaryBody) -> Self {
        ResponseBody(Kind::Unary(body))
    }
}

/// The body of a response with one message: its DATA, then the trailers with OK and the
/// trailing metadata (read from the context when they go out, as for a stream). Dropped
/// before the trailers went out (the client went away), it cancels the call's context.
pub(crate) struct UnaryBody {
    /// The message (one piece, or a few when it shares a large `Bytes` field).
    data: Spliced,
    end: End,
}

enum End {
    /// OK with the context's trailing metadata; the context's callbacks run then.
    Ok(ServerContext, CancelOnDrop),
    /// This status (the message could not be sent; the context has already ended).
    Status(HeaderMap),
    Done,
}

impl UnaryBody {
    pub(crate) fn new(data: Spliced, ctx: ServerContext) -> Self {
        let guard = CancelOnDrop::new(&ctx);
        UnaryBody {
            data,
            end: End::Ok(ctx, guard),
        }
    }

    /// Headers, then `status` in the trailers, no message.
    pub(crate) fn failed(status: &Status) -> Self {
        UnaryBody {
            data: Spliced::default(),
            end: End::Status(status_codec::encode(status)),
        }
    }

    fn poll_frame(&mut self) -> Option<Frame<Bytes>> {
        if let Some(piece) = self.data.pop() {
            return Some(Frame::data(piece));
        }
        match std::mem::replace(&mut self.end, End::Done) {
            End::Ok(ctx, mut guard) => {
                guard.disarm();
                let trailing = ctx.take_trailing_metadata();
                // `set_details` with an OK code travels in `grpc-message`, as grpcio does.
                let details = ctx.details();
                if trailing.is_empty() && details.is_none() {
                    // Nearly every call: no status to make, ready-made trailers.
                    ctx.finish_ok();
                    return Some(Frame::trailers(status_codec::ok_trailers()));
                }
                let status = Status::with_metadata(Code::Ok, details.unwrap_or_default(), trailing);
                ctx.finish(&status);
                Some(Frame::trailers(status_codec::encode(&status)))
            }
            End::Status(trailers) => Some(Frame::trailers(trailers)),
            End::Done => None,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_empty() && matches!(self.end, End::Done)
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseBody").finish_non_exhaustive()
    }
}

impl http_body::Body for ResponseBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match &mut self.0 {
            Kind::Empty => Poll::Ready(None),
            Kind::Unary(body) => Poll::Ready(body.poll_frame().map(Ok)),
            Kind::Stream(body) => body.as_mut().poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Kind::Empty => true,
            Kind::Unary(body) => body.is_end_stream(),
            Kind::Stream(body) => body.is_end_stream(),
        }
    }
}

/// Encodes a stream of messages as a response body. A stream item `Err(status)` ends the body
/// with that status in the trailers (an OK status carries trailing metadata); the end of the
/// stream ends it with OK. Ready small messages share one DATA frame; a large `Bytes` field
/// goes out as its own frame, shared rather than copied.
pub(crate) struct ResponseEncoder<S> {
    source: Option<Pin<Box<S>>>,
    encoder: FrameEncoder,
    out: Spliced,
    trailers: Option<HeaderMap>,
}

impl<S> ResponseEncoder<S> {
    pub(crate) fn new(source: S, encoder: FrameEncoder) -> Self {
        ResponseEncoder {
            source: Some(Box::pin(source)),
            encoder,
            out: Spliced::default(),
            trailers: None,
        }
    }

    fn finish(&mut self, status: &Status) {
        self.source = None;
        self.trailers = Some(status_codec::encode(status));
    }
}

impl<S, T> http_body::Body for ResponseEncoder<S>
where
    S: Stream<Item = Result<OutgoingMessage<T>, Status>>,
    T: WireMessage,
{
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = &mut *self;
        let mut pending = false;
        while this.out.len() < YIELD_THRESHOLD {
            let Some(source) = this.source.as_mut() else {
                break;
            };
            match source.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(outgoing))) => {
                    if let Err(status) = this.encoder.encode_spliced(&outgoing, &mut this.out) {
                        this.finish(&status);
                    }
                }
                Poll::Ready(Some(Err(status))) => this.finish(&status),
                Poll::Ready(None) => this.finish(&Status::ok("")),
                Poll::Pending => {
                    pending = true;
                    break;
                }
            }
        }
        if let Some(piece) = this.out.pop() {
            return Poll::Ready(Some(Ok(Frame::data(piece))));
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
        self.source.is_none() && self.trailers.is_none() && self.out.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn messages_then_trailers() {
        let messages = vec![
            Ok(OutgoingMessage::new("a".repeat(10))),
            Err(Status::not_found("gone")),
        ];
        let body = ResponseEncoder::new(
            tokio_stream::iter(messages),
            FrameEncoder::new(None, usize::MAX),
        );
        let collected = body.collect().await.unwrap();
        let trailers = collected.trailers().cloned().unwrap();
        assert_eq!(trailers["grpc-status"], "5");
        assert_eq!(trailers["grpc-message"], "gone");
        assert_eq!(collected.to_bytes().len(), 5 + 12);
    }

    #[tokio::test]
    async fn oversized_message_ends_with_resource_exhausted() {
        let messages = vec![Ok(OutgoingMessage::new("x".repeat(50)))];
        let body = ResponseEncoder::new(tokio_stream::iter(messages), FrameEncoder::new(None, 10));
        let collected = body.collect().await.unwrap();
        assert_eq!(collected.trailers().unwrap()["grpc-status"], "8");
        assert!(collected.to_bytes().is_empty());
    }
}
