//! Named backends for channel tests: each answers `Who` with its name, so a test can see
//! which server a call went to.

use std::time::Duration;

use grpc_core::client::Address;
use grpc_core::{BackoffConfig, Message, Server, Status};

/// Asks a backend its name, after it has waited `sleep_ms`.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "backends")]
pub struct WhoRequest {
    /// How long the handler waits before answering.
    pub sleep_ms: u64,
}

/// A backend's name.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "backends")]
pub struct WhoReply {
    /// The name the backend was started with.
    pub name: String,
}

/// The backends' one method.
#[grpc_core::service(package = "backends")]
pub trait Who: Send + Sync + 'static {
    /// Answers with the backend's name.
    async fn who(&self, request: WhoRequest) -> Result<WhoReply, Status>;
}

/// A [`Who`] that answers `name`.
#[derive(Debug, Clone)]
pub struct Named(pub String);

impl Who for Named {
    async fn who(&self, request: WhoRequest) -> Result<WhoReply, Status> {
        tokio::time::sleep(Duration::from_millis(request.sleep_ms)).await;
        Ok(WhoReply {
            name: self.0.clone(),
        })
    }
}

/// A running named backend on `127.0.0.1`.
#[derive(Debug)]
pub struct Backend {
    /// Its name.
    pub name: String,
    /// The server.
    pub server: Server,
    /// Its port.
    pub port: u16,
}

impl Backend {
    /// Starts a backend on a free port.
    pub async fn start(name: &str) -> Backend {
        Self::start_on(name, 0).await
    }

    /// Starts a backend on `port` (0: a free one), e.g. again on the port of a stopped one.
    pub async fn start_on(name: &str, port: u16) -> Backend {
        // The client keepalive tests ping every 100 ms: these backends allow it, as a server
        // configured for such clients would (the default policy strikes it out).
        let server = Server::builder()
            .add_service(WhoServer::new(Named(name.to_owned())))
            .keepalive_enforcement(Duration::ZERO, true)
            .build();
        let port = server
            .add_insecure_port(&format!("127.0.0.1:{port}"))
            .expect("bind backend");
        server.start().await.expect("start backend");
        Backend {
            name: name.to_owned(),
            server,
            port,
        }
    }

    /// `127.0.0.1:port`.
    pub fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Its address, for resolvers.
    pub fn address(&self) -> Address {
        Address::Tcp(([127, 0, 0, 1], self.port).into())
    }

    /// Stops it now: connections are closed without GOAWAY grace.
    pub async fn kill(&self) {
        self.server.stop(None).await;
    }
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// Backoff for tests: 50 ms doubling to at most 400 ms, attempts of at most 1 s.
pub fn fast_backoff() -> BackoffConfig {
    BackoffConfig {
        initial_backoff: Duration::from_millis(50),
        multiplier: 2.0,
        jitter: 0.2,
        max_backoff: Duration::from_millis(400),
        min_connect_timeout: Duration::from_secs(1),
    }
}

/// One `Who` call: the name of the backend that answered.
pub async fn who(client: &WhoClient) -> Result<String, Status> {
    client
        .who(WhoRequest { sleep_ms: 0 })
        .timeout(Duration::from_secs(5))
        .await
        .map(|reply| reply.name)
}
