//! Rich error details in `grpc-status-details-bin`, every `google/rpc/error_details.proto`
//! type, both ways against grpcio-status (`rpc_status.to_status` on a grpcio server,
//! `rpc_status.from_call` on a grpcio client) and between our own client and server.

use std::time::Duration;

use examples::helloworld::{Greeter, GreeterClient, GreeterServer, HelloReply, HelloRequest};
use grpc_core::error_details::{
    BadRequest, DebugInfo, ErrorDetails, ErrorInfo, Help, LocalizedMessage, PreconditionFailure,
    QuotaFailure, RequestInfo, ResourceInfo, RetryInfo,
};
use grpc_core::{Channel, Code, Status};
use grpc_tests::python::{self, PythonServer};
use grpc_tests::servers::TestServer;

/// The message `tests/python/rich_errors.py` expects and sends.
const MESSAGE: &str = "bad greeting \u{2713}";

/// The details `tests/python/rich_errors.py` expects and sends, in the same order.
fn expected() -> ErrorDetails {
    ErrorDetails::new()
        .with(ErrorInfo::new("NAME_RESERVED", "greeter.example").with_metadata("name", "rich"))
        .with(RetryInfo::after(Duration::from_millis(1500)))
        .with(DebugInfo::new(["frame 1", "frame 2"], "debug detail"))
        .with(QuotaFailure::new([("project:1", "too many")]))
        .with(PreconditionFailure::new([(
            "TOS",
            "user:1",
            "not accepted",
        )]))
        .with(BadRequest::new([("name", "must not be rich")]))
        .with(RequestInfo::new("req-1", "shard 7"))
        .with(ResourceInfo::new("greeting", "rich", "me", "taken"))
        .with(Help::new([("docs", "https://example.com/help")]))
        .with(LocalizedMessage::new("fr-FR", "mauvaise salutation"))
}

/// A greeter that refuses "rich" with every detail type, built with the chained builders.
struct RichGreeter;

impl Greeter for RichGreeter {
    async fn say_hello(&self, request: HelloRequest) -> Result<HelloReply, Status> {
        if request.name != "rich" {
            return Ok(HelloReply {
                message: format!("Hello {}", request.name),
            });
        }
        Err(Status::invalid_argument(MESSAGE)
            .with_error_info(
                ErrorInfo::new("NAME_RESERVED", "greeter.example").with_metadata("name", "rich"),
            )
            .with_retry_info(RetryInfo::after(Duration::from_millis(1500)))
            .with_debug_info(DebugInfo::new(["frame 1", "frame 2"], "debug detail"))
            .with_quota_failure(QuotaFailure::new([("project:1", "too many")]))
            .with_precondition_failure(PreconditionFailure::new([(
                "TOS",
                "user:1",
                "not accepted",
            )]))
            .with_bad_request(BadRequest::new([("name", "must not be rich")]))
            .with_request_info(RequestInfo::new("req-1", "shard 7"))
            .with_resource_info(ResourceInfo::new("greeting", "rich", "me", "taken"))
            .with_help(Help::new([("docs", "https://example.com/help")]))
            .with_localized_message(LocalizedMessage::new("fr-FR", "mauvaise salutation")))
    }
}

fn assert_rich(status: &Status) {
    assert_eq!(status.code(), Code::InvalidArgument, "{status}");
    assert_eq!(status.message(), MESSAGE);
    let rpc = status.rpc_status().expect("a google.rpc.Status");
    assert_eq!(rpc.code, Code::InvalidArgument as i32);
    assert_eq!(rpc.message, MESSAGE);
    let details = status.error_details();
    assert_eq!(details, expected());
    // The typed accessors find each one.
    assert_eq!(details.error_info().unwrap().metadata["name"], "rich");
    assert_eq!(
        details.retry_info().unwrap().delay(),
        Some(Duration::from_millis(1500))
    );
    assert_eq!(details.debug_info().unwrap().stack_entries.len(), 2);
    assert_eq!(
        details.quota_failure().unwrap().violations[0].subject,
        "project:1"
    );
    assert_eq!(
        details.precondition_failure().unwrap().violations[0].r#type,
        "TOS"
    );
    assert_eq!(
        details.bad_request().unwrap().field_violations[0].field,
        "name"
    );
    assert_eq!(details.request_info().unwrap().request_id, "req-1");
    assert_eq!(details.resource_info().unwrap().owner, "me");
    assert_eq!(
        details.help().unwrap().links[0].url,
        "https://example.com/help"
    );
    assert_eq!(details.localized_message().unwrap().locale, "fr-FR");
}

#[tokio::test]
async fn rust_client_reads_what_a_rust_server_attached() {
    let server = TestServer::with(GreeterServer::new(RichGreeter)).await;
    let client = GreeterClient::new(server.channel.clone());
    let status = client
        .say_hello(HelloRequest {
            name: "rich".into(),
        })
        .await
        .unwrap_err();
    assert_rich(&status);
}

#[tokio::test]
async fn grpcio_status_reads_what_a_rust_server_attached() {
    let server = TestServer::with(GreeterServer::new(RichGreeter)).await;
    let addr = format!("127.0.0.1:{}", server.port);
    let output = python::run("rich_errors.py", &["client", "--addr", &addr]).await;
    python::assert_success("rich_errors.py client", &output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("ok same google.rpc.LocalizedMessage"),
        "{stdout}"
    );
}

#[tokio::test]
async fn rust_client_reads_what_grpcio_status_attached() {
    let peer = PythonServer::start("rich_errors.py");
    let channel = Channel::insecure(&format!("127.0.0.1:{}", peer.port)).unwrap();
    let status = GreeterClient::new(channel)
        .say_hello(HelloRequest {
            name: "rich".into(),
        })
        .timeout(Duration::from_secs(10))
        .await
        .unwrap_err();
    assert_rich(&status);
}

#[tokio::test]
async fn grpcurl_prints_the_details_through_reflection() {
    let server = TestServer::start(
        grpc_core::Server::builder()
            .add_service(GreeterServer::new(RichGreeter))
            .with_reflection(),
    )
    .await;
    let grpcurl = python::workspace_root().join(".venv/bin/grpcurl");
    let addr = format!("127.0.0.1:{}", server.port);
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(grpcurl)
            .args(["-plaintext", "-d", r#"{"name": "rich"}"#, &addr])
            .arg("helloworld.Greeter/SayHello")
            .output()
            .expect("run grpcurl")
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{text}");
    for expected in [
        "Code: InvalidArgument",
        "type.googleapis.com/google.rpc.ErrorInfo",
        "NAME_RESERVED",
        "must not be rich",
        "mauvaise salutation",
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
}
