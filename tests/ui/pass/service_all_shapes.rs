// A service with all four call shapes, an optional context argument, a renamed method, `()` as
// Empty and doc comments compiles, and an implementation of the trait is accepted.
use grpc_core::{Message, ServerContext, ServerStream, Status, Streaming};

#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "shapes")]
pub struct Ping {
    pub n: u32,
}

/// A service.
#[grpc_core::service(package = "shapes", name = "Pinger")]
pub trait PingService: Send + Sync + 'static {
    /// Unary.
    async fn ping(&self, ctx: &ServerContext, request: Ping) -> Result<Ping, Status>;
    /// Server streaming.
    async fn many(&self, request: Ping) -> Result<ServerStream<Ping>, Status>;
    /// Client streaming.
    #[grpc(name = "Gather")]
    async fn collect(&self, requests: Streaming<Ping>) -> Result<Ping, Status>;
    /// Bidirectional.
    async fn chat(&self, ctx: &ServerContext, requests: Streaming<Ping>) -> Result<ServerStream<Ping>, Status>;
    /// Empty in, empty out.
    async fn nothing(&self, request: ()) -> Result<(), Status>;
}

struct Impl;

impl PingService for Impl {
    async fn ping(&self, _ctx: &ServerContext, request: Ping) -> Result<Ping, Status> {
        Ok(request)
    }
    async fn many(&self, request: Ping) -> Result<ServerStream<Ping>, Status> {
        Ok(ServerStream::iter(vec![request.clone(), request]))
    }
    async fn collect(&self, _requests: Streaming<Ping>) -> Result<Ping, Status> {
        Ok(Ping { n: 0 })
    }
    async fn chat(&self, _ctx: &ServerContext, _requests: Streaming<Ping>) -> Result<ServerStream<Ping>, Status> {
        Ok(ServerStream::empty())
    }
    async fn nothing(&self, _request: ()) -> Result<(), Status> {
        Ok(())
    }
}

fn main() {
    let _server = PingServiceServer::new(Impl);
    assert_eq!(
        <PingServiceClient as grpc_core::descriptor::Describe>::full_name(),
        "shapes.Pinger"
    );
}
