// The package name has an empty component (`a..b`).
use grpc_core::{Message, Status};

#[derive(Message)]
pub struct HelloRequest {
    pub name: String,
}

#[derive(Message)]
pub struct HelloReply {
    pub message: String,
}

#[grpc_core::service(package = "a..b")]
pub trait Greeter: Send + Sync + 'static {
    async fn say_hello(&self, request: HelloRequest) -> Result<HelloReply, Status>;
}

fn main() {}
