//! Run with: `cargo run -p grpc-tests --bin interop-server -- --port 10000 [--use_tls true]`
//!
//! The gRPC interop test server (`grpc.testing.TestService`), with grpc-go's flags:
//! `--port`, `--use_tls`, `--tls_cert_file`, `--tls_key_file` (defaulting to the test
//! certificates in `tests/certs`). Prints `PORT <n>` once listening; stops on SIGTERM/Ctrl-C.

use std::process::ExitCode;
use std::time::Duration;

use grpc_core::tls::ServerTls;
use grpc_core::Server;
use grpc_tests::interop::server::{InteropService, TestServiceServer};
use grpc_tests::interop::{cert_path, parse_flags};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("interop-server: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let flags = parse_flags(std::env::args().skip(1));
    let flag = |name: &str, default: &str| {
        flags
            .get(name)
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    };
    let port: u16 = flag("port", "10000").parse()?;
    let server = Server::builder()
        .add_service(TestServiceServer::new(InteropService))
        .max_receive_message_size(16 * 1024 * 1024)
        .build();
    let addr = format!("[::]:{port}");
    let bound = if flag("use_tls", "false") == "true" {
        let tls = ServerTls::from_files(
            flag("tls_cert_file", &cert_path("server.pem")),
            flag("tls_key_file", &cert_path("server.key")),
        )?;
        server.add_secure_port(&addr, tls)?
    } else {
        server.add_insecure_port(&addr)?
    };
    server.start().await?;
    println!("PORT {bound}");
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    server.stop(Some(Duration::from_secs(2))).await;
    Ok(())
}
