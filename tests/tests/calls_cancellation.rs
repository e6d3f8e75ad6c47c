//! Dropping a client call cancels it (RST_STREAM) and the server handler observes it.

use std::time::Duration;

use grpc_tests::probe::{Observations, Observed, ProbeClient, ProbeServer, ProbeService, Sleep};
use grpc_tests::servers::TestServer;

#[tokio::test]
async fn dropping_a_unary_call_cancels_the_handler() {
    let (probe, observed) = ProbeService::new();
    let mut observed = Observations(observed);
    let server = TestServer::with(ProbeServer::new(probe)).await;
    let client = ProbeClient::new(server.channel.clone());
    let call = tokio::spawn(async move { client.sleep(Sleep { millis: 10_000 }).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    call.abort();
    assert_eq!(
        observed.next(Duration::from_secs(5)).await,
        Some(Observed::Cancelled("sleep"))
    );
}

#[tokio::test]
async fn dropping_a_response_stream_cancels_the_handler() {
    let (probe, observed) = ProbeService::new();
    let mut observed = Observations(observed);
    let server = TestServer::with(ProbeServer::new(probe)).await;
    let client = ProbeClient::new(server.channel.clone());
    let mut ticks = client.ticks(Sleep { millis: 5 }).await.unwrap();
    for _ in 0..3 {
        ticks.message().await.unwrap().expect("a tick");
    }
    drop(ticks);
    assert_eq!(
        observed.next(Duration::from_secs(5)).await,
        Some(Observed::Cancelled("ticks"))
    );
    // The connection is still good for other calls.
    let reply = client.sleep(Sleep { millis: 1 }).await.unwrap();
    assert_eq!(reply.millis, 1);
}

#[tokio::test]
async fn dropping_a_client_stream_before_any_response_cancels_the_handler() {
    let (probe, observed) = ProbeService::new();
    let mut observed = Observations(observed);
    let server = TestServer::with(ProbeServer::new(probe)).await;
    let client = ProbeClient::new(server.channel.clone());
    // The request stream never ends and the handler never answers: only cancellation ends it.
    let call = tokio::spawn(async move {
        client
            .count(grpc_core::stream::pending::<grpc_tests::probe::Tick>())
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    call.abort();
    assert_eq!(
        observed.next(Duration::from_secs(5)).await,
        Some(Observed::Cancelled("count"))
    );
}

#[tokio::test]
async fn dropping_a_bidi_response_stream_cancels_the_request_side_too() {
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::with(ProbeServer::new(probe)).await;
    let client = ProbeClient::new(server.channel.clone());
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let mut replies = client
        .echo_ticks(grpc_core::stream::ReceiverStream::new(rx))
        .await
        .unwrap();
    tx.send(grpc_tests::probe::Tick { n: 1 }).await.unwrap();
    assert_eq!(replies.message().await.unwrap().unwrap().n, 1);
    drop(replies);
    tokio::time::timeout(Duration::from_secs(5), tx.closed())
        .await
        .expect("the request stream is dropped once the call is cancelled");
}
