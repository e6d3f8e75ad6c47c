//! The gRPC interop suite (`interop-server` / `interop-client`, grpc-go's flags), plaintext and
//! TLS: the Rust client against the Rust server, the Rust client against the grpcio interop
//! server, and the grpcio interop client against the Rust server; then, case by case, the Rust
//! client against the grpc-go interop server (`tests/go`), the grpc-go client against the Rust
//! server, and the grpc-go client against the grpc-go server (a check of the Go peers).

use std::io::Read;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use grpc_tests::certs;
use grpc_tests::go::{self, GoInterop};
use grpc_tests::interop::client::CASES;
use grpc_tests::python;

/// A server process killed on drop, with the port it announced (`PORT <n>`).
struct Peer {
    child: Child,
    port: u16,
}

impl Peer {
    fn start(mut command: Command) -> Peer {
        let (child, port) = grpc_tests::interop::spawn_announcing_port(&mut command);
        Peer { child, port }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rust_server(tls: bool) -> Peer {
    let mut command = Command::new(env!("CARGO_BIN_EXE_interop-server"));
    command.args([
        "--port",
        "0",
        "--use_tls",
        if tls { "true" } else { "false" },
    ]);
    Peer::start(command)
}

fn python_server(tls: bool) -> Peer {
    // Strict: every request message's compressed flag must match its `expect_compressed`,
    // which checks the client's per-message compression.
    let mut command = python::script(
        "interop/server.py",
        &["--port", "0", "--reject_unexpected_compression", "true"],
    );
    if tls {
        let (cert, key) = (certs::path("server.pem"), certs::path("server.key"));
        command
            .args(["--use_tls", "true", "--tls_cert_file"])
            .arg(cert)
            .arg("--tls_key_file")
            .arg(key);
    }
    Peer::start(command)
}

fn go_server(peers: &GoInterop, tls: bool) -> Peer {
    let mut command = Command::new(&peers.server);
    // Strict, like the grpcio server above: a compressed message whose expect_compressed is
    // false is rejected too.
    command.args(["--port", "0", "--reject_unexpected_compression", "true"]);
    if tls {
        command
            .args(["--use_tls", "true", "--tls_cert_file"])
            .arg(certs::path("server.pem"))
            .arg("--tls_key_file")
            .arg(certs::path("server.key"));
    } else {
        command.args(["--use_tls", "false"]);
    }
    Peer::start(command)
}

fn tls_args(tls: bool) -> Vec<String> {
    if !tls {
        return vec!["--use_tls".into(), "false".into()];
    }
    [
        "--use_tls",
        "true",
        "--use_test_ca",
        "true",
        "--ca_file",
        &certs::path("ca.pem").display().to_string(),
        "--server_host_override",
        "foo.test.google.fr",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn run_client(mut command: Command, port: u16, tls: bool) -> Output {
    command
        .args([
            "--server_host",
            "127.0.0.1",
            "--server_port",
            &port.to_string(),
            "--test_case",
            "all",
        ])
        .args(tls_args(tls));
    command.output().expect("run interop client")
}

/// Every case passed: one `PASS` line per case and `18 passed, 0 failed`.
fn assert_all_passed(what: &str, output: &Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let passed = stdout.lines().filter(|l| l.starts_with("PASS ")).count();
    assert!(
        output.status.success() && passed == 18 && stdout.contains("18 passed, 0 failed"),
        "{what}:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn rust_client() -> Command {
    Command::new(env!("CARGO_BIN_EXE_interop-client"))
}

/// How long one case's client process may take before it is killed and the case failed.
const CASE_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `command` to completion, killing it after `timeout`.
fn output_within(mut command: Command, timeout: Duration) -> Result<Output, String> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the client: {e}"))?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("the client did not finish within {timeout:?}"));
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    Ok(Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

/// Runs one case in its own client process: `Err` with the client's reason on failure.
fn run_case(mut client: Command, port: u16, tls: bool, case: &str) -> Result<(), String> {
    client
        .args([
            "--server_host",
            "127.0.0.1",
            "--server_port",
            &port.to_string(),
            "--test_case",
            case,
        ])
        .args(tls_args(tls));
    let output = output_within(client, CASE_TIMEOUT)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if output.status.success() && stdout.lines().any(|l| l == format!("PASS {case}")) {
        return Ok(());
    }
    let prefix = format!("FAIL {case}: ");
    let reason = match stdout.lines().find_map(|l| l.strip_prefix(&prefix)) {
        Some(reason) => reason.to_owned(),
        None => format!(
            "{} (stdout {:?}, stderr {:?})",
            output.status,
            stdout.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        ),
    };
    Err(reason)
}

/// Runs every case of `CASES`, plaintext and TLS, each with a fresh client process from
/// `client` against a server from `server`; prints one line per case, then fails listing every
/// failed case.
fn run_every_case(what: &str, server: impl Fn(bool) -> Peer, client: impl Fn() -> Command) {
    let mut failures = Vec::new();
    let mut report = String::new();
    for tls in [false, true] {
        let peer = server(tls);
        for case in CASES {
            let outcome = run_case(client(), peer.port, tls, case);
            let line = match &outcome {
                Ok(()) => format!("PASS {what}, tls={tls}: {case}"),
                Err(reason) => format!("FAIL {what}, tls={tls}: {case}: {reason}"),
            };
            eprintln!("{line}");
            report.push_str(&line);
            report.push('\n');
            if outcome.is_err() {
                failures.push(line);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{what}: {} of {} cases failed:\n{}\n\nall cases:\n{report}",
        failures.len(),
        2 * CASES.len(),
        failures.join("\n"),
    );
}

#[test]
fn rust_client_against_rust_server() {
    for tls in [false, true] {
        let server = rust_server(tls);
        assert_all_passed(
            &format!("rust -> rust, tls={tls}"),
            &run_client(rust_client(), server.port, tls),
        );
    }
}

#[test]
fn rust_client_against_grpcio_server() {
    for tls in [false, true] {
        let server = python_server(tls);
        assert_all_passed(
            &format!("rust -> grpcio, tls={tls}"),
            &run_client(rust_client(), server.port, tls),
        );
    }
}

#[test]
fn grpcio_client_against_rust_server() {
    for tls in [false, true] {
        let server = rust_server(tls);
        let client = python::script("interop/client.py", &[]);
        assert_all_passed(
            &format!("grpcio -> rust, tls={tls}"),
            &run_client(client, server.port, tls),
        );
    }
}

#[test]
fn rust_client_against_go_server() {
    let Some(peers) = go::interop() else { return };
    run_every_case("rust -> grpc-go", |tls| go_server(&peers, tls), rust_client);
}

#[test]
fn go_client_against_rust_server() {
    let Some(peers) = go::interop() else { return };
    run_every_case("grpc-go -> rust", rust_server, || {
        Command::new(&peers.client)
    });
}

/// The Go peers against each other: a failure here is in `tests/go`, not in the framework.
#[test]
fn go_client_against_go_server() {
    let Some(peers) = go::interop() else { return };
    run_every_case(
        "grpc-go -> grpc-go",
        |tls| go_server(&peers, tls),
        || Command::new(&peers.client),
    );
}

#[tokio::test]
async fn server_checks_compression_per_message() {
    use grpc_core::protocol::OutgoingMessage;
    use grpc_tests::imported::grpc::testing::{
        BoolValue, Payload, StreamingInputCallRequest, TestServiceClient,
    };
    use grpc_tests::interop::server::{InteropService, TestServiceServer};

    let server =
        grpc_tests::servers::TestServer::with(TestServiceServer::new(InteropService)).await;
    let client = TestServiceClient::new(server.channel.clone());
    let message = |expect: bool| StreamingInputCallRequest {
        payload: Some(Payload {
            body: vec![0; 100],
            ..Default::default()
        }),
        expect_compressed: Some(BoolValue {
            value: expect,
            ..Default::default()
        }),
        ..Default::default()
    };
    // Both messages expect compression, but the second goes uncompressed: rejected.
    let requests = vec![
        OutgoingMessage::new(message(true)),
        OutgoingMessage::uncompressed(message(true)),
    ];
    let status = client
        .streaming_input_call(grpc_core::stream::iter(requests))
        .compression(Some(grpc_core::Compression::Gzip))
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        grpc_core::Code::InvalidArgument,
        "{status:?}"
    );
    // Only the first expects it: accepted.
    let requests = vec![
        OutgoingMessage::new(message(true)),
        OutgoingMessage::uncompressed(message(false)),
    ];
    let reply = client
        .streaming_input_call(grpc_core::stream::iter(requests))
        .compression(Some(grpc_core::Compression::Gzip))
        .await
        .unwrap();
    assert_eq!(reply.aggregated_payload_size, 200);
}
