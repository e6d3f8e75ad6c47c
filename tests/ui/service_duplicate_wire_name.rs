// Two methods map to the same wire name `SayHello`: one by its Rust name, one by `#[grpc(name)]`.
use grpc_core::{Message, Status};

#[derive(Message)]
pub struct HelloRequest {
    pub name: String,
}

#[derive(Message)]
pub struct HelloReply {
    pub message: String,
}

#[grpc_core::service(package = "helloworld")]
pub trait Greeter: Send + Sync + 'static {
    async fn say_hello(&self, request: HelloRequest) -> Result<HelloReply, Status>;
    #[grpc(name = "SayHello")]
    async fn greet(&self, request: HelloRequest) -> Result<HelloReply, Status>;
}

fn main() {}
