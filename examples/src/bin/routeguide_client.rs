//! Run with: `cargo run -p examples --bin routeguide-client -- [--addr http://localhost:50051]`
//!
//! Exercises all four patterns of `routeguide.RouteGuide`, checking the answers the canonical
//! database implies; exits non-zero if any is wrong.

use examples::routeguide::RouteGuideClient;
use grpc_core::Channel;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = examples::args::addr("http://localhost:50051");
    let client = RouteGuideClient::new(Channel::insecure(&target)?);
    examples::routeguide_tour::run(&client, &mut std::io::stdout()).await?;
    Ok(())
}
