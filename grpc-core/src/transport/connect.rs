//! Client connections: one HTTP/2 connection to one address, driven by its own task.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use tokio_util::sync::CancellationToken;

use super::address::Address;
use super::batching::{drive_batched, on_multi_thread_runtime};
use super::coalesce::coalescing;
use crate::status::Status;
use crate::tls::ClientTlsConfig;

/// How connections are made and configured.
#[derive(Debug, Clone)]
pub(crate) struct ConnectSettings {
    pub(crate) tcp_nodelay: bool,
    pub(crate) stream_window: u32,
    pub(crate) connection_window: u32,
    pub(crate) max_header_list_size: u32,
    pub(crate) keepalive: Option<Keepalive>,
    pub(crate) tls: Option<ClientTlsConfig>,
    /// `host[:port]` the TLS server name is taken from.
    pub(crate) authority: String,
    /// Bytes of outgoing frames gathered before they are written (see `coalesce`).
    pub(crate) write_buffer_size: usize,
}

/// Client keepalive (`doc/keepalive.md`), shared by a channel's connections.
#[derive(Debug, Clone)]
pub(crate) struct Keepalive {
    /// Milliseconds between pings. Shared, because a `too_many_pings` GOAWAY doubles it for
    /// every later connection of the channel.
    pub(crate) time_ms: Arc<AtomicU64>,
    /// How long a ping may go unanswered before the connection is closed.
    pub(crate) timeout: Duration,
    /// Ping also while no call is in flight.
    pub(crate) permit_without_calls: bool,
}

/// An established HTTP/2 connection.
#[derive(Clone)]
pub(crate) struct Connection {
    pub(crate) send: h2::client::SendRequest<Bytes>,
    /// Cancelled when the connection takes no more streams: it ended, or the server sent
    /// GOAWAY.
    pub(crate) closed: CancellationToken,
    /// Calls in flight on this connection.
    pub(crate) active: Arc<AtomicUsize>,
    /// Set when the channel tore the connection down on purpose: what its calls report
    /// instead of the transport error that follows.
    pub(crate) aborted: Arc<OnceLock<Status>>,
    driver: tokio::task::AbortHandle,
}

impl Connection {
    /// Ends the connection now: every call on it fails with `status`.
    pub(crate) fn abort(&self, status: Status) {
        let _ = self.aborted.set(status);
        self.closed.cancel();
        self.driver.abort();
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("closed", &self.closed.is_cancelled())
            .field("active", &self.active.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Connects to `address`: socket, TLS handshake when configured (ALPN `h2`), HTTP/2
/// handshake, all within `timeout`. Failures are UNAVAILABLE, with the cause as the status's
/// source.
pub(crate) async fn connect(
    address: &Address,
    settings: &ConnectSettings,
    timeout: Duration,
) -> Result<Connection, Status> {
    let connecting = connect_io(address, settings);
    match tokio::time::timeout(timeout, connecting).await {
        Ok(result) => result,
        Err(_) => Err(Status::unavailable(format!(
            "timed out connecting to {address} after {timeout:?}"
        ))),
    }
}

async fn connect_io(address: &Address, settings: &ConnectSettings) -> Result<Connection, Status> {
    let failed = |what: &str, e: std::io::Error| {
        Status::unavailable(format!("{what} {address}: {e}")).with_source(e)
    };
    match address {
        Address::Tcp(socket_address) => {
            let stream = tokio::net::TcpStream::connect(socket_address)
                .await
                .map_err(|e| failed("failed to connect to", e))?;
            let _ = stream.set_nodelay(settings.tcp_nodelay);
            match &settings.tls {
                None => handshake(stream, settings).await,
                Some(tls) => {
                    let stream = tls
                        .connect(&settings.authority, stream)
                        .await
                        .map_err(|e| failed("TLS handshake failed with", e))?;
                    handshake(stream, settings).await
                }
            }
        }
        Address::Unix(path) => {
            let stream = tokio::net::UnixStream::connect(path)
                .await
                .map_err(|e| failed("failed to connect to", e))?;
            handshake(stream, settings).await
        }
        Address::UnixAbstract(name) => {
            let stream = connect_abstract(name).map_err(|e| failed("failed to connect to", e))?;
            handshake(stream, settings).await
        }
    }
}

#[cfg(target_os = "linux")]
fn connect_abstract(name: &[u8]) -> std::io::Result<tokio::net::UnixStream> {
    use std::os::linux::net::SocketAddrExt;
    let address = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
    // A local connect does not block on the peer: it succeeds or fails at once.
    let stream = std::os::unix::net::UnixStream::connect_addr(&address)?;
    stream.set_nonblocking(true)?;
    tokio::net::UnixStream::from_std(stream)
}

#[cfg(not(target_os = "linux"))]
fn connect_abstract(_: &[u8]) -> std::io::Result<tokio::net::UnixStream> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "abstract Unix sockets exist only on Linux",
    ))
}

/// How many streams reset by this client h2 remembers (for 30 s each, the oldest forgotten
/// first): a few hundred bytes apiece.
const RESET_STREAMS_REMEMBERED: usize = 1024;

async fn handshake<IO>(io: IO, settings: &ConnectSettings) -> Result<Connection, Status>
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    // What h2 writes during one poll of the connection goes out in one write when it ends.
    let (io, turn_end) = coalescing(io, settings.write_buffer_size);
    let (send, mut connection) = h2::client::Builder::new()
        .initial_window_size(settings.stream_window)
        .initial_connection_window_size(settings.connection_window)
        .max_header_list_size(settings.max_header_list_size)
        .enable_push(false)
        // Streams this client resets (a call dropped or past its deadline) are remembered so
        // that the server's frames still in flight on them are ignored. h2 remembers 10 by
        // default; a frame for a stream it has already forgotten is answered with
        // RST_STREAM(STREAM_CLOSED), and after 1,024 of those (`max_local_error_reset_streams`,
        // counted over the connection's whole life) h2 closes the connection itself with
        // GOAWAY `too_many_internal_resets`, failing every call on it. A client cancelling
        // server streams at a steady rate reached that within minutes (bench-soak).
        .max_concurrent_reset_streams(RESET_STREAMS_REMEMBERED)
        .handshake::<_, Bytes>(io)
        .await
        .map_err(|e| Status::unavailable(format!("HTTP/2 handshake failed: {e}")).with_source(e))?;
    let closed = CancellationToken::new();
    let active = Arc::new(AtomicUsize::new(0));
    let on_close = closed.clone();
    let keepalive = settings.keepalive.clone();
    let pinger = keepalive.as_ref().and_then(|_| connection.ping_pong());
    let pinging = active.clone();
    let batch = on_multi_thread_runtime();
    let driver = tokio::spawn(async move {
        let driven = async {
            match (&keepalive, pinger) {
                (Some(keepalive), Some(pinger)) => {
                    tokio::select! {
                        result = drive_batched(batch, turn_end.writing_out(&mut connection)) => result,
                        reason = keep_alive(pinger, keepalive, &pinging) => Err(reason),
                    }
                }
                _ => drive_batched(batch, turn_end.writing_out(&mut connection)).await,
            }
        };
        if let Err(error) = driven.await {
            tracing::debug!(%error, "client connection ended");
            if let Some(keepalive) = &keepalive {
                if is_too_many_pings(&error) {
                    let doubled = keepalive.time_ms.load(Ordering::Relaxed).saturating_mul(2);
                    keepalive.time_ms.store(doubled, Ordering::Relaxed);
                    tracing::warn!(
                        keepalive_time_ms = doubled,
                        "the server sent GOAWAY too_many_pings; keepalive time doubled"
                    );
                }
            }
        }
        on_close.cancel();
    })
    .abort_handle();
    Ok(Connection {
        send,
        closed,
        active,
        aborted: Arc::new(OnceLock::new()),
        driver,
    })
}

/// A GOAWAY with ENHANCE_YOUR_CALM and the debug data `too_many_pings` (grpc-go, grpc-core).
fn is_too_many_pings(error: &h2::Error) -> bool {
    error.is_go_away()
        && error.reason() == Some(h2::Reason::ENHANCE_YOUR_CALM)
        && error.to_string().contains("too_many_pings")
}

/// Pings every keepalive time while calls are in flight (always, when permitted without
/// calls); returns when a ping goes unanswered for the keepalive timeout.
async fn keep_alive(
    mut pinger: h2::PingPong,
    keepalive: &Keepalive,
    active: &AtomicUsize,
) -> h2::Error {
    loop {
        let interval = Duration::from_millis(keepalive.time_ms.load(Ordering::Relaxed));
        tokio::time::sleep(interval).await;
        if !keepalive.permit_without_calls && active.load(Ordering::Relaxed) == 0 {
            continue;
        }
        match tokio::time::timeout(keepalive.timeout, pinger.ping(h2::Ping::opaque())).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => return error,
            Err(_) => {
                tracing::debug!(
                    timeout = ?keepalive.timeout,
                    "keepalive ping unanswered, closing the connection"
                );
                return h2::Error::from(h2::Reason::NO_ERROR);
            }
        }
    }
}
