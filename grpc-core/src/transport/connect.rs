//! Client connections: one HTTP/2 connection to one address, driven by its own task.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio_util::sync::CancellationToken;

use crate::status::Status;
use crate::tls::ClientTlsConfig;

/// Where a connection goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Address {
    /// `host:port` (a name or an IP literal, IPv6 in brackets).
    Tcp(String),
    /// A Unix domain socket path.
    Unix(PathBuf),
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp(authority) => f.write_str(authority),
            Address::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// How connections are made and configured.
#[derive(Debug, Clone)]
pub(crate) struct ConnectSettings {
    pub(crate) connect_timeout: Duration,
    pub(crate) tcp_nodelay: bool,
    pub(crate) stream_window: u32,
    pub(crate) connection_window: u32,
    pub(crate) max_header_list_size: u32,
    /// HTTP/2 pings: every `interval`, closing the connection if one is not answered within
    /// `timeout`.
    pub(crate) keepalive: Option<(Duration, Duration)>,
    pub(crate) tls: Option<ClientTlsConfig>,
}

/// An established HTTP/2 connection.
#[derive(Clone)]
pub(crate) struct Connection {
    pub(crate) send: h2::client::SendRequest<Bytes>,
    /// Cancelled when the connection has ended.
    pub(crate) closed: CancellationToken,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("closed", &self.closed.is_cancelled())
            .finish_non_exhaustive()
    }
}

/// Connects to `address`: socket, TLS handshake when configured (ALPN `h2`), HTTP/2
/// handshake. Failures are UNAVAILABLE, with the cause as the status's source.
pub(crate) async fn connect(
    address: &Address,
    settings: &ConnectSettings,
) -> Result<Connection, Status> {
    let connecting = connect_io(address, settings);
    match tokio::time::timeout(settings.connect_timeout, connecting).await {
        Ok(result) => result,
        Err(_) => Err(Status::unavailable(format!(
            "timed out connecting to {address} after {:?}",
            settings.connect_timeout
        ))),
    }
}

async fn connect_io(address: &Address, settings: &ConnectSettings) -> Result<Connection, Status> {
    let failed = |what: &str, e: std::io::Error| {
        Status::unavailable(format!("{what} {address}: {e}")).with_source(e)
    };
    match address {
        Address::Tcp(authority) => {
            let stream = tokio::net::TcpStream::connect(authority.as_str())
                .await
                .map_err(|e| failed("failed to connect to", e))?;
            let _ = stream.set_nodelay(settings.tcp_nodelay);
            match &settings.tls {
                None => handshake(stream, settings).await,
                Some(tls) => {
                    let stream = tls
                        .connect(authority, stream)
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
    }
}

async fn handshake<IO>(io: IO, settings: &ConnectSettings) -> Result<Connection, Status>
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (send, mut connection) = h2::client::Builder::new()
        .initial_window_size(settings.stream_window)
        .initial_connection_window_size(settings.connection_window)
        .max_header_list_size(settings.max_header_list_size)
        .enable_push(false)
        .handshake::<_, Bytes>(io)
        .await
        .map_err(|e| Status::unavailable(format!("HTTP/2 handshake failed: {e}")).with_source(e))?;
    let closed = CancellationToken::new();
    let on_close = closed.clone();
    let keepalive = settings.keepalive;
    let pinger = keepalive.and_then(|_| connection.ping_pong());
    tokio::spawn(async move {
        let driven = async {
            match (keepalive, pinger) {
                (Some((interval, timeout)), Some(pinger)) => {
                    tokio::select! {
                        result = &mut connection => result.map_err(Arc::new),
                        reason = keep_alive(pinger, interval, timeout) => Err(Arc::new(reason)),
                    }
                }
                _ => (&mut connection).await.map_err(Arc::new),
            }
        };
        if let Err(error) = driven.await {
            tracing::debug!(%error, "client connection ended");
        }
        on_close.cancel();
    });
    Ok(Connection { send, closed })
}

/// Pings every `interval`; returns when a ping goes unanswered for `timeout`.
async fn keep_alive(mut pinger: h2::PingPong, interval: Duration, timeout: Duration) -> h2::Error {
    loop {
        tokio::time::sleep(interval).await;
        match tokio::time::timeout(timeout, pinger.ping(h2::Ping::opaque())).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => return error,
            Err(_) => {
                tracing::debug!(
                    ?timeout,
                    "keepalive ping unanswered, closing the connection"
                );
                return h2::Error::from(h2::Reason::NO_ERROR);
            }
        }
    }
}
