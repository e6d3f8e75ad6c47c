//! Adapters between generated service code and tonic's server codec: one per call shape.
//!
//! Every call runs through tonic's `Grpc` (framing, limits, status encoding) with our own
//! [`ServerContext`], deadline and cancellation handling around the user's handler.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::FutureExt;
use http::HeaderValue;
use tokio::time::Sleep;
use tonic::body::Body;
use tonic::server::{Grpc, ServerStreamingService, StreamingService};
use tonic_prost::ProstCodec;

use super::context::{CancelOnDrop, ServerContext};
use super::router::CallInfo;
use crate::message::MessageType;
use crate::status::Status;
use crate::streaming::{ServerStream, Streaming};

/// A boxed, sendable future (the shape of every handler call).
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

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
        handler(ctx, req)
            .map(|result| result.map(|resp| ServerStream::new(tokio_stream::once(Ok(resp)))))
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
        let info = CallInfo::of(&request);
        let mut grpc = grpc_for::<Resp, Req>(&info);
        let adapter = OneRequest {
            handler: Some(handler),
            info: info.clone(),
        };
        let response = grpc.server_streaming(adapter, request).await;
        fix_limit_status(response)
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
        handler(ctx, reqs)
            .map(|result| result.map(|resp| ServerStream::new(tokio_stream::once(Ok(resp)))))
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
        let info = CallInfo::of(&request);
        let mut grpc = grpc_for::<Resp, Req>(&info);
        let adapter = ManyRequests {
            handler: Some(handler),
            info: info.clone(),
        };
        grpc.streaming(adapter, request).await
    })
}

fn grpc_for<Resp, Req>(info: &CallInfo) -> Grpc<ProstCodec<Resp, Req>>
where
    Req: prost::Message + Default + Send + 'static,
    Resp: prost::Message + Send + 'static,
{
    Grpc::new(ProstCodec::default())
        .max_decoding_message_size(info.limits.max_receive_message_size)
        .max_encoding_message_size(info.limits.max_send_message_size)
}

/// tonic reports an oversized message as OUT_OF_RANGE; gRPC says RESOURCE_EXHAUSTED.
fn fix_limit_status(mut response: http::Response<Body>) -> http::Response<Body> {
    let headers = response.headers_mut();
    if headers.get("grpc-status").map(HeaderValue::as_bytes) == Some(b"11")
        && headers
            .get("grpc-message")
            .is_some_and(|m| m.as_bytes().windows(9).any(|w| w == b"too%20lar"))
    {
        headers.insert("grpc-status", HeaderValue::from_static("8"));
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

/// Puts the handler's outcome into a tonic response: initial metadata on success, trailing
/// metadata merged into the status on failure.
fn respond<T>(
    ctx: ServerContext,
    result: Result<ServerStream<T>, Status>,
    max_send: usize,
) -> Result<tonic::Response<ResponseStream<T>>, tonic::Status>
where
    T: prost::Message + Send + 'static,
{
    match result {
        Ok(stream) => {
            let initial = ctx.take_initial_metadata();
            let mut response = tonic::Response::new(ResponseStream::new(ctx, stream, max_send));
            *response.metadata_mut() = initial;
            Ok(response)
        }
        Err(status) => Err(with_context_metadata(&ctx, status).into()),
    }
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

struct OneRequest<F> {
    handler: Option<F>,
    info: CallInfo,
}

impl<Req, Resp, F, Fut> ServerStreamingService<Req> for OneRequest<F>
where
    Req: Send + 'static,
    Resp: prost::Message + Send + 'static,
    F: FnOnce(ServerContext, Req) -> Fut + Send + 'static,
    Fut: Future<Output = Result<ServerStream<Resp>, Status>> + Send + 'static,
{
    type Response = Resp;
    type ResponseStream = ResponseStream<Resp>;
    type Future = BoxFuture<Result<tonic::Response<ResponseStream<Resp>>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<Req>) -> Self::Future {
        let handler = self.handler.take();
        let info = self.info.clone();
        Box::pin(async move {
            let Some(handler) = handler else {
                return Err(tonic::Status::internal("handler called twice"));
            };
            let (metadata, _, message) = request.into_parts();
            let ctx = info.context(metadata);
            let result = run_handler(&ctx, handler(ctx.clone(), message)).await;
            respond(ctx, result, info.limits.max_send_message_size)
        })
    }
}

struct ManyRequests<F> {
    handler: Option<F>,
    info: CallInfo,
}

impl<Req, Resp, F, Fut> StreamingService<Req> for ManyRequests<F>
where
    Req: Send + 'static,
    Resp: prost::Message + Send + 'static,
    F: FnOnce(ServerContext, Streaming<Req>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<ServerStream<Resp>, Status>> + Send + 'static,
{
    type Response = Resp;
    type ResponseStream = ResponseStream<Resp>;
    type Future = BoxFuture<Result<tonic::Response<ResponseStream<Resp>>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<tonic::Streaming<Req>>) -> Self::Future {
        let handler = self.handler.take();
        let info = self.info.clone();
        Box::pin(async move {
            let Some(handler) = handler else {
                return Err(tonic::Status::internal("handler called twice"));
            };
            let (metadata, _, body) = request.into_parts();
            let ctx = info.context(metadata);
            let requests = Streaming::new(body, Default::default(), None);
            let result = run_handler(&ctx, handler(ctx.clone(), requests)).await;
            respond(ctx, result, info.limits.max_send_message_size)
        })
    }
}

/// The response stream as tonic encodes it: the handler's messages, then, when the handler
/// set trailing metadata, a final OK status carrying it (tonic writes a stream-ending status
/// as the trailers). Enforces the deadline and the send limit, turns a panic into UNKNOWN,
/// and cancels the context when dropped before the end (the client went away).
pub(crate) struct ResponseStream<T> {
    inner: Option<BoxStream<T>>,
    ctx: ServerContext,
    guard: CancelOnDrop,
    deadline: Option<Pin<Box<Sleep>>>,
    max_send: usize,
}

impl<T: prost::Message + Send + 'static> ResponseStream<T> {
    fn new(ctx: ServerContext, stream: ServerStream<T>, max_send: usize) -> Self {
        ResponseStream {
            deadline: ctx
                .deadline()
                .map(|at| Box::pin(tokio::time::sleep_until(at))),
            guard: CancelOnDrop::new(&ctx),
            ctx,
            inner: Some(Box::pin(stream)),
            max_send,
        }
    }

    fn finish(&mut self, status: Option<Status>) -> Poll<Option<Result<T, tonic::Status>>> {
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
        Poll::Ready(Some(Err(status.into())))
    }
}

impl<T: prost::Message + Send + 'static> Stream for ResponseStream<T> {
    type Item = Result<T, tonic::Status>;

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
            Ok(Poll::Ready(Some(Ok(message)))) => {
                if this.max_send != usize::MAX && message.encoded_len() > this.max_send {
                    let status = Status::resource_exhausted(format!(
                        "response message of {} bytes is larger than the send limit of {} bytes",
                        message.encoded_len(),
                        this.max_send
                    ));
                    return this.finish(Some(status));
                }
                Poll::Ready(Some(Ok(message)))
            }
        }
    }
}
