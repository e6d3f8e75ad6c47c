//! Receiving a message body from HTTP/2, on either side, with errors already turned into
//! statuses: the client reads h2 response streams, the server reads h2 request streams.

use std::task::{Context, Poll};

use bytes::Bytes;
use http::HeaderMap;

use crate::protocol::status_codec::code_for_reason;
use crate::status::{Code, Status};

/// One side's incoming body: DATA chunks, then maybe trailers.
pub(crate) trait RecvBody: Send + 'static {
    /// The next DATA chunk; `None` at the end of the data.
    fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Status>>>;
    /// The trailers, once the data has ended.
    fn poll_trailers(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<HeaderMap>, Status>>;
}

/// The body a message stream reads: an h2 stream of either side, held as it is (the common
/// case, with no allocation per call), or any other source, boxed.
pub(crate) enum Body {
    /// A client's response stream.
    Response(h2::RecvStream),
    /// A server's request stream.
    Request(ServerBody),
    /// Anything else (a trailers-only answer, an interceptor's reply).
    Other(Box<dyn RecvBody>),
}

impl RecvBody for Body {
    fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Status>>> {
        match self {
            Body::Response(stream) => RecvBody::poll_data(stream, cx),
            Body::Request(body) => body.poll_data(cx),
            Body::Other(body) => body.poll_data(cx),
        }
    }

    fn poll_trailers(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<HeaderMap>, Status>> {
        match self {
            Body::Response(stream) => RecvBody::poll_trailers(stream, cx),
            Body::Request(body) => body.poll_trailers(cx),
            Body::Other(body) => body.poll_trailers(cx),
        }
    }
}

/// The client side: a response stream, read straight from h2.
impl RecvBody for h2::RecvStream {
    fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Status>>> {
        match self.poll_data(cx) {
            Poll::Ready(Some(Ok(data))) => {
                // Give the window back at once: the decoder bounds what it buffers.
                let _ = self.flow_control().release_capacity(data.len());
                Poll::Ready(Some(Ok(data)))
            }
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(client_error(error)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_trailers(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<HeaderMap>, Status>> {
        self.poll_trailers(cx).map_err(client_error)
    }
}

/// What an h2 error means to a client call.
pub(crate) fn client_error(error: h2::Error) -> Status {
    if error.is_io() || error.is_go_away() {
        let message = if error.is_go_away() && error.is_library() {
            // h2 itself ended the connection (a local limit), not the server.
            format!("the connection was closed by this client's HTTP/2 layer: {error}")
        } else if error.is_go_away() {
            format!("the server closed the connection: {error}")
        } else {
            format!("connection lost: {error}")
        };
        return Status::unavailable(message).with_source(error);
    }
    match error.reason() {
        Some(reason) => {
            let code = code_for_reason(reason);
            Status::new(code, format!("stream reset by the server: {reason:?}")).with_source(error)
        }
        None => Status::internal(format!("HTTP/2 error: {error}")).with_source(error),
    }
}

/// The server side: a request body, read straight from h2.
pub(crate) struct ServerBody(pub(crate) h2::RecvStream);

impl RecvBody for ServerBody {
    fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Status>>> {
        match self.0.poll_data(cx) {
            Poll::Ready(Some(Ok(data))) => {
                // Give the window back at once: the decoder bounds what it buffers.
                let _ = self.0.flow_control().release_capacity(data.len());
                Poll::Ready(Some(Ok(data)))
            }
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(server_error(error)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_trailers(&mut self, _: &mut Context<'_>) -> Poll<Result<Option<HeaderMap>, Status>> {
        // Trailers on a request are not gRPC; the data has ended either way.
        Poll::Ready(Ok(None))
    }
}

/// What a failed request body means to a handler: the client cancelled (RST_STREAM) or went
/// away (the connection closed).
fn server_error(error: h2::Error) -> Status {
    let status = match error.reason() {
        _ if error.is_io() => Status::cancelled(format!("the client went away: {error}")),
        Some(h2::Reason::CANCEL) | Some(h2::Reason::NO_ERROR) => {
            Status::cancelled("the client cancelled the call")
        }
        Some(reason) => Status::new(
            match code_for_reason(reason) {
                Code::Internal => Code::Cancelled,
                code => code,
            },
            format!("the client reset the stream: {reason:?}"),
        ),
        None => Status::cancelled(format!("the client went away: {error}")),
    };
    status.with_source(error)
}
