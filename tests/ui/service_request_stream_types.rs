// A blocking `fn` reads its request stream as `RequestIter<T>`, an `async fn` as
// `Streaming<T>`: each mixed up here.
use grpc_core::{Message, RequestIter, Status, Streaming};

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
    fn say_hellos(&self, requests: Streaming<HelloRequest>) -> Result<HelloReply, Status>;
    async fn say_more_hellos(&self, requests: RequestIter<HelloRequest>) -> Result<HelloReply, Status>;
}

fn main() {}
