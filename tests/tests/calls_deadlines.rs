//! Deadlines: the client sends `grpc-timeout`, the handler sees it, and an expired call ends
//! with DEADLINE_EXCEEDED on both sides (the handler observes the cancellation).

use std::time::{Duration, Instant};

use grpc_core::Code;
use grpc_tests::probe::{
    EchoRequest, Observations, Observed, ProbeClient, ProbeServer, ProbeService, Sleep,
};
use grpc_tests::servers::TestServer;

async fn probe() -> (TestServer, ProbeClient, Observations) {
    let (probe, observed) = ProbeService::new();
    let server = TestServer::with(ProbeServer::new(probe)).await;
    let client = ProbeClient::new(server.channel.clone());
    (server, client, Observations(observed))
}

#[tokio::test]
async fn handler_sees_the_deadline() {
    let (_server, client, _) = probe().await;
    let reply = client
        .echo(EchoRequest::default())
        .timeout(Duration::from_secs(30))
        .await
        .unwrap();
    assert!(
        reply.deadline_ms > 25_000 && reply.deadline_ms <= 30_000,
        "{}",
        reply.deadline_ms
    );
    let reply = client.echo(EchoRequest::default()).await.unwrap();
    assert_eq!(reply.deadline_ms, 0, "no timeout, no deadline");
}

#[tokio::test]
async fn expired_unary_call_is_deadline_exceeded_on_both_sides() {
    let (_server, client, mut observed) = probe().await;
    let started = Instant::now();
    let status = client
        .sleep(Sleep { millis: 5_000 })
        .timeout(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the call did not outlive its deadline"
    );
    assert_eq!(
        observed.next(Duration::from_secs(4)).await,
        Some(Observed::Cancelled("sleep")),
        "the handler observed the deadline"
    );
}

#[tokio::test]
async fn server_enforces_the_deadline_it_received() {
    // Bypass the client's own timer: send grpc-timeout with a raw HTTP/2 request and let only
    // the server decide. It must answer DEADLINE_EXCEEDED itself.
    let (server, _client, mut observed) = probe().await;
    let (status, _) = grpc_tests::raw::call(
        server.port,
        "/probe.Probe/Sleep",
        &[("grpc-timeout", "100m")],
        &grpc_tests::raw::frame(&prost::Message::encode_to_vec(&Sleep { millis: 5_000 })),
    )
    .await;
    assert_eq!(
        status.as_deref(),
        Some("4"),
        "DEADLINE_EXCEEDED from the server"
    );
    assert_eq!(
        observed.next(Duration::from_secs(4)).await,
        Some(Observed::Cancelled("sleep"))
    );
}

#[tokio::test]
async fn expired_server_stream_is_deadline_exceeded() {
    let (_server, client, mut observed) = probe().await;
    let mut ticks = client
        .ticks(Sleep { millis: 10 })
        .timeout(Duration::from_millis(300))
        .await
        .unwrap();
    let mut received = 0;
    let status = loop {
        match ticks.message().await {
            Ok(Some(_)) => received += 1,
            Ok(None) => panic!("the stream never ends by itself"),
            Err(status) => break status,
        }
    };
    assert!(received > 0);
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert_eq!(
        observed.next(Duration::from_secs(4)).await,
        Some(Observed::Cancelled("ticks"))
    );
}

#[tokio::test]
async fn call_within_its_deadline_succeeds() {
    let (_server, client, mut observed) = probe().await;
    let reply = client
        .sleep(Sleep { millis: 50 })
        .timeout(Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(reply.millis, 50);
    assert_eq!(
        observed.next(Duration::from_secs(4)).await,
        Some(Observed::Finished("sleep"))
    );
}
