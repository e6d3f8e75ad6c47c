// The user forgot `async` on a service method.
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
    fn say_hello(&self, request: HelloRequest) -> Result<HelloReply, Status>;
}

fn main() {}
