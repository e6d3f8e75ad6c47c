//! Adapters between generated service code and the wire: one per call shape.
//!
//! Requests are decoded by tonic's `Streaming` (framing, decompression, receive limit); the
//! handler runs under our [`ServerContext`] with its deadline, cancellation and panic handling;
//! responses are encoded by our [`EncodeBody`] (per-call and per-message compression, send
//! limit, trailers with the status and trailing metadata).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::FutureExt;
use http::{HeaderMap, HeaderValue};
use tokio::time::Sleep;
use tonic::body::Body;
use tonic::codec::Codec;
use tonic_prost::ProstCodec;

use super::context::{CancelOnDrop, ServerContext};
use super::router::CallInfo;
use crate::codec::{
    accept_encoding_header, negotiate_response, request_encoding, EncodeBody, InspectBody, Outgoing,
};
use crate::message::MessageType;
use crate::metadata::MetadataMap;
use crate::status::Status;
use crate::streaming::{ServerStream, Streaming};

/// A boxed, sendable future (the shape of every handler call).
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<Outgoing<T>, Status>> + Send + 'static>>;

/// Handles a unary call: `handler(ctx, request)` gives the single response.
pub fn unary<Req, Resp, F, Fut>(
    request: http::Request<Body>,
    handler: F,
) -> BoxFuture<http::Response<Body>>
where
    Req: MessageType,
    Resp: MessageType,
    F: FnOnce(ServerContext, Req) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Resp, Status>> + Send + 'static,
{
    server_streaming(request, move |ctx, req| {
        handler(ctx, req).map(|result| result.map(ServerStream::once))
    })
}

/// Handles a server-streaming call: `handler(ctx, request)` gives the response stream.
pub fn server_streaming<Req, Resp, F, Fut>(
    request: http::Request<Body>,
    handler: F,
) -> BoxFuture<http::Response<Body>>
where
    Req: MessageType,
    Resp: MessageType,
    F: FnOnce(ServerContext, Req) -> Fut + Send + 'static,
    Fut: Future<Output = Result<ServerStream<Resp>, Status>> + Send + 'static,
{
    Box::pin(async move {
        let (info, headers, mut requests) = match open::<Req>(request) {
            Ok(opened) => opened,
            Err(response) => return response,
        };
        let message = match requests.message().await {
            Ok(Some(message)) => message,
            Ok(None) => {
                return trailers_only(Status::internal("the call has no request message"), &info)
            }
            Err(status) => return trailers_only(status, &info),
        };
        let compressed = requests.last_message_compressed();
        drop(requests);
        let ctx = info.context(MetadataMap::from_headers(headers), compressed);
        let result = run_handler(&ctx, handler(ctx.clone(), message)).await;
        respond(ctx, result, &info)
    })
}

/// Handles a client-streaming call: `handler(ctx, requests)` gives the single response.
pub fn client_streaming<Req, Resp, F, Fut>(
    request: http::Request<Body>,
    handler: F,
) -> BoxFuture<http::Response<Body>>
where
    Req: MessageType,
    Resp: MessageType,
    F: FnOnce(ServerContext, Streaming<Req>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Resp, Status>> + Send + 'static,
{
    streaming(request, move |ctx, reqs| {
        handler(ctx, reqs).map(|result| result.map(ServerStream::once))
    })
}

/// Handles a bidirectional-streaming call.
pub fn streaming<Req, Resp, F, Fut>(
    request: http::Request<Body>,
    handler: F,
) -> BoxFuture<http::Response<Body>>
where
    Req: MessageType,
    Resp: MessageType,
    F: FnOnce(ServerContext, Streaming<Req>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<ServerStream<Resp>, Status>> + Send + 'static,
{
    Box::pin(async move {
        let (info, headers, requests) = match open::<Req>(request) {
            Ok(opened) => opened,
            Err(response) => return response,
        };
        let ctx = info.context(MetadataMap::from_headers(headers), None);
        let result = run_handler(&ctx, handler(ctx.clone(), requests)).await;
        respond(ctx, result, &info)
    })
}

/// Checks the request's compression and starts decoding its messages.
#[allow(clippy::result_large_err)]
fn open<Req: MessageType>(
    request: http::Request<Body>,
) -> Result<(CallInfo, HeaderMap, Streaming<Req>), http::Response<Body>> {
    let info = CallInfo::of(&request);
    let (parts, body) = request.into_parts();
    let encoding = match request_encoding(&parts.headers, &info.limits.accept_compression) {
        Ok(encoding) => encoding,
        Err(status) => return Err(trailers_only(status, &info)),
    };
    let decoder = ProstCodec::<Req, Req>::default().decoder();
    let (body, flags) = InspectBody::new(body);
    let decoding = tonic::codec::Streaming::new_request(
        decoder,
        body,
        encoding.map(|c| c.to_tonic()),
        Some(info.limits.max_receive_message_size),
    );
    Ok((
        info,
        parts.headers,
        Streaming::new(decoding, MetadataMap::new(), None).with_flags(flags),
    ))
}

/// A response with no body: the status (and its metadata) in the headers.
fn trailers_only(status: Status, info: &CallInfo) -> http::Response<Body> {
    let mut response = status.into_tonic().into_http::<Body>();
    if let Some(accept) = accept_encoding_header(&info.limits.accept_compression) {
        response
            .headers_mut()
            .insert("grpc-accept-encoding", accept);
    }
    response
}

/// Runs a handler future under the call's deadline, turning a panic into UNKNOWN and cancelling
/// the context if the future is dropped before it finishes.
async fn run_handler<T>(
    ctx: &ServerContext,
    fut: impl Future<Output = Result<T, Status>> + Send,
) -> Result<T, Status> {
    let mut guard = CancelOnDrop::new(ctx);
    let fut = std::panic::AssertUnwindSafe(fut).catch_unwind();
    let outcome = match ctx.deadline() {
        Some(deadline) => match tokio::time::timeout_at(deadline, fut).await {
            Ok(outcome) => outcome,
            Err(_) => {
                ctx.cancel();
                guard.disarm();
                return Err(Status::deadline_exceeded("deadline exceeded"));
            }
        },
        None => fut.await,
    };
    guard.disarm();
    match outcome {
        Ok(result) => result,
        Err(panic) => {
            ctx.cancel();
            Err(Status::unknown(format!(
                "handler panicked: {}",
                panic_message(&panic)
            )))
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> &str {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s
    } else {
        "non-string panic payload"
    }
}

/// Turns the handler's outcome into the response: headers (with the negotiated compression and
/// the initial metadata) and the encoded stream, or a trailers-only error.
fn respond<T: MessageType>(
    ctx: ServerContext,
    result: Result<ServerStream<T>, Status>,
    info: &CallInfo,
) -> http::Response<Body> {
    let stream = match result {
        Ok(stream) => stream,
        Err(status) => return trailers_only(with_context_metadata(&ctx, status), info),
    };
    let wanted = ctx.compression().unwrap_or(info.limits.default_compression);
    // The request headers live on as the context's request metadata.
    let compression = negotiate_response(ctx.request_metadata().as_ref(), wanted);
    let initial = ctx.take_initial_metadata();
    let body = EncodeBody::new(
        ResponseStream::new(ctx, stream),
        compression,
        info.limits.max_send_message_size,
    );
    let mut response = http::Response::new(Body::new(body));
    let headers = response.headers_mut();
    headers.extend(initial.into_headers());
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/grpc"),
    );
    if let Some(compression) = compression {
        headers.insert(
            "grpc-encoding",
            HeaderValue::from_static(compression.name()),
        );
    }
    if let Some(accept) = accept_encoding_header(&info.limits.accept_compression) {
        headers.insert("grpc-accept-encoding", accept);
    }
    response
}

fn with_context_metadata(ctx: &ServerContext, mut status: Status) -> Status {
    let initial = ctx.take_initial_metadata();
    let trailing = ctx.take_trailing_metadata();
    for md in [initial, trailing] {
        let mut headers = md.into_headers();
        status.metadata_mut().as_mut().extend(headers.drain());
    }
    status
}

/// The handler's response stream as the encoder reads it: the messages, then, when the
/// handler set trailing metadata, a final OK status carrying it. Enforces the deadline, turns a
/// panic into UNKNOWN, and cancels the context when dropped before the end (the client went
/// away).
pub(crate) struct ResponseStream<T> {
    inner: Option<BoxStream<T>>,
    ctx: ServerContext,
    guard: CancelOnDrop,
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<T: Send + 'static> ResponseStream<T> {
    fn new(ctx: ServerContext, stream: ServerStream<T>) -> Self {
        ResponseStream {
            deadline: ctx
                .deadline()
                .map(|at| Box::pin(tokio::time::sleep_until(at))),
            guard: CancelOnDrop::new(&ctx),
            ctx,
            inner: Some(stream.into_inner()),
        }
    }

    fn finish(&mut self, status: Option<Status>) -> Poll<Option<Result<Outgoing<T>, Status>>> {
        self.inner = None;
        self.guard.disarm();
        let status = match status {
            Some(status) => {
                self.ctx.cancel();
                with_context_metadata(&self.ctx, status)
            }
            None => {
                let trailing = self.ctx.take_trailing_metadata();
                if trailing.is_empty() {
                    return Poll::Ready(None);
                }
                Status::with_metadata(tonic::Code::Ok, "", trailing)
            }
        };
        Poll::Ready(Some(Err(status)))
    }
}

impl<T: Send + 'static> Stream for ResponseStream<T> {
    type Item = Result<Outgoing<T>, Status>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        if let Some(deadline) = this.deadline.as_mut() {
            if deadline.as_mut().poll(cx).is_ready() {
                return this.finish(Some(Status::deadline_exceeded("deadline exceeded")));
            }
        }
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            inner.as_mut().poll_next(cx)
        }));
        match polled {
            Err(panic) => {
                let message = format!("handler stream panicked: {}", panic_message(&panic));
                this.finish(Some(Status::unknown(message)))
            }
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(None)) => this.finish(None),
            Ok(Poll::Ready(Some(Err(status)))) => this.finish(Some(status)),
            Ok(Poll::Ready(Some(Ok(message)))) => Poll::Ready(Some(Ok(message))),
        }
    }
}
