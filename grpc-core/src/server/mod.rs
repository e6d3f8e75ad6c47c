//! The server: register services, bind ports (TCP or Unix sockets, plaintext, TLS with
//! optional client certificates, or local credentials), start, stop. Calls can be
//! intercepted ([`Interceptor`], registered with [`ServerBuilder::interceptor`]), the whole
//! server wrapped in a tower layer ([`ServerBuilder::layer`]), and handlers read what the
//! transport proved about the peer from [`ServerContext::auth_context`].
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
pub(crate) mod blocking;
mod body;
mod call_stream;
mod connection;
mod context;
pub(crate) mod handler;
mod intercept;
mod layer;
mod limits;
mod router;

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, UnixListener};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub use auth::{AuthContext, Identity, SecurityType};
pub use blocking::{RequestIter, ResponseSender};
pub use body::{RequestBody, ResponseBody};
pub use call_stream::CallStream;
pub use context::{Peer, ServerContext};
pub use handler::BoxFuture;
pub use intercept::Interceptor;
pub use layer::{BoxError, GrpcService, LayeredService};

pub use layer::Incoming;

use crate::descriptor::Registry;
use crate::protocol::Compression;
use crate::tls::{ServerTls, HANDSHAKE_TIMEOUT};
use crate::transport::frame_guard::GuardPolicy;
use connection::{Lifetimes, Shared};
use context::ConnectionInfo;
use limits::CallLimit;
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
    /// The headers every response starts with (`content-type`, `grpc-accept-encoding`), built
    /// once: a copy costs less than inserting them one by one.
    pub(crate) response_headers: http::HeaderMap,
    pub(crate) default_compression: Option<Compression>,
    /// The server's interceptors, in registration order.
    pub(crate) interceptors: intercept::Chain,
    /// The worker permits of blocking (`fn`) handlers.
    pub(crate) workers: blocking::Workers,
}

impl Default for Limits {
    fn default() -> Self {
        let accept_encoding = crate::protocol::accept_encoding_header(&Compression::ALL);
        Limits {
            max_receive_message_size: 4 * 1024 * 1024,
            max_send_message_size: usize::MAX,
            accept_compression: Compression::ALL.to_vec(),
            response_headers: handler::response_headers(accept_encoding.as_ref()),
            accept_encoding,
            default_compression: None,
            interceptors: intercept::Chain::default(),
            workers: blocking::Workers::new(blocking::Workers::default_max()),
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
    max_local_error_reset_streams: Option<usize>,
    /// Keepalive enforcement and the control-frame bound.
    guard: GuardPolicy,
    lifetimes: Lifetimes,
    listen_backlog: i32,
    /// Connections open at once; more wait in the listen backlog.
    max_connections: Option<usize>,
    /// Calls in flight on the whole server.
    max_concurrent_rpcs: Option<usize>,
    /// Response bytes h2 may hold per stream beyond what the peer's window lets out.
    max_send_buffer_per_stream: usize,
    /// Bytes gathered from h2 before they are written to the socket (see
    /// `transport::coalesce`).
    write_buffer_size: usize,
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        ConnectionSettings {
            max_concurrent_streams: 100,
            max_header_list_size: 16 * 1024,
            tcp_nodelay: true,
            initial_stream_window_size: 1024 * 1024,
            initial_connection_window_size: 2 * 1024 * 1024,
            keepalive_interval: Some(Duration::from_secs(2 * 60 * 60)),
            keepalive_timeout: Duration::from_secs(20),
            max_pending_accept_reset_streams: 20,
            max_local_error_reset_streams: Some(1024),
            guard: GuardPolicy::default(),
            lifetimes: Lifetimes::default(),
            listen_backlog: 4096,
            max_connections: None,
            max_concurrent_rpcs: None,
            max_send_buffer_per_stream: 128 * 1024,
            write_buffer_size: 64 * 1024,
        }
    }
}

/// Run by [`ServerBuilder::build`] before the router is made.
type BuildHook = Box<dyn FnOnce(&mut ServerBuilder) + Send + Sync>;

/// Run by [`Server::stop`] before anything else.
type StopHook = Box<dyn Fn() + Send + Sync>;

/// Configures and builds a [`Server`].
#[derive(Default)]
pub struct ServerBuilder {
    services: HashMap<&'static str, Arc<dyn Service>>,
    limits: Limits,
    settings: ConnectionSettings,
    /// Hooks of the standard services (`crate::services`), which see every other service.
    build_hooks: Vec<BuildHook>,
    stop_hooks: Vec<StopHook>,
    /// Handles the standard services leave for [`Server`] accessors (e.g. the health reporter).
    extensions: http::Extensions,
    interceptors: Vec<Arc<dyn Interceptor>>,
    layer: Option<layer::MakeLayered>,
}

impl fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("services", &self.services.keys().collect::<Vec<_>>())
            .field("limits", &self.limits)
            .field("settings", &self.settings)
            .field("interceptors", &self.interceptors.len())
            .field("layer", &self.layer.is_some())
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

    /// Wraps the whole server (every connection's HTTP/2 requests, before routing) in a tower
    /// `Layer`, for existing tower middleware. The layer is applied once per connection to a
    /// [`GrpcService`]; an error from the layered service answers the call with UNAVAILABLE
    /// carrying the error's message. A second call replaces the first layer (compose layers
    /// with `tower::ServiceBuilder` or `tower_layer::Stack`).
    ///
    /// ```
    /// use grpc_core::server::GrpcService;
    /// use grpc_core::Server;
    ///
    /// /// A layer that leaves every request as it is.
    /// struct Nothing;
    /// impl tower_layer::Layer<GrpcService> for Nothing {
    ///     type Service = GrpcService;
    ///     fn layer(&self, inner: GrpcService) -> GrpcService { inner }
    /// }
    ///
    /// let server = Server::builder().layer(Nothing).build();
    /// # let _ = server;
    /// ```
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: tower_layer::Layer<GrpcService> + Send + Sync + 'static,
        L::Service: LayeredService,
    {
        self.layer = Some(layer::make(layer));
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

    /// Blocking handlers (service methods written as a plain `fn`) running at once, on
    /// worker threads (grpcio's `ThreadPoolExecutor(max_workers)`; default: cores + 4, at most
    /// 32). Calls beyond it wait for a free worker, under their deadline; none is refused.
    /// `async fn` handlers do not count.
    pub fn max_workers(mut self, workers: usize) -> Self {
        self.limits.workers = blocking::Workers::new(workers);
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

    /// Sends HTTP/2 pings when a connection has been quiet for `interval` and closes it when
    /// the peer does not answer within `timeout` (gRPC's server `keepalive_time` and
    /// `keepalive_timeout`, defaults 2 hours and 20 s).
    pub fn http2_keepalive(mut self, interval: Duration, timeout: Duration) -> Self {
        self.settings.keepalive_interval = Some(interval);
        self.settings.keepalive_timeout = timeout;
        self
    }

    /// Turns the server's keepalive pings off.
    pub fn no_http2_keepalive(mut self) -> Self {
        self.settings.keepalive_interval = None;
        self
    }

    /// The keepalive enforcement policy (grpc/grpc `doc/keepalive.md`): a client ping less
    /// than `min_ping_interval` after the previous one (default 5 min) is a strike, and so is
    /// any ping closer than 2 hours while no call is in flight unless `permit_without_calls`
    /// (default false). The third strike closes the connection with GOAWAY
    /// `ENHANCE_YOUR_CALM` and debug data `too_many_pings`. Headers or data sent by the server
    /// clear the strikes.
    pub fn keepalive_enforcement(
        mut self,
        min_ping_interval: Duration,
        permit_without_calls: bool,
    ) -> Self {
        self.settings.guard.min_ping_interval = min_ping_interval;
        self.settings.guard.permit_without_calls = permit_without_calls;
        self
    }

    /// PING and SETTINGS frames (without ACK) a client may send within one second while the
    /// server sends it no headers or data (default 100); beyond it the connection gets GOAWAY
    /// `ENHANCE_YOUR_CALM` with debug data `too_many_control_frames`.
    pub fn max_control_frames_per_second(mut self, frames: u32) -> Self {
        self.settings.guard.max_control_frames = frames;
        self
    }

    /// How long a new connection has to send the HTTP/2 preface, counted from accept with the
    /// TLS handshake included (default 20 s); then it is closed.
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.settings.lifetimes.handshake_timeout = timeout;
        self
    }

    /// Closes a connection (GOAWAY, then close) when it has had no call in flight for `idle`
    /// (gRFC A9 `max_connection_idle`; default off).
    pub fn max_connection_idle(mut self, idle: Duration) -> Self {
        self.settings.lifetimes.max_idle = Some(idle);
        self
    }

    /// Sends GOAWAY to a connection once it is `age` old, ±10% at random (gRFC A9
    /// `max_connection_age`; default off); its calls in flight then get `grace` to finish
    /// before the connection is closed (`max_connection_age_grace`; `None`: as long as they
    /// take).
    pub fn max_connection_age(mut self, age: Duration, grace: Option<Duration>) -> Self {
        self.settings.lifetimes.max_age = Some(age);
        self.settings.lifetimes.age_grace = grace;
        self
    }

    /// Calls in flight on the whole server, over all connections (grpcio's
    /// `maximum_concurrent_rpcs`; default unlimited). A call beyond it gets RESOURCE_EXHAUSTED
    /// at once, without reaching its handler.
    pub fn maximum_concurrent_rpcs(mut self, calls: usize) -> Self {
        self.settings.max_concurrent_rpcs = Some(calls);
        self
    }

    /// Connections open at once, per server (default unlimited). At the limit the server stops
    /// accepting: new connections wait in the listen backlog (their handshake does not start)
    /// until an open one closes, and beyond the backlog the kernel drops them.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.settings.max_connections = Some(connections);
        self
    }

    /// Response bytes h2 may buffer per stream (default 128 KiB). The server hands h2 no more
    /// of a response than the peer's flow-control window lets out, and at most this much, so a
    /// connection buffers at most `max_concurrent_streams` x this (12.5 MiB by default) in
    /// HTTP/2, plus the one encoded piece each call is sending (at most 32 KiB of a stream, or
    /// one message). A streaming handler that produces faster than the peer reads waits (its
    /// [`ServerStream`](crate::ServerStream) channel fills up, or its stream is not polled);
    /// a single message larger than the bound (a large unary reply) is held by its call, whole,
    /// as grpc-go does, and sent as the window allows until the call's deadline, when the
    /// stream is reset.
    pub fn max_send_buffer_per_stream(mut self, bytes: usize) -> Self {
        self.settings.max_send_buffer_per_stream = bytes;
        self
    }

    /// Bytes of outgoing HTTP/2 frames a connection gathers before it writes them to the socket
    /// (default 64 KiB; at least 1). What h2 writes during one turn of the connection's loop
    /// (one wake-up) goes out in one write, up to this much: a 64 KiB message goes out in one
    /// system call, not one per 16 KiB DATA frame. A write this large on its own goes to the
    /// socket uncopied. A connection keeps the buffer's memory (up to about this much) while
    /// its batches are large, and at most 16 KiB from the first small one on.
    ///
    /// ```
    /// let builder = grpc_core::Server::builder().write_buffer_size(256 * 1024);
    /// # drop(builder);
    /// ```
    pub fn write_buffer_size(mut self, bytes: usize) -> Self {
        self.settings.write_buffer_size = bytes.max(1);
        self
    }

    /// The listen backlog of TCP ports (default 4096; the kernel caps it at
    /// `net.core.somaxconn`).
    pub fn listen_backlog(mut self, backlog: i32) -> Self {
        self.settings.listen_backlog = backlog;
        self
    }

    /// Streams a client may reset before the server handles them, per connection (default 20;
    /// rapid-reset flood protection: beyond it the connection gets GOAWAY).
    pub fn max_pending_accept_reset_streams(mut self, streams: usize) -> Self {
        self.settings.max_pending_accept_reset_streams = streams;
        self
    }

    /// Stream errors a connection's peer may cause over the connection's whole life, each
    /// answered by the server with its own RST_STREAM (default 1,024, as h2's; `None`:
    /// unbounded). Beyond it the connection gets GOAWAY ENHANCE_YOUR_CALM
    /// `too_many_internal_resets`.
    ///
    /// h2 counts, and never forgets: a frame on a stream the server has already closed and
    /// forgotten (RST_STREAM STREAM_CLOSED), a stream opened beyond `max_concurrent_streams`
    /// (REFUSED_STREAM), a malformed stream (PROTOCOL_ERROR, FLOW_CONTROL_ERROR). A client
    /// that cancels its calls does not count: the resets the server sends at a deadline, and
    /// those of streams whose client went away, are not stream errors.
    ///
    /// ```
    /// let server = grpc_core::Server::builder()
    ///     .max_local_error_reset_streams(Some(10_000))
    ///     .build();
    /// # drop(server);
    /// ```
    pub fn max_local_error_reset_streams(mut self, streams: Option<usize>) -> Self {
        self.settings.max_local_error_reset_streams = streams;
        self
    }

    /// Runs `hook` in [`ServerBuilder::build`], after every service has been added.
    pub(crate) fn on_build(
        &mut self,
        hook: impl FnOnce(&mut ServerBuilder) + Send + Sync + 'static,
    ) {
        self.build_hooks.push(Box::new(hook));
    }

    /// Runs `hook` first thing in [`Server::stop`].
    pub(crate) fn on_stop(&mut self, hook: impl Fn() + Send + Sync + 'static) {
        self.stop_hooks.push(Box::new(hook));
    }

    /// Values that [`Server::extension`] gives back.
    pub(crate) fn extensions_mut(&mut self) -> &mut http::Extensions {
        &mut self.extensions
    }

    /// The services registered so far.
    pub(crate) fn services(&self) -> impl Iterator<Item = &Arc<dyn Service>> {
        self.services.values()
    }

    /// Builds the server. Bind ports with [`Server::add_insecure_port`], then
    /// [`Server::start`].
    pub fn build(mut self) -> Server {
        for hook in std::mem::take(&mut self.build_hooks) {
            hook(&mut self);
        }
        let mut limits = self.limits;
        limits.interceptors = intercept::Chain::new(self.interceptors);
        limits.accept_encoding =
            crate::protocol::accept_encoding_header(&limits.accept_compression);
        limits.response_headers = handler::response_headers(limits.accept_encoding.as_ref());
        let limits = Arc::new(limits);
        let shutdown = CancellationToken::new();
        let settings = self.settings;
        Server {
            inner: Arc::new(Inner {
                connections: settings
                    .max_connections
                    .map(|max| Arc::new(Semaphore::new(max))),
                shared: Arc::new(Shared {
                    router: Arc::new(Router::new(self.services, limits)),
                    calls: Arc::new(CallLimit::new(settings.max_concurrent_rpcs)),
                    settings,
                    shutdown: shutdown.clone(),
                    hard_stop: CancellationToken::new(),
                    layer: self.layer,
                }),
                pending: Mutex::new(Vec::new()),
                tasks: tokio::sync::Mutex::new(JoinSet::new()),
                shutdown,
                stopped: CancellationToken::new(),
                started: Mutex::new(false),
                unix_paths: Mutex::new(Vec::new()),
                stop_hooks: self.stop_hooks,
                extensions: self.extensions,
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
    shared: Arc<Shared>,
    /// Permits for open connections, under `max_connections`.
    connections: Option<Arc<Semaphore>>,
    pending: Mutex<Vec<Listener>>,
    tasks: tokio::sync::Mutex<JoinSet<()>>,
    shutdown: CancellationToken,
    stopped: CancellationToken,
    started: Mutex<bool>,
    /// Socket files to remove when the server stops.
    unix_paths: Mutex<Vec<PathBuf>>,
    stop_hooks: Vec<StopHook>,
    extensions: http::Extensions,
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
            match bind_tcp(candidate, self.inner.shared.settings.listen_backlog) {
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
    /// calls in flight get that long to finish (connections get GOAWAY), then the rest end
    /// with UNAVAILABLE ("the server is shutting down") in their trailers, and connections
    /// are closed. Unix socket files are removed.
    pub async fn stop(&self, grace: Option<Duration>) {
        // First (e.g. health turns NOT_SERVING), while calls in flight still run.
        for hook in &self.inner.stop_hooks {
            hook();
        }
        self.inner.shutdown.cancel();
        let mut tasks = self.inner.tasks.lock().await;
        let grace = grace.unwrap_or(Duration::ZERO);
        let drained = !grace.is_zero()
            && tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} })
                .await
                .is_ok();
        if !drained {
            // Calls still in flight end with UNAVAILABLE in their trailers (or a trailers-only
            // response), then whatever is left is aborted.
            self.inner.shared.hard_stop.cancel();
            if !grace.is_zero() {
                let _ = tokio::time::timeout(HARD_STOP_FLUSH, async {
                    while tasks.join_next().await.is_some() {}
                })
                .await;
            }
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
        for path in std::mem::take(&mut *lock(&self.inner.unix_paths)) {
            let _ = std::fs::remove_file(path);
        }
        self.inner.stopped.cancel();
    }

    /// A value a standard service left with [`ServerBuilder::extensions_mut`].
    pub(crate) fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.inner.extensions.get::<T>()
    }

    /// Serves one connection over `io` (an in-memory pipe) as if it had been accepted: for
    /// the fuzz targets only.
    #[cfg(fuzzing)]
    #[doc(hidden)]
    pub async fn serve_connection_for_fuzzing<IO>(&self, io: IO)
    where
        IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let info = Arc::new(ConnectionInfo {
            peer: None,
            auth: auth::AuthContext::insecure(),
        });
        connection::serve(self.inner.shared.clone(), io, info, Instant::now()).await;
    }

    /// Waits until the server has been stopped with [`Server::stop`].
    pub async fn wait_for_termination(&self) {
        self.inner.stopped.cancelled().await
    }
}

/// After `stop`'s grace, how long calls get to send their UNAVAILABLE trailers.
const HARD_STOP_FLUSH: Duration = Duration::from_millis(500);

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Inner {
    /// Waits for room under `max_connections` (none when unlimited), or `None` when the server
    /// stops first.
    async fn connection_permit(&self) -> Option<Option<tokio::sync::OwnedSemaphorePermit>> {
        let Some(connections) = &self.connections else {
            return Some(None);
        };
        tokio::select! {
            permit = connections.clone().acquire_owned() => permit.ok().map(Some),
            _ = self.shutdown.cancelled() => None,
        }
    }

    async fn accept_tcp(self: Arc<Self>, listener: TcpListener, security: Security) {
        // Owned here so that aborting this task (stop's grace ran out) closes every connection.
        let mut connections = JoinSet::new();
        loop {
            while connections.try_join_next().is_some() {}
            // At the connection limit, new connections wait in the listen backlog.
            let Some(permit) = self.connection_permit().await else {
                break;
            };
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = self.shutdown.cancelled() => break,
            };
            match accepted {
                Ok((stream, addr)) => {
                    let at = Instant::now();
                    let _ = stream.set_nodelay(self.shared.settings.tcp_nodelay);
                    let peer = Some(Peer::Tcp(normalize(addr)));
                    let shared = self.shared.clone();
                    match &security {
                        Security::Insecure | Security::Local => {
                            let auth = security.auth();
                            let info = Arc::new(ConnectionInfo { peer, auth });
                            connections.spawn(serve_boxed(shared, stream, info, at, permit));
                        }
                        Security::Tls(acceptor) => {
                            let acceptor = acceptor.clone();
                            connections.spawn(Box::pin(async move {
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
                                        connection::serve(shared, stream, info, at).await;
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
                                drop(permit);
                            }));
                        }
                    }
                }
                Err(error) => accept_backoff(error).await,
            }
        }
        drop(listener);
        // Each connection saw the shutdown: it sent GOAWAY and drains.
        while connections.join_next().await.is_some() {}
    }

    async fn accept_unix(
        self: Arc<Self>,
        listener: UnixListener,
        path: Option<PathBuf>,
        auth: auth::AuthContext,
    ) {
        // Owned here so that aborting this task (stop's grace ran out) closes every connection.
        let mut connections = JoinSet::new();
        loop {
            while connections.try_join_next().is_some() {}
            let Some(permit) = self.connection_permit().await else {
                break;
            };
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = self.shutdown.cancelled() => break,
            };
            match accepted {
                Ok((stream, addr)) => {
                    let at = Instant::now();
                    let peer = Some(Peer::Unix(addr.as_pathname().map(PathBuf::from)));
                    let info = Arc::new(ConnectionInfo {
                        peer,
                        auth: auth.clone(),
                    });
                    let shared = self.shared.clone();
                    connections.spawn(serve_boxed(shared, stream, info, at, permit));
                }
                Err(error) => accept_backoff(error).await,
            }
        }
        drop(listener);
        if let Some(path) = &path {
            let _ = std::fs::remove_file(path);
        }
        while connections.join_next().await.is_some() {}
    }
}

/// Serves one accepted connection, holding `permit` (the `max_connections` room) until it
/// closes. Boxed: the task cell then holds a pointer, not the connection's whole state, which
/// tokio would otherwise copy several times on the way in.
fn serve_boxed<IO>(
    shared: Arc<Shared>,
    io: IO,
    info: Arc<ConnectionInfo>,
    accepted: Instant,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
) -> std::pin::Pin<Box<impl std::future::Future<Output = ()> + Send>>
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    Box::pin(async move {
        connection::serve(shared, io, info, accepted).await;
        drop(permit);
    })
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

fn bind_tcp(addr: SocketAddr, backlog: i32) -> io::Result<std::net::TcpListener> {
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
    socket.listen(backlog)?;
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
