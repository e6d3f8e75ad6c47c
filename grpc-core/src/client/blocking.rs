//! Blocking calls: what the generated `XxxBlockingClient` returns. No async in sight: the calls
//! run on a tokio runtime the library manages (or one the user hands in), and the caller's
//! thread waits.
//!
//! A blocking call made on a thread that is inside a tokio runtime (a task, `block_on`,
//! `spawn_blocking`, or under `Runtime::enter`) fails at once with FAILED_PRECONDITION instead
//! of blocking the runtime's thread, which on a current-thread runtime would deadlock. Use the
//! async client there, or make the blocking call from a plain thread.
//!
//! ```
//! use grpc_core::{Channel, Message, Server, Status};
//!
//! #[derive(Message, Clone, PartialEq, Debug)]
//! #[grpc(package = "blocking.doc")]
//! pub struct HelloRequest { pub name: String }
//! #[derive(Message, Clone, PartialEq, Debug)]
//! #[grpc(package = "blocking.doc")]
//! pub struct HelloReply { pub message: String }
//!
//! #[grpc_core::service(package = "blocking.doc")]
//! pub trait Greeter: Send + Sync + 'static {
//!     async fn say_hello(&self, request: HelloRequest) -> Result<HelloReply, Status>;
//! }
//!
//! struct Hello;
//! impl Greeter for Hello {
//!     async fn say_hello(&self, request: HelloRequest) -> Result<HelloReply, Status> {
//!         Ok(HelloReply { message: format!("Hello {}", request.name) })
//!     }
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // A server on its own runtime, for the example's sake.
//!     let runtime = tokio::runtime::Runtime::new()?;
//!     let server = Server::builder().add_service(GreeterServer::new(Hello)).build();
//!     let port = server.add_insecure_port("127.0.0.1:0")?;
//!     runtime.block_on(server.start())?;
//!
//!     // The client side: a plain thread, no async.
//!     let client = GreeterBlockingClient::new(Channel::insecure(&format!("127.0.0.1:{port}"))?);
//!     let reply = client
//!         .say_hello(HelloRequest { name: "world".into() })
//!         .timeout(std::time::Duration::from_secs(5))
//!         .call()?;
//!     assert_eq!(reply.message, "Hello world");
//!
//!     // In the background, with the grpcio Future API.
//!     let call = client.say_hello(HelloRequest { name: "later".into() }).future();
//!     assert_eq!(call.result(None)?.message, "Hello later");
//!     assert!(!call.cancel(), "already done");
//!     Ok(())
//! }
//! ```

use std::fmt;
use std::future::IntoFuture;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use futures_core::Stream;
use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::call::{CallDetails, StreamingCall, UnaryCall};
use super::credentials::CallCredentials;
use super::future::CallFuture;
use super::requests::IntoRequest;
use crate::message::MessageType;
use crate::metadata::MetadataMap;
use crate::protocol::{Compression, OutgoingMessage};
use crate::status::{Code, Status};
use crate::streaming::Streaming;

/// Where blocking calls run: the runtime the library starts on first use (two worker threads,
/// named `grpc-core-blocking`), or one the user hands in.
#[derive(Clone, Debug)]
pub struct BlockingRuntime {
    handle: Option<Handle>,
}

impl BlockingRuntime {
    /// The runtime the library manages, shared by every blocking client that is not given
    /// one. It starts on first use and lives as long as the process.
    pub fn shared() -> BlockingRuntime {
        BlockingRuntime { handle: None }
    }

    /// A runtime the user runs: calls are spawned on it. It must be running (a multi-thread
    /// runtime, or a current-thread one that some thread drives) for calls to make progress.
    pub fn from_handle(handle: Handle) -> BlockingRuntime {
        BlockingRuntime {
            handle: Some(handle),
        }
    }

    /// The runtime's handle; an error if the shared runtime could not be started.
    pub(crate) fn handle(&self) -> Result<Handle, Status> {
        if let Some(handle) = &self.handle {
            return Ok(handle.clone());
        }
        static SHARED: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
        let runtime = SHARED.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("grpc-core-blocking")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        });
        match runtime {
            Ok(runtime) => Ok(runtime.handle().clone()),
            Err(error) => Err(Status::internal(format!(
                "could not start the runtime for blocking calls: {error}"
            ))),
        }
    }

    /// Runs `future` on this runtime and blocks the calling thread until it is done.
    pub(crate) fn block_on<F, T>(&self, future: F) -> Result<T, Status>
    where
        F: std::future::Future<Output = Result<T, Status>> + Send + 'static,
        T: Send + 'static,
    {
        if inside_runtime() {
            return Err(Status::failed_precondition(
                "a blocking call cannot be made inside a tokio runtime (it would block, or on a \
                 current-thread runtime deadlock, the runtime's thread): use the async client, \
                 or call from a thread outside the runtime",
            ));
        }
        let handle = self.handle()?;
        let (done, outcome) = std::sync::mpsc::sync_channel(1);
        handle.spawn(async move {
            let _ = done.send(future.await);
        });
        outcome.recv().unwrap_or_else(|_| {
            Err(Status::cancelled(
                "the runtime shut down before the call finished",
            ))
        })
    }

    /// A request stream fed from `requests` on one of the runtime's blocking threads, so an
    /// iterator that blocks (reading a file, a socket, stdin) never holds up the runtime. It
    /// pulls the next item only once the previous one was taken (back-pressure). If the
    /// runtime cannot start, the stream is empty, and the call fails when made (it needs the
    /// runtime too).
    pub fn request_stream<I, Req>(
        &self,
        requests: I,
    ) -> impl Stream<Item = Result<OutgoingMessage<Req>, Status>> + Send + 'static
    where
        I: IntoIterator + Send + 'static,
        I::IntoIter: Send + 'static,
        I::Item: IntoRequest<Req>,
        Req: Send + 'static,
    {
        let (sender, receiver) = mpsc::channel(1);
        if let Ok(handle) = self.handle() {
            handle.spawn_blocking(move || {
                let pulled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    for request in requests {
                        // The call is over (done, failed or dropped): stop pulling.
                        if sender.blocking_send(request.into_request()).is_err() {
                            return;
                        }
                    }
                }));
                if pulled.is_err() {
                    // A panicking iterator breaks the call off; it never ends it cleanly.
                    let _ = sender.blocking_send(Err(Status::cancelled(
                        "the request iterator panicked: the upload is incomplete",
                    )));
                }
            });
        }
        tokio_stream::wrappers::ReceiverStream::new(receiver)
    }
}

/// Whether this thread is inside a tokio runtime, where blocking would hold up the runtime.
pub(crate) fn inside_runtime() -> bool {
    Handle::try_current().is_ok()
}

/// A blocking call: set per-call options as on the async builders, then [`call`](Self::call)
/// (or `with_call`, or `future`).
#[must_use = "a call does nothing until `call()` (or `with_call()`, `future()`)"]
pub struct BlockingCall<C> {
    call: C,
    runtime: BlockingRuntime,
}

impl<C> BlockingCall<C> {
    #[doc(hidden)]
    pub fn new(call: C, runtime: &BlockingRuntime) -> BlockingCall<C> {
        BlockingCall {
            call,
            runtime: runtime.clone(),
        }
    }

    /// Applies one option to the wrapped async call builder.
    fn map_call(self, f: impl FnOnce(C) -> C) -> BlockingCall<C> {
        BlockingCall {
            call: f(self.call),
            runtime: self.runtime,
        }
    }
}

macro_rules! blocking_options {
    () => {
        /// Fails the call with DEADLINE_EXCEEDED if it has not finished within `timeout`.
        pub fn timeout(self, timeout: Duration) -> Self {
            self.map_call(|call| call.timeout(timeout))
        }

        /// Adds request metadata.
        pub fn metadata(self, metadata: MetadataMap) -> Self {
            self.map_call(|call| call.metadata(metadata))
        }

        /// Compresses this call's request messages with `compression` (`None`: none).
        pub fn compression(self, compression: Option<Compression>) -> Self {
            self.map_call(|call| call.compression(compression))
        }

        /// Sends these call credentials' metadata with this call (secure channels only).
        pub fn credentials(self, credentials: CallCredentials) -> Self {
            self.map_call(|call| call.credentials(credentials))
        }

        /// The request metadata sent with this call.
        pub fn metadata_mut(&mut self) -> &mut MetadataMap {
            self.call.metadata_mut()
        }

        /// `wait_for_ready`: wait for a connection until the deadline instead of failing at
        /// once while the channel is in TRANSIENT_FAILURE.
        pub fn wait_for_ready(self, wait: bool) -> Self {
            self.map_call(|call| call.wait_for_ready(wait))
        }
    };
}

impl<Req, Resp> BlockingCall<UnaryCall<Req, Resp>>
where
    Req: MessageType,
    Resp: MessageType + Sync,
{
    blocking_options!();

    /// Makes the call; blocks until the response.
    pub fn call(self) -> Result<Resp, Status> {
        self.runtime.block_on(self.call.into_future())
    }

    /// Makes the call; blocks until the response, returned with its metadata.
    pub fn with_call(self) -> Result<(Resp, CallDetails), Status> {
        self.runtime.block_on(self.call.with_call())
    }

    /// Starts the call in the background and returns its [`CallFuture`].
    pub fn future(self) -> CallFuture<Resp> {
        match self.runtime.handle() {
            Ok(handle) => self.call.spawn_on(&handle),
            Err(status) => CallFuture::failed(status),
        }
    }
}

impl<Req, Resp> BlockingCall<StreamingCall<Req, Resp>>
where
    Req: MessageType,
    Resp: MessageType,
{
    blocking_options!();

    /// Makes the call; blocks until the response headers, then gives the responses as an
    /// iterator.
    pub fn call(self) -> Result<BlockingStreaming<Resp>, Status> {
        let handle = self.runtime.handle()?;
        let stream = self.runtime.block_on(self.call.into_future())?;
        Ok(BlockingStreaming::new(stream, &handle))
    }
}

/// What the task reading a response stream hands the iterator.
enum Event<T> {
    Message(T),
    /// The call ended OK after the last message.
    End,
    Failed(Status),
}

/// A callback run once when a blocking streaming call ends.
type DoneCallback = Box<dyn FnOnce(&Status) + Send + 'static>;

/// What a [`BlockingStreaming`] shares with the task reading its call.
struct StreamShared {
    /// The response headers, once they arrived (empty if the call failed before them).
    initial_metadata: OnceLock<MetadataMap>,
    /// How the call ended, once the reading task (or `cancel`) knows.
    outcome: OnceLock<Status>,
    deadline: Option<Instant>,
    /// Tells the task to cancel the call (`cancel()`, or the iterator dropped early).
    cancel: CancellationToken,
    state: Mutex<StreamState>,
    headers_arrived: Condvar,
}

struct StreamState {
    cancelled: bool,
    callbacks: Vec<DoneCallback>,
}

impl StreamShared {
    fn lock(&self) -> MutexGuard<'_, StreamState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The call is over with `status` (the first end wins); the callbacks run now.
    fn finish(&self, status: &Status) {
        let callbacks = {
            let mut state = self.lock();
            if self.outcome.set(status.clone()).is_err() {
                return;
            }
            std::mem::take(&mut state.callbacks)
        };
        // No headers will come now; wake anyone waiting for them.
        self.set_headers(MetadataMap::new());
        for callback in callbacks {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(status)));
        }
    }

    fn set_headers(&self, headers: MetadataMap) {
        let _guard = self.lock();
        let _ = self.initial_metadata.set(headers);
        self.headers_arrived.notify_all();
    }
}

/// The responses of a blocking streaming call, as an `Iterator` of `Result<Resp, Status>`,
/// and the call object of a server-streaming or bidirectional blocking call.
///
/// A task on the runtime reads the stream one message ahead. The iterator ends after the last
/// message of a call that ended OK; a failed call yields its status last.
///
/// As grpcio's call object: [`initial_metadata`](Self::initial_metadata) (waiting for the
/// headers of a bidirectional call), [`cancel`](Self::cancel), [`is_active`](Self::is_active),
/// [`time_remaining`](Self::time_remaining), and once the call is over its
/// [`code`](Self::code), [`details`](Self::details) and
/// [`trailing_metadata`](Self::trailing_metadata).
/// [`add_done_callback`](Self::add_done_callback) runs once when the call ends, on the
/// runtime's thread (or on the thread that cancels). Dropping the iterator before the end
/// cancels the call.
pub struct BlockingStreaming<T> {
    shared: Arc<StreamShared>,
    events: mpsc::Receiver<Event<T>>,
    finished: bool,
}

impl<T: Send + 'static> BlockingStreaming<T> {
    fn new(mut stream: Streaming<T>, handle: &Handle) -> BlockingStreaming<T> {
        let shared = Arc::new(StreamShared {
            initial_metadata: OnceLock::new(),
            outcome: OnceLock::new(),
            deadline: stream.time_remaining().map(|left| Instant::now() + left),
            cancel: CancellationToken::new(),
            state: Mutex::new(StreamState {
                cancelled: false,
                callbacks: Vec::new(),
            }),
            headers_arrived: Condvar::new(),
        });
        if stream.headers_known() {
            shared.set_headers(stream.initial_metadata().clone());
        }
        let reporter = shared.clone();
        stream.add_done_callback(move |status| reporter.finish(status));
        let (sender, events) = mpsc::channel(1);
        handle.spawn(read_responses(stream, shared.clone(), sender));
        BlockingStreaming {
            shared,
            events,
            finished: false,
        }
    }
}

/// The task behind a [`BlockingStreaming`]: waits for the headers, then reads one message
/// ahead of the iterator. A cancel (or the iterator dropped early) cancels the call, whatever
/// the task is waiting for.
async fn read_responses<T>(
    mut stream: Streaming<T>,
    shared: Arc<StreamShared>,
    sender: mpsc::Sender<Event<T>>,
) {
    let cancel = shared.cancel.clone();
    tokio::select! {
        biased;
        _ = cancel.cancelled() => {
            stream.cancel();
            return;
        }
        headers = stream.headers() => match headers {
            Ok(headers) => shared.set_headers(headers.clone()),
            Err(status) => {
                let _ = sender.send(Event::Failed(status)).await;
                return;
            }
        },
    }
    loop {
        let event = tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                stream.cancel();
                return;
            }
            message = stream.message() => match message {
                Ok(Some(message)) => Event::Message(message),
                Ok(None) => Event::End,
                Err(status) => Event::Failed(status),
            },
        };
        let last = !matches!(event, Event::Message(_));
        let sent = tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                stream.cancel();
                return;
            }
            sent = sender.send(event) => sent.is_ok(),
        };
        // The iterator is gone: dropping `stream` cancels the call.
        if !sent || last {
            return;
        }
    }
}

impl<T> BlockingStreaming<T> {
    /// The response headers. For a bidirectional call this waits until they arrive (the
    /// server may hold them until it has read a request) or the call ends; inside a tokio
    /// runtime, where it must not block, it gives what has arrived (possibly nothing).
    pub fn initial_metadata(&self) -> &MetadataMap {
        static NONE: OnceLock<MetadataMap> = OnceLock::new();
        if let Some(headers) = self.shared.initial_metadata.get() {
            return headers;
        }
        if inside_runtime() {
            return NONE.get_or_init(MetadataMap::new);
        }
        let mut state = self.shared.lock();
        loop {
            if let Some(headers) = self.shared.initial_metadata.get() {
                return headers;
            }
            state = self
                .shared
                .headers_arrived
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The trailing metadata, once the call is over: the trailers of a call that ended OK, or
    /// those carried by its failure status.
    pub fn trailing_metadata(&self) -> Option<&MetadataMap> {
        self.shared.outcome.get().map(Status::metadata)
    }

    /// The call's status code, once the call is over (`None` before).
    pub fn code(&self) -> Option<Code> {
        self.shared.outcome.get().map(Status::code)
    }

    /// The call's status message (`grpc-message`), once the call is over.
    pub fn details(&self) -> Option<&str> {
        self.shared.outcome.get().map(Status::message)
    }

    /// Cancels the call: the server sees RST_STREAM(CANCEL), and the iterator's next item is
    /// CANCELLED. Returns whether it cancelled (`false` once the call is over).
    pub fn cancel(&self) -> bool {
        {
            let mut state = self.shared.lock();
            if self.shared.outcome.get().is_some() {
                return false;
            }
            state.cancelled = true;
        }
        self.shared.cancel.cancel();
        self.shared
            .finish(&Status::cancelled("the call was cancelled"));
        true
    }

    /// Whether [`cancel`](Self::cancel) ended the call.
    pub fn is_cancelled(&self) -> bool {
        self.shared.lock().cancelled
    }

    /// Whether the call is still running: not over, and its deadline not passed.
    pub fn is_active(&self) -> bool {
        self.shared.outcome.get().is_none() && self.time_remaining() != Some(Duration::ZERO)
    }

    /// What is left of the call's deadline; `None` without one.
    pub fn time_remaining(&self) -> Option<Duration> {
        self.shared
            .deadline
            .map(|deadline| deadline.saturating_duration_since(Instant::now()))
    }

    /// Runs `callback` once when the call ends, with its status (see
    /// [`Streaming::add_done_callback`]). Added after the end, it runs at once, on this
    /// thread.
    pub fn add_done_callback(&self, callback: impl FnOnce(&Status) + Send + 'static) {
        let mut state = self.shared.lock();
        match self.shared.outcome.get() {
            Some(status) => {
                drop(state);
                callback(status);
            }
            None => state.callbacks.push(Box::new(callback)),
        }
    }
}

impl<T> Drop for BlockingStreaming<T> {
    fn drop(&mut self) {
        if !self.finished {
            // Dropped before its end: the task cancels the call, even while it waits.
            self.shared.cancel.cancel();
        }
    }
}

impl<T> Iterator for BlockingStreaming<T> {
    type Item = Result<T, Status>;

    fn next(&mut self) -> Option<Result<T, Status>> {
        if self.finished {
            return None;
        }
        if self.is_cancelled() {
            self.finished = true;
            return Some(Err(Status::cancelled("the call was cancelled")));
        }
        if inside_runtime() {
            self.finished = true;
            return Some(Err(Status::failed_precondition(
                "a blocking stream cannot be read inside a tokio runtime: use the async client",
            )));
        }
        match self.events.blocking_recv() {
            Some(Event::Message(message)) => Some(Ok(message)),
            Some(Event::End) => {
                self.finished = true;
                None
            }
            Some(Event::Failed(status)) => {
                self.finished = true;
                Some(Err(status))
            }
            None => {
                self.finished = true;
                Some(Err(self.shared.outcome.get().cloned().unwrap_or_else(
                    || Status::cancelled("the runtime shut down before the call finished"),
                )))
            }
        }
    }
}

impl<T> fmt::Debug for BlockingStreaming<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingStreaming")
            .field("initial_metadata", &self.shared.initial_metadata.get())
            .field("code", &self.code())
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl<C> fmt::Debug for BlockingCall<C>
where
    C: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingCall")
            .field("call", &self.call)
            .finish_non_exhaustive()
    }
}
