//! Message streams: [`Streaming`] is what a handler receives for a client stream and what a
//! client receives for a server stream; [`ServerStream`] is what a handler returns.
//!
//! ```
//! use grpc_core::{ServerStream, Status};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! // From an iterator:
//! let numbers: ServerStream<u32> = ServerStream::iter(vec![1, 2, 3]);
//!
//! // From a channel a spawned task feeds:
//! let (tx, stream) = ServerStream::<u32>::channel(16);
//! tokio::spawn(async move {
//!     for n in 0..3 {
//!         if tx.send(Ok(n)).await.is_err() {
//!             break; // the client went away
//!         }
//!     }
//! });
//! # let _ = (numbers, stream);
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};

use crate::intercept::{MessageHook, Observers};
use crate::metadata::MetadataMap;
use crate::protocol::status_codec;
use crate::protocol::{Compression, FrameDecoder, OutgoingMessage};
use crate::status::{Code, Status};
use crate::transport::recv::{Body, RecvBody};

/// A status the request side of a client call failed with locally (an encode error, the send
/// limit); the call reports it instead of the reset that followed.
pub(crate) type LocalFailure = Arc<Mutex<Option<Status>>>;

/// What a client's response stream holds of its call.
pub(crate) struct ClientCall {
    /// `None` for a reply made without calling the server (an interceptor's).
    pub(crate) abandon: Option<Abandon>,
    pub(crate) local_failure: LocalFailure,
    pub(crate) in_flight: Option<crate::transport::usage::InFlight>,
    /// The address of the connection the call went out on.
    pub(crate) peer: Option<Arc<crate::transport::address::Address>>,
}

/// How a client call is abandoned: resets its HTTP/2 stream with CANCEL.
pub(crate) enum Abandon {
    /// The request side is done: reset through the send stream.
    Stream(h2::SendStream<Bytes>),
    /// A task is still sending requests: it resets the stream when this is dropped.
    Task(tokio_util::sync::DropGuard),
}

impl Abandon {
    fn abandon(self) {
        match self {
            Abandon::Stream(mut send) => send.send_reset(h2::Reason::CANCEL),
            Abandon::Task(guard) => drop(guard),
        }
    }
}

/// Which end of the call reads this stream.
enum Side {
    /// Responses, ending with the status in the trailers.
    Client {
        abandon: Option<Abandon>,
        local_failure: LocalFailure,
        /// Counts the call as in flight on its channel until the stream is dropped.
        in_flight: Option<crate::transport::usage::InFlight>,
        peer: Option<Arc<crate::transport::address::Address>>,
    },
    /// Requests, ending with END_STREAM.
    Server {
        /// The call's cancellation: cancelled when the body fails (the client reset the stream
        /// or went away), even if the handler is not reading at that moment.
        cancel: Option<tokio_util::sync::CancellationToken>,
    },
}

/// A stream of incoming messages: requests on the server, responses on the client.
///
/// Read it with [`Streaming::message`] or as a [`Stream`] of `Result<T, Status>`.
///
/// - It ends with `Ok(None)` only when the peer finished properly: on the server, the client
///   half-closed its request stream; on the client, the server sent an OK status.
/// - A client that cancels, goes away or runs out of deadline makes a handler's request stream
///   yield `Err` (CANCELLED or DEADLINE_EXCEEDED), never `Ok(None)`, so a partial upload never
///   looks complete.
/// - On the client it also gives the response's initial metadata and, once drained, its
///   trailing metadata; the call's deadline applies while reading, and dropping the stream
///   before its end cancels the call (RST_STREAM CANCEL).
///
/// On the client it is also the call object of a server-streaming or bidirectional call, as
/// grpcio's: [`cancel`](Self::cancel), [`is_active`](Self::is_active),
/// [`time_remaining`](Self::time_remaining), and once the call is over its
/// [`code`](Self::code), [`details`](Self::details) and
/// [`trailing_metadata`](Self::trailing_metadata); [`add_done_callback`](Self::add_done_callback)
/// runs once when the call ends, however it ends. The stream learns of the end when it reads
/// it (the last message, a failure), on `cancel()`, or when dropped: a call whose responses
/// are left unread is not over for it yet.
///
/// ```
/// use grpc_core::{Channel, Code, Message, Server, ServerStream, Status};
///
/// #[derive(Message, Clone, PartialEq, Debug)]
/// #[grpc(package = "streaming.doc")]
/// pub struct Tick { pub n: u64 }
///
/// #[grpc_core::service(package = "streaming.doc")]
/// pub trait Clock: Send + Sync + 'static {
///     async fn ticks(&self, request: Tick) -> Result<ServerStream<Tick>, Status>;
/// }
///
/// struct Ticker;
/// impl Clock for Ticker {
///     async fn ticks(&self, from: Tick) -> Result<ServerStream<Tick>, Status> {
///         Ok(ServerStream::iter((from.n..).map(|n| Tick { n }))) // endless
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = Server::builder().add_service(ClockServer::new(Ticker)).build();
/// # let port = server.add_insecure_port("127.0.0.1:0")?;
/// # server.start().await?;
/// let client = ClockClient::new(Channel::insecure(&format!("127.0.0.1:{port}"))?);
/// let mut ticks = client.ticks(Tick { n: 0 }).timeout(std::time::Duration::from_secs(5)).await?;
/// let (ended, heard) = std::sync::mpsc::channel();
/// ticks.add_done_callback(move |status| ended.send(status.code()).unwrap());
/// while let Some(tick) = ticks.message().await? {
///     if tick.n == 3 {
///         assert!(ticks.cancel()); // the server sees RST_STREAM(CANCEL)
///         break;
///     }
/// }
/// assert_eq!(ticks.code(), Some(Code::Cancelled));
/// assert!(!ticks.is_active() && ticks.time_remaining().is_some());
/// assert_eq!(heard.try_recv()?, Code::Cancelled);
/// # Ok(()) }
/// ```
pub struct Streaming<T> {
    body: Option<Body>,
    decoder: FrameDecoder,
    decode: fn(Bytes) -> Result<T, Status>,
    side: Side,
    initial_metadata: MetadataMap,
    deadline: Option<Pin<Box<Sleep>>>,
    last_compressed: Option<bool>,
    /// As a `Stream`: the end or an error was yielded.
    stream_done: bool,
    /// Interceptors' observers of each message (none without interceptors).
    hook: Option<MessageHook<T>>,
    /// Client side, with interceptors: the observers told of the call's end.
    end: Option<Observers>,
    /// Client side, a call still starting: the task that opens it and waits for the response
    /// headers, while the requests already flow. Reading resolves it first.
    pending: Option<StartTask<T>>,
    /// The call failed before its response headers arrived.
    start_failed: bool,
    /// How the call ended, once this stream knows: OK (with the trailers) or the failure.
    outcome: Option<Status>,
    /// Ended by [`Streaming::cancel`].
    cancelled: bool,
    /// Run once, with `outcome`, when the call ends.
    done_callbacks: Vec<DoneCallback>,
}

/// A callback run once when a call ends (see [`Streaming::add_done_callback`]).
type DoneCallback = Box<dyn FnOnce(&Status) + Send + 'static>;

/// The body of a stream that has none (yet).
struct NoBody;

impl RecvBody for NoBody {
    fn poll_data(&mut self, _: &mut Context<'_>) -> Poll<Option<Result<Bytes, Status>>> {
        Poll::Ready(None)
    }

    fn poll_trailers(
        &mut self,
        _: &mut Context<'_>,
    ) -> Poll<Result<Option<http::HeaderMap>, Status>> {
        Poll::Ready(Ok(None))
    }
}

/// The task starting a client call whose response headers have not arrived yet; dropping it
/// (the stream is dropped before the headers came) aborts the task, which resets the call.
struct StartTask<T>(tokio::task::JoinHandle<Result<Streaming<T>, Status>>);

impl<T> Drop for StartTask<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> Streaming<T> {
    fn new(
        body: Body,
        decoder: FrameDecoder,
        side: Side,
        initial_metadata: MetadataMap,
        deadline: Option<Instant>,
        decode: fn(Bytes) -> Result<T, Status>,
    ) -> Self {
        Streaming {
            body: Some(body),
            decoder,
            decode,
            side,
            initial_metadata,
            deadline: deadline.map(|at| Box::pin(tokio::time::sleep_until(at))),
            last_compressed: None,
            stream_done: false,
            hook: None,
            end: None,
            pending: None,
            start_failed: false,
            outcome: None,
            cancelled: false,
            done_callbacks: Vec::new(),
        }
    }

    /// A client's response stream whose call `start` is still starting (sending its requests,
    /// waiting for the response headers) on its own task: the caller can write its requests
    /// before the server answers, as a server that holds its headers until the first request
    /// (grpcio does) needs.
    pub(crate) fn client_starting(
        start: tokio::task::JoinHandle<Result<Streaming<T>, Status>>,
        deadline: Option<Instant>,
    ) -> Self
    where
        T: Send + 'static,
    {
        let mut stream = Self::new(
            Body::Other(Box::new(NoBody)),
            FrameDecoder::new(None, 0),
            Side::Client {
                abandon: None,
                local_failure: LocalFailure::default(),
                in_flight: None,
                peer: None,
            },
            MetadataMap::new(),
            deadline,
            |_| {
                Err(Status::internal(
                    "a starting call has no messages of its own",
                ))
            },
        );
        stream.body = None;
        stream.pending = Some(StartTask(start));
        stream
    }

    /// Resolves a call still starting: then this stream is the call's own.
    fn poll_started(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Status>> {
        if self.start_failed {
            return Poll::Ready(Err(self.failure().cloned().unwrap_or_else(|| {
                Status::internal("the call failed before its response headers")
            })));
        }
        let Some(pending) = self.pending.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let started = match Pin::new(&mut pending.0).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Ok(started)) => started,
            Poll::Ready(Err(error)) => Err(Status::internal(format!(
                "the task starting the call failed: {error}"
            ))),
        };
        self.pending = None;
        match started {
            Ok(mut stream) => {
                // Callbacks added while the call was starting belong to the call.
                stream.done_callbacks = std::mem::take(&mut self.done_callbacks);
                if stream.deadline.is_none() {
                    stream.deadline = self.deadline.take();
                }
                *self = stream;
                Poll::Ready(Ok(()))
            }
            Err(status) => {
                self.start_failed = true;
                let _ = self.fail(status.clone());
                Poll::Ready(Err(status))
            }
        }
    }

    /// Waits for the response headers (if they have not arrived) and returns them: the call's
    /// initial metadata, before any message. On the server side, empty at once.
    pub async fn headers(&mut self) -> Result<&MetadataMap, Status> {
        std::future::poll_fn(|cx| self.poll_started(cx)).await?;
        Ok(&self.initial_metadata)
    }

    /// Shows every message to `hook`; on the client, `end` hears how the call ended (also when
    /// the stream is dropped before its end).
    pub(crate) fn observe(mut self, hook: MessageHook<T>, end: Option<Observers>) -> Self {
        self.hook = Some(hook);
        self.end = end;
        self
    }

    /// A handler's request stream.
    pub(crate) fn server(
        body: Body,
        compression: Option<Compression>,
        max_message_size: usize,
        deadline: Option<Instant>,
        decode: fn(Bytes) -> Result<T, Status>,
    ) -> Self {
        let decoder = FrameDecoder::new(compression, max_message_size);
        Self::new(
            body,
            decoder,
            Side::Server { cancel: None },
            MetadataMap::new(),
            deadline,
            decode,
        )
    }

    /// Makes a failing request body cancel `token` (the handler's context).
    pub(crate) fn cancel_on_failure(mut self, token: tokio_util::sync::CancellationToken) -> Self {
        if let Side::Server { cancel } = &mut self.side {
            *cancel = Some(token);
        }
        self
    }

    /// A client's response stream.
    pub(crate) fn client(
        body: Body,
        decoder: FrameDecoder,
        initial_metadata: MetadataMap,
        deadline: Option<Instant>,
        call: ClientCall,
        decode: fn(Bytes) -> Result<T, Status>,
    ) -> Self {
        let side = Side::Client {
            abandon: call.abandon,
            local_failure: call.local_failure,
            in_flight: call.in_flight,
            peer: call.peer,
        };
        Self::new(body, decoder, side, initial_metadata, deadline, decode)
    }

    /// Whether the message last returned arrived compressed (`None` before the first message).
    pub fn last_message_compressed(&self) -> Option<bool> {
        self.last_compressed
    }

    /// The next message; `Ok(None)` once the stream ended successfully.
    pub async fn message(&mut self) -> Result<Option<T>, Status> {
        std::future::poll_fn(|cx| self.poll_message(cx)).await
    }

    /// The initial metadata (response headers) of the call. Empty on the server side, and
    /// for a bidirectional call whose headers have not arrived yet: [`Streaming::headers`]
    /// waits for them.
    pub fn initial_metadata(&self) -> &MetadataMap {
        &self.initial_metadata
    }

    /// The trailing metadata, draining any messages not yet read. `None` on the server side.
    pub async fn trailers(&mut self) -> Result<Option<MetadataMap>, Status> {
        while self.message().await?.is_some() {}
        Ok(self
            .outcome
            .as_ref()
            .filter(|status| status.code() == Code::Ok)
            .map(|status| status.metadata().clone()))
    }

    /// The status the stream failed with, if it did; later reads return it again.
    fn failure(&self) -> Option<&Status> {
        self.outcome
            .as_ref()
            .filter(|status| status.code() != Code::Ok)
    }

    /// Initial and trailing metadata, once the stream has ended.
    pub(crate) fn into_metadata(mut self) -> (MetadataMap, MetadataMap) {
        (
            std::mem::take(&mut self.initial_metadata),
            self.outcome
                .as_mut()
                .map(|status| std::mem::take(status.metadata_mut()))
                .unwrap_or_default(),
        )
    }

    /// Ends the stream with `status`: on the client, the call is reset (both directions).
    fn fail(&mut self, status: Status) -> Poll<Result<Option<T>, Status>> {
        self.body = None;
        if let Side::Client { abandon, .. } = &mut self.side {
            if let Some(abandon) = abandon.take() {
                abandon.abandon();
            }
        }
        self.finish(status.clone());
        Poll::Ready(Err(status))
    }

    /// The call is over with `status` (the first end wins): the interceptors' observers and
    /// the done callbacks hear of it, once.
    fn finish(&mut self, status: Status) {
        if self.outcome.is_some() {
            return;
        }
        if let Some(end) = &self.end {
            end.end(&status);
        }
        for callback in std::mem::take(&mut self.done_callbacks) {
            // A panicking callback must not take the others (or a drop) with it.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(&status)));
        }
        self.outcome = Some(status);
    }

    fn is_client(&self) -> bool {
        matches!(self.side, Side::Client { .. })
    }

    /// Cancels the call (client side): its stream is reset with CANCEL, so the server sees the
    /// cancel, and every later read is CANCELLED. Returns whether it cancelled: `false` once
    /// the call is over (or on a handler's request stream, which a handler leaves by
    /// returning).
    pub fn cancel(&mut self) -> bool {
        if !self.is_client() || self.outcome.is_some() {
            return false;
        }
        self.cancelled = true;
        if self.pending.take().is_some() {
            // A call still starting: dropping its task resets the stream, and its headers
            // never come.
            self.start_failed = true;
        }
        let _ = self.fail(Status::cancelled("the call was cancelled"));
        true
    }

    /// The address of the server the call went to (client side, once the call has started;
    /// `None` for a reply an interceptor made without calling).
    pub fn peer(&self) -> Option<&crate::transport::address::Address> {
        match &self.side {
            Side::Client { peer, .. } => peer.as_deref(),
            Side::Server { .. } => None,
        }
    }

    /// Whether [`cancel`](Self::cancel) ended the call.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    /// Whether the response headers are known: `false` while a bidirectional call is still
    /// starting ([`headers`](Self::headers) waits for them).
    pub(crate) fn headers_known(&self) -> bool {
        self.pending.is_none()
    }

    /// Whether the call is still running as far as this stream knows: not ended (by its last
    /// message, a failure or a cancel), and its deadline not passed.
    pub fn is_active(&self) -> bool {
        self.outcome.is_none() && self.time_remaining() != Some(Duration::ZERO)
    }

    /// What is left of the call's deadline; `None` without one (or, on a channel with
    /// interceptors, while a bidirectional call is still starting: they may change it).
    pub fn time_remaining(&self) -> Option<Duration> {
        self.deadline
            .as_ref()
            .map(|d| d.deadline().saturating_duration_since(Instant::now()))
    }

    /// The call's status code, once the call is over (`None` before).
    pub fn code(&self) -> Option<Code> {
        self.outcome.as_ref().map(Status::code)
    }

    /// The call's status message (`grpc-message`), once the call is over.
    pub fn details(&self) -> Option<&str> {
        self.outcome.as_ref().map(Status::message)
    }

    /// The trailing metadata, once the call is over: the trailers of a call that ended OK, or
    /// those carried by its failure status.
    pub fn trailing_metadata(&self) -> Option<&MetadataMap> {
        self.outcome.as_ref().map(Status::metadata)
    }

    /// Runs `callback` once when the call ends, with its status: OK after the last message,
    /// the failure, CANCELLED after [`cancel`](Self::cancel) or when the stream is dropped
    /// before the end, DEADLINE_EXCEEDED after the deadline. Added after the end, it runs at
    /// once.
    pub fn add_done_callback(&mut self, callback: impl FnOnce(&Status) + Send + 'static) {
        match &self.outcome {
            Some(status) => callback(status),
            None => self.done_callbacks.push(Box::new(callback)),
        }
    }

    /// A body error as the reader should see it: past the deadline it is DEADLINE_EXCEEDED;
    /// on the client a local request failure wins over the reset it caused, and a channel's
    /// `close()` over the broken connection.
    fn explain(&self, status: Status) -> Status {
        if let Side::Client {
            local_failure,
            in_flight,
            ..
        } = &self.side
        {
            if let Some(local) = local_failure.lock().ok().and_then(|mut s| s.take()) {
                return local;
            }
            if let Some(aborted) = in_flight.as_ref().and_then(|f| f.aborted()) {
                return aborted;
            }
        }
        // The instant, not `is_elapsed()`: that is only true once the timer driver has fired
        // the timer, which under load can come after the server's reset at the deadline (the
        // call would then read CANCELLED; bench-soak saw 2 in 1.1 million calls).
        let passed = |d: &Pin<Box<Sleep>>| d.is_elapsed() || d.deadline() <= Instant::now();
        if self.deadline.as_ref().is_some_and(passed) {
            return Status::deadline_exceeded("deadline exceeded");
        }
        status
    }

    fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<T>, Status>> {
        if self.pending.is_some() {
            if let Err(status) = std::task::ready!(self.poll_started(cx)) {
                return Poll::Ready(Err(status));
            }
        }
        if let Some(status) = self.failure() {
            return Poll::Ready(Err(status.clone()));
        }
        loop {
            match self.decoder.next_message() {
                Ok(Some(message)) => {
                    self.last_compressed = Some(message.compressed);
                    return match (self.decode)(message.payload) {
                        Ok(mut value) => {
                            if let Some(hook) = &self.hook {
                                hook.see(&mut value);
                            }
                            Poll::Ready(Ok(Some(value)))
                        }
                        Err(status) => self.fail(status),
                    };
                }
                Ok(None) => {}
                Err(status) => return self.fail(status),
            }
            let Some(body) = self.body.as_mut() else {
                return Poll::Ready(Ok(None));
            };
            if let Some(deadline) = self.deadline.as_mut() {
                if deadline.as_mut().poll(cx).is_ready() {
                    return self.fail(Status::deadline_exceeded("deadline exceeded"));
                }
            }
            match body.poll_data(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => self.decoder.push(chunk),
                Poll::Ready(Some(Err(status))) => {
                    if let Side::Server {
                        cancel: Some(token),
                    } = &self.side
                    {
                        token.cancel();
                    }
                    let status = self.explain(status);
                    return self.fail(status);
                }
                Poll::Ready(None) => return self.poll_end(cx),
            }
        }
    }

    /// The data has ended: a half-message is an error; on the client the trailers decide.
    fn poll_end(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<T>, Status>> {
        if self.decoder.has_partial() {
            return self.fail(Status::internal(
                "the stream ended in the middle of a message",
            ));
        }
        if let Side::Server { .. } = self.side {
            self.body = None;
            return Poll::Ready(Ok(None));
        }
        let Some(body) = self.body.as_mut() else {
            return Poll::Ready(Ok(None));
        };
        let trailers = match body.poll_trailers(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Ok(trailers)) => trailers,
            Poll::Ready(Err(status)) => {
                let status = self.explain(status);
                return self.fail(status);
            }
        };
        let status = trailers.and_then(status_codec::decode).unwrap_or_else(|| {
            Status::internal("the server ended the response without a grpc-status")
        });
        self.body = None;
        if status.code() == Code::Ok {
            self.finish(status);
            if let Side::Client { abandon, .. } = &mut self.side {
                // The call is complete: nothing to cancel.
                *abandon = None;
            }
            Poll::Ready(Ok(None))
        } else {
            self.fail(status)
        }
    }
}

impl<T> Stream for Streaming<T> {
    type Item = Result<T, Status>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.stream_done {
            return Poll::Ready(None);
        }
        let polled = this.poll_message(cx).map(Result::transpose);
        if matches!(polled, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            // An error is reported once; as a `Stream` the call is then over.
            this.stream_done = true;
        }
        polled
    }
}

impl<T> Drop for Streaming<T> {
    fn drop(&mut self) {
        let heard = self.end.as_ref().is_some_and(|end| !end.has_ended());
        if self.outcome.is_none() && (heard || !self.done_callbacks.is_empty()) {
            // Dropped before its end: the caller gave up, or its deadline did.
            let late = |d: &Pin<Box<Sleep>>| d.deadline() <= Instant::now();
            let status = if self.deadline.as_ref().is_some_and(late) {
                Status::deadline_exceeded("deadline exceeded")
            } else {
                Status::cancelled("the call was cancelled")
            };
            self.finish(status);
        }
        if let Side::Client { abandon, .. } = &mut self.side {
            if let Some(abandon) = abandon.take() {
                abandon.abandon();
            }
        }
    }
}

impl<T> fmt::Debug for Streaming<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Streaming")
            .field("finished", &self.body.is_none())
            .finish_non_exhaustive()
    }
}

/// The sending half of [`ServerStream::channel`]: `send(Ok(message))` or end the call with
/// `send(Err(status))`. Sending fails once the client has gone away.
pub type StreamSender<T> = mpsc::Sender<Result<T, Status>>;

/// The sending half of [`ServerStream::channel_with_options`].
pub type OutgoingSender<T> = mpsc::Sender<Result<OutgoingMessage<T>, Status>>;

/// A stream of outgoing messages returned by a handler: a server stream's responses.
///
/// Ending the stream ends the call with OK; yielding an `Err(status)` ends it with that status.
pub struct ServerStream<T> {
    inner: Pin<Box<dyn Stream<Item = Result<OutgoingMessage<T>, Status>> + Send + 'static>>,
}

impl<T: Send + 'static> ServerStream<T> {
    /// Wraps any stream of results.
    pub fn new<S>(stream: S) -> Self
    where
        S: Stream<Item = Result<T, Status>> + Send + 'static,
    {
        use tokio_stream::StreamExt;
        ServerStream {
            inner: Box::pin(stream.map(|item| item.map(OutgoingMessage::new))),
        }
    }

    /// Wraps a stream whose messages each say whether they may be compressed (when the call
    /// compresses; see [`ServerContext::set_compression`](crate::ServerContext::set_compression)).
    pub fn with_options<S>(stream: S) -> Self
    where
        S: Stream<Item = Result<OutgoingMessage<T>, Status>> + Send + 'static,
    {
        ServerStream {
            inner: Box::pin(stream),
        }
    }

    /// A stream of one message.
    pub fn once(message: T) -> Self {
        Self::with_options(tokio_stream::once(Ok(OutgoingMessage::new(message))))
    }

    /// Like [`ServerStream::channel`], sending messages with their compression choice.
    pub fn channel_with_options(buffer: usize) -> (OutgoingSender<T>, Self) {
        let (tx, rx) = mpsc::channel(buffer.max(1));
        (
            tx,
            Self::with_options(tokio_stream::wrappers::ReceiverStream::new(rx)),
        )
    }

    pub(crate) fn into_inner(
        self,
    ) -> Pin<Box<dyn Stream<Item = Result<OutgoingMessage<T>, Status>> + Send + 'static>> {
        self.inner
    }

    /// A stream of the given messages.
    ///
    /// The messages are pulled as fast as the response encoder takes them (it sends what it
    /// has once 32 KiB are buffered), without `tokio_stream::iter`'s yield every 32 items.
    pub fn iter<I>(items: I) -> Self
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: Send + 'static,
    {
        Self::with_options(IterStream(items.into_iter()))
    }

    /// A stream with no messages: the call ends with OK.
    pub fn empty() -> Self {
        Self::new(tokio_stream::empty())
    }

    /// A stream fed through a channel with room for `buffer` messages; send from any task.
    pub fn channel(buffer: usize) -> (StreamSender<T>, Self) {
        let (tx, rx) = mpsc::channel(buffer.max(1));
        (
            tx,
            Self::new(tokio_stream::wrappers::ReceiverStream::new(rx)),
        )
    }
}

/// An iterator as a stream that is always ready (the encoder bounds how much it takes).
struct IterStream<I>(I);

impl<I> Unpin for IterStream<I> {}

impl<T, I: Iterator<Item = T>> Stream for IterStream<I> {
    type Item = Result<OutgoingMessage<T>, Status>;

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.get_mut().0.next().map(|m| Ok(OutgoingMessage::new(m))))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<T> Stream for ServerStream<T> {
    type Item = Result<T, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner
            .as_mut()
            .poll_next(cx)
            .map(|item| item.map(|result| result.map(|outgoing| outgoing.message)))
    }
}

impl<T> fmt::Debug for ServerStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerStream").finish_non_exhaustive()
    }
}
