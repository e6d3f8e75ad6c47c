//! The low-level client stream (`ClientStream`, grpclib's `Stream`): every step explicit, in
//! any order the method allows, against our server and grpcio's; each misuse a clear
//! FAILED_PRECONDITION; cancel at any point.

use std::time::Duration;

use examples::routeguide::{Feature, Point, RouteNote};
use grpc_core::client::{Address, ClientStream};
use grpc_core::{Channel, Code};
use grpc_tests::python::PythonServer;
use grpc_tests::servers::TestServer;

const ROUTE_CHAT: &str = "/routeguide.RouteGuide/RouteChat";
const GET_FEATURE: &str = "/routeguide.RouteGuide/GetFeature";

fn note(message: &str) -> RouteNote {
    RouteNote {
        location: Some(Point {
            latitude: 7,
            longitude: 7,
        }),
        message: message.to_owned(),
    }
}

/// Two notes at one place; the server (on `port`) answers the second with the first.
async fn chat_step_by_step(channel: &Channel, port: u16) {
    let mut stream = ClientStream::<RouteNote, RouteNote>::new(channel, ROUTE_CHAT)
        .timeout(Duration::from_secs(10));
    assert_eq!(stream.time_remaining(), None, "not started");
    stream.send_request().await.unwrap();
    stream.send_message(note("first"), false).await.unwrap();
    stream.send_message(note("second"), false).await.unwrap();
    stream.recv_initial_metadata().await.unwrap();
    let peer = Address::Tcp(([127, 0, 0, 1], port).into());
    assert_eq!(stream.peer(), Some(&peer));
    let left = stream.time_remaining().unwrap();
    assert!(left > Duration::from_secs(1) && left <= Duration::from_secs(10));
    let reply = stream.recv_message().await.unwrap().expect("a reply");
    assert_eq!(reply.message, "first");
    stream.end().unwrap();
    assert!(stream.recv_message().await.unwrap().is_none());
    stream.recv_trailing_metadata().await.unwrap();
}

#[tokio::test]
async fn a_bidi_call_step_by_step_against_ours() {
    let server = TestServer::examples().await;
    chat_step_by_step(&server.channel, server.port).await;
}

#[tokio::test]
async fn a_bidi_call_step_by_step_against_grpcio() {
    // grpcio sends its headers only with its first reply: writing first must not wait.
    let python = PythonServer::start("routeguide_server.py");
    let channel = Channel::insecure(&format!("127.0.0.1:{}", python.port)).unwrap();
    tokio::time::timeout(
        Duration::from_secs(20),
        chat_step_by_step(&channel, python.port),
    )
    .await
    .expect("the steps deadlocked");
}

#[tokio::test]
async fn a_unary_method_through_the_stream_api() {
    let server = TestServer::examples().await;
    let mut stream = ClientStream::<Point, Feature>::new(&server.channel, GET_FEATURE);
    stream.send_request().await.unwrap();
    let point = Point {
        latitude: 409146138,
        longitude: -746188906,
    };
    stream.send_message(point, true).await.unwrap();
    let feature = stream.recv_message().await.unwrap().expect("the feature");
    assert!(feature.name.starts_with("Berkshire Valley"), "{feature:?}");
    assert!(stream.recv_message().await.unwrap().is_none());
    stream.recv_trailing_metadata().await.unwrap();
    // Reading again after the end stays at the end.
    assert!(stream.recv_message().await.unwrap().is_none());
}

#[tokio::test]
async fn each_misuse_is_a_clear_error() {
    let server = TestServer::examples().await;
    let misuse = |status: grpc_core::Status, says: &str| {
        assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
        assert!(status.message().contains(says), "{status:?}");
    };
    let mut stream = ClientStream::<RouteNote, RouteNote>::new(&server.channel, ROUTE_CHAT);
    misuse(
        stream.send_message(note("x"), false).await.unwrap_err(),
        "before send_request()",
    );
    misuse(stream.end().unwrap_err(), "before send_request()");
    misuse(
        stream.recv_message().await.unwrap_err(),
        "before send_request()",
    );
    misuse(
        stream.recv_initial_metadata().await.unwrap_err(),
        "before send_request()",
    );
    stream.send_request().await.unwrap();
    misuse(stream.send_request().await.unwrap_err(), "already called");
    misuse(
        stream.recv_trailing_metadata().await.unwrap_err(),
        "before the last message was read",
    );
    stream.send_message(note("last"), true).await.unwrap();
    misuse(
        stream.send_message(note("x"), false).await.unwrap_err(),
        "after the request side was ended",
    );
    misuse(
        stream.end().unwrap_err(),
        "after the request side was ended",
    );
    assert!(stream.recv_message().await.unwrap().is_none());
    stream.recv_trailing_metadata().await.unwrap();
}

#[tokio::test]
async fn cancel_ends_every_later_step_with_cancelled() {
    let server = TestServer::examples().await;
    let mut stream = ClientStream::<RouteNote, RouteNote>::new(&server.channel, ROUTE_CHAT);
    stream.send_request().await.unwrap();
    stream.send_message(note("x"), false).await.unwrap();
    stream.cancel();
    assert_eq!(
        stream
            .send_message(note("y"), false)
            .await
            .unwrap_err()
            .code(),
        Code::Cancelled
    );
    assert_eq!(
        stream.recv_message().await.unwrap_err().code(),
        Code::Cancelled
    );
    assert_eq!(stream.end().unwrap_err().code(), Code::Cancelled);
}

#[tokio::test]
async fn a_failed_call_gives_its_status_at_every_step() {
    let server = TestServer::examples().await;
    let mut stream =
        ClientStream::<RouteNote, RouteNote>::new(&server.channel, "/routeguide.RouteGuide/Nope");
    stream.send_request().await.unwrap();
    let status = stream.recv_initial_metadata().await.unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    assert_eq!(
        stream.recv_message().await.unwrap_err().code(),
        Code::Unimplemented
    );
}
