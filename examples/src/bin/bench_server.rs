//! Run with: `cargo run --release -p examples --bin bench-server -- --server grpc-core|tonic
//! --runtime current|multi [--addr 127.0.0.1:0]`
//!
//! The server the benchmarks start: `helloworld.Greeter` and `bench.Streamer`, served either by
//! grpc-core or by plain tonic 0.14 (`examples::bench::tonic_baseline`), on the tokio runtime
//! flavour asked for. Both are built from this one binary, so they share the release profile,
//! the allocator and the runtime set-up. Prints `PORT <n>` once listening and serves until
//! Ctrl-C or SIGTERM.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use examples::bench::{self, Flavour, Implementation, MyStreamer, StreamerServer};
use examples::helloworld::{GreeterServer, MyGreeter};

fn main() -> Result<(), bench::Error> {
    let implementation =
        Implementation::parse(&examples::args::value("--server").unwrap_or("grpc-core".into()))?;
    let flavour = Flavour::from_args()?;
    let addr = examples::args::addr("127.0.0.1:0");
    flavour.runtime()?.block_on(async move {
        match implementation {
            Implementation::GrpcCore => {
                let server = grpc_core::Server::builder()
                    .add_service(GreeterServer::new(MyGreeter))
                    .add_service(StreamerServer::new(MyStreamer))
                    .build();
                let port = server.add_insecure_port(&addr)?;
                server.start().await?;
                say_port(port)?;
                examples::args::wait_for_shutdown_signal().await;
                server.stop(Some(Duration::from_secs(5))).await;
                Ok(())
            }
            Implementation::Tonic => {
                let listener = bind(&addr)?;
                say_port(listener.local_addr()?.port())?;
                bench::tonic_baseline::serve(listener).await
            }
        }
    })
}

fn say_port(port: u16) -> std::io::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "PORT {port}")?;
    stdout.flush()
}

fn bind(addr: &str) -> std::io::Result<std::net::TcpListener> {
    let mut last_error = None;
    for candidate in addr.to_socket_addrs()? {
        match std::net::TcpListener::bind::<SocketAddr>(candidate) {
            Ok(listener) => return Ok(listener),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{addr} resolves to no address"),
        )
    }))
}
