//! Metadata both ways: ASCII and binary request metadata reach the handler, initial and
//! trailing response metadata reach the client, on unary and streaming calls.

use grpc_core::metadata::{MetadataMap, MetadataValue};
use grpc_core::stream;
use grpc_tests::probe::{EchoRequest, ProbeClient, ProbeServer, ProbeService, Tick};
use grpc_tests::servers::TestServer;

async fn probe() -> (TestServer, ProbeClient) {
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::with(ProbeServer::new(probe)).await;
    let client = ProbeClient::new(server.channel.clone());
    (server, client)
}

#[tokio::test]
async fn unary_metadata_round_trip() {
    let (_server, client) = probe().await;
    let mut metadata = MetadataMap::new();
    metadata.insert("x-echo-ascii", "hello world".parse().unwrap());
    metadata.insert_bin(
        "x-echo-bin",
        MetadataValue::from_bytes(&[0, 159, 146, 150, 255]),
    );
    let (reply, details) = client
        .echo(EchoRequest {
            message: "m".into(),
            ..Default::default()
        })
        .metadata(metadata)
        .with_call()
        .await
        .unwrap();
    assert_eq!(reply.message, "m");
    let initial = details.initial_metadata();
    assert_eq!(initial.get("x-echo-ascii").unwrap(), "hello world");
    assert_eq!(
        initial
            .get_bin("x-echo-bin")
            .unwrap()
            .to_bytes()
            .unwrap()
            .as_ref(),
        &[0, 159, 146, 150, 255]
    );
    let trailing = details.trailing_metadata();
    assert_eq!(trailing.get("x-trailer").unwrap(), "done");
    assert_eq!(
        trailing
            .get_bin("x-trailer-bin")
            .unwrap()
            .to_bytes()
            .unwrap()
            .as_ref(),
        &[0, 1, 2, 255]
    );
    assert!(
        trailing.get("grpc-status").is_none(),
        "reserved keys are not user metadata"
    );
    assert_eq!(details.code(), grpc_core::Code::Ok);
}

#[tokio::test]
async fn metadata_mut_adds_to_the_call() {
    let (_server, client) = probe().await;
    let mut call = client.echo(EchoRequest::default());
    call.metadata_mut()
        .insert("x-echo-one", "1".parse().unwrap());
    let (_, details) = call.with_call().await.unwrap();
    assert_eq!(details.initial_metadata().get("x-echo-one").unwrap(), "1");
}

#[tokio::test]
async fn streaming_metadata_and_trailers() {
    let (_server, client) = probe().await;
    let ticks = (0..5).map(|n| Tick { n });
    let mut replies = client.echo_ticks(stream::iter(ticks)).await.unwrap();
    // A bidirectional call resolves before its response headers: `headers()` waits for them.
    let headers = replies.headers().await.unwrap();
    assert_eq!(headers.get("x-initial").unwrap(), "bidi");
    assert_eq!(replies.initial_metadata().get("x-initial").unwrap(), "bidi");
    let mut got = Vec::new();
    while let Some(tick) = replies.message().await.unwrap() {
        got.push(tick.n);
    }
    assert_eq!(got, [0, 1, 2, 3, 4]);
    let trailers = replies.trailers().await.unwrap().expect("trailers");
    assert_eq!(trailers.get("x-seen").unwrap(), "5");
}

/// The request headers our client sends, in order, as a bare h2 server sees them (the call
/// is answered trailers-only with OK, which a unary call reports as a missing response).
async fn request_headers_of(metadata: MetadataMap) -> Vec<(String, String)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let mut connection = h2::server::handshake(socket).await.unwrap();
        let (request, mut respond) = connection.accept().await.unwrap().unwrap();
        let seen: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        let response = http::Response::builder()
            .header("content-type", "application/grpc")
            .header("grpc-status", "0")
            .body(())
            .unwrap();
        respond.send_response(response, true).unwrap();
        tokio::spawn(async move { while connection.accept().await.is_some() {} });
        seen
    });
    let channel = grpc_core::Channel::insecure(&format!("127.0.0.1:{port}")).unwrap();
    let client = ProbeClient::new(channel);
    let _ = client
        .echo(EchoRequest::default())
        .metadata(metadata)
        .timeout(std::time::Duration::from_secs(5))
        .await;
    server.await.unwrap()
}

#[tokio::test]
async fn call_definition_headers_come_first_and_a_callers_user_agent_replaces_ours() {
    let names = |headers: &[(String, String)]| -> Vec<String> {
        headers.iter().map(|(k, _)| k.clone()).collect()
    };
    let plain = request_headers_of(MetadataMap::new()).await;
    assert_eq!(
        names(&plain),
        [
            "te",
            "content-type",
            "grpc-accept-encoding",
            "user-agent",
            "grpc-timeout"
        ]
    );
    assert!(plain[3].1.starts_with("grpc-rust-grpc-core/"), "{plain:?}");

    let mut metadata = MetadataMap::new();
    metadata.insert("x-first", "1".parse().unwrap());
    metadata.insert("user-agent", "mine/1.0".parse().unwrap());
    let custom = request_headers_of(metadata).await;
    assert_eq!(
        names(&custom),
        [
            "te",
            "content-type",
            "grpc-accept-encoding",
            "user-agent",
            "x-first",
            "grpc-timeout"
        ]
    );
    assert_eq!(custom[3].1, "mine/1.0");
}
