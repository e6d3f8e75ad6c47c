// The user returned the response directly instead of `Result<Response, Status>`, and wrote
// another method with no return type at all.
use grpc_core::Message;

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
    async fn say_hello(&self, request: HelloRequest) -> HelloReply;
    async fn say_nothing(&self, request: HelloRequest);
}

fn main() {}
