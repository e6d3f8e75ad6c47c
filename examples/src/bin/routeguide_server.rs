//! Run with: `cargo run -p examples --bin routeguide-server -- [--addr [::]:50051]`
//!
//! Serves `routeguide.RouteGuide` over the canonical feature database until Ctrl-C or SIGTERM.
//! Prints `PORT <n>` once listening.

use std::time::Duration;

use examples::routeguide::{RouteGuideServer, RouteGuideService};
use grpc_core::Server;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = examples::args::addr("[::]:50051");
    let server = Server::builder()
        .add_service(RouteGuideServer::new(RouteGuideService::load()))
        .with_health() // grpc.health.v1: SERVING for "" and every service
        .with_reflection() // grpc.reflection.v1 and v1alpha, from the macros' descriptors
        .build();
    let port = server.add_insecure_port(&addr)?;
    server.start().await?;
    println!("PORT {port}");
    examples::args::wait_for_shutdown_signal().await;
    server.stop(Some(Duration::from_secs(5))).await;
    Ok(())
}
