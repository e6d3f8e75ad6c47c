// The user gave a service method two request arguments (a method takes one request message).
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
    async fn say_hello(&self, request: HelloRequest, extra: HelloRequest) -> Result<HelloReply, Status>;
}

fn main() {}
