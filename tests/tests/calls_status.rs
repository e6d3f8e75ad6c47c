//! Status codes, messages (any Unicode), binary details and metadata survive the wire; unknown
//! services and methods are UNIMPLEMENTED.

use grpc_core::Code;
use grpc_tests::probe::{EchoRequest, ProbeClient, ProbeServer, ProbeService, Sleep};
use grpc_tests::servers::TestServer;

const ALL_ERROR_CODES: [Code; 16] = [
    Code::Cancelled,
    Code::Unknown,
    Code::InvalidArgument,
    Code::DeadlineExceeded,
    Code::NotFound,
    Code::AlreadyExists,
    Code::PermissionDenied,
    Code::ResourceExhausted,
    Code::FailedPrecondition,
    Code::Aborted,
    Code::OutOfRange,
    Code::Unimplemented,
    Code::Internal,
    Code::Unavailable,
    Code::DataLoss,
    Code::Unauthenticated,
];

#[tokio::test]
async fn every_code_message_and_details_round_trip() {
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::with(ProbeServer::new(probe)).await;
    let client = ProbeClient::new(server.channel.clone());
    let message = "ünïcödé ✓ 100% \t\n \u{1F600} done";
    for code in ALL_ERROR_CODES {
        let status = client
            .echo(EchoRequest {
                message: message.into(),
                code: code as i32,
                details: vec![8, 0, 255, code as u8],
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), code);
        assert_eq!(status.message(), message);
        assert_eq!(status.details(), &[8, 0, 255, code as u8]);
        assert_eq!(status.metadata().get("x-status-md").unwrap(), "present");
        assert_eq!(
            status.metadata().get("x-trailer").unwrap(),
            "done",
            "handler trailers ride along"
        );
    }
}

#[tokio::test]
async fn unknown_method_and_service_are_unimplemented() {
    let server = TestServer::examples().await;
    // A probe client against a server without the probe service: unknown service.
    let status = ProbeClient::new(server.channel.clone())
        .echo(EchoRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    assert!(status.message().contains("probe.Probe"), "{status:?}");

    // A probe server without the method: emulate with a client of another service name that
    // shares the package path prefix by calling a method the greeter lacks.
    let (probe, _observed) = ProbeService::new();
    let probe_server = TestServer::with(ProbeServer::new(probe)).await;
    let greeter = examples::helloworld::GreeterClient::new(probe_server.channel.clone());
    let status = greeter
        .say_hello(examples::helloworld::HelloRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
}

#[tokio::test]
async fn handler_panic_is_unknown_and_server_keeps_serving() {
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::with(ProbeServer::new(probe)).await;
    let client = ProbeClient::new(server.channel.clone());
    for _ in 0..3 {
        let status = client.panic(Sleep { millis: 0 }).await.unwrap_err();
        assert_eq!(status.code(), Code::Unknown);
        assert!(
            status.message().contains("probe panicked on purpose"),
            "{status:?}"
        );
    }
    let reply = client
        .echo(EchoRequest {
            message: "still here".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(reply.message, "still here");
}
