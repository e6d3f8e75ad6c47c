//! One server connection from accept to close: our own driver of h2's server connection
//! (not hyper's, so that a stream past its deadline can be reset even while its response waits
//! for flow-control window, and so that no response bytes are handed to h2 beyond what the
//! window lets out), over the [`FrameGuard`] filter (keepalive enforcement, control-frame
//! bound) and the write coalescing of `transport::coalesce` (each turn of the loop ends with
//! one write), under the connection lifetimes of gRFC A9:
//!
//! - the client's HTTP/2 preface must arrive within the handshake timeout (default 20 s, from
//!   accept, TLS handshake included), or the connection is closed;
//! - a connection with no call in flight for `max_connection_idle` gets GOAWAY and closes;
//! - a connection older than `max_connection_age` (±10% jitter, so connections made together
//!   do not all go at once) gets GOAWAY; calls in flight get `max_connection_age_grace` to
//!   finish, then the connection is closed;
//! - when the server stops, the connection gets GOAWAY and drains.
//!
//! Every call is counted on its connection and on the server ([`CallLimit`]); a call beyond
//! the server's `maximum_concurrent_rpcs` gets RESOURCE_EXHAUSTED without reaching a handler.

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};
use h2::server::SendResponse;
use h2::SendStream;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::context::ConnectionInfo;
use super::handler::status_response;
use super::layer::{GrpcService, Incoming, Layered, MakeLayered};
use super::limits::{CallLimit, CallPermit, ConnectionCall};
use super::router::Router;
use super::ConnectionSettings;
use crate::status::Status;
use crate::transport::batching::{drive_batched, on_multi_thread_runtime};
use crate::transport::coalesce::coalescing;
use crate::transport::frame_guard::{FrameGuard, GuardState};

/// How long connections may live (gRFC A9).
#[derive(Debug, Clone)]
pub(crate) struct Lifetimes {
    /// From accept until the client's HTTP/2 preface (default 20 s).
    pub(crate) handshake_timeout: Duration,
    pub(crate) max_idle: Option<Duration>,
    pub(crate) max_age: Option<Duration>,
    /// After `max_age`'s GOAWAY, how long calls in flight may still run (`None`: unbounded).
    pub(crate) age_grace: Option<Duration>,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            handshake_timeout: Duration::from_secs(20),
            max_idle: None,
            max_age: None,
            age_grace: None,
        }
    }
}

/// How long a draining connection with no call in flight stays open (for the GOAWAY to reach
/// the peer) before it is closed.
const DRAIN_LINGER: Duration = Duration::from_secs(1);

/// How often the loop rechecks deadlines that depend on calls starting and ending.
const TICK: Duration = Duration::from_millis(250);

/// A deadline that never comes.
const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// `age` with ±10% jitter.
fn jittered(age: Duration) -> Duration {
    age.mul_f64(0.9 + fastrand::f64() * 0.2)
}

/// What every connection of a server shares.
pub(crate) struct Shared {
    pub(crate) router: Arc<Router>,
    pub(crate) settings: ConnectionSettings,
    pub(crate) calls: Arc<CallLimit>,
    /// Graceful stop: GOAWAY, then drain.
    pub(crate) shutdown: CancellationToken,
    /// The stop's grace ran out: calls still in flight end with UNAVAILABLE.
    pub(crate) hard_stop: CancellationToken,
    /// The server's tower layer, if any: made into one service per connection.
    pub(crate) layer: Option<MakeLayered>,
}

/// A stream h2 accepted: the request and where its response goes.
type Accepted = Option<Result<(http::Request<h2::RecvStream>, SendResponse<Bytes>), h2::Error>>;

/// What woke the connection's loop (the accepted stream is consumed at once, so its size
/// costs nothing).
#[allow(clippy::large_enum_variant)]
enum Event {
    Accepted(Accepted),
    Shutdown,
    Idle,
    Drained,
    Aged,
    GraceOver,
    KeepaliveDue,
    KeepaliveFailed,
    HandshakeTimeout,
    Tick,
}

/// Serves one connection until it closes, the server stops, or a lifetime ends it. `accepted`
/// is when the socket was accepted (the handshake timeout runs from it).
pub(crate) async fn serve<IO>(
    shared: Arc<Shared>,
    io: IO,
    info: Arc<ConnectionInfo>,
    accepted: Instant,
) where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let peer = &info.peer;
    // With a tower layer, this connection's layered service (one per connection).
    let layered = shared
        .layer
        .as_ref()
        .map(|make| make(GrpcService::new(shared.router.clone(), info.clone())));
    let state = Arc::new(GuardState::new());
    let settings = &shared.settings;
    let lifetimes = &settings.lifetimes;
    // What h2 writes during a turn of the loop goes out in one write when the turn ends.
    let (io, turn_end) = coalescing(io, settings.write_buffer_size);
    let io = FrameGuard::new(io, settings.guard.clone(), state.clone());
    let mut builder = h2::server::Builder::new();
    builder
        .max_concurrent_streams(settings.max_concurrent_streams)
        .max_header_list_size(settings.max_header_list_size)
        .initial_window_size(settings.initial_stream_window_size)
        .initial_connection_window_size(settings.initial_connection_window_size)
        .max_pending_accept_reset_streams(settings.max_pending_accept_reset_streams)
        .max_local_error_reset_streams(settings.max_local_error_reset_streams)
        .max_send_buffer_size(settings.max_send_buffer_per_stream);
    let handshake_deadline = accepted + lifetimes.handshake_timeout;
    // One timer for all of the connection's deadlines, pinned for its whole life (see
    // `Deadlines`), and one registration with the server's shutdown.
    let timer = tokio::time::sleep_until(handshake_deadline);
    tokio::pin!(timer);
    let shutdown = shared.shutdown.cancelled();
    tokio::pin!(shutdown);
    let handshake = builder.handshake::<_, Bytes>(io);
    tokio::pin!(handshake);
    let mut connection = tokio::select! {
        handshake = turn_end.writing_out(&mut handshake) => match handshake {
            Ok(connection) => connection,
            Err(error) => {
                tracing::debug!(peer = ?peer, %error, "HTTP/2 handshake failed");
                return;
            }
        },
        _ = &mut timer => {
            tracing::warn!(
                peer = ?peer,
                timeout = ?lifetimes.handshake_timeout,
                "closing a connection that sent no HTTP/2 preface in time"
            );
            return;
        }
        _ = &mut shutdown => return,
    };
    let mut pings = connection.ping_pong();
    let batch = on_multi_thread_runtime();
    let mut streams = if batch {
        Streams::Spawned(JoinSet::new())
    } else {
        Streams::Inline(FuturesUnordered::new())
    };

    let age_deadline = lifetimes.max_age.map(|age| accepted + jittered(age));
    let mut grace_deadline: Option<Instant> = None;
    let mut draining = false;
    let mut drain_started = accepted;
    let mut ping_sent: Option<Instant> = None;
    // h2's handshake ends with the preface; the client's SETTINGS must follow in time too.
    let mut preface_seen = false;

    loop {
        streams.reap();
        preface_seen = preface_seen || state.preface_seen();
        let deadlines = Deadlines {
            handshake: (!preface_seen).then_some(handshake_deadline),
            idle: match (lifetimes.max_idle, draining) {
                (Some(idle), false) => state.idle_since().map(|since| since + idle),
                _ => None,
            },
            // Draining with no call in flight: h2 waits for the peer's PING ACK before its
            // final GOAWAY, which a peer that does not answer never sends; close after
            // DRAIN_LINGER.
            drained: if draining {
                state
                    .idle_since()
                    .map(|since| since.max(drain_started) + DRAIN_LINGER)
            } else {
                None
            },
            age: age_deadline.filter(|_| grace_deadline.is_none()),
            grace: grace_deadline,
            keepalive: match (settings.keepalive_interval, ping_sent) {
                (Some(interval), None) => Some(state.last_read() + interval),
                _ => None,
            },
            pong: ping_sent.map(|at| at + settings.keepalive_timeout),
            // Recheck the deadlines that depend on calls starting and ending at least this
            // often.
            tick: (lifetimes.max_idle.is_some() || draining).then(|| Instant::now() + TICK),
        };
        let next = deadlines.earliest();
        if let Some(next) = next {
            // A deadline that moved later is left to the next firing, which rechecks.
            if timer.is_elapsed() || next < timer.deadline() {
                timer.as_mut().reset(next);
            }
        }
        // Batched: on a multi-thread runtime the loop steps aside once per wake-up, so that
        // the responses the stream tasks are writing at that moment go out in one write.
        // Biased, with the streams before h2: on a current-thread runtime (streams polled
        // here) the frames of the handlers that ran are taken by h2 in the same turn, and the
        // turn's end writes them all out at once.
        let event = drive_batched(
            batch,
            turn_end.writing_out(std::pin::pin!(async {
                tokio::select! {
                    biased;
                    _ = &mut shutdown, if !draining => Event::Shutdown,
                    _ = &mut timer, if next.is_some() => deadlines.due(Instant::now()),
                    pong = poll_pong(&mut pings), if ping_sent.is_some() => match pong {
                        Ok(()) => {
                            ping_sent = None;
                            Event::Tick
                        }
                        Err(_) => Event::KeepaliveFailed,
                    },
                    never = std::future::poll_fn(|cx| streams.poll_run(cx)) => match never {},
                    accepted = connection.accept() => Event::Accepted(accepted),
                }
            })),
        )
        .await;
        match event {
            Event::Accepted(Some(Ok((request, respond)))) => {
                let call = ConnectionCall::new(&state);
                let route = match &layered {
                    Some(layered) => Route::Layered(layered),
                    None => Route::Direct(&info),
                };
                serve_stream(&mut streams, &shared, route, request, respond, call);
            }
            Event::Accepted(Some(Err(error))) => {
                tracing::debug!(peer = ?peer, calmed = state.calmed(), %error, "connection ended with an error");
                return;
            }
            Event::Accepted(None) => break,
            Event::Shutdown => {
                draining = true;
                drain_started = Instant::now();
                connection.graceful_shutdown();
            }
            Event::Idle => {
                if state.idle_since().is_some() {
                    tracing::debug!(peer = ?peer, "closing an idle connection (max_connection_idle)");
                    draining = true;
                    drain_started = Instant::now();
                    connection.graceful_shutdown();
                }
            }
            Event::Drained => {
                if state.idle_since().is_some() {
                    tracing::debug!(peer = ?peer, "closing a drained connection");
                    return;
                }
            }
            Event::Aged => {
                tracing::debug!(peer = ?peer, "closing a connection past its age (max_connection_age)");
                if !draining {
                    draining = true;
                    drain_started = Instant::now();
                    connection.graceful_shutdown();
                }
                grace_deadline = Some(match lifetimes.age_grace {
                    Some(grace) => Instant::now() + grace,
                    None => accepted + FOREVER,
                });
            }
            Event::GraceOver => {
                tracing::debug!(peer = ?peer, "closing a connection whose age grace ran out");
                return;
            }
            Event::KeepaliveDue => {
                if let Some(pings) = pings.as_mut() {
                    if pings.send_ping(h2::Ping::opaque()).is_ok() {
                        ping_sent = Some(Instant::now());
                    }
                }
            }
            Event::KeepaliveFailed => {
                tracing::debug!(peer = ?peer, "closing a connection whose peer did not answer a keepalive ping");
                return;
            }
            // The first frame may have come in while the loop waited.
            Event::HandshakeTimeout if state.preface_seen() => {}
            Event::HandshakeTimeout => {
                tracing::warn!(
                    peer = ?peer,
                    timeout = ?lifetimes.handshake_timeout,
                    "closing a connection that sent no SETTINGS after its preface in time"
                );
                return;
            }
            Event::Tick => {}
        }
    }
    // The connection closed cleanly: its streams have sent everything. (No timer when none
    // is left, the usual case: a short connection's call has ended by now.)
    streams.reap();
    if !streams.is_empty() {
        let _ = tokio::time::timeout(DRAIN_LINGER, streams.finish()).await;
    }
}

/// One stream's whole life on the server ([`serve_stream`]), boxed.
type StreamFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A connection's streams in flight.
///
/// On a multi-thread runtime each stream is a task of its own, so that one connection's calls
/// run in parallel. On a current-thread runtime they all run on one thread anyway: there the
/// connection's own task polls them, which saves a task spawn, a join and a task switch per
/// call (measured with `examples/callgrind-unary.sh`: see the README's performance section).
/// Dropping the set (the connection ended abruptly) drops the streams in flight either way:
/// their handlers are cancelled, as a client's reset cancels them.
enum Streams {
    Spawned(JoinSet<()>),
    Inline(FuturesUnordered<StreamFuture>),
}

impl Streams {
    /// Boxed either way: a task cell or a set entry then holds a pointer, not the stream's
    /// whole state, which would otherwise be copied several times on the way in.
    fn push(&mut self, stream: impl Future<Output = ()> + Send + 'static) {
        match self {
            Streams::Spawned(tasks) => {
                tasks.spawn(Box::pin(stream));
            }
            // A panic ends that stream only, as it would end only its task: the stream's
            // reply is dropped, which resets it.
            Streams::Inline(streams) => {
                streams.push(Box::pin(AssertUnwindSafe(stream).catch_unwind().map(drop)))
            }
        }
    }

    /// Forgets the spawned streams that have ended (inline ones go as they end).
    fn reap(&mut self) {
        if let Streams::Spawned(tasks) = self {
            while tasks.try_join_next().is_some() {}
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Streams::Spawned(tasks) => tasks.is_empty(),
            Streams::Inline(streams) => streams.is_empty(),
        }
    }

    /// Runs the inline streams that are ready, until none is; never completes (a spawned
    /// stream runs on its own).
    fn poll_run(&mut self, cx: &mut Context<'_>) -> Poll<Infallible> {
        if let Streams::Inline(streams) = self {
            while let Poll::Ready(Some(())) = streams.poll_next_unpin(cx) {}
        }
        Poll::Pending
    }

    /// Waits for every stream to end.
    async fn finish(&mut self) {
        match self {
            Streams::Spawned(tasks) => while tasks.join_next().await.is_some() {},
            Streams::Inline(streams) => while streams.next().await.is_some() {},
        }
    }
}

/// The connection's deadlines at one turn of its loop (`None`: not running).
///
/// They share one timer, set to the earliest. A deadline that moves later (the keepalive
/// deadline moves with every read) does not reset it: the timer fires early, [`Deadlines::due`]
/// finds nothing due, and the loop sets it to the new earliest. Resetting a registered timer
/// only when a deadline moves earlier keeps the loop's turns cheap.
struct Deadlines {
    handshake: Option<Instant>,
    idle: Option<Instant>,
    drained: Option<Instant>,
    age: Option<Instant>,
    grace: Option<Instant>,
    keepalive: Option<Instant>,
    pong: Option<Instant>,
    tick: Option<Instant>,
}

impl Deadlines {
    fn all(&self) -> [Option<Instant>; 8] {
        [
            self.handshake,
            self.grace,
            self.pong,
            self.drained,
            self.idle,
            self.age,
            self.keepalive,
            self.tick,
        ]
    }

    fn earliest(&self) -> Option<Instant> {
        self.all().into_iter().flatten().min()
    }

    /// What is due at `now`, the ones that end the connection first.
    fn due(&self, now: Instant) -> Event {
        let due = |at: Option<Instant>| at.is_some_and(|at| at <= now);
        if due(self.handshake) {
            Event::HandshakeTimeout
        } else if due(self.grace) {
            Event::GraceOver
        } else if due(self.pong) {
            Event::KeepaliveFailed
        } else if due(self.drained) {
            Event::Drained
        } else if due(self.idle) {
            Event::Idle
        } else if due(self.age) {
            Event::Aged
        } else if due(self.keepalive) {
            Event::KeepaliveDue
        } else {
            Event::Tick
        }
    }
}

/// Sleeps until `at` (forever for `None`) on `timer`, which it makes when first polled: a
/// timer only for the calls that wait.
async fn sleep_until_boxed(timer: &mut Option<Pin<Box<tokio::time::Sleep>>>, at: Option<Instant>) {
    match at {
        Some(at) => {
            timer
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)))
                .await
        }
        None => std::future::pending().await,
    }
}

async fn poll_pong(pings: &mut Option<h2::PingPong>) -> Result<(), h2::Error> {
    match pings {
        Some(pings) => std::future::poll_fn(|cx| pings.poll_pong(cx))
            .await
            .map(drop),
        None => std::future::pending().await,
    }
}

/// Serves one stream: routes the request, sends the response headers, then the body as the
/// peer's flow-control window allows. A peer reset drops the call (its handler is cancelled).
/// Past the call's deadline, a response still waiting for window is reset (RST_STREAM
/// CANCEL): the call does not outlive its deadline even when the peer stops reading.
fn serve_stream(
    streams: &mut Streams,
    shared: &Arc<Shared>,
    route: Route<'_>,
    request: http::Request<h2::RecvStream>,
    mut respond: SendResponse<Bytes>,
    call: ConnectionCall,
) {
    let Some(permit) = shared.calls.try_acquire() else {
        let response = status_response(&Status::resource_exhausted(
            "the server's limit of concurrent calls is reached",
        ));
        let _ = respond.send_response(response.map(drop), true);
        return;
    };
    // Routing is synchronous: done here, what the stream's future keeps is the routed call,
    // not the request (the future is boxed, and its size is copied and allocated per call).
    // It runs in the connection's loop, so a panic in it must end this stream only: caught,
    // the response is dropped, which resets the stream (as a panic in its future does).
    let shared = shared.clone();
    let counted = (call, permit);
    match route {
        Route::Direct(info) => {
            let route = AssertUnwindSafe(|| shared.router.route(request, info));
            let Ok(routed) = std::panic::catch_unwind(route) else {
                return;
            };
            let deadline = routed.deadline();
            streams.push(respond_with(shared, routed, respond, deadline, counted));
        }
        Route::Layered(layered) => {
            // The router inside the layer enforces the handler's deadline; the stream's own
            // reset past the deadline (a reply stuck behind flow control) needs it here too.
            let deadline = request
                .headers()
                .get(crate::protocol::headers::name::GRPC_TIMEOUT)
                .and_then(|value| crate::protocol::timeout::parse(value.as_bytes()))
                .map(|timeout| Instant::now() + timeout);
            let route = AssertUnwindSafe(|| layered.call(request.map(Incoming::new)));
            let Ok(routed) = std::panic::catch_unwind(route) else {
                return;
            };
            streams.push(respond_with(shared, routed, respond, deadline, counted));
        }
    }
}

/// How a connection's streams reach the router: directly, or through the server's tower
/// layer.
enum Route<'a> {
    Direct(&'a Arc<ConnectionInfo>),
    Layered(&'a Arc<dyn Layered>),
}

/// A stream's future: waits for `call`'s response, sends its headers, then its body. The
/// call counts against the connection and the server (`_counted`) until it ends.
///
/// Its parameters are all that it holds for the whole call, and the two steps are futures of
/// their own that it holds one at a time: the future is boxed per call, and kept small that
/// way (under glibc's per-thread cache limit, 1 KiB, it allocates and copies cheaply).
async fn respond_with<C, B>(
    shared: Arc<Shared>,
    call: C,
    respond: SendResponse<Bytes>,
    deadline: Option<Instant>,
    _counted: (ConnectionCall, CallPermit),
) where
    C: std::future::Future<Output = http::Response<B>> + Unpin,
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let Some((body, send)) = respond_headers(&shared, call, respond).await else {
        return;
    };
    send_body(body, send, deadline, &shared.hard_stop).await;
}

/// Waits for `call`'s response and sends its headers; gives back the body still to send, if
/// any.
async fn respond_headers<B>(
    shared: &Shared,
    mut call: impl std::future::Future<Output = http::Response<B>> + Unpin,
    mut respond: SendResponse<Bytes>,
) -> Option<(B, SendStream<Bytes>)>
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    // The call first (as hyper does): a handler reading its request sees a client's reset as
    // CANCELLED before its future is dropped.
    let response = tokio::select! {
        biased;
        response = &mut call => response,
        _ = std::future::poll_fn(|cx| respond.poll_reset(cx)) => return None,
        _ = shared.hard_stop.cancelled() => {
            // Trailers-only: the status in the response headers.
            let response = status_response(&shutting_down());
            let _ = respond.send_response(response.map(drop), true);
            return None;
        }
    };
    let (parts, body) = response.into_parts();
    let end = body.is_end_stream();
    let send = respond
        .send_response(http::Response::from_parts(parts, ()), end)
        .ok()?;
    (!end).then_some((body, send))
}

fn shutting_down() -> Status {
    Status::unavailable("the server is shutting down")
}

fn shutting_down_trailers() -> http::HeaderMap {
    crate::protocol::status_codec::encode(&shutting_down())
}

/// Sends `body` on `send`, never handing h2 more than the window lets out.
///
/// Its future is boxed with every stream's: each frame is taken apart before the next wait,
/// and the wait for window is a future of its own, so that what it holds across a wait stays
/// small (see `examples/callgrind-unary.sh`).
async fn send_body<B>(
    mut body: B,
    mut send: SendStream<Bytes>,
    deadline: Option<Instant>,
    hard_stop: &CancellationToken,
) where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    // The deadline's timer, made the first time the window holds data back (it seldom does).
    let mut stuck_timer = None;
    loop {
        let data = {
            let frame = tokio::select! {
                biased;
                frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)) => frame,
                _ = std::future::poll_fn(|cx| send.poll_reset(cx)) => return,
                _ = hard_stop.cancelled() => {
                    // Dropping the body cancels the handler; the client gets a clear status.
                    drop(body);
                    let _ = send.send_trailers(shutting_down_trailers());
                    return;
                }
            };
            match frame.map(|frame| frame.map(http_body::Frame::into_data)) {
                None => {
                    let _ = send.send_data(Bytes::new(), true);
                    return;
                }
                Some(Ok(Ok(data))) => data,
                Some(Ok(Err(frame))) => {
                    if let Ok(trailers) = frame.into_trailers() {
                        let _ = send.send_trailers(trailers);
                        return;
                    }
                    continue;
                }
                Some(Err(error)) => {
                    // Only a tower layer's body can fail: the call cannot be completed.
                    tracing::debug!(%error, "a response body failed");
                    send.send_reset(h2::Reason::INTERNAL_ERROR);
                    return;
                }
            }
        };
        let sent = send_in_window(
            &mut send,
            data,
            &mut body,
            &mut stuck_timer,
            deadline,
            hard_stop,
        );
        if !sent.await {
            return;
        }
    }
}

/// Sends `data` as the peer's window lets it out, the last piece with END_STREAM if `body`
/// has nothing after it; `false` when the stream ended instead (it ended with the data, or was
/// reset, stopped by the server's hard stop, or stuck behind the window past the deadline).
async fn send_in_window<B: http_body::Body>(
    send: &mut SendStream<Bytes>,
    mut data: Bytes,
    body: &mut B,
    stuck_timer: &mut Option<Pin<Box<tokio::time::Sleep>>>,
    deadline: Option<Instant>,
    hard_stop: &CancellationToken,
) -> bool {
    while !data.is_empty() {
        send.reserve_capacity(data.len());
        let granted = tokio::select! {
            biased;
            granted = std::future::poll_fn(|cx| send.poll_capacity(cx)) => granted,
            _ = sleep_until_boxed(stuck_timer, deadline) => {
                // Stuck behind the peer's window past the deadline.
                send.send_reset(h2::Reason::CANCEL);
                return false;
            }
            _ = hard_stop.cancelled() => {
                // What the window did not let out is dropped; the status goes.
                send.reserve_capacity(0);
                let _ = send.send_trailers(shutting_down_trailers());
                return false;
            }
        };
        let n = match granted {
            Some(Ok(0)) => continue,
            Some(Ok(n)) => n.min(data.len()),
            Some(Err(_)) | None => return false,
        };
        let piece = data.split_to(n);
        let end = data.is_empty() && body.is_end_stream();
        if send.send_data(piece, end).is_err() || end {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Deadlines {
        Deadlines {
            handshake: None,
            idle: None,
            drained: None,
            age: None,
            grace: None,
            keepalive: None,
            pong: None,
            tick: None,
        }
    }

    #[test]
    fn deadlines_share_the_earliest_and_report_what_is_due() {
        let now = Instant::now();
        let later = |secs| Some(now + Duration::from_secs(secs));
        assert_eq!(none().earliest(), None);
        assert!(matches!(none().due(now), Event::Tick));
        let deadlines = Deadlines {
            keepalive: later(7200),
            idle: later(30),
            tick: Some(now + TICK),
            ..none()
        };
        assert_eq!(deadlines.earliest(), Some(now + TICK));
        // The tick fired: nothing else is due yet.
        assert!(matches!(deadlines.due(now + TICK), Event::Tick));
        assert!(matches!(
            deadlines.due(now + Duration::from_secs(30)),
            Event::Idle
        ));
        // Several due at once: the one that ends the connection comes first.
        let deadlines = Deadlines {
            handshake: later(20),
            keepalive: later(1),
            age: later(2),
            ..none()
        };
        assert_eq!(deadlines.earliest(), later(1));
        assert!(matches!(
            deadlines.due(now + Duration::from_secs(1)),
            Event::KeepaliveDue
        ));
        assert!(matches!(
            deadlines.due(now + Duration::from_secs(5)),
            Event::Aged
        ));
        assert!(matches!(
            deadlines.due(now + Duration::from_secs(20)),
            Event::HandshakeTimeout
        ));
        let deadlines = Deadlines {
            pong: later(1),
            grace: later(1),
            drained: later(1),
            ..none()
        };
        assert!(matches!(
            deadlines.due(now + Duration::from_secs(1)),
            Event::GraceOver
        ));
    }

    #[test]
    fn age_jitter_stays_within_ten_percent() {
        let age = Duration::from_secs(100);
        for _ in 0..1000 {
            let j = jittered(age);
            assert!(
                j >= Duration::from_secs(90) && j <= Duration::from_secs(110),
                "{j:?}"
            );
        }
    }
}
