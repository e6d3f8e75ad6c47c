//! Run with: `cargo run -p examples --bin interceptors`
//!
//! A logging-and-timing interceptor pair at work: a route guide server with
//! [`ServerLogging`] and a client channel with [`ClientLogging`], in one process, running the
//! route guide tour (unary, server streaming, client streaming and bidirectional calls). Each
//! side prints every call's start, messages and end with its status and duration.

use examples::interceptors::{ClientLogging, ServerLogging};
use examples::routeguide::{RouteGuideClient, RouteGuideServer, RouteGuideService};
use grpc_core::{Channel, Server};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::builder()
        .interceptor(ServerLogging)
        .add_service(RouteGuideServer::new(RouteGuideService::load()))
        .build();
    let port = server.add_insecure_port("127.0.0.1:0")?;
    server.start().await?;
    let channel = Channel::builder(&format!("127.0.0.1:{port}"))
        .interceptor(ClientLogging)
        .connect_lazy()?;
    let client = RouteGuideClient::new(channel);
    examples::routeguide_tour::run(&client, &mut std::io::sink()).await?;
    server.stop(Some(std::time::Duration::from_secs(1))).await;
    Ok(())
}
