//! [`CallFuture`]: a call started in the background, with grpcio's `grpc.Future` API in Rust
//! shape, usable from blocking and async code alike.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::blocking::{inside_runtime, BlockingRuntime};
use super::call::CallDetails;
use crate::metadata::MetadataMap;
use crate::status::{Code, Status};

/// A callback run once a [`CallFuture`] is done.
type DoneCallback<T> = Box<dyn FnOnce(&Result<T, Status>) + Send + 'static>;

/// A call running in the background (`UnaryCall::spawn`, `BlockingCall::future`).
///
/// As grpcio's `grpc.Future`: [`cancel`](Self::cancel), [`is_cancelled`](Self::is_cancelled),
/// [`is_running`](Self::is_running), [`is_done`](Self::is_done), [`wait`](Self::wait),
/// [`result`](Self::result) and [`error`](Self::error) with a timeout, and
/// [`add_done_callback`](Self::add_done_callback). Blocking waits take an optional timeout,
/// and running out of it is [`FutureError::Timeout`], not a call status. From async code,
/// [`finished`](Self::finished) waits without blocking.
///
/// Dropping the handle does not cancel the call: it runs to its end, and its callbacks run.
///
/// ```no_run
/// # use grpc_core::{Message, Status, Channel};
/// # #[derive(Message, Clone, PartialEq, Debug)] #[grpc(package = "helloworld")]
/// # pub struct HelloRequest { pub name: String }
/// # #[derive(Message, Clone, PartialEq, Debug)] #[grpc(package = "helloworld")]
/// # pub struct HelloReply { pub message: String }
/// # #[grpc_core::service(package = "helloworld")]
/// # pub trait Greeter: Send + Sync + 'static {
/// #     async fn say_hello(&self, request: HelloRequest) -> Result<HelloReply, Status>;
/// # }
/// use std::time::Duration;
/// use grpc_core::client::FutureError;
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = GreeterBlockingClient::new(Channel::insecure("localhost:50051")?);
/// let call = client.say_hello(HelloRequest { name: "world".into() }).future();
/// call.add_done_callback(|outcome| println!("done: {:?}", outcome.as_ref().map(|r| &r.message)));
/// match call.result(Some(Duration::from_millis(100))) {
///     Ok(reply) => println!("{}", reply.message),
///     Err(FutureError::Timeout) => {
///         // Still running: give up on it.
///         assert!(call.cancel());
///     }
///     Err(other) => return Err(other.into()),
/// }
/// # Ok(()) }
/// ```
pub struct CallFuture<T> {
    shared: Arc<Shared<T>>,
}

struct Shared<T> {
    outcome: OnceLock<Result<T, Status>>,
    /// The response headers, as soon as they arrive (before the response).
    initial_metadata: OnceLock<MetadataMap>,
    /// The trailers of a call that succeeded (a failed one's are in its status).
    trailing_metadata: OnceLock<MetadataMap>,
    /// The status message of a call that succeeded.
    ok_details: OnceLock<String>,
    /// When the call's deadline passes, if it has one.
    deadline: Option<Instant>,
    state: Mutex<State<T>>,
    done: Condvar,
    notify: Notify,
    cancel: CancellationToken,
}

struct State<T> {
    cancelled: bool,
    callbacks: Vec<DoneCallback<T>>,
}

/// Why a [`CallFuture`] gave no result.
#[derive(Debug, Clone)]
pub enum FutureError {
    /// The timeout passed before the call was done; it is still running.
    Timeout,
    /// The call was cancelled with [`CallFuture::cancel`].
    Cancelled,
    /// The call failed with this status.
    Failed(Status),
    /// A blocking wait was asked for inside a tokio runtime, where it would block (or
    /// deadlock) the runtime's thread: use [`CallFuture::finished`] there.
    InsideRuntime,
}

impl fmt::Display for FutureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FutureError::Timeout => f.write_str("the call did not finish within the timeout"),
            FutureError::Cancelled => f.write_str("the call was cancelled"),
            FutureError::Failed(status) => write!(f, "the call failed: {status}"),
            FutureError::InsideRuntime => f.write_str(
                "a blocking wait inside a tokio runtime would block its thread; \
                 await CallFuture::finished() instead",
            ),
        }
    }
}

impl std::error::Error for FutureError {}

/// Where a running call reports its response headers, the moment they arrive.
#[derive(Clone)]
pub(crate) struct HeadersReport(Arc<dyn Fn(MetadataMap) + Send + Sync>);

impl HeadersReport {
    pub(crate) fn report(&self, headers: MetadataMap) {
        (self.0)(headers)
    }
}

impl<T: Send + Sync + 'static> CallFuture<T> {
    /// Starts `call` on the runtime of the calling task if there is one, else on the runtime
    /// blocking clients use. `call` reports the response headers as they arrive, and ends
    /// with the response and the call's details; `timeout` gives
    /// [`time_remaining`](Self::time_remaining).
    pub(crate) fn spawn_call<F, Fut>(timeout: Option<Duration>, call: F) -> CallFuture<T>
    where
        F: FnOnce(HeadersReport) -> Fut,
        Fut: Future<Output = Result<(T, CallDetails), Status>> + Send + 'static,
    {
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => CallFuture::spawn_call_on(&handle, timeout, call),
            Err(_) => match BlockingRuntime::shared().handle() {
                Ok(handle) => CallFuture::spawn_call_on(&handle, timeout, call),
                Err(status) => CallFuture::failed(status),
            },
        }
    }

    /// [`spawn_call`](Self::spawn_call) on `handle`'s runtime.
    pub(crate) fn spawn_call_on<F, Fut>(
        handle: &tokio::runtime::Handle,
        timeout: Option<Duration>,
        call: F,
    ) -> CallFuture<T>
    where
        F: FnOnce(HeadersReport) -> Fut,
        Fut: Future<Output = Result<(T, CallDetails), Status>> + Send + 'static,
    {
        let future = CallFuture::new(timeout.map(|timeout| Instant::now() + timeout));
        let shared = future.shared.clone();
        let reporter = Arc::downgrade(&shared);
        let report = HeadersReport(Arc::new(move |headers| {
            if let Some(shared) = reporter.upgrade() {
                shared.headers_arrived(headers);
            }
        }));
        let call = call(report);
        handle.spawn(async move {
            let outcome = tokio::select! {
                outcome = call => outcome.map(|(response, details)| {
                    let (initial, trailing, message) = details.into_parts();
                    shared.headers_arrived(initial);
                    let _ = shared.trailing_metadata.set(trailing);
                    let _ = shared.ok_details.set(message);
                    response
                }),
                // Dropping `call` here resets its stream: the server sees the cancel.
                _ = shared.cancel.cancelled() => Err(cancelled()),
            };
            shared.complete(outcome);
        });
        future
    }

    /// A future that is already done, with `status`.
    pub(crate) fn failed(status: Status) -> CallFuture<T> {
        let future = CallFuture::new(None);
        future.shared.complete(Err(status));
        future
    }

    fn new(deadline: Option<Instant>) -> CallFuture<T> {
        CallFuture {
            shared: Arc::new(Shared {
                outcome: OnceLock::new(),
                initial_metadata: OnceLock::new(),
                trailing_metadata: OnceLock::new(),
                ok_details: OnceLock::new(),
                deadline,
                state: Mutex::new(State {
                    cancelled: false,
                    callbacks: Vec::new(),
                }),
                done: Condvar::new(),
                notify: Notify::new(),
                cancel: CancellationToken::new(),
            }),
        }
    }
}

impl<T> CallFuture<T> {
    /// Cancels the call if it is still running (the server sees the cancel); true if it did,
    /// false if the call was already done.
    pub fn cancel(&self) -> bool {
        let mut state = self.shared.lock();
        if self.shared.outcome.get().is_some() {
            return false;
        }
        state.cancelled = true;
        drop(state);
        self.shared.cancel.cancel();
        true
    }

    /// Whether [`cancel`](Self::cancel) cancelled the call.
    pub fn is_cancelled(&self) -> bool {
        self.shared.lock().cancelled
    }

    /// Whether the call is still running.
    pub fn is_running(&self) -> bool {
        !self.is_done()
    }

    /// Whether the call is done: finished, failed or cancelled.
    pub fn is_done(&self) -> bool {
        self.shared.outcome.get().is_some()
    }

    /// Whether the call is still running (grpcio's `is_active()`; the same as
    /// [`is_running`](Self::is_running)).
    pub fn is_active(&self) -> bool {
        !self.is_done()
    }

    /// Time left until the call's deadline: `None` without a timeout, zero once it passed.
    pub fn time_remaining(&self) -> Option<Duration> {
        self.shared
            .deadline
            .map(|deadline| deadline.saturating_duration_since(Instant::now()))
    }

    /// The response headers, if they have arrived: they come before the response, so a
    /// running call may have them already. `None` until then, and for a call that ended
    /// without any (failed before the server answered, or answered with only a status).
    pub fn initial_metadata(&self) -> Option<&MetadataMap> {
        self.shared.initial_metadata.get()
    }

    /// Waits, without blocking, for the response headers (or the end of the call without
    /// them: then `None`).
    pub async fn headers(&self) -> Option<&MetadataMap> {
        loop {
            let notified = self.shared.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(headers) = self.shared.initial_metadata.get() {
                return Some(headers);
            }
            if self.is_done() {
                return None;
            }
            notified.await;
        }
    }

    /// Blocks until the response headers arrive (or the call ends without them: `None`), or
    /// `timeout` passes.
    pub fn wait_headers(
        &self,
        timeout: Option<Duration>,
    ) -> Result<Option<&MetadataMap>, FutureError> {
        self.block_until(timeout, |shared| {
            shared.initial_metadata.get().is_some() || shared.outcome.get().is_some()
        })?;
        Ok(self.shared.initial_metadata.get())
    }

    /// The response trailers once the call is done: the trailing metadata of a call that
    /// succeeded, or the failed call's status metadata. `None` while it runs.
    pub fn trailing_metadata(&self) -> Option<&MetadataMap> {
        match self.shared.outcome.get()? {
            Ok(_) => self.shared.trailing_metadata.get(),
            Err(status) => Some(status.metadata()),
        }
    }

    /// The call's status code once it is done (OK, or the failure's); `None` while it runs.
    pub fn code(&self) -> Option<Code> {
        self.shared.outcome.get().map(|outcome| match outcome {
            Ok(_) => Code::Ok,
            Err(status) => status.code(),
        })
    }

    /// The status message (`grpc-message`): a failed call's, or the one a call that
    /// succeeded was sent with (usually empty); `None` while it runs.
    pub fn details(&self) -> Option<&str> {
        self.shared.outcome.get().map(|outcome| match outcome {
            Ok(_) => self.shared.ok_details.get().map_or("", String::as_str),
            Err(status) => status.message(),
        })
    }

    /// Blocks until the call is done, or `timeout` (if given) passes.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<&Result<T, Status>, FutureError> {
        if let Some(outcome) = self.shared.outcome.get() {
            return Ok(outcome);
        }
        self.block_until(timeout, |shared| shared.outcome.get().is_some())?;
        self.shared.outcome.get().ok_or(FutureError::Timeout)
    }

    /// Blocks until `ready` holds (checked whenever the call makes progress) or `timeout`
    /// passes.
    fn block_until(
        &self,
        timeout: Option<Duration>,
        ready: impl Fn(&Shared<T>) -> bool,
    ) -> Result<(), FutureError> {
        if ready(&self.shared) {
            return Ok(());
        }
        if inside_runtime() {
            return Err(FutureError::InsideRuntime);
        }
        let until = timeout.map(|timeout| Instant::now() + timeout);
        let mut state = self.shared.lock();
        loop {
            if ready(&self.shared) {
                return Ok(());
            }
            state = match until {
                None => self
                    .shared
                    .done
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(until) => {
                    let left = until.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(FutureError::Timeout);
                    }
                    self.shared
                        .done
                        .wait_timeout(state, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }

    /// Blocks until the call is done (or `timeout` passes) and returns its response.
    pub fn result(&self, timeout: Option<Duration>) -> Result<&T, FutureError> {
        match self.wait(timeout)? {
            Ok(response) => Ok(response),
            Err(_) if self.is_cancelled() => Err(FutureError::Cancelled),
            Err(status) => Err(FutureError::Failed(status.clone())),
        }
    }

    /// Blocks until the call is done (or `timeout` passes) and returns its failure, `None`
    /// if it succeeded (grpcio's `exception()`).
    pub fn error(&self, timeout: Option<Duration>) -> Result<Option<&Status>, FutureError> {
        Ok(self.wait(timeout)?.as_ref().err())
    }

    /// Waits, without blocking, until the call is done, and returns its outcome.
    pub async fn finished(&self) -> &Result<T, Status> {
        loop {
            let notified = self.shared.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(outcome) = self.shared.outcome.get() {
                return outcome;
            }
            notified.await;
        }
    }

    /// Runs `callback` with the outcome once the call is done: at once, on this thread, if it
    /// already is; else on the runtime's thread that finishes the call.
    pub fn add_done_callback(&self, callback: impl FnOnce(&Result<T, Status>) + Send + 'static) {
        let mut state = self.shared.lock();
        match self.shared.outcome.get() {
            Some(outcome) => {
                drop(state);
                callback(outcome);
            }
            None => state.callbacks.push(Box::new(callback)),
        }
    }
}

impl<T> Shared<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the response headers (the first report counts) and wakes their waiters.
    fn headers_arrived(&self, headers: MetadataMap) {
        if self.initial_metadata.get().is_some() {
            return;
        }
        let state = self.lock();
        let _ = self.initial_metadata.set(headers);
        drop(state);
        self.done.notify_all();
        self.notify.notify_waiters();
    }

    /// Records the outcome (a cancel that came first wins), wakes every waiter and runs the
    /// callbacks.
    fn complete(&self, outcome: Result<T, Status>) {
        let mut state = self.lock();
        let outcome = if state.cancelled {
            Err(cancelled())
        } else {
            outcome
        };
        let _ = self.outcome.set(outcome);
        let callbacks = std::mem::take(&mut state.callbacks);
        drop(state);
        self.done.notify_all();
        self.notify.notify_waiters();
        if let Some(outcome) = self.outcome.get() {
            for callback in callbacks {
                callback(outcome);
            }
        }
    }
}

fn cancelled() -> Status {
    Status::cancelled("the call was cancelled")
}

impl<T> fmt::Debug for CallFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallFuture")
            .field("done", &self.is_done())
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}
