//! Run with: `cargo run -p examples --bin routeguide-imported-server -- [--addr [::]:50051]`
//!
//! The route guide server built from `route_guide.proto` at build time (see `build.rs` and
//! `src/imported.rs`). The code-first `routeguide-client` talks to it unchanged.

use std::time::Duration;

use examples::imported::routeguide::RouteGuideServer;
use examples::imported::ImportedRouteGuide;
use grpc_core::Server;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = examples::args::addr("[::]:50051");
    let server = Server::builder()
        .add_service(RouteGuideServer::new(ImportedRouteGuide::load()))
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
