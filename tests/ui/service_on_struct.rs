// The user put `#[service]` on a struct instead of a trait.
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
pub struct Greeter {
    pub greeting: String,
}

fn main() {}
