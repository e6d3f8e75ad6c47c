//! Blocking handlers: a service method written as a plain `fn` runs on a bounded pool of
//! worker threads (grpcio's `ThreadPoolExecutor(max_workers)`), beside the `async fn`s that
//! run on the runtime.
//!
//! A call takes a worker permit before its handler starts; at `max_workers` handlers running,
//! further calls wait for a permit (they are not refused and none is lost), under their
//! deadline and cancellation like any waiting call. The handler runs on tokio's blocking
//! threads (`spawn_blocking`), so it may block on I/O, locks or sleeps without stalling the
//! runtime. It cannot be stopped from outside: when the client cancels or the deadline
//! passes, the call ends at once for the client, the context says so
//! ([`ServerContext::is_active`], the [`ServerContext::add_callback`] callbacks), and the
//! worker stays busy until the handler returns (its result is then dropped).
//!
//! Request streams are an `Iterator` ([`RequestIter`]); response streams are a
//! [`ServerStream`] made from an iterator that runs on the handler's worker
//! ([`ServerStream::from_blocking_iter`]), written through a [`ResponseSender`]
//! ([`ServerStream::from_blocking_fn`]), or fed through a channel ([`ServerStream::channel`]
//! and `blocking_send` from any thread).

use std::cell::RefCell;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use super::body::{RequestBody, ResponseBody};
use super::context::ServerContext;
use super::handler::{self, BoxFuture};
use crate::message::MessageType;
use crate::protocol::OutgoingMessage;
use crate::status::Status;
use crate::streaming::{ServerStream, Streaming};

/// The worker permits of one server: how many blocking handlers run at once.
#[derive(Debug, Clone)]
pub(crate) struct Workers {
    permits: Arc<Semaphore>,
}

impl Workers {
    pub(crate) fn new(max_workers: usize) -> Self {
        Workers {
            permits: Arc::new(Semaphore::new(max_workers.max(1))),
        }
    }

    /// grpcio's (and Python's `ThreadPoolExecutor`'s) default: the number of cores plus four,
    /// at most 32.
    pub(crate) fn default_max() -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        (cores + 4).min(32)
    }
}

/// The permit of the handler running on this thread, for iterators it hands back to run on.
type Permit = Arc<OwnedSemaphorePermit>;

thread_local! {
    static CURRENT_PERMIT: RefCell<Option<Permit>> = const { RefCell::new(None) };
}

/// Runs `handler` on a worker once a permit is free; a panic in it resumes here (the adapter
/// turns it into UNKNOWN).
async fn run_on_worker<T, F>(workers: Workers, ctx: ServerContext, handler: F) -> Result<T, Status>
where
    T: Send + 'static,
    F: FnOnce(&ServerContext) -> Result<T, Status> + Send + 'static,
{
    let permit = workers
        .permits
        .acquire_owned()
        .await
        .map_err(|_| Status::unavailable("the server's worker pool is closed"))?;
    let permit = Arc::new(permit);
    let job = tokio::task::spawn_blocking(move || {
        CURRENT_PERMIT.with(|current| *current.borrow_mut() = Some(permit));
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(&ctx)));
        CURRENT_PERMIT.with(|current| current.borrow_mut().take());
        outcome
    });
    match job.await {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(error) => Err(Status::internal(format!(
            "the blocking handler did not run: {error}"
        ))),
    }
}

/// The worker pool of the server that received `request`.
fn workers_of(request: &http::Request<RequestBody>) -> Workers {
    request.body().info.limits.workers.clone()
}

/// Handles a unary call with a blocking handler.
pub fn blocking_unary<Req, Resp, F>(
    request: http::Request<RequestBody>,
    handler: F,
) -> BoxFuture<http::Response<ResponseBody>>
where
    Req: MessageType,
    Resp: MessageType,
    F: FnOnce(&ServerContext, Req) -> Result<Resp, Status> + Send + 'static,
{
    let workers = workers_of(&request);
    handler::unary(request, move |ctx, message: Req| {
        run_on_worker(workers, ctx, move |ctx| handler(ctx, message))
    })
}

/// Handles a server-streaming call with a blocking handler.
pub fn blocking_server_streaming<Req, Resp, F>(
    request: http::Request<RequestBody>,
    handler: F,
) -> BoxFuture<http::Response<ResponseBody>>
where
    Req: MessageType,
    Resp: MessageType,
    F: FnOnce(&ServerContext, Req) -> Result<ServerStream<Resp>, Status> + Send + 'static,
{
    let workers = workers_of(&request);
    handler::server_streaming(request, move |ctx, message: Req| {
        run_on_worker(workers, ctx, move |ctx| handler(ctx, message))
    })
}

/// Handles a client-streaming call with a blocking handler.
pub fn blocking_client_streaming<Req, Resp, F>(
    request: http::Request<RequestBody>,
    handler: F,
) -> BoxFuture<http::Response<ResponseBody>>
where
    Req: MessageType,
    Resp: MessageType,
    F: FnOnce(&ServerContext, RequestIter<Req>) -> Result<Resp, Status> + Send + 'static,
{
    let workers = workers_of(&request);
    handler::client_streaming(request, move |ctx, requests: Streaming<Req>| {
        let requests = RequestIter::new(requests);
        run_on_worker(workers, ctx, move |ctx| handler(ctx, requests))
    })
}

/// Handles a bidirectional-streaming call with a blocking handler.
pub fn blocking_streaming<Req, Resp, F>(
    request: http::Request<RequestBody>,
    handler: F,
) -> BoxFuture<http::Response<ResponseBody>>
where
    Req: MessageType,
    Resp: MessageType,
    F: FnOnce(&ServerContext, RequestIter<Req>) -> Result<ServerStream<Resp>, Status>
        + Send
        + 'static,
{
    let workers = workers_of(&request);
    handler::streaming(request, move |ctx, requests: Streaming<Req>| {
        let requests = RequestIter::new(requests);
        run_on_worker(workers, ctx, move |ctx| handler(ctx, requests))
    })
}

/// The request stream of a blocking handler: an `Iterator` of `Result<Req, Status>`.
///
/// `next()` blocks the worker until the next message arrives. It ends (`None`) after the
/// client's last message; a call that the client cancelled, or whose deadline passed, or whose
/// message could not be decoded yields that status as an `Err` instead, never a clean end, so
/// an all-or-nothing upload can tell the two apart. Read it from the handler's worker, from a
/// thread it starts, or from an iterator handed to [`ServerStream::from_blocking_iter`]; like
/// every blocking tokio call, `next()` panics inside an async task.
pub struct RequestIter<T> {
    inner: Streaming<T>,
    handle: Handle,
    done: bool,
}

impl<T> RequestIter<T> {
    fn new(inner: Streaming<T>) -> Self {
        RequestIter {
            inner,
            handle: Handle::current(),
            done: false,
        }
    }

    /// The request metadata, as in [`Streaming::initial_metadata`].
    pub fn initial_metadata(&self) -> &crate::metadata::MetadataMap {
        self.inner.initial_metadata()
    }
}

impl<T: Send + 'static> Iterator for RequestIter<T> {
    type Item = Result<T, Status>;

    fn next(&mut self) -> Option<Result<T, Status>> {
        if self.done {
            return None;
        }
        let item = self.handle.block_on(self.inner.message()).transpose();
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}

impl<T> fmt::Debug for RequestIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestIter")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> ServerStream<T> {
    /// A response stream pulled from a blocking iterator: the iterator runs on a blocking
    /// thread (a blocking handler's own worker permit stays taken until it ends), one message
    /// ahead of the client (backpressure: a client that does not read stops it). An `Err`
    /// item ends the call with that status; a panic ends it with UNKNOWN; when the client goes
    /// away the iterator is dropped without being pulled further.
    ///
    /// ```
    /// use grpc_core::{ServerContext, ServerStream, Status};
    ///
    /// fn countdown(_ctx: &ServerContext, from: u32) -> Result<ServerStream<u32>, Status> {
    ///     Ok(ServerStream::from_blocking_iter((0..from).rev().map(|n| {
    ///         std::thread::sleep(std::time::Duration::from_millis(1)); // blocking work
    ///         Ok(n)
    ///     })))
    /// }
    /// ```
    pub fn from_blocking_iter<I>(items: I) -> Self
    where
        I: IntoIterator<Item = Result<T, Status>>,
        I::IntoIter: Send + 'static,
    {
        let items: BoxIter<T> = Box::new(items.into_iter());
        Self::from_producer(Box::new(move |sender| drain(items, sender)))
    }

    /// A response stream written by a blocking function through a [`ResponseSender`], as a
    /// grpcio servicer yields its responses: `produce` runs on a blocking thread (a blocking
    /// handler's own worker permit stays taken until it returns). Each
    /// [`send`](ResponseSender::send) waits while the client is one message behind
    /// (backpressure), and fails with CANCELLED once the client has gone away. `produce`
    /// returning `Ok(())` ends the call OK; `Err(status)` ends it with that status; a panic
    /// ends it with UNKNOWN.
    ///
    /// ```
    /// use grpc_core::server::ResponseSender;
    /// use grpc_core::{ServerContext, ServerStream, Status};
    ///
    /// fn countdown(_ctx: &ServerContext, from: u32) -> Result<ServerStream<u32>, Status> {
    ///     Ok(ServerStream::from_blocking_fn(move |sender: &ResponseSender<u32>| {
    ///         for n in (0..from).rev() {
    ///             std::thread::sleep(std::time::Duration::from_millis(1)); // blocking work
    ///             sender.send(n)?; // Err once the client went away: stop working
    ///         }
    ///         Ok(())
    ///     }))
    /// }
    /// ```
    pub fn from_blocking_fn<F>(produce: F) -> Self
    where
        F: FnOnce(&ResponseSender<T>) -> Result<(), Status> + Send + 'static,
    {
        Self::from_producer(Box::new(move |sender| {
            let responses = ResponseSender { sender };
            let ran =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| produce(&responses)));
            let end = match ran {
                Ok(Ok(())) => return,
                Ok(Err(status)) => status,
                Err(panic) => Status::unknown(format!(
                    "response producer panicked: {}",
                    handler::panic_message(&panic)
                )),
            };
            let _ = responses.sender.blocking_send(Err(end));
        }))
    }

    /// A stream fed by `producer` on a blocking thread that holds the current handler's
    /// worker permit, if any, until the producer returns.
    fn from_producer(producer: Producer<T>) -> Self {
        let permit = CURRENT_PERMIT.with(|current| current.borrow().clone());
        ServerStream::with_options(BlockingIterStream {
            state: IterState::Start(Some((producer, permit))),
        })
    }
}

/// Writes the responses of a [`ServerStream::from_blocking_fn`] stream, from its blocking
/// thread.
pub struct ResponseSender<T> {
    sender: mpsc::Sender<Result<T, Status>>,
}

impl<T> ResponseSender<T> {
    /// Sends one response, waiting while the client is behind; CANCELLED once the client has
    /// gone away (the call is over: stop producing).
    pub fn send(&self, message: T) -> Result<(), Status> {
        self.sender
            .blocking_send(Ok(message))
            .map_err(|_| Status::cancelled("the client went away"))
    }

    /// Whether the client has gone away (the call is over).
    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }
}

impl<T> fmt::Debug for ResponseSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseSender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

type BoxIter<T> = Box<dyn Iterator<Item = Result<T, Status>> + Send>;

/// What feeds a blocking response stream, on its blocking thread.
type Producer<T> = Box<dyn FnOnce(mpsc::Sender<Result<T, Status>>) + Send>;

struct BlockingIterStream<T> {
    state: IterState<T>,
}

enum IterState<T> {
    /// Not polled yet: the producer starts on its thread at the first poll (inside the
    /// runtime).
    Start(Option<(Producer<T>, Option<Permit>)>),
    Running(mpsc::Receiver<Result<T, Status>>),
}

impl<T> Unpin for BlockingIterStream<T> {}

impl<T: Send + 'static> Stream for BlockingIterStream<T> {
    type Item = Result<OutgoingMessage<T>, Status>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let IterState::Start(start) = &mut this.state {
            let (producer, permit) = start.take().expect("started once");
            let (sender, receiver) = mpsc::channel(1);
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                producer(sender);
            });
            this.state = IterState::Running(receiver);
        }
        let IterState::Running(receiver) = &mut this.state else {
            unreachable!("started above")
        };
        receiver
            .poll_recv(cx)
            .map(|item| item.map(|result| result.map(OutgoingMessage::new)))
    }
}

/// Pulls `items` into `sender` until they end, fail, panic, or the receiver is gone.
fn drain<T>(mut items: BoxIter<T>, sender: mpsc::Sender<Result<T, Status>>) {
    loop {
        let next = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| items.next()));
        let item = match next {
            Ok(Some(item)) => item,
            Ok(None) => return,
            Err(panic) => Err(Status::unknown(format!(
                "response iterator panicked: {}",
                handler::panic_message(&panic)
            ))),
        };
        let last = item.is_err();
        if sender.blocking_send(item).is_err() || last {
            return;
        }
    }
}
