//! Strict parsing and deadlines from header arrival: every request the protocol does not allow
//! gets the status (or HTTP error) that grpc-go or the spec gives, on its own call, and a
//! deadline ends the call on time whatever the call is waiting for.

use std::time::Duration;

use bytes::Bytes;
use grpc_tests::raw;
use grpc_tests::servers::TestServer;

const SAY_HELLO: &str = "/helloworld.Greeter/SayHello";
const LIST_FEATURES: &str = "/routeguide.RouteGuide/ListFeatures";

fn hello(name: &str) -> Vec<u8> {
    raw::frame(&prost::Message::encode_to_vec(
        &examples::helloworld::HelloRequest { name: name.into() },
    ))
}

/// What one hand-made request got: the HTTP status and the gRPC status.
#[derive(Debug)]
struct Answer {
    http: http::StatusCode,
    grpc: Option<String>,
    message: Option<String>,
}

/// Sends `method path` with exactly `headers` (no defaults) and `body`, ending the stream.
async fn request(
    port: u16,
    method: http::Method,
    path: &str,
    headers: &[(&str, &[u8])],
    body: &[u8],
) -> Answer {
    let (client, _driver) = raw::connect(port).await;
    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!("http://127.0.0.1{path}"));
    for (name, value) in headers {
        builder = builder.header(*name, http::HeaderValue::from_bytes(value).unwrap());
    }
    let mut ready = client.ready().await.unwrap();
    let (response, mut stream) = ready
        .send_request(builder.body(()).unwrap(), false)
        .unwrap();
    stream
        .send_data(Bytes::copy_from_slice(body), true)
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(10), response)
        .await
        .expect("an answer")
        .expect("response");
    let http = response.status();
    let field = |map: &http::HeaderMap, name: &str| {
        map.get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let (mut grpc, mut message) = (
        field(response.headers(), "grpc-status"),
        field(response.headers(), "grpc-message"),
    );
    if grpc.is_none() {
        let mut body = response.into_body();
        while let Some(chunk) = body.data().await {
            let Ok(chunk) = chunk else { break };
            let _ = body.flow_control().release_capacity(chunk.len());
        }
        if let Ok(Some(trailers)) = body.trailers().await {
            grpc = field(&trailers, "grpc-status");
            message = field(&trailers, "grpc-message");
        }
    }
    Answer {
        http,
        grpc,
        message,
    }
}

const GRPC: (&str, &[u8]) = ("content-type", b"application/grpc");
const TE: (&str, &[u8]) = ("te", b"trailers");

async fn post(port: u16, path: &str, extra: &[(&str, &[u8])], body: &[u8]) -> Answer {
    let mut headers = vec![GRPC, TE];
    headers.extend_from_slice(extra);
    request(port, http::Method::POST, path, &headers, body).await
}

#[tokio::test]
async fn malformed_grpc_timeout_is_internal() {
    let server = TestServer::examples().await;
    for bad in [&b"abc"[..], b"123456789S", b"-1S", b"1.5S", b"10", b""] {
        let answer = post(
            server.port,
            SAY_HELLO,
            &[("grpc-timeout", bad)],
            &hello("t"),
        )
        .await;
        assert_eq!(answer.grpc.as_deref(), Some("13"), "{bad:?}: {answer:?}");
        assert!(
            answer
                .message
                .as_deref()
                .is_some_and(|m| m.contains("grpc-timeout")),
            "{answer:?}"
        );
    }
    let answer = post(
        server.port,
        SAY_HELLO,
        &[("grpc-timeout", b"99999999S")],
        &hello("t"),
    )
    .await;
    assert_eq!(answer.grpc.as_deref(), Some("0"), "8 digits are allowed");
}

#[tokio::test]
async fn malformed_metadata_is_internal() {
    let server = TestServer::examples().await;
    let cases: [(&str, &[u8]); 4] = [
        ("x-trace-bin", b"not base64!"),
        ("x-trace-bin", b"A"),
        ("x-name", "caf\u{e9}".as_bytes()),
        ("x-name", b"tab\there"),
    ];
    for (key, value) in cases {
        let answer = post(server.port, SAY_HELLO, &[(key, value)], &hello("m")).await;
        assert_eq!(
            answer.grpc.as_deref(),
            Some("13"),
            "{key}: {value:?}: {answer:?}"
        );
        assert!(
            answer.message.as_deref().is_some_and(|m| m.contains(key)),
            "the status names the key: {answer:?}"
        );
    }
    // Well-formed metadata of both kinds is served.
    let answer = post(
        server.port,
        SAY_HELLO,
        &[
            ("x-trace-bin", b"AAEC"),
            ("x-trace2-bin", b"AAE="),
            ("x-name", b"plain ascii ~"),
        ],
        &hello("m"),
    )
    .await;
    assert_eq!(answer.grpc.as_deref(), Some("0"), "{answer:?}");
}

#[tokio::test]
async fn only_post_is_served() {
    let server = TestServer::examples().await;
    for method in [http::Method::GET, http::Method::PUT, http::Method::DELETE] {
        let answer = request(
            server.port,
            method.clone(),
            SAY_HELLO,
            &[GRPC, TE],
            &hello("x"),
        )
        .await;
        assert_eq!(
            answer.http,
            http::StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
        assert_eq!(answer.grpc.as_deref(), Some("13"), "{method}: {answer:?}");
    }
}

#[tokio::test]
async fn content_type_must_be_grpc_with_a_codec_we_serve() {
    let server = TestServer::examples().await;
    for bad in [
        &b"application/grpcfoo"[..],
        b"application/json",
        b"text/plain",
    ] {
        let answer = request(
            server.port,
            http::Method::POST,
            SAY_HELLO,
            &[("content-type", bad), TE],
            &hello("c"),
        )
        .await;
        assert_eq!(
            answer.http,
            http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{bad:?}"
        );
    }
    // A gRPC codec other than protobuf is refused, not decoded as protobuf.
    for codec in [
        &b"application/grpc+json"[..],
        b"application/grpc+thrift;x=1",
    ] {
        let answer = request(
            server.port,
            http::Method::POST,
            SAY_HELLO,
            &[("content-type", codec), TE],
            &hello("c"),
        )
        .await;
        assert_eq!(answer.http, http::StatusCode::OK);
        assert_eq!(answer.grpc.as_deref(), Some("12"), "{codec:?}: {answer:?}");
    }
    for good in [
        &b"application/grpc+proto"[..],
        b"application/grpc;charset=utf-8",
    ] {
        let answer = request(
            server.port,
            http::Method::POST,
            SAY_HELLO,
            &[("content-type", good), TE],
            &hello("c"),
        )
        .await;
        assert_eq!(answer.grpc.as_deref(), Some("0"), "{good:?}: {answer:?}");
    }
}

#[tokio::test]
async fn more_than_one_message_on_a_single_request_call_is_internal() {
    let server = TestServer::examples().await;
    let rect = raw::frame(&prost::Message::encode_to_vec(
        &examples::routeguide::Rectangle::default(),
    ));
    for count in [2usize, 10_000] {
        let unary: Vec<u8> = hello("twice").repeat(count);
        let answer = post(server.port, SAY_HELLO, &[], &unary).await;
        assert_eq!(
            answer.grpc.as_deref(),
            Some("13"),
            "unary x{count}: {answer:?}"
        );
        let streaming: Vec<u8> = rect.repeat(count);
        let answer = post(server.port, LIST_FEATURES, &[], &streaming).await;
        assert_eq!(
            answer.grpc.as_deref(),
            Some("13"),
            "server streaming x{count}: {answer:?}"
        );
    }
}

/// Opens a unary call with `grpc-timeout` and sends only `partial` of its body, never ending
/// the stream; returns the gRPC status the server answers with and whether the server then
/// reset the stream (the client's sending half).
async fn stalled_call(port: u16, timeout: &str, partial: &[u8]) -> (Option<String>, bool) {
    let (client, _driver) = raw::connect(port).await;
    let request = http::Request::post(format!("http://127.0.0.1{SAY_HELLO}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("grpc-timeout", timeout)
        .body(())
        .unwrap();
    let mut ready = client.ready().await.unwrap();
    let (response, mut stream) = ready.send_request(request, false).unwrap();
    if !partial.is_empty() {
        stream
            .send_data(Bytes::copy_from_slice(partial), false)
            .unwrap();
    }
    let response = tokio::time::timeout(Duration::from_secs(10), response)
        .await
        .expect("the server answers at the deadline, not never")
        .expect("response");
    let status = response
        .headers()
        .get("grpc-status")
        .map(|v| v.to_str().unwrap().to_owned());
    let reset = tokio::time::timeout(
        Duration::from_secs(5),
        std::future::poll_fn(|cx| stream.poll_reset(cx)),
    )
    .await
    .is_ok();
    (status, reset)
}

#[tokio::test]
async fn deadline_runs_while_the_request_body_has_not_arrived() {
    let server = TestServer::examples().await;
    // No body at all, then half a message.
    let whole = hello("half");
    for partial in [&[][..], &whole[..whole.len() / 2]] {
        let started = std::time::Instant::now();
        let (status, reset) = stalled_call(server.port, "300m", partial).await;
        assert_eq!(status.as_deref(), Some("4"), "partial {}", partial.len());
        assert!(reset, "the stream is reset after DEADLINE_EXCEEDED");
        eprintln!("answered after {:?}", started.elapsed());
    }
    // The connection's other calls were not affected.
    let answer = post(server.port, SAY_HELLO, &[], &hello("after")).await;
    assert_eq!(answer.grpc.as_deref(), Some("0"));
}

#[tokio::test]
async fn one_nanosecond_is_already_expired() {
    let server = TestServer::examples().await;
    let answer = post(
        server.port,
        SAY_HELLO,
        &[("grpc-timeout", b"1n")],
        &hello("n"),
    )
    .await;
    assert_eq!(answer.grpc.as_deref(), Some("4"), "{answer:?}");
    let answer = post(
        server.port,
        SAY_HELLO,
        &[("grpc-timeout", b"10S")],
        &hello("n"),
    )
    .await;
    assert_eq!(answer.grpc.as_deref(), Some("0"), "{answer:?}");
}

/// Calls `path` with `grpc-timeout: 300m` from a client whose flow-control window is 0: the
/// response headers come, the DATA cannot. Returns how the response body ended.
async fn call_with_a_closed_window(port: u16, path: &str, body: &[u8]) -> Result<(), h2::Error> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let (client, connection) = h2::client::Builder::new()
        .initial_window_size(0)
        .handshake::<_, Bytes>(tcp)
        .await
        .unwrap();
    tokio::spawn(connection);
    let request = http::Request::post(format!("http://127.0.0.1{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("grpc-timeout", "300m")
        .body(())
        .unwrap();
    let mut ready = client.ready().await.unwrap();
    let (response, mut stream) = ready.send_request(request, false).unwrap();
    stream
        .send_data(Bytes::copy_from_slice(body), true)
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(10), response)
        .await
        .expect("headers")
        .expect("response");
    assert_eq!(response.status(), http::StatusCode::OK);
    let mut body = response.into_body();
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = body.data().await {
            chunk?;
        }
        body.trailers().await.map(drop)
    })
    .await
    .expect("the server ends the call at its deadline even though the reply cannot be sent");
    ended
}

#[tokio::test]
async fn deadline_runs_while_the_reply_waits_for_flow_control() {
    let server = TestServer::examples().await;
    let unary = call_with_a_closed_window(server.port, SAY_HELLO, &hello("stuck")).await;
    let error = unary.expect_err("the reply could not have been read");
    assert_eq!(error.reason(), Some(h2::Reason::CANCEL), "{error:?}");
    let rect = raw::frame(&prost::Message::encode_to_vec(
        &examples::routeguide::Rectangle {
            lo: Some(examples::routeguide::Point {
                latitude: -900_000_000,
                longitude: -1_800_000_000,
            }),
            hi: Some(examples::routeguide::Point {
                latitude: 900_000_000,
                longitude: 1_800_000_000,
            }),
        },
    ));
    let streaming = call_with_a_closed_window(server.port, LIST_FEATURES, &rect).await;
    let error = streaming.expect_err("the stream could not have been read");
    assert_eq!(error.reason(), Some(h2::Reason::CANCEL), "{error:?}");
    let answer = post(server.port, SAY_HELLO, &[], &hello("after")).await;
    assert_eq!(answer.grpc.as_deref(), Some("0"));
}
