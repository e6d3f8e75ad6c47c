//! Servers on `127.0.0.1:0` for tests.

use examples::helloworld::{GreeterServer, MyGreeter};
use examples::routeguide::{RouteGuideServer, RouteGuideService};
use grpc_core::server::Service;
use grpc_core::{Channel, Server};

/// A started server and a channel to it; the server stops when this is dropped.
#[derive(Debug)]
pub struct TestServer {
    /// The server.
    pub server: Server,
    /// The bound port.
    pub port: u16,
    /// A channel to the server.
    pub channel: Channel,
}

impl TestServer {
    /// Starts `builder`'s services on `127.0.0.1:0`.
    pub async fn start(builder: grpc_core::server::ServerBuilder) -> TestServer {
        let server = builder.build();
        let port = server
            .add_insecure_port("127.0.0.1:0")
            .expect("bind 127.0.0.1:0");
        server.start().await.expect("start server");
        let channel = Channel::insecure(&format!("127.0.0.1:{port}")).expect("channel");
        TestServer {
            server,
            port,
            channel,
        }
    }

    /// Starts one service.
    pub async fn with(service: impl Service) -> TestServer {
        Self::start(Server::builder().add_service(service)).await
    }

    /// The greeter and route guide examples on one server.
    pub async fn examples() -> TestServer {
        Self::start(
            Server::builder()
                .add_service(GreeterServer::new(MyGreeter))
                .add_service(RouteGuideServer::new(RouteGuideService::load())),
        )
        .await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let server = self.server.clone();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move { server.stop(Some(std::time::Duration::ZERO)).await });
        }
    }
}

/// A server builder with the greeter example.
pub fn greeter() -> grpc_core::server::ServerBuilder {
    Server::builder().add_service(GreeterServer::new(MyGreeter))
}

/// `builder` with the probe service added too (its observations are dropped).
pub fn with_probe(builder: grpc_core::server::ServerBuilder) -> grpc_core::server::ServerBuilder {
    let (probe, _observed) = crate::probe::ProbeService::new();
    builder.add_service(crate::probe::ProbeServer::new(probe))
}
