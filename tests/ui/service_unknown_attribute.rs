// The user passed an unknown argument to `#[service]` and a container-only key on a method.
use grpc_core::{Message, Status};

#[derive(Message)]
pub struct HelloRequest {
    pub name: String,
}

#[derive(Message)]
pub struct HelloReply {
    pub message: String,
}

#[grpc_core::service(package = "helloworld", version = "1")]
pub trait Greeter: Send + Sync + 'static {
    #[grpc(package = "other")]
    async fn say_hello(&self, request: HelloRequest) -> Result<HelloReply, Status>;
}

fn main() {}
