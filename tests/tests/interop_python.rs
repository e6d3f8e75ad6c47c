//! Interop with Python grpcio: grpcio clients generated from the canonical protos call the Rust
//! example servers (all four patterns), and the Rust clients call grpcio servers.

use examples::helloworld::{GreeterClient, HelloRequest};
use examples::routeguide::RouteGuideClient;
use grpc_core::descriptor::{render_proto, Describe};
use grpc_core::metadata::MetadataMap;
use grpc_core::Channel;
use grpc_tests::python::{self, PythonServer};
use grpc_tests::servers::TestServer;

#[tokio::test]
async fn grpcio_route_guide_client_calls_rust_server() {
    let server = TestServer::examples().await;
    let addr = format!("127.0.0.1:{}", server.port);
    let output = python::run("routeguide_client.py", &["--addr", &addr]).await;
    python::assert_success("routeguide_client.py against the Rust server", &output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    for pattern in ["GetFeature", "ListFeatures", "RecordRoute", "RouteChat"] {
        assert!(
            stdout.contains(&format!("ok {pattern}")),
            "{pattern} checked:\n{stdout}"
        );
    }
}

#[tokio::test]
async fn grpcio_greeter_client_calls_rust_server() {
    let server = TestServer::examples().await;
    let addr = format!("127.0.0.1:{}", server.port);
    let output = python::run("greeter_client.py", &["--addr", &addr]).await;
    python::assert_success("greeter_client.py against the Rust server", &output);
}

#[tokio::test]
async fn rust_route_guide_client_calls_grpcio_server() {
    let peer = PythonServer::start("routeguide_server.py");
    let channel = Channel::insecure(&format!("localhost:{}", peer.port)).unwrap();
    let mut out = Vec::new();
    examples::routeguide_tour::run(&RouteGuideClient::new(channel), &mut out)
        .await
        .unwrap_or_else(|error| panic!("{error}\n{}", String::from_utf8_lossy(&out)));
}

#[tokio::test]
async fn rust_greeter_client_calls_grpcio_server_with_metadata() {
    let peer = PythonServer::start("greeter_server.py");
    let client =
        GreeterClient::new(Channel::insecure(&format!("http://127.0.0.1:{}", peer.port)).unwrap());
    let mut metadata = MetadataMap::new();
    metadata.insert("x-echo", "from-rust".parse().unwrap());
    let (reply, details) = client
        .say_hello(HelloRequest {
            name: "rust".into(),
        })
        .metadata(metadata)
        .timeout(std::time::Duration::from_secs(10))
        .with_call()
        .await
        .unwrap();
    assert_eq!(reply.message, "Hello rust");
    assert_eq!(
        details.initial_metadata().get("x-echo").unwrap(),
        "from-rust"
    );
    assert_eq!(
        details.trailing_metadata().get("x-trailer").unwrap(),
        "done"
    );
}

#[tokio::test]
async fn protoc_accepts_the_rendered_protos() {
    // grpcio-tools bundles protoc: compile the .proto files rendered from the code-first
    // definitions into Python stubs.
    let dir = std::env::temp_dir().join(format!("grpc-core-protoc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut names = Vec::new();
    let sets = [
        GreeterClient::file_descriptor_set(),
        RouteGuideClient::file_descriptor_set(),
        grpc_tests::wiretest::Everything::file_descriptor_set(),
    ];
    for file in sets.iter().flat_map(|set| &set.file) {
        if file.name().starts_with("google/") {
            continue;
        }
        std::fs::write(dir.join(file.name()), render_proto(file)).unwrap();
        names.push(file.name().to_owned());
    }
    let dir_arg = dir.to_str().unwrap().to_owned();
    let mut command = std::process::Command::new(python::interpreter());
    command
        .args([
            "-m",
            "grpc_tools.protoc",
            "-I",
            &dir_arg,
            "--python_out",
            &dir_arg,
            "--grpc_python_out",
            &dir_arg,
        ])
        .args(&names);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    python::assert_success("protoc on rendered protos", &output);
    assert!(dir.join("route_guide_pb2_grpc.py").exists());
}
