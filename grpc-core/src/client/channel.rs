//! [`Channel`]: a lazily connected, cheaply cloned HTTP/2 connection to one target.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::error::Error;
use crate::protocol::Compression;
use crate::status::Status;
use crate::tls::ChannelTls;
use crate::transport::connect::{connect, Address, ConnectSettings, Connection};

/// A connection to a gRPC server, shared by every call made on it.
///
/// Channels connect lazily (on the first call) and reconnect after failures. Cloning is cheap:
/// clones share the same HTTP/2 connection, which multiplexes all their calls.
///
/// Targets: `host:port`, `http://host:port`, `dns:///host:port`, `dns:host:port`,
/// `unix:/path/to/socket` (also `unix:///path` and `unix:relative/path`).
///
/// ```
/// # #[tokio::main] async fn main() -> Result<(), grpc_core::Error> {
/// let channel = grpc_core::Channel::insecure("localhost:50051")?;
/// let same_connection = channel.clone();
/// # let _ = same_connection; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Channel {
    pub(crate) inner: Arc<ChannelInner>,
}

pub(crate) struct ChannelInner {
    pub(crate) config: ChannelConfig,
    address: Address,
    settings: ConnectSettings,
    /// The connection calls go on, once made.
    current: std::sync::Mutex<Option<Connection>>,
    /// Held while connecting, so that concurrent calls share one connection attempt.
    connecting: tokio::sync::Mutex<()>,
}

#[derive(Debug, Clone)]
pub(crate) struct ChannelConfig {
    pub(crate) target: String,
    /// `scheme://authority` that request paths are appended to.
    pub(crate) origin: String,
    pub(crate) compression: Option<Compression>,
    pub(crate) accept_compression: Vec<Compression>,
    pub(crate) max_receive_message_size: usize,
    pub(crate) max_send_message_size: usize,
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("target", &self.inner.config.target)
            .finish_non_exhaustive()
    }
}

impl Channel {
    pub(crate) fn config(&self) -> &ChannelConfig {
        &self.inner.config
    }

    /// An HTTP/2 connection ready for one more stream: the current one, or a new one when
    /// there is none or it has closed.
    pub(crate) async fn ready(&self) -> Result<h2::client::SendRequest<Bytes>, Status> {
        let inner = &self.inner;
        for attempt in 0..2 {
            let current = lock(&inner.current)
                .clone()
                .filter(|c| !c.closed.is_cancelled());
            let connection = match current {
                Some(connection) => connection,
                None => {
                    let _connecting = inner.connecting.lock().await;
                    let again = lock(&inner.current)
                        .clone()
                        .filter(|c| !c.closed.is_cancelled());
                    match again {
                        Some(connection) => connection,
                        None => {
                            let connection = connect(&inner.address, &inner.settings).await?;
                            *lock(&inner.current) = Some(connection.clone());
                            connection
                        }
                    }
                }
            };
            match connection.send.ready().await {
                Ok(send) => return Ok(send),
                Err(error) => {
                    // The connection went away between calls: forget it and try a new one once.
                    connection.closed.cancel();
                    if attempt == 1 {
                        return Err(crate::transport::recv::client_error(error));
                    }
                }
            }
        }
        Err(Status::unavailable("no connection"))
    }

    /// A plaintext (no TLS) channel to `target`, with default settings. Must be called inside a
    /// tokio runtime.
    pub fn insecure(target: &str) -> Result<Channel, Error> {
        ChannelBuilder::new(target).connect_lazy()
    }

    /// Configures a plaintext channel to `target`.
    pub fn builder(target: &str) -> ChannelBuilder {
        ChannelBuilder::new(target)
    }

    /// The target this channel was made for.
    pub fn target(&self) -> &str {
        &self.inner.config.target
    }
}

/// Configures a [`Channel`].
#[derive(Debug, Clone)]
pub struct ChannelBuilder {
    target: String,
    connect_timeout: Duration,
    tcp_nodelay: bool,
    keepalive: Option<(Duration, Duration)>,
    windows: (u32, u32),
    max_receive_message_size: usize,
    max_send_message_size: usize,
    compression: Option<Compression>,
    accept_compression: Vec<Compression>,
    tls: Option<ChannelTls>,
}

impl ChannelBuilder {
    fn new(target: &str) -> Self {
        ChannelBuilder {
            target: target.to_owned(),
            connect_timeout: Duration::from_secs(20),
            tcp_nodelay: true,
            keepalive: None,
            windows: (1024 * 1024, 2 * 1024 * 1024),
            max_receive_message_size: 4 * 1024 * 1024,
            max_send_message_size: usize::MAX,
            compression: None,
            accept_compression: Compression::ALL.to_vec(),
            tls: None,
        }
    }

    /// Connects over TLS, verifying the server as `tls` says. An `https://` target uses TLS
    /// with the web PKI roots unless this sets something else.
    pub fn tls(mut self, tls: ChannelTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Compresses request messages with `compression` (default: none); the server must accept
    /// it. A call can override this with `.compression(...)`.
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = Some(compression);
        self
    }

    /// The response compressions accepted, announced in `grpc-accept-encoding` (default: gzip,
    /// zstd and deflate).
    pub fn accept_compression(mut self, accepted: &[Compression]) -> Self {
        self.accept_compression = accepted.to_vec();
        self
    }

    /// How long one connection attempt may take (default 20 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// `TCP_NODELAY` (default on).
    pub fn tcp_nodelay(mut self, enabled: bool) -> Self {
        self.tcp_nodelay = enabled;
        self
    }

    /// HTTP/2 keepalive pings every `interval`, failing the connection if one is not answered
    /// within `timeout` (default: off).
    pub fn http2_keepalive(mut self, interval: Duration, timeout: Duration) -> Self {
        self.keepalive = Some((interval, timeout));
        self
    }

    /// HTTP/2 flow-control windows per stream and per connection (defaults 1 MiB and 2 MiB).
    pub fn initial_window_sizes(mut self, stream: u32, connection: u32) -> Self {
        self.windows = (stream, connection);
        self
    }

    /// Largest response message accepted (default 4 MiB); larger ones fail the call with
    /// RESOURCE_EXHAUSTED.
    pub fn max_receive_message_size(mut self, bytes: usize) -> Self {
        self.max_receive_message_size = bytes;
        self
    }

    /// Largest request message sent (default unlimited); larger ones fail the call with
    /// RESOURCE_EXHAUSTED.
    pub fn max_send_message_size(mut self, bytes: usize) -> Self {
        self.max_send_message_size = bytes;
        self
    }

    /// Builds the channel without connecting; the first call connects. Must be called inside a
    /// tokio runtime.
    pub fn connect_lazy(self) -> Result<Channel, Error> {
        let (target, https) = Target::parse(&self.target)?;
        let tls = match (self.tls, https) {
            (Some(tls), _) => Some(tls),
            (None, true) => Some(ChannelTls::new()),
            (None, false) => None,
        };
        let uri = match (&target, &tls) {
            (Target::Tcp(authority), None) => format!("http://{authority}"),
            (Target::Tcp(authority), Some(_)) => format!("https://{authority}"),
            (Target::Unix(_), None) => "http://localhost".to_owned(),
            (Target::Unix(_), Some(_)) => {
                return Err(Error::invalid_target(
                    &self.target,
                    "TLS over Unix sockets is not supported",
                ))
            }
        };
        let address = match target {
            Target::Tcp(authority) => Address::Tcp(authority),
            Target::Unix(path) => Address::Unix(path.into()),
        };
        let tls = tls.map(|tls| tls.client_config()).transpose()?;
        let settings = ConnectSettings {
            connect_timeout: self.connect_timeout,
            tcp_nodelay: self.tcp_nodelay,
            stream_window: self.windows.0,
            connection_window: self.windows.1,
            max_header_list_size: 16 * 1024,
            keepalive: self.keepalive,
            tls,
        };
        Ok(Channel {
            inner: Arc::new(ChannelInner {
                config: ChannelConfig {
                    target: self.target,
                    origin: uri,
                    compression: self.compression,
                    accept_compression: self.accept_compression,
                    max_receive_message_size: self.max_receive_message_size,
                    max_send_message_size: self.max_send_message_size,
                },
                address,
                settings,
                current: std::sync::Mutex::new(None),
                connecting: tokio::sync::Mutex::new(()),
            }),
        })
    }
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// `host:port`, resolved through DNS at connect time.
    Tcp(String),
    /// A Unix domain socket path.
    Unix(String),
}

impl Target {
    /// The target, and whether it asked for TLS (`https://`).
    fn parse(target: &str) -> Result<(Target, bool), Error> {
        if let Some(path) = target.strip_prefix("unix:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(Error::invalid_target(target, "empty socket path"));
            }
            return Ok((Target::Unix(path.to_owned()), false));
        }
        let https = target.starts_with("https://");
        let authority = if let Some(rest) = target.strip_prefix("dns:") {
            // dns:[//authority/]host[:port]
            match rest.strip_prefix("//") {
                Some(with_authority) => with_authority
                    .split_once('/')
                    .map(|(_, host)| host)
                    .unwrap_or(with_authority),
                None => rest,
            }
        } else if let Some(rest) = target.strip_prefix("http://") {
            rest.trim_end_matches('/')
        } else if let Some(rest) = target.strip_prefix("https://") {
            rest.trim_end_matches('/')
        } else {
            target
        };
        if authority.is_empty() {
            return Err(Error::invalid_target(target, "no host"));
        }
        let has_port = match authority.rsplit_once(':') {
            Some((host, port)) => {
                !port.is_empty()
                    && port.bytes().all(|b| b.is_ascii_digit())
                    && (!host.contains(':') || host.ends_with(']'))
            }
            None => false,
        };
        let authority = if has_port {
            authority.to_owned()
        } else {
            format!("{authority}:443")
        };
        Ok((Target::Tcp(authority), https))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let tcp = |s: &str| (Target::Tcp(s.to_owned()), false);
        let unix = |s: &str| (Target::Unix(s.to_owned()), false);
        assert_eq!(
            Target::parse("localhost:50051").unwrap(),
            tcp("localhost:50051")
        );
        assert_eq!(
            Target::parse("http://localhost:50051").unwrap(),
            tcp("localhost:50051")
        );
        assert_eq!(
            Target::parse("dns:///example.com:8080").unwrap(),
            tcp("example.com:8080")
        );
        assert_eq!(
            Target::parse("dns://8.8.8.8/example.com:8080").unwrap(),
            tcp("example.com:8080")
        );
        assert_eq!(
            Target::parse("dns:example.com:1").unwrap(),
            tcp("example.com:1")
        );
        assert_eq!(Target::parse("[::1]:50051").unwrap(), tcp("[::1]:50051"));
        assert_eq!(
            Target::parse("example.com").unwrap(),
            tcp("example.com:443")
        );
        assert_eq!(
            Target::parse("unix:/tmp/s.sock").unwrap(),
            unix("/tmp/s.sock")
        );
        assert_eq!(
            Target::parse("unix:///tmp/s.sock").unwrap(),
            unix("/tmp/s.sock")
        );
        assert_eq!(Target::parse("unix:rel.sock").unwrap(), unix("rel.sock"));
        assert!(Target::parse("unix:").is_err());
        assert_eq!(
            Target::parse("https://x:1").unwrap(),
            (Target::Tcp("x:1".into()), true)
        );
    }
}
