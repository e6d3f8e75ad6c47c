//! The greeter: package `helloworld`, service `Greeter`, method `SayHello`, exactly as the
//! canonical `helloworld.proto` defines them.

use grpc_core::{Message, Status};

/// The request message containing the user's name.
#[derive(Message, Clone, PartialEq, Eq, Debug)]
#[grpc(package = "helloworld")]
pub struct HelloRequest {
    /// Who to greet.
    pub name: String,
}

/// The response message containing the greetings.
#[derive(Message, Clone, PartialEq, Eq, Debug)]
#[grpc(package = "helloworld")]
pub struct HelloReply {
    /// The greeting.
    pub message: String,
}

/// The greeting service definition.
#[grpc_core::service(package = "helloworld")]
pub trait Greeter: Send + Sync + 'static {
    /// Sends a greeting.
    async fn say_hello(&self, request: HelloRequest) -> Result<HelloReply, Status>;
}

/// The example implementation: replies `Hello {name}`.
#[derive(Debug, Default, Clone)]
pub struct MyGreeter;

impl Greeter for MyGreeter {
    async fn say_hello(&self, request: HelloRequest) -> Result<HelloReply, Status> {
        Ok(HelloReply {
            message: format!("Hello {}", request.name),
        })
    }
}
