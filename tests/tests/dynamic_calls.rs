//! Runtime loading: `.proto` files parsed at run time, methods called with JSON messages, all
//! four patterns, against the Rust example server and a grpcio server.

use grpc_core::{Channel, Code};
use grpc_proto_import::dynamic::{self, DynamicClient};
use grpc_tests::protos::protos_dir;
use grpc_tests::python::PythonServer;
use grpc_tests::servers::TestServer;
use serde_json::{json, Value};

fn client(port: u16) -> DynamicClient {
    let pool = dynamic::load(&[protos_dir()], &["route_guide.proto", "helloworld.proto"])
        .expect("load protos");
    DynamicClient::new(
        Channel::insecure(&format!("127.0.0.1:{port}")).unwrap(),
        pool,
    )
    .with_timeout(std::time::Duration::from_secs(10))
}

async fn four_patterns(client: &DynamicClient) {
    let feature = client
        .unary(
            "routeguide.RouteGuide/GetFeature",
            json!({"latitude": 409146138, "longitude": -746188906}),
        )
        .await
        .unwrap();
    assert_eq!(
        feature["name"],
        "Berkshire Valley Management Area Trail, Jefferson, NJ, USA"
    );
    assert_eq!(feature["location"]["longitude"], -746188906);

    let features = client
        .call(
            "routeguide.RouteGuide/ListFeatures",
            vec![json!({"lo": {"latitude": 400000000, "longitude": -750000000}, "hi": {"latitude": 420000000, "longitude": -730000000}})],
        )
        .await
        .unwrap();
    assert_eq!(features.len(), 100);

    let points: Vec<Value> = examples::routeguide::load_features()
        .into_iter()
        .take(10)
        .filter_map(|f| f.location)
        .map(|p| json!({"latitude": p.latitude, "longitude": p.longitude}))
        .collect();
    let summary = client
        .call("routeguide.RouteGuide/RecordRoute", points)
        .await
        .unwrap();
    assert_eq!(summary[0]["pointCount"], 10, "{summary:?}");

    let notes: Vec<Value> = ["a", "b", "c", "d"]
        .iter()
        .enumerate()
        .map(|(i, m)| json!({"location": {"latitude": 0, "longitude": (i % 2) + 1}, "message": m}))
        .collect();
    let replies = client
        .call("routeguide.RouteGuide/RouteChat", notes)
        .await
        .unwrap();
    let messages: Vec<&str> = replies
        .iter()
        .filter_map(|r| r["message"].as_str())
        .collect();
    assert_eq!(messages, ["a", "b"]);

    let hello = client
        .unary("helloworld.Greeter.SayHello", json!({"name": "json"}))
        .await
        .unwrap();
    assert_eq!(hello, json!({"message": "Hello json"}));
}

#[tokio::test]
async fn json_calls_to_the_rust_server() {
    let server = TestServer::examples().await;
    four_patterns(&client(server.port)).await;
}

#[tokio::test]
async fn json_calls_to_a_grpcio_server() {
    let route_guide = PythonServer::start("routeguide_server.py");
    let client = client(route_guide.port);
    let feature = client
        .unary(
            "routeguide.RouteGuide/GetFeature",
            json!({"latitude": 409146138, "longitude": -746188906}),
        )
        .await
        .unwrap();
    assert_eq!(
        feature["name"],
        "Berkshire Valley Management Area Trail, Jefferson, NJ, USA"
    );
    let chat = client
        .call(
            "routeguide.RouteGuide/RouteChat",
            vec![json!({"message": "x"}), json!({"message": "y"})],
        )
        .await
        .unwrap();
    assert_eq!(
        chat.len(),
        1,
        "the second note at the same (default) location gets the first back"
    );
}

#[tokio::test]
async fn bad_json_and_unknown_methods_are_clear_errors() {
    let server = TestServer::examples().await;
    let client = client(server.port);
    let status = client
        .unary(
            "routeguide.RouteGuide/GetFeature",
            json!({"latitude": "north"}),
        )
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let status = client
        .unary("routeguide.RouteGuide/Nope", json!({}))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    let status = client
        .call("routeguide.RouteGuide/GetFeature", vec![])
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
}
