// The user named a method `new`, which would clash with the generated `GreeterClient::new`.
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
    async fn new(&self, request: HelloRequest) -> Result<HelloReply, Status>;
}

fn main() {}
