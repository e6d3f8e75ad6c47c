//! Run with: `cargo run -p examples --bin grpc-call -- -I DIR --proto FILE [--addr ADDR] METHOD JSON...`
//!
//! Loads `.proto` files at run time (no generated code) and calls any method with JSON
//! requests, printing each response as one line of JSON. Send several JSON arguments to a
//! client-streaming or bidirectional method. Example, with `routeguide-server` running:
//!
//! ```text
//! grpc-call -I tests/python/protos --proto route_guide.proto \
//!     routeguide.RouteGuide/GetFeature '{"latitude": 409146138, "longitude": -746188906}'
//! ```

use std::process::ExitCode;
use std::time::Duration;

use grpc_proto_import::dynamic::{self, DynamicClient};

const USAGE: &str =
    "usage: grpc-call [-I DIR]... --proto FILE... [--addr ADDR] [--timeout SECS] METHOD JSON...";

#[tokio::main]
async fn main() -> ExitCode {
    let mut includes = Vec::new();
    let mut protos = Vec::new();
    let mut addr = "localhost:50051".to_owned();
    let mut timeout = Duration::from_secs(10);
    let mut positional = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |what: &str| args.next().ok_or_else(|| format!("{what} needs a value"));
        let result = match arg.as_str() {
            "-I" => value("-I").map(|v| includes.push(v)),
            "--proto" => value("--proto").map(|v| protos.push(v)),
            "--addr" => value("--addr").map(|v| addr = v),
            "--timeout" => value("--timeout").and_then(|v| {
                v.parse::<f64>()
                    .map(|s| timeout = Duration::from_secs_f64(s))
                    .map_err(|e| format!("--timeout: {e}"))
            }),
            _ => {
                positional.push(arg);
                Ok(())
            }
        };
        if let Err(problem) = result {
            eprintln!("error: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    if includes.is_empty() {
        includes.push(".".to_owned());
    }
    let Some((method, requests)) = positional.split_first() else {
        eprintln!("error: no method given\n{USAGE}");
        return ExitCode::from(2);
    };
    match run(&includes, &protos, &addr, timeout, method, requests).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(
    includes: &[String],
    protos: &[String],
    addr: &str,
    timeout: Duration,
    method: &str,
    requests: &[String],
) -> Result<(), Box<dyn std::error::Error>> {
    let pool = dynamic::load(includes, protos)?;
    let requests = requests
        .iter()
        .map(|json| serde_json::from_str(json))
        .collect::<Result<Vec<serde_json::Value>, _>>()?;
    let client =
        DynamicClient::new(grpc_core::Channel::insecure(addr)?, pool).with_timeout(timeout);
    for response in client.call(method, requests).await? {
        println!("{response}");
    }
    Ok(())
}
