//! Run with:
//! `cargo run -p examples --bin greeter-client -- [--addr TARGET] [--name NAME] [--count N]
//! [--service-config JSON] [--wait-for-ready] [--timeout-ms T] [--ca F] [--cert F --key F]
//! [--token T] [--server-name-override N] [--blocking]`
//!
//! An `https://` target or `--ca` means TLS (`--ca`: trust the CAs in this PEM file instead of
//! the web PKI); `--cert F --key F` presents a client certificate (mutual TLS);
//! `--server-name-override N` checks the server's certificate against `N`; `--token T` sends
//! `authorization: Bearer T` as access-token call credentials.
//!
//! Calls `helloworld.Greeter/SayHello` `N` times (default once), one after another, on one
//! channel, and prints each reply on its own line. `TARGET` is any channel target
//! (`localhost:50051`, `dns:///host:port`, `ipv4:a:p,b:p`, `unix:/path`, ...). On the first
//! failed call it prints the status and exits with 1. `--blocking` makes the calls through the
//! blocking client, from a plain `fn main` with no runtime of its own.

use std::time::Duration;

use examples::args;
use examples::helloworld::{GreeterBlockingClient, GreeterClient, HelloRequest};
use grpc_core::client::CallCredentials;
use grpc_core::tls::ChannelTls;
use grpc_core::Channel;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = args::addr("http://localhost:50051");
    let name = args::value("--name").unwrap_or_else(|| "world".to_owned());
    let count: usize = match args::value("--count") {
        Some(count) => count.parse().map_err(|e| format!("--count {count}: {e}"))?,
        None => 1,
    };
    let timeout = match args::value("--timeout-ms") {
        Some(ms) => {
            Duration::from_millis(ms.parse().map_err(|e| format!("--timeout-ms {ms}: {e}"))?)
        }
        None => Duration::from_secs(5),
    };
    let wait_for_ready = args::flag("--wait-for-ready");
    let mut channel = Channel::builder(&target);
    if let Some(config) = args::value("--service-config") {
        channel = channel.service_config(&config);
    }
    let read = |flag: &str| -> Result<Option<Vec<u8>>, String> {
        args::value(flag)
            .map(|path| std::fs::read(&path).map_err(|e| format!("{flag} {path}: {e}")))
            .transpose()
    };
    let (ca, cert, key) = (read("--ca")?, read("--cert")?, read("--key")?);
    let name_override = args::value("--server-name-override");
    if ca.is_some() || cert.is_some() || name_override.is_some() || target.starts_with("https://") {
        let mut tls = ChannelTls::new();
        if let Some(ca) = ca {
            tls = tls.ca_certificate(ca);
        }
        match (cert, key) {
            (Some(cert), Some(key)) => tls = tls.identity(cert, key),
            (None, None) => {}
            _ => return Err("--cert and --key go together".into()),
        }
        if let Some(name) = name_override {
            tls = tls.server_name_override(name);
        }
        channel = channel.tls(tls);
    }
    if let Some(token) = args::value("--token") {
        channel = channel.call_credentials(CallCredentials::access_token(&token));
    }
    let request = HelloRequest { name };
    if args::flag("--blocking") {
        let client = GreeterBlockingClient::new(channel.connect_lazy()?);
        for _ in 0..count {
            let call = client
                .say_hello(request.clone())
                .timeout(timeout)
                .wait_for_ready(wait_for_ready);
            report(call.call());
        }
        return Ok(());
    }
    tokio::runtime::Runtime::new()?.block_on(async {
        let client = GreeterClient::new(channel.connect_lazy()?);
        for _ in 0..count {
            let call = client
                .say_hello(request.clone())
                .timeout(timeout)
                .wait_for_ready(wait_for_ready);
            report(call.await);
        }
        Ok(())
    })
}

/// Prints the reply, or the status and exits with 1.
fn report(outcome: Result<examples::helloworld::HelloReply, grpc_core::Status>) {
    match outcome {
        Ok(reply) => println!("{}", reply.message),
        Err(status) => {
            eprintln!("call failed: {status}");
            std::process::exit(1);
        }
    }
}
