//! Adapters between generated service code and the wire: one per call shape.
//!
//! Requests are decoded by the protocol layer's decoder (framing, decompression, receive
//! limit) into a [`Streaming`]; the handler runs under our [`ServerContext`] with its
//! deadline, cancellation and panic handling; responses are encoded by the
//! [`ResponseEncoder`] (per-call and per-message compression, send limit, trailers with the
//! status and trailing metadata).
//!
//! When the client cancels (RST_STREAM) or the connection goes away, the server drops the handler's
//! future: the handler does not run on. Its context is cancelled, so tasks it spawned with
//! [`ServerContext::cancellation_token`] see it, and the callbacks registered with
//! [`ServerContext::add_callback`] run with CANCELLED. A handler that is reading its request
//! stream at that moment gets `Err(CANCELLED)` from it first, never a clean end.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::FutureExt;
use http::{HeaderMap, HeaderValue};
use tokio::time::Sleep;

use super::body::{RequestBody, ResponseBody, ResponseEncoder, UnaryBody};
use super::context::{CancelOnDrop, ServerContext, Signal};
use super::router::CallInfo;
use crate::intercept::{MessageHook, Observers};
use crate::message::MessageType;
use crate::protocol::headers::{name, CONTENT_TYPE_GRPC};
use crate::protocol::Compression;
use crate::protocol::{
    decode_message, encoding_in, status_codec, FrameEncoder, OutgoingMessage, Spliced,
};
use crate::status::{Code, Status};
use crate::streaming::{ServerStream, Streaming};
use crate::transport::recv::{Body, ServerBody};

/// A boxed, sendable future (the shape of every handler call).
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

type BoxStream<T> =
    Pin<Box<dyn Stream<Item = Result<OutgoingMessage<T>, Status>> + Send + 'static>>;

/// Handles a unary call: `handler(ctx, request)` gives the single response.
pub fn unary<Req, Resp, F, Fut>(
    request: http::Request<RequestBody>,
    handler: F,
) -> BoxFuture<http::Response<ResponseBody>>
where
    Req: MessageType,
    Resp: MessageType,
    F: FnOnce(ServerContext, Req) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Resp, Status>> + Send + 'static,
{
    let (info, ctx, mut requests) = match open::<Req>(request) {
        Ok(opened) => opened,
        Err(response) => return Box::pin(std::future::ready(response)),
    };
    Box::pin(async move {
        let started = start_single(&ctx, &info, &mut requests).await;
        drop(requests);
        let (message, observers) = match started {
            Ok(started) => started,
            Err(status) => return respond_unary::<Resp>(ctx, Err(status), &info, None),
        };
        match run_handler(&ctx, handler(ctx.clone(), message)).await {
            Outcome::Done(result) => respond_unary(ctx, result, &info, observers),
            Outcome::Running(running) => {
                let returned = ctx.clone();
                let stream = running_stream(running, move |message| {
                    unless_status_set(&returned, message).map(ServerStream::once)
                });
                respond(ctx, Ok(stream), &info, observers)
            }
        }
    })
}

/// Handles a server-streaming call: `handler(ctx, request)` gives the response stream.
pub fn server_streaming<Req, Resp, F, Fut>(
    request: http::Request<RequestBody>,
    handler: F,
) -> BoxFuture<http::Response<ResponseBody>>
where
    Req: MessageType,
    Resp: MessageType,
    F: FnOnce(ServerContext, Req) -> Fut + Send + 'static,
    Fut: Future<Output = Result<ServerStream<Resp>, Status>> + Send + 'static,
{
    let (info, ctx, mut requests) = match open::<Req>(request) {
        Ok(opened) => opened,
        Err(response) => return Box::pin(std::future::ready(response)),
    };
    Box::pin(async move {
        let started = start_single(&ctx, &info, &mut requests).await;
        drop(requests);
        let (message, observers) = match started {
            Ok(started) => started,
            Err(status) => return respond::<Resp>(ctx, Err(status), &info, None),
        };
        let result = run_handler(&ctx, handler(ctx.clone(), message)).await;
        respond_outcome(ctx, result, &info, observers)
    })
}

/// Asks the server's interceptors about a call (nothing to do, and no allocation, without
/// any): the observers they want, or the status one rejected the call with.
async fn intercept(ctx: &ServerContext, info: &CallInfo) -> Result<Option<Observers>, Status> {
    let chain = &info.limits.interceptors;
    if chain.is_empty() {
        return Ok(None);
    }
    chain.run(ctx).await
}

/// For a call with one request message: the interceptors (so that a rejection wins over a
/// bad request), then the message, which the observers see.
async fn start_single<Req: MessageType>(
    ctx: &ServerContext,
    info: &CallInfo,
    requests: &mut Streaming<Req>,
) -> Result<(Req, Option<Observers>), Status> {
    let observers = intercept(ctx, info).await?;
    let mut message = single_request(info, requests).await?;
    ctx.set_request_compressed(requests.last_message_compressed());
    if let Some(observers) = &observers {
        observers.request(&mut message);
    }
    Ok((message, observers))
}

/// Reads the one request message of a unary or server-streaming call.
async fn single_request<Req: MessageType>(
    info: &CallInfo,
    requests: &mut Streaming<Req>,
) -> Result<Req, Status> {
    let message = requests
        .message()
        .await?
        .ok_or_else(|| Status::internal("the call has no request message"))?;
    // One message, then the end of the stream (as grpc-go insists).
    if requests.message().await?.is_some() {
        return Err(Status::internal(format!(
            "{} takes one request message, but the client sent more",
            info.method.path()
        )));
    }
    Ok(message)
}

/// Handles a client-streaming call: `handler(ctx, requests)` gives the single response.
pub fn client_streaming<Req, Resp, F, Fut>(
    request: http::Request<RequestBody>,
    handler: F,
) -> BoxFuture<http::Response<ResponseBody>>
where
    Req: MessageType,
    Resp: MessageType,
    F: FnOnce(ServerContext, Streaming<Req>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Resp, Status>> + Send + 'static,
{
    streaming(request, move |ctx, reqs| {
        let returned = ctx.clone();
        handler(ctx, reqs).map(move |result| {
            result
                .and_then(|message| unless_status_set(&returned, message))
                .map(ServerStream::once)
        })
    })
}

/// Handles a bidirectional-streaming call.
pub fn streaming<Req, Resp, F, Fut>(
    request: http::Request<RequestBody>,
    handler: F,
) -> BoxFuture<http::Response<ResponseBody>>
where
    Req: MessageType,
    Resp: MessageType,
    F: FnOnce(ServerContext, Streaming<Req>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<ServerStream<Resp>, Status>> + Send + 'static,
{
    let (info, ctx, requests) = match open::<Req>(request) {
        Ok(opened) => opened,
        Err(response) => return Box::pin(std::future::ready(response)),
    };
    Box::pin(async move {
        let mut requests = requests.cancel_on_failure(ctx.cancellation_token());
        let observers = match intercept(&ctx, &info).await {
            Ok(observers) => observers,
            Err(status) => return respond::<Resp>(ctx, Err(status), &info, None),
        };
        if let Some(observers) = &observers {
            requests = requests.observe(MessageHook::new(observers.clone(), true), None);
        }
        let result = run_handler(&ctx, handler(ctx.clone(), requests)).await;
        respond_outcome(ctx, result, &info, observers)
    })
}

/// Checks the request's compression, makes the handler's context and starts decoding the
/// request messages. Before the call's future, not in it: what it takes apart (the request,
/// its headers) then never takes room in that future, which is boxed.
#[allow(clippy::result_large_err)]
fn open<Req: MessageType>(
    request: http::Request<RequestBody>,
) -> Result<(CallInfo, ServerContext, Streaming<Req>), http::Response<ResponseBody>> {
    let (parts, body) = request.into_parts();
    let RequestBody { body, info } = body;
    let encoding = match encoding_in(info.encoding.as_ref(), &info.limits.accept_compression) {
        Ok(encoding) => encoding,
        Err(status) => return Err(trailers_only(status, &info)),
    };
    let requests = Streaming::server(
        Body::Request(ServerBody(body)),
        encoding,
        info.limits.max_receive_message_size,
        info.deadline,
        decode_message::<Req>,
    );
    let ctx = info.context(parts.headers, encoding);
    Ok((info, ctx, requests))
}

/// A response with no body: the status (and its metadata) in the headers.
fn trailers_only(status: Status, info: &CallInfo) -> http::Response<ResponseBody> {
    let mut response = status_response(&status);
    if let Some(accept) = &info.limits.accept_encoding {
        response
            .headers_mut()
            .insert(name::GRPC_ACCEPT_ENCODING, accept.clone());
    }
    response
}

/// A trailers-only response: `content-type` and the status, ending the stream.
pub(crate) fn status_response(status: &Status) -> http::Response<ResponseBody> {
    let mut response = http::Response::new(ResponseBody::empty());
    let headers = response.headers_mut();
    *headers = status_codec::encode(status);
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(CONTENT_TYPE_GRPC),
    );
    response
}

/// A handler's future, caught for panics and boxed, so that it can move into the response
/// body when the handler sends its headers before it returns.
type Running<T> = Pin<Box<dyn Future<Output = Caught<T>> + Send + 'static>>;

/// A handler's result, or the panic it raised.
type Caught<T> = Result<Result<T, Status>, Box<dyn Any + Send>>;

/// How far a handler got before the response could start.
enum Outcome<T> {
    /// It returned (or failed, panicked, ran out of time, or aborted the call).
    Done(Result<T, Status>),
    /// It sent its headers ([`ServerContext::send_initial_metadata`]) and runs on; the
    /// response body drives it from here.
    Running(Running<T>),
}

/// Runs a handler future under the call's deadline until it returns or asks for its headers
/// to go out, turning a panic into UNKNOWN and an abort into its status, and cancelling the
/// context if the future is dropped before it finishes.
async fn run_handler<T: Send + 'static>(
    ctx: &ServerContext,
    fut: impl Future<Output = Result<T, Status>> + Send + 'static,
) -> Outcome<T> {
    enum Step<T> {
        Returned(Caught<T>),
        Signal(Signal),
        Expired,
    }
    let mut guard = CancelOnDrop::new(ctx);
    let mut fut: Running<T> = Box::pin(std::panic::AssertUnwindSafe(fut).catch_unwind());
    let mut deadline = std::pin::pin!(ctx.deadline().map(tokio::time::sleep_until));
    let step = std::future::poll_fn(|cx| {
        if let Poll::Ready(caught) = fut.as_mut().poll(cx) {
            return Poll::Ready(Step::Returned(caught));
        }
        if let Poll::Ready(signal) = ctx.poll_signal(cx) {
            return Poll::Ready(Step::Signal(signal));
        }
        match deadline.as_mut().as_pin_mut().map(|sleep| sleep.poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(Step::Expired),
            _ => Poll::Pending,
        }
    })
    .await;
    guard.disarm();
    // The handler has ended with `result`; if it sent its headers and they have not gone out
    // yet, they still go first, and the status follows in the trailers (not a trailers-only
    // answer).
    let ended = |result: Result<T, Status>| {
        if result.is_err() && ctx.headers_pending() {
            Outcome::Running(Box::pin(std::future::ready(Ok(result))))
        } else {
            Outcome::Done(result)
        }
    };
    match step {
        Step::Returned(caught) => {
            if caught.is_err() {
                ctx.cancel(); // a panic: work the handler spawned stops with it
            }
            ended(caught_result(caught))
        }
        Step::Signal(Signal::Abort(status)) => {
            ctx.cancel();
            ended(Err(status))
        }
        Step::Signal(Signal::SendHeaders) => Outcome::Running(fut),
        Step::Expired => {
            ctx.cancel();
            Outcome::Done(Err(Status::deadline_exceeded("deadline exceeded")))
        }
    }
}

/// A handler's result, a panic turned into UNKNOWN.
fn caught_result<T>(caught: Caught<T>) -> Result<T, Status> {
    caught.unwrap_or_else(|panic| {
        Err(Status::unknown(format!(
            "handler panicked: {}",
            panic_message(&panic)
        )))
    })
}

/// A handler still running after its headers went out, as the response stream: its result,
/// turned into a stream by `into_stream`, follows the headers.
fn running_stream<T, R>(
    running: Running<R>,
    into_stream: impl FnOnce(R) -> Result<ServerStream<T>, Status> + Send + 'static,
) -> ServerStream<T>
where
    T: Send + 'static,
    R: 'static,
{
    use futures_util::StreamExt;
    let stream = futures_util::stream::once(async move {
        match caught_result(running.await).and_then(into_stream) {
            Ok(stream) => stream.into_inner(),
            Err(status) => futures_util::stream::once(std::future::ready(Err(status))).boxed(),
        }
    })
    .flatten();
    ServerStream::with_options(stream)
}

/// [`respond`] for a handler that returned its stream, or still runs after sending its
/// headers.
fn respond_outcome<T: MessageType>(
    ctx: ServerContext,
    outcome: Outcome<ServerStream<T>>,
    info: &CallInfo,
    observers: Option<Observers>,
) -> http::Response<ResponseBody> {
    match outcome {
        Outcome::Done(result) => respond(ctx, result, info, observers),
        Outcome::Running(running) => respond(ctx, Ok(running_stream(running, Ok)), info, observers),
    }
}

pub(crate) fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> &str {
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
    observers: Option<Observers>,
) -> http::Response<ResponseBody> {
    let result = result.and_then(|stream| match ctx.aborted() {
        Some(status) => Err(status),
        None => Ok(stream),
    });
    let stream = match result {
        Ok(stream) => stream,
        Err(status) => {
            let status = with_context_metadata(&ctx, status);
            ctx.finish(&status);
            return trailers_only(status, info);
        }
    };
    let compression = response_compression(&ctx, info);
    let initial = ctx.take_initial_metadata();
    let mut stream = ResponseStream::new(ctx, stream);
    stream.hook = observers.map(|observers| MessageHook::new(observers, false));
    let body = ResponseEncoder::new(
        stream,
        FrameEncoder::new(compression, info.limits.max_send_message_size),
    );
    response_with_headers(ResponseBody::new(body), initial, compression, info)
}

/// The response compression: the handler's choice or the server's default, if the client
/// accepts it.
fn response_compression(ctx: &ServerContext, info: &CallInfo) -> Option<Compression> {
    let wanted = ctx.compression().unwrap_or(info.limits.default_compression);
    wanted.filter(|c| ctx.peer_accepts(*c))
}

/// Like [`respond`] for a single response message, encoded at once: the body is that one
/// DATA frame, then the trailers (no stream, no encoder state to poll).
fn respond_unary<T: MessageType>(
    ctx: ServerContext,
    result: Result<T, Status>,
    info: &CallInfo,
    observers: Option<Observers>,
) -> http::Response<ResponseBody> {
    let result = result.and_then(|message| unless_status_set(&ctx, message));
    let mut message = match result {
        Ok(message) => message,
        Err(status) => {
            let status = with_context_metadata(&ctx, status);
            ctx.finish(&status);
            return trailers_only(status, info);
        }
    };
    if let Some(observers) = &observers {
        observers.response(&mut message);
    }
    let compression = response_compression(&ctx, info);
    let initial = ctx.take_initial_metadata();
    let mut encoder = FrameEncoder::new(compression, info.limits.max_send_message_size);
    let mut data = Spliced::default();
    let message = OutgoingMessage {
        message,
        compress: !ctx.take_next_uncompressed(),
    };
    let body = match encoder.encode_spliced(&message, &mut data) {
        Ok(()) => UnaryBody::new(data, ctx),
        Err(status) => {
            // As for a stream whose message cannot be sent: headers, then this status.
            ctx.cancel();
            ctx.finish(&status);
            UnaryBody::failed(&status)
        }
    };
    response_with_headers(ResponseBody::unary(body), initial, compression, info)
}

/// The single response of a handler that returned normally, unless it set another status
/// (`set_code`) or aborted: then that status, and no message.
fn unless_status_set<T>(ctx: &ServerContext, message: T) -> Result<T, Status> {
    match ctx.returned_status() {
        Some(status) if status.code() != Code::Ok => Err(status),
        _ => Ok(message),
    }
}

/// A response with the gRPC headers, the negotiated compression and the initial metadata.
fn response_with_headers(
    body: ResponseBody,
    initial: crate::metadata::MetadataMap,
    compression: Option<Compression>,
    info: &CallInfo,
) -> http::Response<ResponseBody> {
    let mut response = http::Response::new(body);
    let mut initial = initial.into_headers();
    let headers = if initial.is_empty() {
        info.limits.response_headers.clone()
    } else {
        crate::protocol::headers::strip_reserved(&mut initial);
        for (name, value) in &info.limits.response_headers {
            initial.insert(name.clone(), value.clone());
        }
        initial
    };
    *response.headers_mut() = headers;
    if let Some(compression) = compression {
        response.headers_mut().insert(
            name::GRPC_ENCODING,
            HeaderValue::from_static(compression.name()),
        );
    }
    response
}

/// The headers every response of a server starts with: `content-type`, and
/// `grpc-accept-encoding` when the server accepts compressed requests.
pub(crate) fn response_headers(accept_encoding: Option<&HeaderValue>) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(2);
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(CONTENT_TYPE_GRPC),
    );
    if let Some(accept) = accept_encoding {
        headers.insert(name::GRPC_ACCEPT_ENCODING, accept.clone());
    }
    headers
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
    /// Interceptors' observers of each response message.
    hook: Option<MessageHook<T>>,
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
            hook: None,
        }
    }

    fn finish(
        &mut self,
        status: Option<Status>,
    ) -> Poll<Option<Result<OutgoingMessage<T>, Status>>> {
        self.inner = None;
        self.guard.disarm();
        let status = match status {
            Some(status) => {
                self.ctx.cancel();
                with_context_metadata(&self.ctx, status)
            }
            None => match self.ctx.returned_status() {
                // The handler set another code with `set_code`, or aborted.
                Some(status) if status.code() != Code::Ok => {
                    self.ctx.cancel();
                    with_context_metadata(&self.ctx, status)
                }
                returned => {
                    let trailing = self.ctx.take_trailing_metadata();
                    let details = returned.map(|s| s.message().to_owned()).unwrap_or_default();
                    let status = Status::with_metadata(Code::Ok, details, trailing);
                    self.ctx.finish(&status);
                    if status.metadata().is_empty() && status.message().is_empty() {
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(Err(status)));
                }
            },
        };
        self.ctx.finish(&status);
        Poll::Ready(Some(Err(status)))
    }
}

impl<T: Send + 'static> Stream for ResponseStream<T> {
    type Item = Result<OutgoingMessage<T>, Status>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        if let Some(status) = this.ctx.aborted() {
            return this.finish(Some(status));
        }
        if let Some(deadline) = this.deadline.as_mut() {
            if deadline.as_mut().poll(cx).is_ready() {
                return this.finish(Some(Status::deadline_exceeded("deadline exceeded")));
            }
        }
        let hook = &this.hook;
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut polled = inner.as_mut().poll_next(cx);
            if let (Poll::Ready(Some(Ok(message))), Some(hook)) = (&mut polled, hook) {
                hook.see(&mut message.message);
            }
            polled
        }));
        match polled {
            Err(panic) => {
                let message = format!("handler stream panicked: {}", panic_message(&panic));
                this.finish(Some(Status::unknown(message)))
            }
            Ok(Poll::Pending) => match this.ctx.poll_signal(cx) {
                // An abort from a task the handler spawned (or a blocking handler) ends the
                // stream now; early headers are behind us.
                Poll::Ready(Signal::Abort(status)) => this.finish(Some(status)),
                _ => Poll::Pending,
            },
            Ok(Poll::Ready(None)) => this.finish(None),
            Ok(Poll::Ready(Some(Err(status)))) => this.finish(Some(status)),
            Ok(Poll::Ready(Some(Ok(mut message)))) => {
                if this.ctx.take_next_uncompressed() {
                    message.compress = false;
                }
                Poll::Ready(Some(Ok(message)))
            }
        }
    }
}
