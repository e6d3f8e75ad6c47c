// The user wrote a service method without a request argument (use `()` for Empty).
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
    async fn say_hello(&self) -> Result<HelloReply, Status>;
    async fn say_hello_ctx(&self, ctx: &grpc_core::ServerContext) -> Result<HelloReply, Status>;
}

fn main() {}
