//! [`ServerContext`]: what a handler knows about its call, and how it shapes the response.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::task::AtomicWaker;

use http::uri::PathAndQuery;
use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};

use super::auth::AuthContext;
use crate::metadata::MetadataMap;
use crate::protocol::{Compression, CompressionSet};
use crate::status::{Code, Status};

/// The address of the peer on the other end of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Peer {
    /// A TCP peer.
    Tcp(SocketAddr),
    /// A peer on a Unix domain socket (usually unnamed).
    Unix(Option<PathBuf>),
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Tcp(addr) => write!(f, "ipv{}:{addr}", if addr.is_ipv4() { 4 } else { 6 }),
            Peer::Unix(Some(path)) => write!(f, "unix:{}", path.display()),
            Peer::Unix(None) => write!(f, "unix:"),
        }
    }
}

/// What is known of a connection, shared by its calls: the peer's address and what the
/// transport proved about it.
#[derive(Debug)]
pub(crate) struct ConnectionInfo {
    pub(crate) peer: Option<Peer>,
    pub(crate) auth: AuthContext,
}

/// A handler's view of its call: request metadata, peer and auth context, deadline,
/// cancellation, the response's initial and trailing metadata, and callbacks for the end of
/// the call. Interceptors see the same context before the handler runs.
///
/// Take it as the first parameter after `&self` in a service method:
///
/// ```
/// use grpc_core::{Message, ServerContext, ServerStream, Status};
///
/// #[derive(Message, Clone, PartialEq, Debug)]
/// pub struct Ping { pub n: u32 }
///
/// #[grpc_core::service(package = "demo")]
/// pub trait Pinger: Send + Sync + 'static {
///     async fn ping(&self, ctx: &ServerContext, ping: Ping) -> Result<Ping, Status>;
///     async fn ticks(&self, ctx: &ServerContext, ping: Ping) -> Result<ServerStream<Ping>, Status>;
/// }
///
/// struct MyPinger;
/// impl Pinger for MyPinger {
///     async fn ping(&self, ctx: &ServerContext, ping: Ping) -> Result<Ping, Status> {
///         if let Some(id) = ctx.request_metadata().get("x-request-id") {
///             ctx.initial_metadata_mut()?.insert("x-request-id", id.clone());
///         }
///         ctx.trailing_metadata_mut().insert("x-served-by", "pinger".parse().unwrap());
///         // Runs once when the call ends, however it ends (OK, error, cancel, deadline).
///         ctx.add_callback(|status| println!("ping ended: {}", status.code()));
///         Ok(ping)
///     }
///
///     async fn ticks(&self, ctx: &ServerContext, ping: Ping) -> Result<ServerStream<Ping>, Status> {
///         // Work that outlives the handler watches the call's cancellation.
///         let cancelled = ctx.cancellation_token();
///         let (tx, stream) = ServerStream::channel(4);
///         tokio::spawn(async move {
///             for n in 0..ping.n {
///                 tokio::select! {
///                     _ = cancelled.cancelled() => break, // the client went away
///                     sent = tx.send(Ok(Ping { n })) => if sent.is_err() { break },
///                 }
///             }
///         });
///         Ok(stream)
///     }
/// }
/// ```
///
/// When the client cancels the call, goes away or runs out of deadline, the handler's future is
/// dropped (it does not run on); the context is cancelled and the callbacks run with CANCELLED
/// or DEADLINE_EXCEEDED. A handler reading a request stream gets that status as an `Err` from
/// it, never a clean end of stream. A blocking handler (a plain `fn` method, see
/// [`RequestIter`](crate::RequestIter)) cannot be dropped mid-call: it watches
/// [`is_active`](Self::is_active) instead.
#[derive(Clone)]
pub struct ServerContext {
    inner: Arc<Inner>,
}

struct Inner {
    method: PathAndQuery,
    /// The request's headers as they arrived, until the handler first asks for its metadata:
    /// most handlers never do, and they need not pay for taking the reserved headers out.
    request_headers: Mutex<Option<http::HeaderMap>>,
    /// The request metadata, made from `request_headers` on first use.
    request_metadata: OnceLock<MetadataMap>,
    connection: Arc<ConnectionInfo>,
    deadline: Option<Instant>,
    compression: CallCompression,
    /// The call's cancellation, as a flag: what the server side checks.
    cancelled: AtomicBool,
    /// A token for the cancellation, made when a handler first asks for one (most never
    /// do): cancelled at once if the call already was. See [`ServerContext::cancel`].
    cancellation: OnceLock<CancellationToken>,
    response: Mutex<ResponseMetadata>,
    callbacks: Mutex<Callbacks>,
    /// Set when the handler asks for something the response side must act on now: its
    /// headers sent ([`ServerContext::send_initial_metadata`]) or the call aborted.
    signalled: AtomicBool,
    /// Wakes the task that sends the response when `signalled` is set.
    signal: AtomicWaker,
    /// [`ServerContext::disable_next_message_compression`].
    next_uncompressed: AtomicBool,
}

/// What the request said about compression (its headers are not metadata).
#[derive(Debug, Clone, Default)]
pub(crate) struct CallCompression {
    /// The request's `grpc-encoding`.
    pub(crate) request: Option<Compression>,
    /// The request's `grpc-accept-encoding`.
    pub(crate) peer_accepts: CompressionSet,
    /// For a single request message: whether it arrived compressed (set once it is read).
    pub(crate) request_compressed: std::sync::OnceLock<bool>,
}

/// A callback for the end of the call.
type Callback = Box<dyn FnOnce(&Status) + Send>;

/// What runs when the call ends.
#[derive(Default)]
struct Callbacks {
    ended: bool,
    pending: Vec<Callback>,
}

#[derive(Default)]
struct ResponseMetadata {
    initial: MetadataMap,
    trailing: MetadataMap,
    /// `Some` once the handler chose the response compression (`Some(None)`: none).
    compression: Option<Option<Compression>>,
    /// The handler asked for the headers to go out now.
    headers_requested: bool,
    /// The headers were built (or folded into a trailers-only response): the initial metadata
    /// and the compression can no longer change.
    headers_sent: bool,
    /// [`ServerContext::set_code`] and [`ServerContext::set_details`].
    code: Option<Code>,
    details: Option<String>,
    /// [`ServerContext::abort_with_status`]: the status the call ends with, now.
    aborted: Option<Status>,
}

impl ResponseMetadata {
    /// The headers went out or were asked for: initial metadata and compression are final.
    fn headers_fixed(&self) -> bool {
        self.headers_requested || self.headers_sent
    }
}

/// What the response side must do because the handler said so.
pub(crate) enum Signal {
    /// Send the response headers now, before the handler returns.
    SendHeaders,
    /// End the call with this status now.
    Abort(Status),
}

impl ServerContext {
    pub(crate) fn new(
        method: PathAndQuery,
        request_headers: http::HeaderMap,
        connection: Arc<ConnectionInfo>,
        deadline: Option<Instant>,
        compression: CallCompression,
    ) -> Self {
        ServerContext {
            inner: Arc::new(Inner {
                method,
                request_headers: Mutex::new(Some(request_headers)),
                request_metadata: OnceLock::new(),
                connection,
                deadline,
                compression,
                cancelled: AtomicBool::new(false),
                cancellation: OnceLock::new(),
                response: Mutex::new(ResponseMetadata::default()),
                callbacks: Mutex::new(Callbacks::default()),
                signalled: AtomicBool::new(false),
                signal: AtomicWaker::new(),
                next_uncompressed: AtomicBool::new(false),
            }),
        }
    }

    /// The full method path, e.g. `/helloworld.Greeter/SayHello`.
    pub fn method(&self) -> &str {
        self.inner.method.path()
    }

    /// The request metadata (headers) the client sent, without the headers that belong to the
    /// protocol (`content-type`, `te`, `grpc-timeout`, `grpc-encoding`, ... and the HTTP/2
    /// pseudo-headers).
    pub fn request_metadata(&self) -> &MetadataMap {
        self.inner.request_metadata.get_or_init(|| {
            let headers = lock(&self.inner.request_headers).take();
            MetadataMap::from_headers(headers.unwrap_or_default())
        })
    }

    /// The request metadata, by grpcio's name: the same map as
    /// [`request_metadata`](Self::request_metadata), reserved headers left out.
    pub fn invocation_metadata(&self) -> &MetadataMap {
        self.request_metadata()
    }

    /// The peer's address, when the transport knows it.
    pub fn peer(&self) -> Option<&Peer> {
        self.inner.connection.peer.as_ref()
    }

    /// What the transport proved about the peer: security type (`ssl`, `local`,
    /// `insecure`), and for mutual TLS the client certificate and its identities
    /// (grpcio's `auth_context()` and `peer_identities()`).
    pub fn auth_context(&self) -> &AuthContext {
        &self.inner.connection.auth
    }

    /// The peer's TCP address, if the call came over TCP.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        match self.inner.connection.peer {
            Some(Peer::Tcp(addr)) => Some(addr),
            _ => None,
        }
    }

    /// When the call's deadline passes, if the client set one (`grpc-timeout`).
    pub fn deadline(&self) -> Option<Instant> {
        self.inner.deadline
    }

    /// Time left until the deadline; `Some(ZERO)` once it passed, `None` without a deadline.
    pub fn time_remaining(&self) -> Option<Duration> {
        self.inner
            .deadline
            .map(|deadline| deadline.saturating_duration_since(Instant::now()))
    }

    /// Completes when the call is cancelled: the client cancelled or went away, or the
    /// deadline passed.
    pub fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        self.token().cancelled()
    }

    /// Whether the call has been cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Whether the call is still running: not cancelled, not past its deadline, not aborted,
    /// not ended (grpcio's `is_active()`). A blocking handler, which cannot be stopped from
    /// outside, polls this to stop work the client no longer waits for.
    pub fn is_active(&self) -> bool {
        !self.is_cancelled()
            && !lock(&self.inner.callbacks).ended
            && self.time_remaining() != Some(Duration::ZERO)
            && self.lock().aborted.is_none()
    }

    /// A token that is cancelled with the call, to hand to spawned tasks.
    pub fn cancellation_token(&self) -> CancellationToken {
        self.token().clone()
    }

    /// The call's token, made on first use. Against [`cancel`](Self::cancel) running at the
    /// same time: each side writes its half (the token, the flag), then a fence, then reads
    /// the other's, so at least one of them sees both and cancels the token.
    fn token(&self) -> &CancellationToken {
        let token = self.inner.cancellation.get_or_init(CancellationToken::new);
        std::sync::atomic::fence(Ordering::SeqCst);
        if self.inner.cancelled.load(Ordering::SeqCst) {
            token.cancel();
        }
        token
    }

    /// The response's initial metadata (headers), to change before they are sent: they go out
    /// when the handler returns, or at once with [`send_initial_metadata`](Self::send_initial_metadata).
    /// After that this is an error (FAILED_PRECONDITION), not a change that would be lost.
    pub fn initial_metadata_mut(
        &self,
    ) -> Result<impl std::ops::DerefMut<Target = MetadataMap> + '_, Status> {
        let guard = self.lock();
        if guard.headers_fixed() {
            return Err(headers_already_sent());
        }
        Ok(MetadataGuard {
            guard,
            initial: true,
        })
    }

    /// Sends the response headers now, with `metadata` added to any initial metadata set
    /// before, instead of when the handler returns (grpcio's `send_initial_metadata`). The
    /// client sees them while the handler still works. Calling it twice, or after the headers
    /// went out, is an error (FAILED_PRECONDITION).
    ///
    /// ```
    /// # use grpc_core::{metadata::MetadataMap, ServerContext, Status};
    /// async fn slow_work(ctx: &ServerContext) -> Result<u32, Status> {
    ///     let mut md = MetadataMap::new();
    ///     md.insert("x-accepted", "yes".parse().unwrap());
    ///     ctx.send_initial_metadata(md)?; // the client has its headers now
    ///     tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    ///     Ok(7)
    /// }
    /// ```
    pub fn send_initial_metadata(&self, metadata: MetadataMap) -> Result<(), Status> {
        {
            let mut guard = self.lock();
            if guard.headers_fixed() {
                return Err(headers_already_sent());
            }
            let mut headers = metadata.into_headers();
            guard.initial.as_mut().extend(headers.drain());
            guard.headers_requested = true;
        }
        self.raise_signal();
        Ok(())
    }

    /// The response's trailing metadata, sent with the status when the call ends. A streaming
    /// handler may keep adding to it while its stream runs.
    pub fn trailing_metadata_mut(&self) -> impl std::ops::DerefMut<Target = MetadataMap> + '_ {
        MetadataGuard {
            guard: self.lock(),
            initial: false,
        }
    }

    /// Chooses how this call's response messages are compressed, overriding the server's
    /// default: `Some(algorithm)`, or `None` for no compression. The algorithm is used only if
    /// the client accepts it (`grpc-accept-encoding`). Takes effect when the response headers
    /// go out, that is when the handler returns (or at
    /// [`send_initial_metadata`](Self::send_initial_metadata)); after that it is an error
    /// (FAILED_PRECONDITION).
    pub fn set_compression(&self, compression: Option<Compression>) -> Result<(), Status> {
        let mut guard = self.lock();
        if guard.headers_fixed() {
            return Err(headers_already_sent());
        }
        guard.compression = Some(compression);
        Ok(())
    }

    /// Sends the next response message uncompressed, even when the call compresses
    /// (grpcio's `disable_next_message_compression`): the single response of a unary or
    /// client-streaming call, or the next message of a response stream.
    pub fn disable_next_message_compression(&self) {
        self.inner.next_uncompressed.store(true, Ordering::Relaxed);
    }

    /// Whether the next message goes uncompressed; clears the request.
    pub(crate) fn take_next_uncompressed(&self) -> bool {
        self.inner.next_uncompressed.load(Ordering::Relaxed)
            && self.inner.next_uncompressed.swap(false, Ordering::Relaxed)
    }

    /// Sets the status code the call ends with when the handler returns normally (grpcio's
    /// `set_code`). With a code other than OK, a unary or client-streaming handler's response
    /// message is not sent (a client cannot receive both), and a response stream ends with
    /// this code after its messages. A handler that returns `Err(status)` sends that status
    /// instead.
    ///
    /// ```
    /// # use grpc_core::{Code, ServerContext, Status};
    /// fn lookup(ctx: &ServerContext, key: &str) -> Result<String, Status> {
    ///     if key.is_empty() {
    ///         ctx.set_code(Code::InvalidArgument);
    ///         ctx.set_details("an empty key");
    ///         return Ok(String::new()); // not sent: the call ends INVALID_ARGUMENT
    ///     }
    ///     Ok(key.to_uppercase())
    /// }
    /// ```
    pub fn set_code(&self, code: Code) {
        self.lock().code = Some(code);
    }

    /// Sets the status message (`grpc-message`) the call ends with when the handler returns
    /// normally (grpcio's `set_details`).
    pub fn set_details(&self, details: impl Into<String>) {
        self.lock().details = Some(details.into());
    }

    /// The code set with [`set_code`](Self::set_code), if any.
    pub fn code(&self) -> Option<Code> {
        self.lock().code
    }

    /// The details set with [`set_details`](Self::set_details), if any.
    pub fn details(&self) -> Option<String> {
        self.lock().details.clone()
    }

    /// Ends the call now with `code` and `details` (grpcio's `abort`), and returns that status
    /// for the handler to return. The client gets it at once, even while the handler (a
    /// blocking one, or a task it spawned) still runs; whatever the handler returns or streams
    /// after this is not sent. An async handler that returns it is simply done.
    ///
    /// ```
    /// # use grpc_core::{Code, ServerContext, Status};
    /// fn check(ctx: &ServerContext, allowed: bool) -> Result<(), Status> {
    ///     if !allowed {
    ///         return Err(ctx.abort(Code::PermissionDenied, "not yours"));
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub fn abort(&self, code: Code, details: impl Into<String>) -> Status {
        self.abort_with_status(Status::new(code, details))
    }

    /// Like [`abort`](Self::abort) with a whole status (its metadata and rich details
    /// included), as grpcio's `abort_with_status`. Only the first abort counts; later ones
    /// return the first status.
    pub fn abort_with_status(&self, status: Status) -> Status {
        let status = {
            let mut guard = self.lock();
            guard.aborted.get_or_insert(status).clone()
        };
        self.raise_signal();
        status
    }

    fn raise_signal(&self) {
        self.inner.signalled.store(true, Ordering::Release);
        self.inner.signal.wake();
    }

    /// Polls for what the handler asked of the response side: an abort, else early headers
    /// not yet sent.
    pub(crate) fn poll_signal(&self, cx: &mut Context<'_>) -> Poll<Signal> {
        if !self.inner.signalled.load(Ordering::Acquire) {
            self.inner.signal.register(cx.waker());
            if !self.inner.signalled.load(Ordering::Acquire) {
                return Poll::Pending;
            }
        }
        let guard = self.lock();
        if let Some(status) = &guard.aborted {
            return Poll::Ready(Signal::Abort(status.clone()));
        }
        if guard.headers_requested && !guard.headers_sent {
            return Poll::Ready(Signal::SendHeaders);
        }
        drop(guard);
        // Signalled for headers already sent: wait for an abort.
        self.inner.signal.register(cx.waker());
        match &self.lock().aborted {
            Some(status) => Poll::Ready(Signal::Abort(status.clone())),
            None => Poll::Pending,
        }
    }

    /// The handler asked for its headers to go out early and they have not yet.
    pub(crate) fn headers_pending(&self) -> bool {
        let guard = self.lock();
        guard.headers_requested && !guard.headers_sent
    }

    /// The abort status, if the handler aborted the call.
    pub(crate) fn aborted(&self) -> Option<Status> {
        if !self.inner.signalled.load(Ordering::Acquire) {
            return None;
        }
        self.lock().aborted.clone()
    }

    /// The status a handler that returned normally ends the call with: `None` for a plain OK;
    /// else the abort, or the code and details it set.
    pub(crate) fn returned_status(&self) -> Option<Status> {
        let guard = self.lock();
        if let Some(status) = &guard.aborted {
            return Some(status.clone());
        }
        match (guard.code, &guard.details) {
            (None, None) => None,
            (code, details) => Some(Status::new(
                code.unwrap_or(Code::Ok),
                details.clone().unwrap_or_default(),
            )),
        }
    }

    /// The request's compression (`grpc-encoding`), if it was compressed.
    pub fn request_compression(&self) -> Option<Compression> {
        self.inner.compression.request
    }

    /// Whether the client accepts responses compressed with `compression`
    /// (`grpc-accept-encoding`).
    pub fn peer_accepts(&self, compression: Compression) -> bool {
        self.inner.compression.peer_accepts.contains(compression)
    }

    /// For a call with one request message (unary, server-streaming): whether that message
    /// arrived compressed. `None` for client streams: ask
    /// [`Streaming::last_message_compressed`](crate::Streaming::last_message_compressed).
    pub fn request_message_compressed(&self) -> Option<bool> {
        self.inner.compression.request_compressed.get().copied()
    }

    /// Records whether the single request message arrived compressed, once it is read.
    pub(crate) fn set_request_compressed(&self, compressed: Option<bool>) {
        if let Some(compressed) = compressed {
            let _ = self.inner.compression.request_compressed.set(compressed);
        }
    }

    /// Runs `callback` once when the call ends, with its final status: OK, the error the
    /// handler returned, CANCELLED when the client cancelled or went away, DEADLINE_EXCEEDED
    /// when the deadline passed (grpcio's `add_callback`). Returns `false`, without running
    /// it, if the call has already ended.
    pub fn add_callback(&self, callback: impl FnOnce(&Status) + Send + 'static) -> bool {
        let mut callbacks = lock(&self.inner.callbacks);
        if callbacks.ended {
            return false;
        }
        callbacks.pending.push(Box::new(callback));
        true
    }

    /// Ends the call for its callbacks (only the first end counts).
    pub(crate) fn finish(&self, status: &Status) {
        run_callbacks(self.end_callbacks(), status);
    }

    /// Ends the call with a bare OK for its callbacks: the status is made only if one waits
    /// for it.
    pub(crate) fn finish_ok(&self) {
        let pending = self.end_callbacks();
        if !pending.is_empty() {
            run_callbacks(pending, &Status::new(Code::Ok, ""));
        }
    }

    /// Marks the call ended; the callbacks that are to run (none if it had already ended).
    fn end_callbacks(&self) -> Vec<Callback> {
        let mut callbacks = lock(&self.inner.callbacks);
        if callbacks.ended {
            return Vec::new();
        }
        callbacks.ended = true;
        std::mem::take(&mut callbacks.pending)
    }

    pub(crate) fn compression(&self) -> Option<Option<Compression>> {
        self.lock().compression
    }

    fn lock(&self) -> MutexGuard<'_, ResponseMetadata> {
        lock(&self.inner.response)
    }

    /// Cancels the call: the flag now, the token if a handler made one (else
    /// [`token`](Self::token) cancels it when it is made).
    pub(crate) fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        std::sync::atomic::fence(Ordering::SeqCst);
        if let Some(token) = self.inner.cancellation.get() {
            token.cancel();
        }
    }

    /// The initial metadata, as the headers are built: from now on it can no longer change.
    pub(crate) fn take_initial_metadata(&self) -> MetadataMap {
        let mut guard = self.lock();
        guard.headers_sent = true;
        std::mem::take(&mut guard.initial)
    }

    pub(crate) fn take_trailing_metadata(&self) -> MetadataMap {
        std::mem::take(&mut self.lock().trailing)
    }
}

fn run_callbacks(pending: Vec<Callback>, status: &Status) {
    for callback in pending {
        // A panicking callback must not take the others (or the server task) with it.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(status)));
    }
}

fn headers_already_sent() -> Status {
    Status::failed_precondition("the response headers (initial metadata) were already sent")
}

/// A handler that panicked while holding a lock poisons it; the data is still plain data, so
/// keep going.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct MetadataGuard<'a> {
    guard: MutexGuard<'a, ResponseMetadata>,
    initial: bool,
}

impl std::ops::Deref for MetadataGuard<'_> {
    type Target = MetadataMap;
    fn deref(&self) -> &MetadataMap {
        if self.initial {
            &self.guard.initial
        } else {
            &self.guard.trailing
        }
    }
}

impl std::ops::DerefMut for MetadataGuard<'_> {
    fn deref_mut(&mut self) -> &mut MetadataMap {
        if self.initial {
            &mut self.guard.initial
        } else {
            &mut self.guard.trailing
        }
    }
}

impl fmt::Debug for ServerContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerContext")
            .field("method", &self.method())
            .field("peer", &self.inner.connection.peer)
            .field("deadline", &self.inner.deadline)
            .field("cancelled", &self.is_cancelled())
            .finish_non_exhaustive()
    }
}

/// Cancels the call's token when dropped before [`CancelOnDrop::disarm`]: a dropped handler
/// future or response stream means the client went away.
pub(crate) struct CancelOnDrop {
    ctx: Option<ServerContext>,
}

impl CancelOnDrop {
    pub(crate) fn new(ctx: &ServerContext) -> Self {
        CancelOnDrop {
            ctx: Some(ctx.clone()),
        }
    }

    pub(crate) fn disarm(&mut self) {
        self.ctx = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(ctx) = self.ctx.take() {
            ctx.cancel();
            let status = match ctx.deadline() {
                Some(deadline) if Instant::now() >= deadline => {
                    Status::deadline_exceeded("deadline exceeded")
                }
                _ => Status::cancelled("the call was cancelled"),
            };
            ctx.finish(&status);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(headers: http::HeaderMap) -> ServerContext {
        let connection = Arc::new(ConnectionInfo {
            peer: None,
            auth: AuthContext::insecure(),
        });
        ServerContext::new(
            PathAndQuery::from_static("/demo.Pinger/Ping"),
            headers,
            connection,
            None,
            CallCompression::default(),
        )
    }

    #[tokio::test]
    async fn a_token_made_after_the_cancel_is_cancelled() {
        let ctx = context(http::HeaderMap::new());
        assert!(!ctx.is_cancelled());
        ctx.cancel();
        assert!(ctx.is_cancelled() && !ctx.is_active());
        assert!(ctx.cancellation_token().is_cancelled());
        ctx.cancelled().await; // completes at once
    }

    #[tokio::test]
    async fn a_token_made_before_the_cancel_is_cancelled_with_it() {
        let ctx = context(http::HeaderMap::new());
        let token = ctx.cancellation_token();
        let waiting = tokio::spawn(async move { token.cancelled().await });
        tokio::task::yield_now().await;
        ctx.cancel();
        waiting.await.unwrap();
        assert!(ctx.cancellation_token().is_cancelled());
    }

    #[test]
    fn a_cancel_racing_the_first_token_always_reaches_it() {
        for _ in 0..2000 {
            let ctx = context(http::HeaderMap::new());
            let canceller = ctx.clone();
            let cancel = std::thread::spawn(move || canceller.cancel());
            let token = ctx.cancellation_token();
            cancel.join().unwrap();
            assert!(token.is_cancelled(), "the token missed the cancel");
        }
    }

    #[test]
    fn request_metadata_leaves_out_the_reserved_headers() {
        let mut headers = http::HeaderMap::new();
        headers.insert("content-type", "application/grpc".parse().unwrap());
        headers.insert("te", "trailers".parse().unwrap());
        headers.insert("grpc-timeout", "1S".parse().unwrap());
        headers.insert("user-agent", "grpc-go/1.33".parse().unwrap());
        headers.insert("x-request-id", "7".parse().unwrap());
        let ctx = context(headers);
        let metadata = ctx.request_metadata();
        assert_eq!(metadata.len(), 2, "{metadata:?}");
        assert_eq!(metadata.get("x-request-id").unwrap(), "7");
        assert_eq!(metadata.get("user-agent").unwrap(), "grpc-go/1.33");
        assert!(metadata.get("content-type").is_none() && metadata.get("te").is_none());
        assert!(
            std::ptr::eq(metadata, ctx.invocation_metadata()),
            "one map, made once"
        );
    }
}
