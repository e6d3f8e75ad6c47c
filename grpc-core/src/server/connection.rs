//! One server connection from accept to close: hyper's HTTP/2 connection over the
//! [`FrameGuard`] filter (keepalive enforcement, control-frame bound), under the connection
//! lifetimes of gRFC A9:
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
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::context::Peer;
use super::handler::status_response;
use super::limits::{CallLimit, ConnectionCall, CountedBody};
use super::router::Router;
use super::ConnectionSettings;
use crate::status::Status;
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

/// `age` with ±10% jitter.
fn jittered(age: Duration) -> Duration {
    age.mul_f64(0.9 + fastrand::f64() * 0.2)
}

/// What every connection of a server shares.
pub(crate) struct Shared {
    pub(crate) router: Arc<Router>,
    pub(crate) settings: ConnectionSettings,
    pub(crate) calls: Arc<CallLimit>,
    pub(crate) shutdown: CancellationToken,
}

/// Serves one connection until it closes, the server stops, or a lifetime ends it. `accepted`
/// is when the socket was accepted (the handshake timeout runs from it).
pub(crate) async fn serve<IO>(shared: Arc<Shared>, io: IO, peer: Option<Peer>, accepted: Instant)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let state = Arc::new(GuardState::new());
    let log_peer = peer.clone();
    let settings = &shared.settings;
    let io = FrameGuard::new(io, settings.guard.clone(), state.clone());
    let service = {
        let router = shared.router.clone();
        let calls = shared.calls.clone();
        let state = state.clone();
        hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
            let counted = ConnectionCall::new(&state);
            let permit = calls.try_acquire();
            let call = permit.as_ref().map(|_| router.route(request, peer.clone()));
            async move {
                let response = match call {
                    Some(call) => call.await,
                    None => status_response(&Status::resource_exhausted(
                        "the server's limit of concurrent calls is reached",
                    )),
                };
                Ok::<_, Infallible>(response.map(|body| CountedBody::new(body, counted, permit)))
            }
        })
    };
    let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    builder
        .timer(TokioTimer::new())
        .max_concurrent_streams(settings.max_concurrent_streams)
        .max_header_list_size(settings.max_header_list_size)
        .initial_stream_window_size(settings.initial_stream_window_size)
        .initial_connection_window_size(settings.initial_connection_window_size)
        .max_pending_accept_reset_streams(settings.max_pending_accept_reset_streams)
        .max_send_buf_size(settings.max_send_buffer_per_stream)
        .keep_alive_interval(settings.keepalive_interval)
        .keep_alive_timeout(settings.keepalive_timeout);
    let connection = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);

    let lifetimes = &settings.lifetimes;
    let handshake_deadline = accepted + lifetimes.handshake_timeout;
    let preface = state.preface_received();
    tokio::pin!(preface);
    let mut preface_seen = false;
    let age_deadline = lifetimes.max_age.map(|age| accepted + jittered(age));
    let mut grace_deadline: Option<Instant> = None;
    let mut draining = false;
    let mut drain_started = accepted;
    let far = accepted + Duration::from_secs(100 * 365 * 24 * 3600);

    loop {
        let idle_deadline = match (lifetimes.max_idle, draining) {
            (Some(idle), false) => state.idle_since().map(|since| since + idle),
            _ => None,
        };
        // Draining with no call in flight: h2 waits for the peer's PING ACK before its final
        // GOAWAY, which a peer that does not answer never sends; close after DRAIN_LINGER.
        let drained_deadline = if draining {
            state
                .idle_since()
                .map(|since| since.max(drain_started) + DRAIN_LINGER)
        } else {
            None
        };
        // Recheck idleness at least this often (a call may start and end between checks).
        let idle_check = if draining {
            Some(Instant::now() + DRAIN_LINGER)
        } else {
            lifetimes
                .max_idle
                .map(|idle| Instant::now() + idle.min(Duration::from_secs(1)))
        };
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(peer = ?log_peer, calmed = state.calmed(), %error, "connection ended with an error");
                }
                return;
            }
            _ = &mut preface, if !preface_seen => preface_seen = true,
            _ = tokio::time::sleep_until(handshake_deadline), if !preface_seen => {
                tracing::warn!(
                    timeout = ?lifetimes.handshake_timeout,
                    "closing a connection that sent no HTTP/2 preface in time"
                );
                return;
            }
            _ = shared.shutdown.cancelled(), if !draining => {
                draining = true;
                drain_started = Instant::now();
                connection.as_mut().graceful_shutdown();
            }
            _ = tokio::time::sleep_until(idle_deadline.unwrap_or(far)), if idle_deadline.is_some() => {
                if state.idle_since().is_some() {
                    tracing::debug!("closing an idle connection (max_connection_idle)");
                    draining = true;
                    drain_started = Instant::now();
                    connection.as_mut().graceful_shutdown();
                }
            }
            _ = tokio::time::sleep_until(drained_deadline.unwrap_or(far)), if drained_deadline.is_some() => {
                if state.idle_since().is_some() {
                    tracing::debug!("closing a drained connection");
                    return;
                }
            }
            _ = tokio::time::sleep_until(idle_check.unwrap_or(far)), if idle_check.is_some() && idle_deadline.is_none() && drained_deadline.is_none() => {}
            _ = tokio::time::sleep_until(age_deadline.unwrap_or(far)), if age_deadline.is_some() && grace_deadline.is_none() => {
                tracing::debug!("closing a connection past its age (max_connection_age)");
                draining = true;
                drain_started = Instant::now();
                connection.as_mut().graceful_shutdown();
                grace_deadline = Some(match lifetimes.age_grace {
                    Some(grace) => Instant::now() + grace,
                    None => far,
                });
            }
            _ = tokio::time::sleep_until(grace_deadline.unwrap_or(far)), if grace_deadline.is_some_and(|at| at < far) => {
                tracing::debug!("closing a connection whose age grace ran out");
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
