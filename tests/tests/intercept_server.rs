//! Server interceptors over real sockets, on all four patterns: the order of a chain, request
//! metadata read and response metadata added, rejection with a status (the handler and the
//! later interceptors never run), message observation, and the outcome seen after a cancel and
//! after a deadline.

use std::time::Duration;

use grpc_core::metadata::MetadataMap;
use grpc_core::stream::{self, StreamExt};
use grpc_core::{Code, Server};
use grpc_tests::intercepting::{Log, ServerRecorder};
use grpc_tests::probe::{EchoRequest, ProbeClient, ProbeServer, ProbeService, Sleep, Tick};
use grpc_tests::servers::TestServer;

/// A probe server with interceptors A then B logging to one log.
async fn server() -> (TestServer, ProbeClient, Log) {
    let log = Log::default();
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::start(
        Server::builder()
            .interceptor(ServerRecorder {
                name: "A",
                log: log.clone(),
            })
            .interceptor(ServerRecorder {
                name: "B",
                log: log.clone(),
            })
            .add_service(ProbeServer::new(probe)),
    )
    .await;
    let client = ProbeClient::new(server.channel.clone());
    (server, client, log)
}

fn metadata(pairs: &[(&str, &str)]) -> MetadataMap {
    let mut metadata = MetadataMap::new();
    for (key, value) in pairs {
        metadata.insert(*key, value.parse().unwrap());
    }
    metadata
}

fn echo(message: &str) -> EchoRequest {
    EchoRequest {
        message: message.into(),
        code: 0,
        details: vec![],
        reply_size: 0,
        response_compression: String::new(),
    }
}

fn ticks(n: u32) -> impl grpc_core::stream::Stream<Item = Tick> + Send + 'static {
    stream::iter((0..n).map(|n| Tick { n }))
}

/// Each request is seen by A, then B; each response by B, then A; ends by B, then A.
fn assert_onion(log: &Log, requests: usize, responses: usize) {
    let events = log.events();
    let seen = |kind: &str| -> Vec<String> {
        events
            .iter()
            .filter(|e| e.split(' ').nth(1) == Some(kind))
            .map(|e| e.split(' ').next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(seen("start"), ["A", "B"], "{events:#?}");
    let reqs = seen("request");
    assert_eq!(reqs.len(), 2 * requests, "{events:#?}");
    assert!(reqs.chunks(2).all(|pair| pair == ["A", "B"]), "{events:#?}");
    let resps = seen("response");
    assert_eq!(resps.len(), 2 * responses, "{events:#?}");
    assert!(
        resps.chunks(2).all(|pair| pair == ["B", "A"]),
        "{events:#?}"
    );
    assert_eq!(seen("end"), ["B", "A"], "{events:#?}");
    assert_eq!(log.ends("A"), [Code::Ok]);
    assert!(
        events[0].ends_with(" insecure"),
        "the interceptor saw the security type: {events:?}"
    );
}

#[tokio::test]
async fn unary_chain_metadata_and_messages() {
    let (_server, client, log) = server().await;
    let (reply, details) = client
        .echo(echo("hi"))
        .metadata(metadata(&[("x-client", "c1")]))
        .with_call()
        .await
        .unwrap();
    assert_eq!(reply.message, "hi");
    for name in ["a", "b"] {
        let key = format!("x-seen-by-{name}");
        assert_eq!(details.initial_metadata().get(key.as_str()).unwrap(), "c1");
    }
    log.wait_end("A").await;
    assert_onion(&log, 1, 1);
    assert!(log.events()[0].starts_with("A start /probe.Probe/Echo insecure"));
}

#[tokio::test]
async fn server_streaming_chain_metadata_and_messages() {
    let (_server, client, log) = server().await;
    let mut responses = client
        .alternate(Sleep { millis: 3 })
        .metadata(metadata(&[("x-client", "c2")]))
        .await
        .unwrap();
    assert_eq!(
        responses.initial_metadata().get("x-seen-by-b").unwrap(),
        "c2"
    );
    let mut n = 0;
    while responses.message().await.unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 3);
    log.wait_end("A").await;
    assert_onion(&log, 1, 3);
}

#[tokio::test]
async fn client_streaming_chain_metadata_and_messages() {
    let (_server, client, log) = server().await;
    let (count, details) = client
        .count(ticks(4))
        .metadata(metadata(&[("x-client", "c3")]))
        .with_call()
        .await
        .unwrap();
    assert_eq!(count.n, 4);
    assert_eq!(details.initial_metadata().get("x-seen-by-a").unwrap(), "c3");
    log.wait_end("A").await;
    assert_onion(&log, 4, 1);
}

#[tokio::test]
async fn bidi_chain_metadata_and_messages() {
    let (_server, client, log) = server().await;
    let mut responses = client
        .echo_ticks(ticks(5))
        .metadata(metadata(&[("x-client", "c4")]))
        .await
        .unwrap();
    assert_eq!(
        responses
            .headers()
            .await
            .unwrap()
            .get("x-seen-by-a")
            .unwrap(),
        "c4"
    );
    let mut n = 0;
    while responses.message().await.unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 5);
    log.wait_end("A").await;
    assert_onion(&log, 5, 5);
}

/// B rejects: the client gets B's status, A's observer sees it as the end, and the handler
/// never ran (no request or response was observed).
async fn assert_rejected_by_b(log: &Log, status: grpc_core::Status) {
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert_eq!(status.message(), "B says no");
    assert_eq!(log.wait_end("A").await, [Code::PermissionDenied]);
    assert_eq!(log.who("start"), ["A", "B"]);
    assert!(log.who("request").is_empty(), "{:?}", log.events());
    assert!(log.who("response").is_empty(), "{:?}", log.events());
}

#[tokio::test]
async fn rejection_short_circuits_every_pattern() {
    let reject = || metadata(&[("x-reject", "B")]);
    {
        let (_server, client, log) = server().await;
        let status = client.echo(echo("x")).metadata(reject()).await.unwrap_err();
        assert_rejected_by_b(&log, status).await;
    }
    {
        let (_server, client, log) = server().await;
        let status = client
            .alternate(Sleep { millis: 2 })
            .metadata(reject())
            .await
            .unwrap_err();
        assert_rejected_by_b(&log, status).await;
    }
    {
        let (_server, client, log) = server().await;
        let status = client.count(ticks(2)).metadata(reject()).await.unwrap_err();
        assert_rejected_by_b(&log, status).await;
    }
    {
        let (_server, client, log) = server().await;
        // A bidirectional call resolves at once; its first read reports the rejection.
        let mut responses = client
            .echo_ticks(ticks(2))
            .metadata(reject())
            .await
            .unwrap();
        let status = responses.message().await.unwrap_err();
        assert_rejected_by_b(&log, status).await;
    }
}

#[tokio::test]
async fn outcome_after_a_cancel_on_every_pattern() {
    // Unary: the client gives up on a slow call.
    {
        let (_server, client, log) = server().await;
        let call = tokio::spawn(async move { client.sleep(Sleep { millis: 10_000 }).await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        call.abort();
        assert_eq!(log.wait_end("A").await, [Code::Cancelled]);
        assert_eq!(log.ends("B"), [Code::Cancelled]);
    }
    // Server streaming: the client drops the stream.
    {
        let (_server, client, log) = server().await;
        let mut responses = client.ticks(Sleep { millis: 5 }).await.unwrap();
        responses.message().await.unwrap().unwrap();
        drop(responses);
        assert_eq!(log.wait_end("A").await, [Code::Cancelled]);
    }
    // Client streaming: a request stream that never ends, then a cancel.
    {
        let (_server, client, log) = server().await;
        let call = tokio::spawn(async move { client.count(stream::pending::<Tick>()).await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        call.abort();
        assert_eq!(log.wait_end("A").await, [Code::Cancelled]);
    }
    // Bidi: the client drops both directions mid-call.
    {
        let (_server, client, log) = server().await;
        let requests = ticks(1).chain(stream::pending());
        let mut responses = client.echo_ticks(requests).await.unwrap();
        responses.message().await.unwrap().unwrap();
        drop(responses);
        assert_eq!(log.wait_end("A").await, [Code::Cancelled]);
    }
}

#[tokio::test]
async fn outcome_after_a_deadline_on_every_pattern() {
    let timeout = Duration::from_millis(300);
    {
        let (_server, client, log) = server().await;
        let status = client
            .sleep(Sleep { millis: 10_000 })
            .timeout(timeout)
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded);
        assert_eq!(log.wait_end("A").await, [Code::DeadlineExceeded]);
    }
    {
        let (_server, client, log) = server().await;
        let mut responses = client
            .ticks(Sleep { millis: 20 })
            .timeout(timeout)
            .await
            .unwrap();
        let status = loop {
            match responses.message().await {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("an endless stream ended"),
                Err(status) => break status,
            }
        };
        assert_eq!(status.code(), Code::DeadlineExceeded);
        assert_eq!(log.wait_end("A").await, [Code::DeadlineExceeded]);
    }
    {
        let (_server, client, log) = server().await;
        let status = client
            .count(stream::pending::<Tick>())
            .timeout(timeout)
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded);
        assert_eq!(log.wait_end("A").await, [Code::DeadlineExceeded]);
    }
    {
        let (_server, client, log) = server().await;
        let mut responses = client
            .echo_ticks(stream::pending::<Tick>())
            .timeout(timeout)
            .await
            .unwrap();
        let status = responses.message().await.unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded);
        assert_eq!(log.wait_end("A").await, [Code::DeadlineExceeded]);
    }
}
