//! The request side as a sender: a bidirectional call's `.await` does not wait for response
//! headers, so writing can start at once, against a server (grpcio's) that holds its headers
//! until the first request; `done_writing()` half-closes; a sender dropped without it, or a
//! request iterator that panics, cancels the call instead of ending the upload cleanly.

use std::time::Duration;

use examples::routeguide::{Point, RouteGuideBlockingClient, RouteGuideClient, RouteNote};
use grpc_core::client::request_channel;
use grpc_core::{Channel, Code, Status};
use grpc_tests::python::PythonServer;
use grpc_tests::servers::TestServer;

fn note(message: &str) -> RouteNote {
    RouteNote {
        location: Some(Point {
            latitude: 5,
            longitude: 5,
        }),
        message: message.to_owned(),
    }
}

/// Writes two notes after the call resolved, then reads the replies; the server answers the
/// second note with the first.
async fn chat_after_await(client: &RouteGuideClient) -> Result<Vec<String>, Status> {
    let (sender, requests) = request_channel(4);
    let mut replies = client
        .route_chat(requests)
        .timeout(Duration::from_secs(10))
        .await?;
    sender.write(note("one")).await?;
    sender.write(note("two")).await?;
    sender.done_writing();
    let mut got = Vec::new();
    while let Some(reply) = replies.message().await? {
        got.push(reply.message);
    }
    Ok(got)
}

#[tokio::test]
async fn bidi_writes_before_response_headers_against_grpcio() {
    // grpcio sends the response headers only once its handler yields a reply, which it does
    // only after reading a request.
    let python = PythonServer::start("routeguide_server.py");
    let client =
        RouteGuideClient::new(Channel::insecure(&format!("127.0.0.1:{}", python.port)).unwrap());
    let got = tokio::time::timeout(Duration::from_secs(20), chat_after_await(&client))
        .await
        .expect("the call deadlocked waiting for headers")
        .unwrap();
    assert_eq!(got, ["one"]);
}

#[tokio::test]
async fn bidi_writes_before_response_headers_against_ours() {
    let server = TestServer::examples().await;
    let client = RouteGuideClient::new(server.channel.clone());
    assert_eq!(chat_after_await(&client).await.unwrap(), ["one"]);
}

#[tokio::test]
async fn headers_wait_for_the_response_headers() {
    let python = PythonServer::start("routeguide_server.py");
    let client =
        RouteGuideClient::new(Channel::insecure(&format!("127.0.0.1:{}", python.port)).unwrap());
    let (sender, requests) = request_channel(4);
    let mut replies = client.route_chat(requests).await.unwrap();
    assert!(replies.initial_metadata().is_empty(), "not arrived yet");
    // grpcio's handler yields its first reply (and so sends the headers) at the second note
    // at one place.
    sender.write(note("hello")).await.unwrap();
    sender.write(note("again")).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), replies.headers())
        .await
        .expect("headers arrive once the server answers")
        .unwrap();
    sender.done_writing();
    let mut got = Vec::new();
    while let Some(reply) = replies.message().await.unwrap() {
        got.push(reply.message);
    }
    assert_eq!(got, ["hello"]);
}

#[tokio::test]
async fn a_bidi_call_that_cannot_start_fails_on_first_read() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = RouteGuideClient::new(Channel::insecure(&format!("127.0.0.1:{port}")).unwrap());
    let (_sender, requests) = request_channel::<RouteNote>(1);
    let mut replies = client.route_chat(requests).await.expect("resolves at once");
    let status = replies.message().await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status}");
    assert_eq!(
        replies.headers().await.unwrap_err().code(),
        Code::Unavailable
    );
}

#[tokio::test]
async fn a_sender_dropped_without_done_writing_cancels_the_upload() {
    let server = TestServer::examples().await;
    let client = RouteGuideClient::new(server.channel.clone());
    let (sender, requests) = request_channel(4);
    let writer = tokio::spawn(async move {
        sender
            .write(Point {
                latitude: 409146138,
                longitude: -746188906,
            })
            .await
            .unwrap();
        // The writer fails here without done_writing(): `sender` is dropped.
    });
    let status = client
        .record_route(requests)
        .timeout(Duration::from_secs(10))
        .await
        .expect_err("an incomplete upload must not get a summary");
    writer.await.unwrap();
    assert_eq!(status.code(), Code::Cancelled, "{status}");
    assert!(status.message().contains("done_writing"), "{status}");
}

#[test]
fn a_panicking_request_iterator_cancels_the_upload() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(TestServer::examples());
    let client = RouteGuideBlockingClient::new(server.channel.clone());
    let points = (0..3).map(|i| {
        if i == 2 {
            panic!("the source of points broke");
        }
        Point {
            latitude: 409146138,
            longitude: -746188906,
        }
    });
    let status = client.record_route(points).call().unwrap_err();
    assert_eq!(status.code(), Code::Cancelled, "{status}");
    assert!(status.message().contains("panicked"), "{status}");
}
