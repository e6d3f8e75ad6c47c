//! Run with: `cargo run -p grpc-tests --bin interop-client -- --server_port 10000 --test_case all`
//!
//! The gRPC interop test client, with grpc-go's flags: `--server_host` (default localhost),
//! `--server_port`, `--test_case` (a case name or `all`), `--use_tls`, `--use_test_ca` (trust
//! `tests/certs/ca.pem`), `--ca_file`, `--server_host_override`. Prints `PASS <case>` or
//! `FAIL <case>: <reason>` per case, then `N passed, M failed`; exits non-zero on a failure.

use std::process::ExitCode;

use grpc_core::tls::ChannelTls;
use grpc_tests::interop::client::{channel, run, CASES};
use grpc_tests::interop::{cert_path, parse_flags};

#[tokio::main]
async fn main() -> ExitCode {
    let flags = parse_flags(std::env::args().skip(1));
    let flag = |name: &str, default: &str| {
        flags
            .get(name)
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    };
    let host = flag("server_host", "localhost");
    let port = flag("server_port", "10000");
    let tls = (flag("use_tls", "false") == "true").then(|| {
        let mut tls = ChannelTls::new();
        if let Some(ca_file) = flags.get("ca_file") {
            tls = tls.ca_certificate(std::fs::read(ca_file).unwrap_or_default());
        } else if flag("use_test_ca", "false") == "true" {
            tls = tls.ca_certificate(std::fs::read(cert_path("ca.pem")).unwrap_or_default());
        }
        if let Some(name) = flags.get("server_host_override") {
            tls = tls.server_name_override(name.clone());
        }
        tls
    });
    let channel = match channel(&format!("{host}:{port}"), tls) {
        Ok(channel) => channel,
        Err(error) => {
            eprintln!("interop-client: {error}");
            return ExitCode::from(2);
        }
    };
    let case = flag("test_case", "all");
    let cases: Vec<&str> = if case == "all" {
        CASES.to_vec()
    } else {
        vec![case.as_str()]
    };
    let (mut passed, mut failed) = (0, 0);
    for case in cases {
        match run(case, &channel).await {
            Ok(()) => {
                passed += 1;
                println!("PASS {case}");
            }
            Err(reason) => {
                failed += 1;
                println!("FAIL {case}: {reason}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
