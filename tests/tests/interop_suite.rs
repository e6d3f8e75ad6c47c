//! The gRPC interop suite (`interop-server` / `interop-client`, grpc-go's flags), plaintext and
//! TLS: the Rust client against the Rust server, the Rust client against the grpcio interop
//! server, and the grpcio interop client against the Rust server.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use grpc_tests::certs;
use grpc_tests::python;

/// A server process killed on drop, with the port it announced (`PORT <n>`).
struct Peer {
    child: Child,
    port: u16,
}

impl Peer {
    fn start(mut command: Command) -> Peer {
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .expect("start interop server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read PORT");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("expected PORT <n>, got {line:?}"));
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

#[tokio::test]
async fn server_checks_compression_per_message() {
    use grpc_core::codec::OutgoingMessage;
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
        expect_compressed: Some(BoolValue { value: expect }),
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
