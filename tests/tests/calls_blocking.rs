//! The blocking client: all four patterns from plain threads, per-call options and
//! `with_call`, request iterators, response iterators, a runtime handed in, and the error (not a
//! deadlock) when a blocking call is made inside a tokio runtime.

use std::time::Duration;

use examples::helloworld::{GreeterBlockingClient, HelloRequest};
use examples::routeguide::{Point, Rectangle, RouteGuideBlockingClient, RouteNote};
use grpc_core::client::BlockingRuntime;
use grpc_core::metadata::MetadataMap;
use grpc_core::Code;
use grpc_tests::servers::TestServer;

fn serve() -> (tokio::runtime::Runtime, TestServer) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(TestServer::examples());
    (runtime, server)
}

fn point(latitude: i32, longitude: i32) -> Point {
    Point {
        latitude,
        longitude,
    }
}

#[test]
fn four_patterns_from_a_plain_thread() {
    let (_runtime, server) = serve();
    let client = RouteGuideBlockingClient::new(server.channel.clone());

    let feature = client
        .get_feature(point(409146138, -746188906))
        .call()
        .unwrap();
    assert_eq!(
        feature.name,
        "Berkshire Valley Management Area Trail, Jefferson, NJ, USA"
    );

    let rectangle = Rectangle {
        lo: Some(point(400000000, -750000000)),
        hi: Some(point(420000000, -730000000)),
    };
    let mut features = client.list_features(rectangle).call().unwrap();
    let names: Vec<String> = features.by_ref().map(|f| f.unwrap().name).collect();
    assert!(names.len() > 10, "{names:?}");
    assert!(
        features.trailing_metadata().is_some(),
        "trailers after the end"
    );

    let points = vec![point(409146138, -746188906), point(406337092, -740122226)];
    let summary = client.record_route(points).call().unwrap();
    assert_eq!(summary.point_count, 2);

    let notes: Vec<RouteNote> = (0..3)
        .map(|i| RouteNote {
            location: Some(point(1, 1)),
            message: format!("note {i}"),
        })
        .collect();
    let replies: Vec<String> = client
        .route_chat(notes)
        .call()
        .unwrap()
        .map(|note| note.unwrap().message)
        .collect();
    // Each note is answered with the earlier notes at the same place.
    assert_eq!(replies, ["note 0", "note 0", "note 1"]);
}

#[test]
fn options_and_with_call() {
    let (_runtime, server) = serve();
    let client = GreeterBlockingClient::new(server.channel.clone());
    let mut metadata = MetadataMap::new();
    metadata.insert("x-request-id", "7".parse().unwrap());
    let (reply, details) = client
        .say_hello(HelloRequest {
            name: "blocking".into(),
        })
        .timeout(Duration::from_secs(5))
        .metadata(metadata)
        .wait_for_ready(true)
        .with_call()
        .unwrap();
    assert_eq!(reply.message, "Hello blocking");
    assert_eq!(details.code(), Code::Ok);
}

#[test]
fn a_request_iterator_that_blocks_does_not_hold_up_the_call() {
    let (_runtime, server) = serve();
    let client = RouteGuideBlockingClient::new(server.channel.clone());
    // Each point takes 50 ms to produce, as a slow reader would.
    let slow = (0..4).map(|i| {
        std::thread::sleep(Duration::from_millis(50));
        point(409146138 + i, -746188906)
    });
    let summary = client.record_route(slow).call().unwrap();
    assert_eq!(summary.point_count, 4);
}

#[test]
fn a_runtime_handed_in_runs_the_calls() {
    let (_runtime, server) = serve();
    let mine = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let client = GreeterBlockingClient::with_runtime(
        server.channel.clone(),
        BlockingRuntime::from_handle(mine.handle().clone()),
    );
    let reply = client
        .say_hello(HelloRequest {
            name: "mine".into(),
        })
        .call()
        .unwrap();
    assert_eq!(reply.message, "Hello mine");
}

#[test]
fn failures_are_statuses() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let channel = grpc_core::Channel::insecure(&format!("127.0.0.1:{port}")).unwrap();
    let status = GreeterBlockingClient::new(channel)
        .say_hello(HelloRequest::default())
        .timeout(Duration::from_secs(5))
        .call()
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status}");
}

#[tokio::test]
async fn a_blocking_call_inside_a_runtime_is_an_error_not_a_deadlock() {
    let server = TestServer::examples().await;
    let client = GreeterBlockingClient::new(server.channel.clone());
    let status = client
        .say_hello(HelloRequest::default())
        .call()
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(
        status.message().contains("inside a tokio runtime"),
        "{status}"
    );
}
