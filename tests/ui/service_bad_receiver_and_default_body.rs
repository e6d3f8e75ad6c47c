// The user took `&mut self` and put a default body on a method.
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
    async fn say_hello(&mut self, request: HelloRequest) -> Result<HelloReply, Status>;
    async fn say_bye(&self, request: HelloRequest) -> Result<HelloReply, Status> {
        Ok(HelloReply { message: request.name })
    }
}

fn main() {}
