// The user used types that are not protobuf messages as request and response: `String` and a
// plain struct without `#[derive(Message)]`.
use grpc_core::{Message, Status};

#[derive(Message)]
pub struct HelloRequest {
    pub name: String,
}

#[derive(Message)]
pub struct HelloReply {
    pub message: String,
}

pub struct NotAMessage {
    pub name: String,
}

#[grpc_core::service(package = "helloworld")]
pub trait Greeter: Send + Sync + 'static {
    async fn say_hello(&self, request: String) -> Result<HelloReply, Status>;
    async fn say_goodbye(&self, request: HelloRequest) -> Result<NotAMessage, Status>;
}

fn main() {}
