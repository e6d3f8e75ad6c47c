// The user nested the stream wrappers the wrong way: `ServerStream` as a request and
// `Streaming` as a response.
use grpc_core::{Message, Status};

#[derive(Message)]
pub struct HelloRequest {
    pub name: String,
}

#[derive(Message)]
pub struct HelloReply {
    pub message: String,
}

use grpc_core::{ServerStream, Streaming};

#[grpc_core::service(package = "helloworld")]
pub trait Greeter: Send + Sync + 'static {
    async fn say_hello(&self, request: ServerStream<HelloRequest>) -> Result<Streaming<HelloReply>, Status>;
}

fn main() {}
