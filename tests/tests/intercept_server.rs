//! Server interceptors over real sockets, on all four patterns: the order of a chain, request
//! metadata read and response metadata added, rejection with a status (the handler and the
//! later interceptors never run), message observation, and the outcome seen after a cancel and
//! after a deadline.

use std::time::Duration;

use grpc_core::stream::{self, StreamExt};
use grpc_core::{Code, Server};
use grpc_tests::intercepting::{drain, echo, metadata, ticks, Log, ServerRecorder};
use grpc_tests::probe::{ProbeClient, ProbeServer, ProbeService, Sleep, Tick};
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
    let n = drain(&mut responses).await;
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
    let n = drain(&mut responses).await;
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

/// Calls `path` over raw HTTP/2 with `grpc-timeout: 300m` and no deadline of the client's
/// own (ours would cancel at the same moment, racing the server's timer), sending `message`
/// and ending the request stream only when `end`: the server's deadline runs out first. The
/// `grpc-status` the server answered with.
async fn raw_past_deadline(port: u16, path: &str, message: &[u8], end: bool) -> String {
    let (client, _driver) = grpc_tests::raw::connect(port).await;
    let request = http::Request::post(format!("http://127.0.0.1{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("grpc-timeout", "300m")
        .body(())
        .unwrap();
    let mut ready = client.ready().await.unwrap();
    let (response, mut stream) = ready.send_request(request, false).unwrap();
    let framed = grpc_tests::raw::frame(message);
    stream.send_data(framed.into(), end).unwrap();
    let response = response.await.unwrap();
    let status = |map: &http::HeaderMap| {
        map.get("grpc-status")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    if let Some(code) = status(response.headers()) {
        return code;
    }
    let mut body = response.into_body();
    while let Some(chunk) = body.data().await {
        let _ = body.flow_control().release_capacity(chunk.unwrap().len());
    }
    let trailers = body.trailers().await.unwrap().unwrap_or_default();
    drop(stream);
    status(&trailers).unwrap_or_default()
}

#[tokio::test]
async fn outcome_after_a_deadline_on_every_pattern() {
    use prost::Message as _;
    let sleep = Sleep { millis: 10_000 }.encode_to_vec();
    let slow_ticks = Sleep { millis: 20 }.encode_to_vec();
    let tick = Tick { n: 1 }.encode_to_vec();
    let deadline = (Code::DeadlineExceeded as i32).to_string();
    for (path, message, end) in [
        ("/probe.Probe/Sleep", &sleep, true),
        ("/probe.Probe/Ticks", &slow_ticks, true),
        ("/probe.Probe/Count", &tick, false),
        ("/probe.Probe/EchoTicks", &tick, false),
    ] {
        let (server, _client, log) = server().await;
        let code = raw_past_deadline(server.port, path, message, end).await;
        assert_eq!(code, deadline, "{path}");
        assert_eq!(log.wait_end("A").await, [Code::DeadlineExceeded], "{path}");
        assert_eq!(log.ends("B"), [Code::DeadlineExceeded], "{path}");
    }
}

#[tokio::test]
async fn a_rejection_wins_over_a_bad_request() {
    let log = Log::default();
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::start(
        Server::builder()
            .max_receive_message_size(16)
            .interceptor(ServerRecorder {
                name: "A",
                log: log.clone(),
            })
            .add_service(ProbeServer::new(probe)),
    )
    .await;
    let client = ProbeClient::new(server.channel.clone());
    let big = echo(&"x".repeat(100));
    let status = client
        .echo(big.clone())
        .metadata(metadata(&[("x-reject", "A")]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    // Let through, the oversized request fails as before, and the observer hears it (the
    // rejected call had none: the interceptor that rejects gives no observer).
    let status = client.echo(big).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert_eq!(log.wait_end("A").await, [Code::ResourceExhausted]);
}

/// Panics in `intercept`, or (with `in_observer`) in the observer's response hook.
struct Panics {
    in_observer: bool,
}

struct PanickingObserver;

impl grpc_core::intercept::CallObserver for PanickingObserver {
    fn on_response(&self, _: &mut dyn grpc_core::intercept::DynMessage) {
        panic!("observer panicked on purpose");
    }
}

impl grpc_core::server::Interceptor for Panics {
    fn intercept<'a>(
        &'a self,
        _: &'a grpc_core::ServerContext,
    ) -> grpc_core::intercept::BoxFuture<
        'a,
        Result<Option<Box<dyn grpc_core::intercept::CallObserver>>, grpc_core::Status>,
    > {
        Box::pin(async move {
            if !self.in_observer {
                panic!("interceptor panicked on purpose");
            }
            Ok(Some(
                Box::new(PanickingObserver) as Box<dyn grpc_core::intercept::CallObserver>
            ))
        })
    }
}

#[tokio::test]
async fn a_panicking_interceptor_fails_only_its_call() {
    for in_observer in [false, true] {
        let log = Log::default();
        let (probe, _observed) = ProbeService::new();
        let server = TestServer::start(
            Server::builder()
                .interceptor(ServerRecorder {
                    name: "A",
                    log: log.clone(),
                })
                .interceptor(Panics { in_observer })
                .add_service(ProbeServer::new(probe)),
        )
        .await;
        let client = ProbeClient::new(server.channel.clone());
        // Twice: the server keeps serving after the panic.
        for _ in 0..2 {
            let status = match client.alternate(Sleep { millis: 2 }).await {
                Err(status) => status,
                Ok(mut responses) => responses.message().await.unwrap_err(),
            };
            assert_eq!(status.code(), Code::Unknown, "{status:?}");
            assert!(status.message().contains("panicked"), "{status:?}");
        }
        assert_eq!(log.wait_end("A").await, [Code::Unknown, Code::Unknown]);
    }
}
