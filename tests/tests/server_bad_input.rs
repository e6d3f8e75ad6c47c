//! Malformed input ends the call it arrived on with a clear status, never the connection's
//! other calls, and never panics the server. Oversized messages are RESOURCE_EXHAUSTED.

use grpc_core::Server;
use grpc_tests::probe::{EchoRequest, ProbeClient, ProbeServer, ProbeService};
use grpc_tests::raw;
use grpc_tests::servers::TestServer;

const SAY_HELLO: &str = "/helloworld.Greeter/SayHello";

fn hello(name: &str) -> Vec<u8> {
    raw::frame(&prost::Message::encode_to_vec(
        &examples::helloworld::HelloRequest { name: name.into() },
    ))
}

#[tokio::test]
async fn malformed_requests_fail_alone_on_a_shared_connection() {
    let server = TestServer::examples().await;
    let (mut connection, _driver) = raw::connect(server.port).await;

    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("undecodable body", raw::frame(&[0xff, 0xff, 0xff]), "13"),
        ("unknown compression flag", vec![7, 0, 0, 0, 1, 0x0a], "13"),
        (
            "compressed flag without grpc-encoding",
            vec![1, 0, 0, 0, 1, 0x0a],
            "13",
        ),
        (
            "length prefix longer than the body",
            vec![0, 0, 0, 0, 100, 0x0a, 0x01, b'x'],
            "13",
        ),
        ("no request message", Vec::new(), "13"),
    ];
    for (what, body, code) in cases {
        let (status, message) = raw::send(&mut connection, SAY_HELLO, &[], &body).await;
        assert_eq!(status.as_deref(), Some(code), "{what}: {message:?}");
        assert!(
            message.as_deref().is_some_and(|m| !m.is_empty()),
            "{what}: the status explains itself"
        );
        // The same connection still serves well-formed calls.
        let (status, _) = raw::send(&mut connection, SAY_HELLO, &[], &hello("after")).await;
        assert_eq!(status.as_deref(), Some("0"), "after {what}");
    }
}

#[tokio::test]
async fn undecodable_body_says_so() {
    let server = TestServer::examples().await;
    let (status, message) = raw::call(
        server.port,
        SAY_HELLO,
        &[],
        &raw::frame(&[0x0a, 0x05, b'x']),
    )
    .await;
    assert_eq!(status.as_deref(), Some("13"));
    let message = message.unwrap_or_default();
    assert!(
        message.to_lowercase().contains("decode") || message.contains("buffer"),
        "{message}"
    );
}

#[tokio::test]
async fn non_grpc_request_is_rejected() {
    let server = TestServer::examples().await;
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    let (client, connection) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(connection);
    let mut client = client.ready().await.unwrap();
    let request = http::Request::get(format!("http://127.0.0.1{SAY_HELLO}"))
        .body(())
        .unwrap();
    let (response, _) = client.send_request(request, true).unwrap();
    let response = response.await.unwrap();
    assert_eq!(response.status(), http::StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn oversized_request_is_resource_exhausted() {
    let server = TestServer::examples().await;
    // Declares a 5 MiB message: over the 4 MiB default, refused before it is read.
    let (status, message) = raw::call(server.port, SAY_HELLO, &[], &[0, 0, 0x50, 0, 0, 0x0a]).await;
    assert_eq!(status.as_deref(), Some("8"), "{message:?}");

    // The same through the typed client, with a real 5 MiB name.
    let client = examples::helloworld::GreeterClient::new(server.channel.clone());
    let status = client
        .say_hello(examples::helloworld::HelloRequest {
            name: "x".repeat(5 << 20),
        })
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        grpc_core::Code::ResourceExhausted,
        "{status:?}"
    );
}

#[tokio::test]
async fn message_limits_have_knobs_on_both_sides() {
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::start(
        Server::builder()
            .add_service(ProbeServer::new(probe))
            .max_receive_message_size(1024)
            .max_send_message_size(2048),
    )
    .await;
    let client = ProbeClient::new(server.channel.clone());

    let status = client
        .echo(EchoRequest {
            message: "x".repeat(2000),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        grpc_core::Code::ResourceExhausted,
        "server receive limit: {status:?}"
    );

    let status = client
        .echo(EchoRequest {
            reply_size: 4096,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        grpc_core::Code::ResourceExhausted,
        "server send limit: {status:?}"
    );

    let small = grpc_core::Channel::builder(&format!("127.0.0.1:{}", server.port))
        .max_receive_message_size(100)
        .connect_lazy()
        .unwrap();
    let status = ProbeClient::new(small)
        .echo(EchoRequest {
            reply_size: 500,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        grpc_core::Code::ResourceExhausted,
        "client receive limit: {status:?}"
    );

    let reply = client
        .echo(EchoRequest {
            reply_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(reply.padding.len(), 1000, "within limits all is well");
}
