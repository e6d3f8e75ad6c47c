//! Run with: `cargo run -p examples --bin routeguide-blocking-server -- [--addr [::]:50051] [--max-workers N]`
//!
//! Serves `routeguide.RouteGuide` with blocking handlers (plain `fn`s on a worker pool, see
//! `examples/src/routeguide_blocking.rs`) until Ctrl-C or SIGTERM. Prints `PORT <n>` once
//! listening.

use std::time::Duration;

use examples::routeguide_blocking::{BlockingRouteGuideServer, BlockingRouteGuideService};
use grpc_core::Server;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = examples::args::addr("[::]:50051");
    let max_workers = examples::args::value("--max-workers")
        .map(|n| n.parse::<usize>())
        .transpose()?
        .unwrap_or(10);
    let server = Server::builder()
        .max_workers(max_workers)
        .add_service(BlockingRouteGuideServer::new(
            BlockingRouteGuideService::load(),
        ))
        .with_health()
        .with_reflection()
        .build();
    let port = server.add_insecure_port(&addr)?;
    server.start().await?;
    println!("PORT {port}");
    examples::args::wait_for_shutdown_signal().await;
    server.stop(Some(Duration::from_secs(5))).await;
    Ok(())
}
