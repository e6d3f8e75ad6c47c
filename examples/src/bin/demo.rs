//! Run with: cargo run -p examples --bin demo
//!
//! Starts the greeter and route guide servers on a free port and runs the clients against
//! them: all four call patterns, over a real socket, in one process.

use std::time::Duration;

use examples::helloworld::{GreeterClient, GreeterServer, HelloRequest, MyGreeter};
use examples::routeguide::{RouteGuideClient, RouteGuideServer, RouteGuideService};
use grpc_core::{Channel, Server};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::builder()
        .add_service(GreeterServer::new(MyGreeter))
        .add_service(RouteGuideServer::new(RouteGuideService::load()))
        .build();
    let port = server.add_insecure_port("127.0.0.1:0")?;
    server.start().await?;
    println!("server listening on 127.0.0.1:{port}");

    let channel = Channel::insecure(&format!("localhost:{port}"))?;
    let greeter = GreeterClient::new(channel.clone());
    let reply = greeter
        .say_hello(HelloRequest {
            name: "demo".into(),
        })
        .await?;
    println!("unary SayHello -> {:?}", reply.message);

    let route_guide = RouteGuideClient::new(channel);
    examples::routeguide_tour::run(&route_guide, &mut std::io::stdout()).await?;

    server.stop(Some(Duration::from_secs(1))).await;
    println!("demo finished: all four patterns answered correctly");
    Ok(())
}
