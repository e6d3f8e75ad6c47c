//! Run with: `cargo run -p examples --bin routeguide-client -- [--addr http://localhost:50051]
//! [--blocking]`
//!
//! Exercises all four patterns of `routeguide.RouteGuide`, checking the answers the canonical
//! database implies; exits non-zero if any is wrong. `--blocking` makes the same calls through
//! the blocking client, from a plain `fn main` with no runtime of its own.

use examples::routeguide::{RouteGuideBlockingClient, RouteGuideClient};
use grpc_core::Channel;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = examples::args::addr("http://localhost:50051");
    if examples::args::flag("--blocking") {
        let client = RouteGuideBlockingClient::new(Channel::insecure(&target)?);
        return examples::routeguide_tour::run_blocking(&client, &mut std::io::stdout());
    }
    tokio::runtime::Runtime::new()?.block_on(async {
        let client = RouteGuideClient::new(Channel::insecure(&target)?);
        examples::routeguide_tour::run(&client, &mut std::io::stdout()).await
    })
}
