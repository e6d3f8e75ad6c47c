//! Client interceptors over real sockets, on all four patterns: the order of a chain (builder
//! and `with_interceptor`), metadata added (and read back by a server interceptor), changed
//! call details (timeout, method), answering without the server (a status, a cached reply),
//! message observation and transformation, timing, and the outcome seen after a cancel and
//! after a deadline.

use std::sync::Arc;
use std::time::{Duration, Instant};

use grpc_core::client::{CallInfo, Intercept, Interceptor};
use grpc_core::intercept::{BoxFuture, CallObserver, DynMessage};
use grpc_core::stream::{self, StreamExt};
use grpc_core::{Channel, Code, Server, Status};
use grpc_tests::intercepting::{drain, echo, ticks, Log, Recorder, ServerRecorder};
use grpc_tests::probe::{
    EchoReply, EchoRequest, ProbeClient, ProbeServer, ProbeService, Sleep, Tick,
};
use grpc_tests::servers::TestServer;

/// Logs its start, adds `x-client: <name>` (the last one added wins on the wire), observes the
/// call, or (`Action::Reject`) fails it.
#[derive(Clone)]
struct ClientRecorder {
    name: &'static str,
    log: Log,
    action: Action,
}

#[derive(Clone, Copy, PartialEq)]
enum Action {
    Proceed,
    Reject,
}

impl Interceptor for ClientRecorder {
    fn intercept<'a>(&'a self, call: &'a mut CallInfo) -> BoxFuture<'a, Result<Intercept, Status>> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            self.log
                .push(format!("{} start {}", self.name, call.method()));
            call.metadata_mut()
                .insert("x-client", self.name.parse().unwrap());
            match self.action {
                Action::Proceed => Ok(Intercept::observe(Recorder {
                    name: self.name,
                    log: self.log.clone(),
                })),
                Action::Reject => Err(Status::resource_exhausted(format!("{} is full", self.name))),
            }
        })
    }
}

fn reply(message: &str) -> EchoReply {
    EchoReply {
        message: message.into(),
        deadline_ms: 0,
        peer: String::new(),
        padding: vec![],
        request_compression: String::new(),
    }
}

/// A probe server whose interceptor "S" logs what reached it.
async fn server(log: &Log) -> TestServer {
    let (probe, _observed) = ProbeService::new();
    TestServer::start(
        Server::builder()
            .interceptor(ServerRecorder {
                name: "S",
                log: log.clone(),
            })
            .add_service(ProbeServer::new(probe)),
    )
    .await
}

/// Interceptors A and B on the builder, then C wrapped around with `with_interceptor`: C is
/// outermost.
fn channel(server: &TestServer, log: &Log, b: Action) -> Channel {
    let recorder = |name, action| ClientRecorder {
        name,
        log: log.clone(),
        action,
    };
    Channel::builder(&format!("127.0.0.1:{}", server.port))
        .interceptor(recorder("A", Action::Proceed))
        .interceptor(recorder("B", b))
        .connect_lazy()
        .unwrap()
        .with_interceptor(recorder("C", Action::Proceed))
}

/// The client's chain ran C, A, B; each request went C, A, B and each response B, A, C; the
/// server saw the metadata of the innermost (B).
fn assert_chain(log: &Log, requests: usize, responses: usize) {
    let events = log.events();
    let client =
        |kind: &str| -> Vec<String> { log.who(kind).into_iter().filter(|n| n != "S").collect() };
    assert_eq!(client("start"), ["C", "A", "B"], "{events:#?}");
    let reqs = client("request");
    assert_eq!(reqs.len(), 3 * requests, "{events:#?}");
    assert!(reqs.chunks(3).all(|c| c == ["C", "A", "B"]), "{events:#?}");
    let resps = client("response");
    assert_eq!(resps.len(), 3 * responses, "{events:#?}");
    assert!(resps.chunks(3).all(|c| c == ["B", "A", "C"]), "{events:#?}");
    assert_eq!(client("end"), ["B", "A", "C"], "{events:#?}");
    assert_eq!(log.ends("C"), [Code::Ok]);
    // The server interceptor copied `x-client` into `x-seen-by-s`: checked by the callers.
    assert_eq!(log.who("start").iter().filter(|n| *n == "S").count(), 1);
}

#[tokio::test]
async fn unary_chain_metadata_and_messages() {
    let log = Log::default();
    let server = server(&log).await;
    let client = ProbeClient::new(channel(&server, &log, Action::Proceed));
    let (response, details) = client.echo(echo("hi")).with_call().await.unwrap();
    assert_eq!(response.message, "hi");
    // `insert` replaces: the innermost interceptor's value reached the server.
    assert_eq!(details.initial_metadata().get("x-seen-by-s").unwrap(), "B");
    assert_chain(&log, 1, 1);
}

#[tokio::test]
async fn server_streaming_chain_metadata_and_messages() {
    let log = Log::default();
    let server = server(&log).await;
    let client = ProbeClient::new(channel(&server, &log, Action::Proceed));
    let mut responses = client.alternate(Sleep { millis: 4 }).await.unwrap();
    assert_eq!(
        responses.initial_metadata().get("x-seen-by-s").unwrap(),
        "B"
    );
    drain(&mut responses).await;
    assert_chain(&log, 1, 4);
}

#[tokio::test]
async fn client_streaming_chain_metadata_and_messages() {
    let log = Log::default();
    let server = server(&log).await;
    let client = ProbeClient::new(channel(&server, &log, Action::Proceed));
    let (count, details) = client.count(ticks(3)).with_call().await.unwrap();
    assert_eq!(count.n, 3);
    assert_eq!(details.initial_metadata().get("x-seen-by-s").unwrap(), "B");
    assert_chain(&log, 3, 1);
}

#[tokio::test]
async fn bidi_chain_metadata_and_messages() {
    let log = Log::default();
    let server = server(&log).await;
    let client = ProbeClient::new(channel(&server, &log, Action::Proceed));
    let mut responses = client.echo_ticks(ticks(6)).await.unwrap();
    assert_eq!(
        responses
            .headers()
            .await
            .unwrap()
            .get("x-seen-by-s")
            .unwrap(),
        "B"
    );
    let n = drain(&mut responses).await;
    assert_eq!(n, 6);
    assert_chain(&log, 6, 6);
}

/// B failed the call: the later interceptors and the server never saw it, the earlier ones'
/// observers saw the status as its end.
fn assert_rejected(log: &Log, status: Status) {
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert_eq!(status.message(), "B is full");
    assert_eq!(log.who("start"), ["C", "A", "B"], "{:?}", log.events());
    assert_eq!(log.ends("C"), [Code::ResourceExhausted]);
    assert_eq!(log.ends("A"), [Code::ResourceExhausted]);
    assert!(log.who("request").is_empty(), "{:?}", log.events());
}

#[tokio::test]
async fn a_status_answers_every_pattern_without_the_server() {
    let log = Log::default();
    let server = server(&log).await;
    let client = ProbeClient::new(channel(&server, &log, Action::Reject));
    let status = client.echo(echo("x")).await.unwrap_err();
    assert_rejected(&log, status);

    let log = Log::default();
    let client = ProbeClient::new(channel(&server, &log, Action::Reject));
    let status = client.ticks(Sleep { millis: 1 }).await.unwrap_err();
    assert_rejected(&log, status);

    let log = Log::default();
    let client = ProbeClient::new(channel(&server, &log, Action::Reject));
    let status = client.count(ticks(2)).await.unwrap_err();
    assert_rejected(&log, status);

    let log = Log::default();
    let client = ProbeClient::new(channel(&server, &log, Action::Reject));
    // A bidirectional call resolves at once; its first read reports the rejection.
    let mut responses = client.echo_ticks(ticks(2)).await.unwrap();
    let status = responses.message().await.unwrap_err();
    assert_rejected(&log, status);
}

/// An interceptor that replies from a "cache" for Echo.
struct Cache;

impl Interceptor for Cache {
    fn intercept<'a>(&'a self, call: &'a mut CallInfo) -> BoxFuture<'a, Result<Intercept, Status>> {
        Box::pin(async move {
            if call.method() == "/probe.Probe/Echo" {
                return Ok(Intercept::reply(reply("from the cache")));
            }
            if call.method() == "/probe.Probe/Count" {
                // The wrong type: the call fails, it does not panic.
                return Ok(Intercept::reply(reply("not a tick")));
            }
            if call.method() == "/probe.Probe/EchoTicks" {
                return Ok(Intercept::Reply(vec![
                    Box::new(Tick { n: 7 }),
                    Box::new(Tick { n: 8 }),
                ]));
            }
            Ok(Intercept::proceed())
        })
    }
}

#[tokio::test]
async fn a_cached_reply_answers_without_the_server() {
    let log = Log::default();
    let server = server(&log).await;
    let observed = Log::default();
    let channel = Channel::builder(&format!("127.0.0.1:{}", server.port))
        .interceptor(ClientRecorder {
            name: "O",
            log: observed.clone(),
            action: Action::Proceed,
        })
        .interceptor(Cache)
        .connect_lazy()
        .unwrap();
    let client = ProbeClient::new(channel.clone());
    let response = client.echo(echo("x")).await.unwrap();
    assert_eq!(response.message, "from the cache");
    // The outer interceptor saw the reply as the response, and OK.
    assert_eq!(observed.who("response"), ["O"]);
    assert_eq!(observed.ends("O"), [Code::Ok]);

    let mut responses = client.echo_ticks(ticks(1)).await.unwrap();
    let got: Vec<u32> = (&mut responses).map(|t| t.unwrap().n).collect().await;
    assert_eq!(got, [7, 8]);

    let status = client.count(ticks(1)).await.unwrap_err();
    assert_eq!(status.code(), Code::Internal);
    assert!(status.message().contains("EchoReply"), "{status:?}");

    // Nothing reached the server for those, and other calls go through.
    assert!(log.who("start").is_empty(), "{:?}", log.events());
    client.sleep(Sleep { millis: 1 }).await.unwrap();
    assert_eq!(log.who("start"), ["S"]);
}

/// Upper-cases echo requests and reverses echo replies; times the call.
struct Transform {
    elapsed: Arc<std::sync::Mutex<Option<Duration>>>,
}

struct TransformObserver {
    started: Instant,
    elapsed: Arc<std::sync::Mutex<Option<Duration>>>,
}

impl CallObserver for TransformObserver {
    fn on_request(&self, message: &mut dyn DynMessage) {
        if let Some(request) = message.downcast_mut::<EchoRequest>() {
            request.message = request.message.to_uppercase();
        }
        if let Some(tick) = message.downcast_mut::<Tick>() {
            tick.n += 100;
        }
    }

    fn on_response(&self, message: &mut dyn DynMessage) {
        if let Some(reply) = message.downcast_mut::<EchoReply>() {
            reply.message = reply.message.chars().rev().collect();
        }
        if let Some(tick) = message.downcast_mut::<Tick>() {
            tick.n *= 2;
        }
    }

    fn on_end(&self, _: &Status) {
        *self.elapsed.lock().unwrap() = Some(self.started.elapsed());
    }
}

impl Interceptor for Transform {
    fn intercept<'a>(&'a self, _: &'a mut CallInfo) -> BoxFuture<'a, Result<Intercept, Status>> {
        Box::pin(async move {
            Ok(Intercept::observe(TransformObserver {
                started: Instant::now(),
                elapsed: self.elapsed.clone(),
            }))
        })
    }
}

#[tokio::test]
async fn messages_are_transformed_and_calls_timed() {
    let log = Log::default();
    let server = server(&log).await;
    let elapsed = Arc::new(std::sync::Mutex::new(None));
    let channel = server.channel.with_interceptor(Transform {
        elapsed: elapsed.clone(),
    });
    let client = ProbeClient::new(channel);
    let response = client.echo(echo("abc")).await.unwrap();
    assert_eq!(response.message, "CBA");

    // Bidi: requests n + 100 on the way out, echoed, doubled on the way in.
    let mut responses = client.echo_ticks(ticks(3)).await.unwrap();
    let got: Vec<u32> = (&mut responses).map(|t| t.unwrap().n).collect().await;
    assert_eq!(got, [200, 202, 204]);

    // Timing: the observer's end comes after the server's 150 ms sleep.
    *elapsed.lock().unwrap() = None;
    client.sleep(Sleep { millis: 150 }).await.unwrap();
    let took = elapsed.lock().unwrap().expect("timed");
    assert!(took >= Duration::from_millis(150), "{took:?}");
}

/// Shortens the timeout, turns wait_for_ready off and sets the method path (to the same
/// method: a new path must take the same message types); a malformed path is refused.
struct Shorten;

impl Interceptor for Shorten {
    fn intercept<'a>(&'a self, call: &'a mut CallInfo) -> BoxFuture<'a, Result<Intercept, Status>> {
        Box::pin(async move {
            assert_eq!(call.timeout(), None);
            call.set_timeout(Some(Duration::from_millis(200)));
            call.set_wait_for_ready(false);
            assert!(call.set_method("no slash").is_err());
            call.set_method("/probe.Probe/Sleep")?;
            Ok(Intercept::proceed())
        })
    }
}

#[tokio::test]
async fn an_interceptor_changes_the_call_details() {
    let log = Log::default();
    let server = server(&log).await;
    let client = ProbeClient::new(server.channel.with_interceptor(Shorten));
    let started = Instant::now();
    let status = client.sleep(Sleep { millis: 10_000 }).await.unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A client whose interceptor "O" logs to a fresh log.
fn observed(server: &TestServer) -> (ProbeClient, Log) {
    let log = Log::default();
    let channel = server.channel.with_interceptor(ClientRecorder {
        name: "O",
        log: log.clone(),
        action: Action::Proceed,
    });
    (ProbeClient::new(channel), log)
}

#[tokio::test]
async fn outcome_after_a_cancel_on_every_pattern() {
    let log = Log::default();
    let server = server(&log).await;
    let observed = || observed(&server);
    {
        let (client, log) = observed();
        let call = tokio::spawn(async move { client.sleep(Sleep { millis: 10_000 }).await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        call.abort();
        assert_eq!(log.wait_end("O").await, [Code::Cancelled]);
    }
    {
        let (client, log) = observed();
        let mut responses = client.ticks(Sleep { millis: 5 }).await.unwrap();
        responses.message().await.unwrap().unwrap();
        drop(responses);
        assert_eq!(log.wait_end("O").await, [Code::Cancelled]);
    }
    {
        let (client, log) = observed();
        let call = tokio::spawn(async move { client.count(stream::pending::<Tick>()).await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        call.abort();
        assert_eq!(log.wait_end("O").await, [Code::Cancelled]);
    }
    {
        let (client, log) = observed();
        let mut responses = client
            .echo_ticks(ticks(1).chain(stream::pending()))
            .await
            .unwrap();
        responses.message().await.unwrap().unwrap();
        drop(responses);
        assert_eq!(log.wait_end("O").await, [Code::Cancelled]);
    }
}

#[tokio::test]
async fn outcome_after_a_deadline_on_every_pattern() {
    let log = Log::default();
    let server = server(&log).await;
    let timeout = Duration::from_millis(300);
    let observed = || observed(&server);
    {
        let (client, log) = observed();
        let status = client
            .sleep(Sleep { millis: 10_000 })
            .timeout(timeout)
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded);
        assert_eq!(log.ends("O"), [Code::DeadlineExceeded]);
    }
    {
        let (client, log) = observed();
        let mut responses = client
            .ticks(Sleep { millis: 20 })
            .timeout(timeout)
            .await
            .unwrap();
        let status = loop {
            if let Err(status) = responses.message().await {
                break status;
            }
        };
        assert_eq!(status.code(), Code::DeadlineExceeded);
        assert_eq!(log.ends("O"), [Code::DeadlineExceeded]);
    }
    {
        let (client, log) = observed();
        let status = client
            .count(stream::pending::<Tick>())
            .timeout(timeout)
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded);
        assert_eq!(log.ends("O"), [Code::DeadlineExceeded]);
    }
    {
        let (client, log) = observed();
        let mut responses = client
            .echo_ticks(stream::pending::<Tick>())
            .timeout(timeout)
            .await
            .unwrap();
        let status = responses.message().await.unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded);
        assert_eq!(log.ends("O"), [Code::DeadlineExceeded]);
    }
}

/// Compresses every call's requests with gzip.
struct Gzip;

impl Interceptor for Gzip {
    fn intercept<'a>(&'a self, call: &'a mut CallInfo) -> BoxFuture<'a, Result<Intercept, Status>> {
        Box::pin(async move {
            assert_eq!(call.compression(), None);
            call.set_compression(Some(grpc_core::Compression::Gzip));
            Ok(Intercept::proceed())
        })
    }
}

#[tokio::test]
async fn an_interceptor_chooses_the_request_compression() {
    let log = Log::default();
    let server = server(&log).await;
    let plain = ProbeClient::new(server.channel.clone());
    assert_eq!(plain.echo(echo("x")).await.unwrap().request_compression, "");
    let client = ProbeClient::new(server.channel.with_interceptor(Gzip));
    let reply = client.echo(echo("x")).await.unwrap();
    assert_eq!(reply.request_compression, "gzip");
}
