//! [`Channel`]: a target's connections, shared by every call made on it.

use std::fmt;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::watch;
use tokio::time::Instant;

use super::backoff::BackoffConfig;
use super::connectivity::ConnectivityState;
use super::credentials::CallCredentials;
use super::intercept::{Interceptor, Layers};
use super::lb::{self, LoadBalancerBuilder, Pick, PickRequest};
use super::resolver::Resolver;
use super::service_config::{MethodConfig, ServiceConfig};
use super::target::Target;
use super::worker::{self, Event, Shared, WorkerSettings};
use crate::error::Error;
use crate::protocol::Compression;
use crate::status::Status;
use crate::tls::ChannelTls;
use crate::transport::address::Address;
use crate::transport::connect::{ConnectSettings, Connection, Keepalive};
use crate::transport::recv::client_error;

/// A channel to a gRPC service: name resolution, a connection per address the load-balancing
/// policy wants, and the calls multiplexed over them.
///
/// Channels connect lazily (on the first call, or when asked with [`Channel::state`]) and
/// reconnect with backoff. Cloning is cheap: clones share everything. [`Channel::close`] ends
/// it for every clone; dropping the last clone closes it too, letting calls in flight finish.
///
/// Targets (`doc/naming.md`): `host:port` and `dns:[///]host:port` (every address the name
/// resolves to, IPv4 and IPv6; the port defaults to 443), `http://host:port`,
/// `https://host:port` (TLS), `ipv4:a:port,b:port`, `ipv6:[a]:port,...`, `unix:path`,
/// `unix:///absolute/path` and `unix-abstract:name`.
///
/// ```
/// # #[tokio::main] async fn main() -> Result<(), grpc_core::Error> {
/// use grpc_core::ConnectivityState;
///
/// let channel = grpc_core::Channel::insecure("localhost:50051")?;
/// let same_connections = channel.clone();
/// assert_eq!(channel.state(false), ConnectivityState::Idle);
/// # let _ = same_connections; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Channel {
    handle: Arc<Handle>,
    /// Interceptors and call credentials; `None` (the fast path) without any.
    layers: Option<Arc<Layers>>,
}

/// Owned by the channel's clones; the last one to go shuts the control task down.
struct Handle {
    shared: Arc<Shared>,
    config: Arc<ChannelConfig>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _ = self.shared.events.send(Event::Shutdown { abort: false });
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ChannelConfig {
    pub(crate) target: String,
    /// The request URI's scheme and authority; the method's path completes it.
    pub(crate) scheme: http::uri::Scheme,
    pub(crate) authority: http::uri::Authority,
    pub(crate) compression: Option<Compression>,
    pub(crate) accept_compression: Vec<Compression>,
    /// `grpc-accept-encoding`, made once.
    pub(crate) accept_encoding: Option<http::HeaderValue>,
    /// The headers every call sends (`te`, `content-type`, `grpc-accept-encoding`,
    /// `user-agent`), made once and cloned per call.
    pub(crate) request_headers: http::HeaderMap,
    pub(crate) max_receive_message_size: usize,
    pub(crate) max_send_message_size: usize,
    pub(crate) service_config: ServiceConfig,
    /// TLS or local credentials: call credentials may be sent.
    pub(crate) secure: bool,
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("target", &self.handle.config.target)
            .field("state", &self.state(false))
            .finish_non_exhaustive()
    }
}

/// A stream slot on a connection, for one call.
pub(crate) struct Picked {
    pub(crate) send: h2::client::SendRequest<Bytes>,
    /// The rest of the connection: `send` was moved out of it (one handle clone per call).
    pub(crate) connection: ConnectionRest,
    /// The subchannel's address: the call's peer.
    pub(crate) peer: Arc<Address>,
}

/// A [`Connection`] without its send handle.
pub(crate) struct ConnectionRest {
    pub(crate) closed: tokio_util::sync::CancellationToken,
    pub(crate) active: Arc<std::sync::atomic::AtomicUsize>,
    pub(crate) aborted: Arc<std::sync::OnceLock<Status>>,
}

impl Channel {
    pub(crate) fn config(&self) -> &ChannelConfig {
        &self.handle.config
    }

    pub(crate) fn layers(&self) -> Option<&Arc<Layers>> {
        self.layers.as_ref()
    }

    /// This channel's connections, with `interceptor` around its calls, outside the
    /// interceptors it already has (grpcio's `intercept_channel`): it is asked first, and
    /// sees responses last. `self` is unchanged.
    pub fn with_interceptor(&self, interceptor: impl Interceptor) -> Channel {
        let mut layers = self.layers.as_deref().cloned().unwrap_or_default();
        layers.interceptors.insert(0, Arc::new(interceptor));
        Channel {
            handle: self.handle.clone(),
            layers: Some(Arc::new(layers)),
        }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.handle.shared
    }

    /// The service config's defaults for `path`.
    pub(crate) fn method_config(&self, path: &str) -> Option<&MethodConfig> {
        self.handle.config.service_config.method(path)
    }

    /// A connection ready for one more stream of a call to `path`, as the picker chooses.
    ///
    /// Without `wait_for_ready` a call fails at once while the channel is in
    /// TRANSIENT_FAILURE; with it, it waits for a connection until `deadline`, and the
    /// deadline error says what the last failure was.
    pub(crate) async fn pick(
        &self,
        path: &str,
        wait_for_ready: bool,
        deadline: Option<Instant>,
    ) -> Result<Picked, Status> {
        let shared = &self.handle.shared;
        let request = PickRequest::new(path);
        let mut changes: Option<watch::Receiver<Arc<worker::Snapshot>>> = None;
        let mut last_failure: Option<Status> = None;
        loop {
            let snapshot = match &mut changes {
                Some(changes) => changes.borrow_and_update().clone(),
                None => shared.picker.borrow().clone(),
            };
            match snapshot.state {
                ConnectivityState::Shutdown => {
                    return Err(Status::cancelled("the channel was closed"))
                }
                ConnectivityState::Idle => {
                    let _ = shared.events.send(Event::ExitIdle);
                }
                _ => {}
            }
            match snapshot.picker.pick(&request) {
                Pick::Ready(subchannel) => {
                    if let Some(connection) = subchannel.connection() {
                        let Connection {
                            send,
                            closed,
                            active,
                            aborted,
                            ..
                        } = connection;
                        let connection = ConnectionRest {
                            closed,
                            active,
                            aborted,
                        };
                        match send.ready().await {
                            Ok(send) => {
                                let peer = subchannel.shared_address();
                                return Ok(Picked {
                                    send,
                                    connection,
                                    peer,
                                });
                            }
                            Err(error) => {
                                // GOAWAY or a dead connection: no new streams there. The
                                // control task hears of it and publishes a new picker.
                                connection.closed.cancel();
                                last_failure = Some(client_error(error));
                            }
                        }
                    }
                }
                Pick::Queue => {}
                Pick::Fail(status) if wait_for_ready => last_failure = Some(status),
                Pick::Fail(status) => return Err(status),
            }
            let Some(receiver) = &mut changes else {
                // Subscribe, then look again: a change in between is not missed.
                changes = Some(shared.picker.subscribe());
                continue;
            };
            let changed = receiver.changed();
            let changed = match deadline {
                Some(deadline) => match tokio::time::timeout_at(deadline, changed).await {
                    Ok(changed) => changed,
                    Err(_) => {
                        let why = match &last_failure {
                            Some(status) => format!("; last failure: {}", status.message()),
                            None => format!("; the channel is {}", snapshot.state),
                        };
                        return Err(Status::deadline_exceeded(format!(
                            "deadline exceeded while waiting for a connection{why}"
                        )));
                    }
                },
                None => changed.await,
            };
            if changed.is_err() {
                return Err(Status::cancelled("the channel was closed"));
            }
        }
    }

    /// A plaintext (no TLS) channel to `target`, with default settings. Must be called inside a
    /// tokio runtime.
    pub fn insecure(target: &str) -> Result<Channel, Error> {
        ChannelBuilder::new(target).connect_lazy()
    }

    /// Configures a channel to `target`.
    pub fn builder(target: &str) -> ChannelBuilder {
        ChannelBuilder::new(target)
    }

    /// The target this channel was made for.
    pub fn target(&self) -> &str {
        &self.handle.config.target
    }

    /// The channel's connectivity state. With `try_to_connect`, an IDLE channel starts
    /// connecting (grpcio's `get_state(try_to_connect)`).
    pub fn state(&self, try_to_connect: bool) -> ConnectivityState {
        let state = *self.handle.shared.state.borrow();
        if try_to_connect && state == ConnectivityState::Idle {
            let _ = self.handle.shared.events.send(Event::ExitIdle);
        }
        state
    }

    /// Waits until the state differs from `from`, at most `timeout`: the new state, or `None`
    /// if it did not change in time (C-core's `watch_connectivity_state`, grpc-go's
    /// `WaitForStateChange`).
    pub async fn wait_for_state_change(
        &self,
        from: ConnectivityState,
        timeout: Duration,
    ) -> Option<ConnectivityState> {
        let mut states = self.handle.shared.state.subscribe();
        let changed = async { states.wait_for(|state| *state != from).await.map(|s| *s) };
        match tokio::time::timeout(timeout, changed).await {
            Ok(Ok(state)) => Some(state),
            Ok(Err(_)) | Err(_) => None,
        }
    }

    /// Connects if IDLE and waits until READY (grpcio's `channel_ready_future`). Failed
    /// attempts do not end the wait; wrap it in `tokio::time::timeout` to bound it. Fails with
    /// CANCELLED if the channel is closed.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// let channel = grpc_core::Channel::insecure("localhost:50051")?;
    /// tokio::time::timeout(Duration::from_secs(5), channel.ready()).await??;
    /// # Ok(()) }
    /// ```
    pub async fn ready(&self) -> Result<(), Status> {
        let mut states = self.handle.shared.state.subscribe();
        loop {
            let state = *states.borrow_and_update();
            match state {
                ConnectivityState::Ready => return Ok(()),
                ConnectivityState::Shutdown => {
                    return Err(Status::cancelled("the channel was closed"))
                }
                ConnectivityState::Idle => {
                    let _ = self.handle.shared.events.send(Event::ExitIdle);
                }
                _ => {}
            }
            if states.changed().await.is_err() {
                return Err(Status::cancelled("the channel was closed"));
            }
        }
    }

    /// Every state change from now on. Dropping the receiver unsubscribes.
    ///
    /// ```
    /// # #[tokio::main] async fn main() -> Result<(), grpc_core::Error> {
    /// let channel = grpc_core::Channel::insecure("127.0.0.1:9")?;
    /// let mut states = channel.subscribe();
    /// channel.state(true); // start connecting
    /// states.changed().await.unwrap();
    /// println!("now {}", *states.borrow());
    /// # Ok(()) }
    /// ```
    pub fn subscribe(&self) -> watch::Receiver<ConnectivityState> {
        self.handle.shared.state.subscribe()
    }

    /// Closes the channel for every clone: calls in flight end with CANCELLED, the state goes
    /// to SHUTDOWN, and later calls fail at once.
    pub fn close(&self) {
        let shared = &self.handle.shared;
        let closed = Arc::new(worker::Snapshot {
            state: ConnectivityState::Shutdown,
            picker: Arc::new(lb::FailPicker(Status::cancelled("the channel was closed"))),
        });
        shared.picker.send_replace(closed);
        shared.state.send_replace(ConnectivityState::Shutdown);
        let _ = shared.events.send(Event::Shutdown { abort: true });
    }
}

/// Configures a [`Channel`].
///
/// ```
/// use std::time::Duration;
/// # #[tokio::main] async fn main() -> Result<(), grpc_core::Error> {
/// let channel = grpc_core::Channel::builder("dns:///localhost:50051")
///     .service_config(r#"{"loadBalancingConfig": [{"round_robin": {}}]}"#)
///     .keepalive_time(Duration::from_secs(30))
///     .idle_timeout(Some(Duration::from_secs(300)))
///     .connect_lazy()?;
/// # let _ = channel; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ChannelBuilder {
    target: String,
    tcp_nodelay: bool,
    keepalive_time: Option<Duration>,
    keepalive_timeout: Duration,
    keepalive_permit_without_calls: bool,
    windows: (u32, u32),
    max_receive_message_size: usize,
    max_send_message_size: usize,
    compression: Option<Compression>,
    accept_compression: Vec<Compression>,
    tls: Option<ChannelTls>,
    backoff: BackoffConfig,
    idle_timeout: Option<Duration>,
    min_resolution_interval: Duration,
    resolver: Option<Arc<dyn Resolver>>,
    policy: Option<String>,
    service_config: Option<String>,
    balancers: Vec<Arc<dyn LoadBalancerBuilder>>,
    layers: Layers,
    local: bool,
    write_buffer_size: usize,
}

impl ChannelBuilder {
    fn new(target: &str) -> Self {
        ChannelBuilder {
            target: target.to_owned(),
            tcp_nodelay: true,
            keepalive_time: None,
            keepalive_timeout: Duration::from_secs(20),
            keepalive_permit_without_calls: false,
            windows: (1024 * 1024, 2 * 1024 * 1024),
            max_receive_message_size: 4 * 1024 * 1024,
            max_send_message_size: usize::MAX,
            compression: None,
            accept_compression: Compression::ALL.to_vec(),
            tls: None,
            backoff: BackoffConfig::default(),
            idle_timeout: Some(Duration::from_secs(30 * 60)),
            min_resolution_interval: Duration::from_secs(30),
            resolver: None,
            policy: None,
            service_config: None,
            balancers: lb::builtin(),
            layers: Layers::default(),
            local: false,
            write_buffer_size: 64 * 1024,
        }
    }

    /// Adds an interceptor around every call, inside those added before it: the first added
    /// is asked first (grpcio's `intercept_channel(channel, first, second, ...)`).
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.layers.interceptors.push(Arc::new(interceptor));
        self
    }

    /// Sends these credentials' metadata with every call (grpcio's
    /// `composite_channel_credentials`). Needs TLS or
    /// [`local_credentials`](Self::local_credentials): on a plaintext channel
    /// [`connect_lazy`](Self::connect_lazy) fails saying so.
    pub fn call_credentials(mut self, credentials: CallCredentials) -> Self {
        self.layers.credentials = Some(match self.layers.credentials.take() {
            Some(earlier) => earlier.and(credentials),
            None => credentials,
        });
        self
    }

    /// Local credentials (grpcio's `local_channel_credentials`): the target must be a Unix
    /// socket or a loopback address; the connection is plaintext, but counts as secure
    /// enough for call credentials.
    pub fn local_credentials(mut self) -> Self {
        self.local = true;
        self
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

    /// The least time one connection attempt is given (default 20 s): the backoff's
    /// `min_connect_timeout`.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.backoff.min_connect_timeout = timeout;
        self
    }

    /// How reconnection attempts are spaced (default: `doc/connection-backoff.md`'s 1 s,
    /// x1.6, jitter 0.2, at most 120 s, attempts of at least 20 s).
    pub fn backoff(mut self, backoff: BackoffConfig) -> Self {
        self.backoff = backoff;
        self
    }

    /// Bytes of outgoing HTTP/2 frames a connection gathers before it writes them to the socket
    /// (default 64 KiB; at least 1). What h2 writes during one poll of the connection goes out
    /// in one write, up to this much: a 64 KiB request message goes out in one system call, not
    /// one per 16 KiB DATA frame. A connection keeps the buffer's memory (up to about this
    /// much) while its batches are large, and at most 16 KiB from the first small one on.
    ///
    /// ```
    /// # fn main() -> Result<(), grpc_core::Error> {
    /// let channel = grpc_core::Channel::builder("http://127.0.0.1:50051")
    ///     .write_buffer_size(256 * 1024)
    ///     .connect_lazy()?;
    /// # drop(channel); Ok(()) }
    /// ```
    pub fn write_buffer_size(mut self, bytes: usize) -> Self {
        self.write_buffer_size = bytes.max(1);
        self
    }

    /// `TCP_NODELAY` (default on).
    pub fn tcp_nodelay(mut self, enabled: bool) -> Self {
        self.tcp_nodelay = enabled;
        self
    }

    /// Sends an HTTP/2 ping every `time` while calls are in flight (default: never). A
    /// server's `too_many_pings` GOAWAY doubles it, as grpc-go does.
    pub fn keepalive_time(mut self, time: Duration) -> Self {
        self.keepalive_time = Some(time);
        self
    }

    /// Closes the connection when a keepalive ping is not answered within `timeout`
    /// (default 20 s).
    pub fn keepalive_timeout(mut self, timeout: Duration) -> Self {
        self.keepalive_timeout = timeout;
        self
    }

    /// Pings even with no call in flight (default off: grpc-go and grpcio servers punish
    /// idle pings with GOAWAY `too_many_pings`).
    pub fn keepalive_permit_without_calls(mut self, permit: bool) -> Self {
        self.keepalive_permit_without_calls = permit;
        self
    }

    /// `keepalive_time(interval)` and `keepalive_timeout(timeout)`.
    pub fn http2_keepalive(self, interval: Duration, timeout: Duration) -> Self {
        self.keepalive_time(interval).keepalive_timeout(timeout)
    }

    /// After `timeout` with no call in flight the channel drops its connections and goes IDLE
    /// (default 30 min; `None`: never). The next call reconnects.
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// The least time between two name resolutions (default 30 s). Resolution happens when
    /// the channel leaves IDLE and again when a connection fails or ends.
    pub fn min_resolution_interval(mut self, interval: Duration) -> Self {
        self.min_resolution_interval = interval;
        self
    }

    /// Resolves addresses with `resolver` instead of from the target (which still gives the
    /// `:authority` and the TLS server name).
    pub fn resolver(mut self, resolver: impl Resolver) -> Self {
        self.resolver = Some(Arc::new(resolver));
        self
    }

    /// The load-balancing policy by name: `pick_first` (default), `round_robin`, or one
    /// registered with [`register_load_balancer`](Self::register_load_balancer). A service
    /// config's `loadBalancingConfig` wins over this.
    pub fn load_balancing_policy(mut self, name: &str) -> Self {
        self.policy = Some(name.to_owned());
        self
    }

    /// Makes a policy available by its name, to [`load_balancing_policy`](Self::load_balancing_policy)
    /// and service configs.
    pub fn register_load_balancer(mut self, builder: Arc<dyn LoadBalancerBuilder>) -> Self {
        self.balancers.push(builder);
        self
    }

    /// A service config (`doc/service_config.md`) as JSON: `loadBalancingConfig` (the first
    /// policy listed that this channel knows is used), and `methodConfig` defaults for
    /// `waitForReady`, `timeout` and the message size limits. Checked by
    /// [`connect_lazy`](Self::connect_lazy).
    pub fn service_config(mut self, json: &str) -> Self {
        self.service_config = Some(json.to_owned());
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

    /// Builds the channel, IDLE; the first call (or [`Channel::state(true)`](Channel::state))
    /// connects. Must be called inside a tokio runtime.
    pub fn connect_lazy(self) -> Result<Channel, Error> {
        let target = Target::parse(&self.target)?;
        let tls = match (self.tls, target.https) {
            (Some(tls), _) => Some(tls),
            (None, true) => Some(ChannelTls::new()),
            (None, false) => None,
        };
        if target.unix && tls.is_some() {
            return Err(Error::invalid_target(
                &self.target,
                "TLS over Unix sockets is not supported",
            ));
        }
        if self.local && !(target.unix || is_loopback(&target.authority)) {
            return Err(Error::invalid_target(
                &self.target,
                "local credentials need a Unix socket or a loopback address",
            ));
        }
        let secure = tls.is_some() || self.local;
        if self.layers.credentials.is_some() && !secure {
            return Err(Error::invalid_config(
                "call credentials are sent only over a secure channel (TLS or local \
                 credentials), and this channel is plaintext"
                    .to_owned(),
            ));
        }
        let scheme = if tls.is_some() {
            http::uri::Scheme::HTTPS
        } else {
            http::uri::Scheme::HTTP
        };
        let authority = http::uri::Authority::try_from(target.authority.as_str())
            .map_err(|e| Error::invalid_target(&self.target, e))?;
        let tls = tls.map(|tls| tls.client_config()).transpose()?;
        let service_config = match &self.service_config {
            Some(json) => ServiceConfig::parse(json)?,
            None => ServiceConfig::default(),
        };
        let policy = choose_policy(&self.balancers, &service_config, self.policy.as_deref())?;
        let keepalive = self.keepalive_time.map(|time| Keepalive {
            time_ms: Arc::new(AtomicU64::new(time.as_millis().max(1) as u64)),
            timeout: self.keepalive_timeout,
            permit_without_calls: self.keepalive_permit_without_calls,
        });
        let connect = ConnectSettings {
            tcp_nodelay: self.tcp_nodelay,
            stream_window: self.windows.0,
            connection_window: self.windows.1,
            max_header_list_size: 16 * 1024,
            keepalive,
            tls,
            authority: target.authority.clone(),
            write_buffer_size: self.write_buffer_size,
        };
        let resolver = self.resolver.unwrap_or(target.resolver);
        // A channel made outside any runtime (a blocking client's, in plain `fn main`) runs on
        // the runtime blocking calls use.
        let runtime = match tokio::runtime::Handle::try_current() {
            Ok(handle) => handle,
            Err(_) => super::blocking::BlockingRuntime::shared()
                .handle()
                .map_err(|status| Error::invalid_config(status.message()))?,
        };
        let shared = worker::spawn(
            &runtime,
            resolver,
            WorkerSettings {
                connect,
                backoff: self.backoff,
                idle_timeout: self.idle_timeout,
                min_resolution_interval: self.min_resolution_interval,
                policy,
            },
        );
        let accept_encoding = crate::protocol::accept_encoding_header(&self.accept_compression);
        let config = ChannelConfig {
            target: self.target,
            scheme,
            authority,
            compression: self.compression,
            request_headers: super::call::request_template(accept_encoding.as_ref()),
            accept_encoding,
            accept_compression: self.accept_compression,
            max_receive_message_size: self.max_receive_message_size,
            max_send_message_size: self.max_send_message_size,
            service_config,
            secure,
        };
        let layers = self.layers;
        let layers = (!layers.interceptors.is_empty() || layers.credentials.is_some())
            .then(|| Arc::new(layers));
        Ok(Channel {
            handle: Arc::new(Handle {
                shared,
                config: Arc::new(config),
            }),
            layers,
        })
    }
}

/// The policy a channel runs: the service config's first known `loadBalancingConfig` entry,
/// else the builder's choice, else `pick_first`. Its config is checked here.
fn choose_policy(
    balancers: &[Arc<dyn LoadBalancerBuilder>],
    service_config: &ServiceConfig,
    chosen: Option<&str>,
) -> Result<(Arc<dyn LoadBalancerBuilder>, serde_json::Value), Error> {
    let find = |name: &str| balancers.iter().rev().find(|b| b.name() == name).cloned();
    let (builder, config) = if service_config.load_balancing.is_empty() {
        let name = chosen.unwrap_or("pick_first");
        let builder = find(name).ok_or_else(|| {
            Error::invalid_config(format!("unknown load-balancing policy {name:?}"))
        })?;
        (builder, serde_json::json!({}))
    } else {
        service_config
            .load_balancing
            .iter()
            .find_map(|(name, config)| find(name).map(|b| (b, config.clone())))
            .ok_or_else(|| {
                let names: Vec<&str> = service_config
                    .load_balancing
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect();
                Error::invalid_config(format!(
                    "invalid service config: no known policy in loadBalancingConfig ({})",
                    names.join(", ")
                ))
            })?
    };
    builder.build(&config).map_err(|status| {
        Error::invalid_config(format!(
            "invalid {} config: {}",
            builder.name(),
            status.message()
        ))
    })?;
    Ok((builder, config))
}

/// Whether a target's `host[:port]` is a loopback address (`localhost` included).
fn is_loopback(authority: &str) -> bool {
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// How a call's settings come out of its own options, the service config and the channel.
pub(crate) fn effective_timeout(
    call: Option<Duration>,
    method: Option<&MethodConfig>,
) -> Option<Duration> {
    match (call, method.and_then(|m| m.timeout)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback_authorities() {
        for local in [
            "localhost:50051",
            "LOCALHOST",
            "127.0.0.1:1",
            "127.8.9.10",
            "[::1]:443",
        ] {
            assert!(is_loopback(local), "{local}");
        }
        for remote in [
            "example.com:443",
            "10.0.0.1:1",
            "[::]:1",
            "localhost.example.com",
        ] {
            assert!(!is_loopback(remote), "{remote}");
        }
    }
}
