//! The server: register services, bind ports (TCP or Unix sockets), start, stop.
//!
//! ```no_run
//! use grpc_core::{Message, Server, Status};
//!
//! #[derive(Message, Clone, PartialEq, Debug)]
//! #[grpc(package = "helloworld")]
//! pub struct HelloRequest { pub name: String }
//!
//! #[derive(Message, Clone, PartialEq, Debug)]
//! #[grpc(package = "helloworld")]
//! pub struct HelloReply { pub message: String }
//!
//! #[grpc_core::service(package = "helloworld")]
//! pub trait Greeter: Send + Sync + 'static {
//!     async fn say_hello(&self, request: HelloRequest) -> Result<HelloReply, Status>;
//! }
//!
//! struct MyGreeter;
//! impl Greeter for MyGreeter {
//!     async fn say_hello(&self, request: HelloRequest) -> Result<HelloReply, Status> {
//!         Ok(HelloReply { message: format!("Hello {}", request.name) })
//!     }
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let server = Server::builder().add_service(GreeterServer::new(MyGreeter)).build();
//! let port = server.add_insecure_port("[::]:0")?;
//! server.start().await?;
//! println!("listening on {port}");
//! tokio::signal::ctrl_c().await?;
//! server.stop(Some(std::time::Duration::from_secs(5))).await;
//! # Ok(()) }
//! ```

mod auth;
mod body;
mod context;
pub(crate) mod handler;
mod intercept;
mod router;

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::net::{TcpListener, UnixListener};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use auth::{AuthContext, Identity, SecurityType};
pub use body::{RequestBody, ResponseBody};
pub use context::{Peer, ServerContext};
pub use handler::BoxFuture;
pub use intercept::Interceptor;

use crate::descriptor::Registry;
use crate::protocol::Compression;
use crate::tls::{ServerTls, HANDSHAKE_TIMEOUT};
use context::ConnectionInfo;
use router::Router;

/// A service the server can route to: the `XxxServer` types that `#[service]` generates.
pub trait Service: Send + Sync + 'static {
    /// The full service name, e.g. `helloworld.Greeter`.
    fn name(&self) -> &'static str;

    /// Handles one call to `method` (the part of the path after the service name).
    #[doc(hidden)]
    fn call(
        &self,
        method: &str,
        request: http::Request<RequestBody>,
    ) -> BoxFuture<http::Response<ResponseBody>>;

    /// Adds the service's descriptors to `registry`.
    fn register(&self, registry: &mut Registry);
}

/// Per-call limits, shared by every call of a server.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub(crate) max_receive_message_size: usize,
    pub(crate) max_send_message_size: usize,
    pub(crate) accept_compression: Vec<Compression>,
    /// `grpc-accept-encoding` for `accept_compression`, built once.
    pub(crate) accept_encoding: Option<http::HeaderValue>,
    pub(crate) default_compression: Option<Compression>,
    /// The server's interceptors, in registration order.
    pub(crate) interceptors: intercept::Chain,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_receive_message_size: 4 * 1024 * 1024,
            max_send_message_size: usize::MAX,
            accept_compression: Compression::ALL.to_vec(),
            accept_encoding: crate::protocol::accept_encoding_header(&Compression::ALL),
            default_compression: None,
            interceptors: intercept::Chain::default(),
        }
    }
}

/// Connection-level settings.
#[derive(Debug, Clone)]
struct ConnectionSettings {
    max_concurrent_streams: u32,
    max_header_list_size: u32,
    tcp_nodelay: bool,
    initial_stream_window_size: u32,
    initial_connection_window_size: u32,
    keepalive_interval: Option<Duration>,
    keepalive_timeout: Duration,
    max_pending_accept_reset_streams: usize,
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        ConnectionSettings {
            max_concurrent_streams: 100,
            max_header_list_size: 16 * 1024,
            tcp_nodelay: true,
            initial_stream_window_size: 1024 * 1024,
            initial_connection_window_size: 2 * 1024 * 1024,
            keepalive_interval: None,
            keepalive_timeout: Duration::from_secs(20),
            max_pending_accept_reset_streams: 20,
        }
    }
}

/// Configures and builds a [`Server`].
#[derive(Default)]
pub struct ServerBuilder {
    services: HashMap<&'static str, Arc<dyn Service>>,
    limits: Limits,
    settings: ConnectionSettings,
    interceptors: Vec<Arc<dyn Interceptor>>,
}

impl fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("services", &self.services.keys().collect::<Vec<_>>())
            .field("limits", &self.limits)
            .field("settings", &self.settings)
            .field("interceptors", &self.interceptors.len())
            .finish()
    }
}

impl ServerBuilder {
    /// Registers a service. A later service with the same name replaces the earlier one.
    pub fn add_service<S: Service>(mut self, service: S) -> Self {
        self.services.insert(service.name(), Arc::new(service));
        self
    }

    /// Adds an interceptor, asked before every call's handler after those added before it
    /// (see [`Interceptor`]).
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }

    /// Largest request message accepted, after decompression (default 4 MiB); larger ones end
    /// the call with RESOURCE_EXHAUSTED.
    pub fn max_receive_message_size(mut self, bytes: usize) -> Self {
        self.limits.max_receive_message_size = bytes;
        self
    }

    /// Largest response message sent (default unlimited); larger ones end the call with
    /// RESOURCE_EXHAUSTED.
    pub fn max_send_message_size(mut self, bytes: usize) -> Self {
        self.limits.max_send_message_size = bytes;
        self
    }

    /// Compresses responses with `compression` when the client accepts it (default: no
    /// compression). A handler can choose per call with
    /// [`ServerContext::set_compression`], and per message with
    /// [`ServerStream::with_options`](crate::ServerStream::with_options).
    pub fn compression(mut self, compression: Compression) -> Self {
        self.limits.default_compression = Some(compression);
        self
    }

    /// The request compressions accepted (default: gzip, zstd and deflate). A request in any
    /// other gets UNIMPLEMENTED with the list.
    pub fn accept_compression(mut self, accepted: &[Compression]) -> Self {
        self.limits.accept_compression = accepted.to_vec();
        self
    }

    /// Concurrent calls per connection (HTTP/2 `SETTINGS_MAX_CONCURRENT_STREAMS`, default 100).
    pub fn max_concurrent_streams(mut self, streams: u32) -> Self {
        self.settings.max_concurrent_streams = streams;
        self
    }

    /// Largest request header block accepted (default 16 KiB).
    pub fn max_header_list_size(mut self, bytes: u32) -> Self {
        self.settings.max_header_list_size = bytes;
        self
    }

    /// `TCP_NODELAY` on accepted connections (default on).
    pub fn tcp_nodelay(mut self, enabled: bool) -> Self {
        self.settings.tcp_nodelay = enabled;
        self
    }

    /// HTTP/2 flow-control windows per stream and per connection (defaults 1 MiB and 2 MiB).
    pub fn initial_window_sizes(mut self, stream: u32, connection: u32) -> Self {
        self.settings.initial_stream_window_size = stream;
        self.settings.initial_connection_window_size = connection;
        self
    }

    /// Sends HTTP/2 pings this often on idle connections and closes those that do not answer
    /// within `timeout` (default: no pings).
    pub fn http2_keepalive(mut self, interval: Duration, timeout: Duration) -> Self {
        self.settings.keepalive_interval = Some(interval);
        self.settings.keepalive_timeout = timeout;
        self
    }

    /// Streams a client may reset before the server handles them, per connection (default 20;
    /// rapid-reset flood protection: beyond it the connection gets GOAWAY).
    pub fn max_pending_accept_reset_streams(mut self, streams: usize) -> Self {
        self.settings.max_pending_accept_reset_streams = streams;
        self
    }

    /// Builds the server. Bind ports with [`Server::add_insecure_port`], then
    /// [`Server::start`].
    pub fn build(self) -> Server {
        let mut limits = self.limits;
        limits.interceptors = intercept::Chain::new(self.interceptors);
        limits.accept_encoding =
            crate::protocol::accept_encoding_header(&limits.accept_compression);
        let limits = Arc::new(limits);
        Server {
            inner: Arc::new(Inner {
                router: Arc::new(Router::new(self.services, limits)),
                settings: self.settings,
                pending: Mutex::new(Vec::new()),
                tasks: tokio::sync::Mutex::new(JoinSet::new()),
                shutdown: CancellationToken::new(),
                stopped: CancellationToken::new(),
                started: Mutex::new(false),
                unix_paths: Mutex::new(Vec::new()),
            }),
        }
    }
}

/// A gRPC server. Cheap to clone; clones control the same server.
#[derive(Clone)]
pub struct Server {
    inner: Arc<Inner>,
}

struct Inner {
    router: Arc<Router>,
    settings: ConnectionSettings,
    pending: Mutex<Vec<Listener>>,
    tasks: tokio::sync::Mutex<JoinSet<()>>,
    shutdown: CancellationToken,
    stopped: CancellationToken,
    started: Mutex<bool>,
    /// Socket files to remove when the server stops.
    unix_paths: Mutex<Vec<PathBuf>>,
}

enum Listener {
    Tcp(std::net::TcpListener, Security),
    /// A Unix socket, with its file (none for an abstract socket).
    Unix(std::os::unix::net::UnixListener, Option<PathBuf>, Security),
}

/// How a port's connections are secured.
#[derive(Clone)]
enum Security {
    Insecure,
    /// Local credentials: the port is a Unix socket or loopback TCP.
    Local,
    Tls(tokio_rustls::TlsAcceptor),
}

impl Security {
    fn auth(&self) -> auth::AuthContext {
        match self {
            Security::Local => auth::AuthContext::local(),
            _ => auth::AuthContext::insecure(),
        }
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("stopping", &self.inner.shutdown.is_cancelled())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Starts configuring a server.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// Binds an address and returns the bound port (so `"[::]:0"` picks a free one).
    ///
    /// Accepts `host:port`, `[v6]:port`, `unix:/path` (or `unix:relative/path`) for a Unix
    /// domain socket and `unix-abstract:name` for a Linux abstract one; for Unix sockets the
    /// returned port is 0. Call before [`Server::start`].
    pub fn add_insecure_port(&self, addr: &str) -> io::Result<u16> {
        self.bind(addr, Security::Insecure)
    }

    /// Binds a port with local credentials (grpcio's `local_server_credentials`): a Unix
    /// socket, or a TCP address every resolution of which is loopback. Calls on it report
    /// the security type `local`, and clients may send call credentials over it.
    pub fn add_local_port(&self, addr: &str) -> io::Result<u16> {
        if !addr.starts_with("unix:") && !addr.starts_with("unix-abstract:") {
            let addresses: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
            if addresses.is_empty() || !addresses.iter().all(|a| a.ip().is_loopback()) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "local credentials need a Unix socket or a loopback address, not {addr}"
                    ),
                ));
            }
        }
        self.bind(addr, Security::Local)
    }

    /// Binds a TCP address served over TLS with `tls` (ALPN `h2`) and returns the bound port.
    /// A client that does not finish its handshake within 10 s is disconnected. A failed
    /// handshake (an untrusted or missing client certificate under mutual TLS, ...) is
    /// logged as a `tracing` warning with the reason.
    pub fn add_secure_port(&self, addr: &str, tls: ServerTls) -> io::Result<u16> {
        if addr.starts_with("unix:") {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "TLS over Unix sockets is not supported",
            ));
        }
        let acceptor = tls
            .acceptor()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        self.bind(addr, Security::Tls(acceptor))
    }

    fn bind(&self, addr: &str, security: Security) -> io::Result<u16> {
        if *lock(&self.inner.started) {
            return Err(io::Error::other("add ports before starting the server"));
        }
        if let Some(name) = addr.strip_prefix("unix-abstract:") {
            let listener = bind_abstract(name.as_bytes())?;
            lock(&self.inner.pending).push(Listener::Unix(listener, None, security));
            return Ok(0);
        }
        if let Some(path) = addr.strip_prefix("unix:") {
            let path = PathBuf::from(path.strip_prefix("//").unwrap_or(path));
            let listener = bind_unix(&path)?;
            lock(&self.inner.pending).push(Listener::Unix(listener, Some(path), security));
            return Ok(0);
        }
        // Every address the name resolves to (`localhost` is 127.0.0.1 and ::1), on one port:
        // the first bound picks it when the port asked for is 0.
        let mut candidates: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
        candidates.dedup();
        let mut port = None;
        let mut last_error = None;
        for mut candidate in candidates {
            if let Some(port) = port {
                candidate.set_port(port);
            }
            match bind_tcp(candidate) {
                Ok(listener) => {
                    port.get_or_insert(listener.local_addr()?.port());
                    lock(&self.inner.pending).push(Listener::Tcp(listener, security.clone()));
                }
                Err(error) => {
                    tracing::debug!(%candidate, %error, "could not bind");
                    last_error = Some(error);
                }
            }
        }
        port.ok_or_else(|| {
            last_error.unwrap_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{addr} resolves to no address"),
                )
            })
        })
    }

    /// Starts serving every bound port in the background. Must run inside a tokio runtime.
    pub async fn start(&self) -> io::Result<()> {
        {
            let mut started = lock(&self.inner.started);
            if *started {
                return Err(io::Error::other("server already started"));
            }
            *started = true;
        }
        let listeners = std::mem::take(&mut *lock(&self.inner.pending));
        if listeners.is_empty() {
            return Err(io::Error::other(
                "no ports bound: call add_insecure_port first",
            ));
        }
        let mut tasks = self.inner.tasks.lock().await;
        for listener in listeners {
            let inner = self.inner.clone();
            match listener {
                Listener::Tcp(listener, security) => {
                    let listener = TcpListener::from_std(listener)?;
                    tasks.spawn(async move { inner.accept_tcp(listener, security).await });
                }
                Listener::Unix(listener, path, security) => {
                    let listener = UnixListener::from_std(listener)?;
                    lock(&self.inner.unix_paths).extend(path.clone());
                    let auth = security.auth();
                    tasks.spawn(async move { inner.accept_unix(listener, path, auth).await });
                }
            }
        }
        Ok(())
    }

    /// Stops the server, as grpcio's `stop(grace)` does: no new connections or calls are
    /// accepted; with `None` every call in flight is aborted at once; with a grace period,
    /// calls in flight get that long to finish (connections get GOAWAY), then the rest are
    /// aborted. Unix socket files are removed.
    pub async fn stop(&self, grace: Option<Duration>) {
        self.inner.shutdown.cancel();
        let mut tasks = self.inner.tasks.lock().await;
        let grace = grace.unwrap_or(Duration::ZERO);
        let drained = !grace.is_zero()
            && tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} })
                .await
                .is_ok();
        if !drained {
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
        for path in std::mem::take(&mut *lock(&self.inner.unix_paths)) {
            let _ = std::fs::remove_file(path);
        }
        self.inner.stopped.cancel();
    }

    /// Waits until the server has been stopped with [`Server::stop`].
    pub async fn wait_for_termination(&self) {
        self.inner.stopped.cancelled().await
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Inner {
    async fn accept_tcp(self: Arc<Self>, listener: TcpListener, security: Security) {
        let graceful = GracefulShutdown::new();
        // Owned here so that aborting this task (stop's grace ran out) closes every connection.
        let mut connections = JoinSet::new();
        loop {
            while connections.try_join_next().is_some() {}
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = self.shutdown.cancelled() => break,
            };
            match accepted {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(self.settings.tcp_nodelay);
                    let peer = Some(Peer::Tcp(normalize(addr)));
                    let watcher = graceful.watcher();
                    match &security {
                        Security::Insecure | Security::Local => {
                            let auth = security.auth();
                            let info = Arc::new(ConnectionInfo { peer, auth });
                            connections.spawn(self.connection(stream, info, watcher));
                        }
                        Security::Tls(acceptor) => {
                            let acceptor = acceptor.clone();
                            let inner = self.clone();
                            connections.spawn(async move {
                                // A failed or stalled handshake ends only this connection.
                                let handshake = tokio::time::timeout(
                                    HANDSHAKE_TIMEOUT,
                                    acceptor.accept(stream),
                                );
                                match handshake.await {
                                    Ok(Ok(stream)) => {
                                        let chain = stream
                                            .get_ref()
                                            .1
                                            .peer_certificates()
                                            .map(|chain| {
                                                chain.iter().map(|c| c.to_vec()).collect()
                                            })
                                            .unwrap_or_default();
                                        let auth = auth::AuthContext::tls(chain);
                                        let info = Arc::new(ConnectionInfo { peer, auth });
                                        inner.connection(stream, info, watcher).await;
                                    }
                                    Ok(Err(error)) => {
                                        tracing::warn!(peer = ?peer, %error, "TLS handshake failed");
                                    }
                                    Err(_) => {
                                        tracing::warn!(
                                            peer = ?peer,
                                            timeout = ?HANDSHAKE_TIMEOUT,
                                            "TLS handshake timed out"
                                        );
                                    }
                                }
                            });
                        }
                    }
                }
                Err(error) => accept_backoff(error).await,
            }
        }
        drop(listener);
        graceful.shutdown().await;
    }

    async fn accept_unix(
        self: Arc<Self>,
        listener: UnixListener,
        path: Option<PathBuf>,
        auth: auth::AuthContext,
    ) {
        let graceful = GracefulShutdown::new();
        // Owned here so that aborting this task (stop's grace ran out) closes every connection.
        let mut connections = JoinSet::new();
        loop {
            while connections.try_join_next().is_some() {}
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = self.shutdown.cancelled() => break,
            };
            match accepted {
                Ok((stream, addr)) => {
                    let peer = Some(Peer::Unix(addr.as_pathname().map(PathBuf::from)));
                    let info = Arc::new(ConnectionInfo {
                        peer,
                        auth: auth.clone(),
                    });
                    connections.spawn(self.connection(stream, info, graceful.watcher()));
                }
                Err(error) => accept_backoff(error).await,
            }
        }
        drop(listener);
        if let Some(path) = &path {
            let _ = std::fs::remove_file(path);
        }
        graceful.shutdown().await;
    }

    /// Serves one HTTP/2 connection until it closes or the server shuts it down gracefully.
    fn connection<IO>(
        &self,
        io: IO,
        info: Arc<ConnectionInfo>,
        watcher: Watcher,
    ) -> impl std::future::Future<Output = ()> + Send + 'static
    where
        IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let router = self.router.clone();
        let service =
            hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
                let call = router.route(request, &info);
                async move { Ok::<_, Infallible>(call.await) }
            });
        let settings = &self.settings;
        let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
        builder
            .timer(TokioTimer::new())
            .max_concurrent_streams(settings.max_concurrent_streams)
            .max_header_list_size(settings.max_header_list_size)
            .initial_stream_window_size(settings.initial_stream_window_size)
            .initial_connection_window_size(settings.initial_connection_window_size)
            .max_pending_accept_reset_streams(settings.max_pending_accept_reset_streams)
            .keep_alive_interval(settings.keepalive_interval)
            .keep_alive_timeout(settings.keepalive_timeout);
        let connection = builder.serve_connection(TokioIo::new(io), service);
        async move {
            // A connection error (peer vanished, protocol violation) ends only this connection.
            if let Err(error) = watcher.watch(connection).await {
                tracing::debug!(%error, "connection ended with an error");
            }
        }
    }
}

/// A `[::ffff:a.b.c.d]` peer is the IPv4 peer `a.b.c.d` on a dual-stack socket.
fn normalize(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(v4.into(), v6.port()),
            None => addr,
        },
        v4 => v4,
    }
}

/// Accept errors (e.g. out of file descriptors) are transient: wait a little and go on.
async fn accept_backoff(error: io::Error) {
    tracing::warn!(%error, "accept failed; retrying in 50 ms");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// The listen backlog: enough for bursts of connects (the kernel caps it at `somaxconn`).
const LISTEN_BACKLOG: i32 = 4096;

fn bind_tcp(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    if addr.is_ipv6() {
        // `[::]` also takes IPv4, as every gRPC server does; `::1` stays IPv6 only.
        socket.set_only_v6(!addr.ip().is_unspecified())?;
    }
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// Binds a Unix socket, replacing a stale socket file (one nothing listens on any more).
/// Binds a Linux abstract Unix socket (`unix-abstract:name`; no file, nothing to clean up).
#[cfg(target_os = "linux")]
fn bind_abstract(name: &[u8]) -> io::Result<std::os::unix::net::UnixListener> {
    use std::os::linux::net::SocketAddrExt;
    let address = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
    let listener = std::os::unix::net::UnixListener::bind_addr(&address)?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

#[cfg(not(target_os = "linux"))]
fn bind_abstract(_: &[u8]) -> io::Result<std::os::unix::net::UnixListener> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "abstract Unix sockets exist only on Linux",
    ))
}

fn bind_unix(path: &std::path::Path) -> io::Result<std::os::unix::net::UnixListener> {
    let listener = match std::os::unix::net::UnixListener::bind(path) {
        Err(error) if error.kind() == io::ErrorKind::AddrInUse => {
            use std::os::unix::fs::FileTypeExt;
            let is_socket = std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket());
            let alive = std::os::unix::net::UnixStream::connect(path).is_ok();
            if !is_socket || alive {
                return Err(error);
            }
            tracing::info!(path = %path.display(), "replacing a stale socket file");
            std::fs::remove_file(path)?;
            std::os::unix::net::UnixListener::bind(path)?
        }
        other => other?,
    };
    listener.set_nonblocking(true)?;
    Ok(listener)
}
