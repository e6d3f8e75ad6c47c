//! Run with: `cargo run -p examples --bin greeter-server -- [--addr [::]:50051]
//! [--tls-cert F --tls-key F [--client-ca F]] [--require-token T]`
//!
//! Serves `helloworld.Greeter` until Ctrl-C or SIGTERM. Prints `PORT <n>` once listening.
//!
//! - `--tls-cert F --tls-key F`: serve TLS with this PEM certificate chain and key.
//! - `--client-ca F`: mutual TLS: require client certificates chaining to the CAs in `F`.
//! - `--require-token T`: answer UNAUTHENTICATED unless a call carries
//!   `authorization: Bearer T` (a server interceptor).

use std::time::Duration;

use examples::args;
use examples::helloworld::{GreeterServer, MyGreeter};
use examples::interceptors::RequireToken;
use grpc_core::tls::{ClientAuth, ServerTls};
use grpc_core::Server;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = args::addr("[::]:50051");
    let mut builder = Server::builder().add_service(GreeterServer::new(MyGreeter));
    if let Some(token) = args::value("--require-token") {
        builder = builder.interceptor(RequireToken::new(&token));
    }
    let server = builder.build();
    let port = match (args::value("--tls-cert"), args::value("--tls-key")) {
        (Some(cert), Some(key)) => {
            let mut tls = ServerTls::from_files(&cert, &key)?;
            if let Some(ca) = args::value("--client-ca") {
                let ca = std::fs::read(&ca).map_err(|e| format!("--client-ca {ca}: {e}"))?;
                tls = tls.client_auth(ca, ClientAuth::Require)?;
            }
            server.add_secure_port(&addr, tls)?
        }
        (None, None) if args::value("--client-ca").is_none() => server.add_insecure_port(&addr)?,
        _ => {
            return Err("--tls-cert and --tls-key go together (and --client-ca needs them)".into())
        }
    };
    server.start().await?;
    println!("PORT {port}");
    args::wait_for_shutdown_signal().await;
    server.stop(Some(Duration::from_secs(5))).await;
    Ok(())
}
