//! The exact HTTP/2 frames of each call shape, recorded by a proxy between our client and our
//! server (`doc/PROTOCOL-HTTP2.md`): a request is `HEADERS DATA* ` with END_STREAM on its last
//! DATA frame and never trailers; a response is `HEADERS DATA* HEADERS+END_STREAM`, or one
//! `HEADERS+END_STREAM` (trailers-only) for an immediate error.

use std::time::Duration;

use grpc_core::{Channel, Code};
use grpc_tests::frames::FrameLog;
use grpc_tests::probe::{ProbeClient, ProbeServer, ProbeService, Sleep, Tick};
use grpc_tests::servers::TestServer;

async fn setup() -> (TestServer, FrameLog, ProbeClient) {
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::with(ProbeServer::new(probe)).await;
    let log = FrameLog::start(server.port).await;
    let channel = Channel::insecure(&format!("127.0.0.1:{}", log.port)).unwrap();
    (server, log, ProbeClient::new(channel))
}

/// Waits until the recorded frames of `stream` stop changing.
async fn settled(log: &FrameLog, stream: u32) -> Vec<String> {
    let mut last = Vec::new();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = log.stream(stream);
        if !now.is_empty() && now == last {
            return now;
        }
        last = now;
    }
    last
}

#[tokio::test]
async fn unary() {
    let (_server, log, client) = setup().await;
    client.sleep(Sleep { millis: 1 }).await.unwrap();
    assert_eq!(
        settled(&log, 1).await,
        [
            "C->S HEADERS",
            "C->S DATA+END_STREAM",
            "S->C HEADERS",
            "S->C DATA",
            "S->C HEADERS+END_STREAM",
        ]
    );
}

#[tokio::test]
async fn immediate_error_is_trailers_only() {
    let (_server, log, client) = setup().await;
    let status = client.panic(Sleep { millis: 1 }).await.unwrap_err();
    assert_eq!(status.code(), Code::Unknown);
    assert_eq!(
        settled(&log, 1).await,
        [
            "C->S HEADERS",
            "C->S DATA+END_STREAM",
            "S->C HEADERS+END_STREAM",
        ]
    );
}

#[tokio::test]
async fn server_streaming() {
    let (_server, log, client) = setup().await;
    let mut ticks = client.alternate(Sleep { millis: 3 }).await.unwrap();
    let mut n = 0;
    while ticks.message().await.unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 3);
    let frames = settled(&log, 1).await;
    assert_eq!(
        frames[..3],
        ["C->S HEADERS", "C->S DATA+END_STREAM", "S->C HEADERS"]
    );
    assert_eq!(frames.last().unwrap(), "S->C HEADERS+END_STREAM");
    let middle = &frames[3..frames.len() - 1];
    assert!(
        !middle.is_empty() && middle.iter().all(|f| f == "S->C DATA"),
        "{frames:?}"
    );
}

#[tokio::test]
async fn client_streaming_ends_with_an_empty_data_frame() {
    let (_server, log, client) = setup().await;
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let call = tokio::spawn(async move {
        client
            .count(grpc_core::stream::ReceiverStream::new(rx))
            .await
    });
    for n in 0..3 {
        tx.send(Tick { n }).await.unwrap();
        // One message per DATA frame: let each go out before the next.
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    drop(tx);
    assert_eq!(call.await.unwrap().unwrap().n, 3);
    assert_eq!(
        settled(&log, 1).await,
        [
            "C->S HEADERS",
            "C->S DATA",
            "C->S DATA",
            "C->S DATA",
            "C->S DATA+END_STREAM",
            "S->C HEADERS",
            "S->C DATA",
            "S->C HEADERS+END_STREAM",
        ]
    );
}

#[tokio::test]
async fn client_streaming_with_no_messages() {
    let (_server, log, client) = setup().await;
    let reply = client
        .count(grpc_core::stream::empty::<Tick>())
        .await
        .unwrap();
    assert_eq!(reply.n, 0);
    assert_eq!(
        settled(&log, 1).await,
        [
            "C->S HEADERS",
            "C->S DATA+END_STREAM",
            "S->C HEADERS",
            "S->C DATA",
            "S->C HEADERS+END_STREAM",
        ]
    );
}

#[tokio::test]
async fn bidi() {
    let (_server, log, client) = setup().await;
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tx.send(Tick { n: 1 }).await.unwrap();
    let mut replies = client
        .echo_ticks(grpc_core::stream::ReceiverStream::new(rx))
        .await
        .unwrap();
    assert_eq!(replies.message().await.unwrap().unwrap().n, 1);
    drop(tx);
    while replies.message().await.unwrap().is_some() {}
    assert_eq!(
        settled(&log, 1).await,
        [
            "C->S HEADERS",
            "C->S DATA",
            "S->C HEADERS",
            "S->C DATA",
            "C->S DATA+END_STREAM",
            "S->C HEADERS+END_STREAM",
        ]
    );
}

#[tokio::test]
async fn dropping_a_call_resets_the_stream() {
    let (_server, log, client) = setup().await;
    let call = tokio::spawn(async move { client.sleep(Sleep { millis: 10_000 }).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    call.abort();
    assert_eq!(
        settled(&log, 1).await,
        ["C->S HEADERS", "C->S DATA+END_STREAM", "C->S RST_STREAM"]
    );
}

#[tokio::test]
async fn a_request_that_cannot_be_sent_resets_the_stream_and_reports_why() {
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::with(ProbeServer::new(probe)).await;
    let log = FrameLog::start(server.port).await;
    let channel = Channel::builder(&format!("127.0.0.1:{}", log.port))
        .max_send_message_size(3)
        .connect_lazy()
        .unwrap();
    let client = ProbeClient::new(channel);
    // The second message is over the limit: the stream is reset (h2 may drop the first
    // message's DATA still buffered when the reset goes out) and never half-closed.
    let requests = grpc_core::stream::iter(vec![Tick { n: 1 }, Tick { n: 1_000_000 }]);
    let status = client.count(requests).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status}");
    let frames = settled(&log, 1).await;
    assert_eq!(frames.first().unwrap(), "C->S HEADERS", "{frames:?}");
    assert_eq!(frames.last().unwrap(), "C->S RST_STREAM", "{frames:?}");
    assert!(
        frames[1..frames.len() - 1].iter().all(|f| f == "C->S DATA"),
        "{frames:?}"
    );
    // A unary request over the limit never leaves the client.
    let status = client.sleep(Sleep { millis: 1_000_000 }).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(log.stream(3).is_empty(), "{:?}", log.stream(3));
}
