//! Run with: `cargo run -p examples --bin greeter-client -- [--addr http://localhost:50051] [--name NAME]`
//!
//! Calls `helloworld.Greeter/SayHello` once and prints the reply.

use std::time::Duration;

use examples::helloworld::{GreeterClient, HelloRequest};
use grpc_core::Channel;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = examples::args::addr("http://localhost:50051");
    let name = examples::args::value("--name").unwrap_or_else(|| "world".to_owned());
    let client = GreeterClient::new(Channel::insecure(&target)?);
    let reply = client
        .say_hello(HelloRequest { name })
        .timeout(Duration::from_secs(5))
        .await?;
    println!("{}", reply.message);
    Ok(())
}
