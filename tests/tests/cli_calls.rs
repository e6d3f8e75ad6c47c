//! `grpc-cli` as users run it (the real process, stdin and stdout): `--help` of every
//! subcommand; `list`, `describe` and `call` (all four patterns) against our own servers
//! through reflection v1 and against a grpcio server whose grpcio-reflection speaks only
//! v1alpha; `.proto` files instead of reflection; metadata, deadlines, TLS and failures with
//! their exit codes; `export` and `import`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use examples::routeguide::{RouteGuideServer, RouteGuideService};
use grpc_core::{Message, Server, ServerContext, Status};
use grpc_tests::python::{self, PythonServer};
use grpc_tests::servers::TestServer;
use grpc_tests::{backends, certs};

/// Runs `grpc-cli args...` with `stdin` on a blocking thread, returning its output.
async fn cli(args: &[&str], stdin: &str) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_grpc-cli-test"))
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start grpc-cli");
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).unwrap();
        drop(input);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[track_caller]
fn assert_ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "grpc-cli failed ({:?}): {}{}",
        output.status.code(),
        stdout(output),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(output)
}

fn lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line:?}: {e}")))
        .collect()
}

const POINT: &str = r#"{"latitude": 409146138, "longitude": -746188906}"#;
const NAME: &str = "Berkshire Valley Management Area Trail, Jefferson, NJ, USA";
const RECT: &str = r#"{"lo": {"latitude": 400000000, "longitude": -750000000}, "hi": {"latitude": 420000000, "longitude": -730000000}}"#;
const ROUTE: &str =
    "{\"latitude\": 409146138, \"longitude\": -746188906}\n\n{\"latitude\": 1, \"longitude\": 2}\n";

/// Three notes at a place no other call of this process uses (servers keep every note).
fn notes() -> String {
    static PLACE: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(1);
    let place = PLACE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        + std::process::id() as i32 % 100_000 * 100;
    ["a", "b", "c"]
        .map(|m| format!("{{\"location\": {{\"latitude\": {place}, \"longitude\": 1}}, \"message\": \"{m}\"}}\n"))
        .concat()
}

/// The route guide's four patterns through `grpc-cli call` at `target`, with `extra` options.
async fn four_patterns(target: &str, extra: &[&str]) {
    let call = |method: &'static str, json: Option<&'static str>, stdin: String| {
        let mut args = vec!["call", target, method];
        args.extend(json);
        args.extend(["--timeout", "30"]);
        args.extend(extra);
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            assert_ok(&cli(&args, &stdin).await)
        }
    };
    let feature = lines(
        &call(
            "routeguide.RouteGuide/GetFeature",
            Some(POINT),
            String::new(),
        )
        .await,
    );
    assert_eq!(feature.len(), 1);
    assert_eq!(feature[0]["name"], NAME);
    assert_eq!(feature[0]["location"]["latitude"], 409146138);

    // The dotted method form works too; every response is one line of JSON.
    let features = lines(
        &call(
            "routeguide.RouteGuide.ListFeatures",
            Some(RECT),
            String::new(),
        )
        .await,
    );
    assert!(features.len() > 10, "{features:?}");
    assert!(features.iter().all(|f| f["location"].is_object()));

    // Requests stream from stdin, one per line (blank lines skipped).
    let summary = lines(&call("routeguide.RouteGuide/RecordRoute", None, ROUTE.to_owned()).await);
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0]["pointCount"], 2);
    assert_eq!(summary[0]["featureCount"], 1);

    // Each note is answered with the earlier notes at the same place.
    let notes = lines(&call("routeguide.RouteGuide/RouteChat", None, notes()).await);
    let messages: Vec<&str> = notes
        .iter()
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages, ["a", "a", "b"]);
}

async fn our_server() -> TestServer {
    TestServer::start(
        Server::builder()
            .add_service(RouteGuideServer::new(RouteGuideService::load()))
            .with_reflection(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn help_for_every_subcommand() {
    let top = assert_ok(&cli(&["--help"], "").await);
    for command in ["list", "describe", "call", "export", "import", "breaking"] {
        assert!(top.contains(&format!("  {command} ")), "{top}");
        let help = assert_ok(&cli(&[command, "--help"], "").await);
        assert!(
            help.contains(&format!("Usage: grpc-cli {command} ")),
            "{command}: {help}"
        );
    }
    let call = assert_ok(&cli(&["call", "--help"], "").await);
    for option in [
        "--plaintext",
        "--ca",
        "-H, --header",
        "--timeout",
        "--proto",
    ] {
        assert!(call.contains(option), "{option}: {call}");
    }
    // A usage error exits 2.
    assert_eq!(cli(&["call"], "").await.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn our_server_through_reflection() {
    let server = our_server().await;
    let target = format!("http://127.0.0.1:{}", server.port);
    let listed = assert_ok(&cli(&["list", "-t", &target], "").await);
    assert_eq!(
        listed.lines().collect::<Vec<_>>(),
        [
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection",
            "routeguide.RouteGuide"
        ]
    );
    let methods = assert_ok(&cli(&["list", "-t", &target, "routeguide.RouteGuide"], "").await);
    assert_eq!(
        methods.lines().collect::<Vec<_>>(),
        [
            "routeguide.RouteGuide.GetFeature",
            "routeguide.RouteGuide.ListFeatures",
            "routeguide.RouteGuide.RecordRoute",
            "routeguide.RouteGuide.RouteChat"
        ]
    );
    let method = assert_ok(
        &cli(
            &["describe", "-t", &target, "routeguide.RouteGuide.RouteChat"],
            "",
        )
        .await,
    );
    assert_eq!(
        method,
        "routeguide.RouteGuide.RouteChat is a method:\nrpc RouteChat(stream .routeguide.RouteNote) returns (stream .routeguide.RouteNote);\n"
    );
    let message = assert_ok(&cli(&["describe", "-t", &target, "routeguide.Point"], "").await);
    assert!(
        message.starts_with("routeguide.Point is a message:\n")
            && message.contains("message Point {\n")
            && message.contains("int32 latitude = 1;"),
        "{message}"
    );
    let field = assert_ok(
        &cli(
            &["describe", "-t", &target, "routeguide.RouteNote.message"],
            "",
        )
        .await,
    );
    assert!(field.contains("string message = 2;"), "{field}");

    four_patterns(&target, &[]).await;
    // Our server speaks v1, so the reflection client stays there.
    let channel = grpc_core::Channel::insecure(&target).unwrap();
    let mut reflection = grpc_proto_import::reflection::ReflectionClient::new(channel);
    let pool = reflection
        .pool_for_symbol("routeguide.Point")
        .await
        .unwrap();
    assert!(pool.get_service_by_name("routeguide.RouteGuide").is_some());
    assert_eq!(
        reflection.version(),
        Some(grpc_proto_import::reflection::Version::V1)
    );
    // A host:port target with --plaintext is the same.
    four_patterns(&format!("127.0.0.1:{}", server.port), &["--plaintext"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn our_server_from_proto_files() {
    let server = TestServer::with(RouteGuideServer::new(RouteGuideService::load())).await;
    let target = format!("http://127.0.0.1:{}", server.port);
    let protos = python::workspace_root().join("tests/python/protos");
    let protos = protos.to_str().unwrap();
    let schema = ["-I", protos, "--proto", "route_guide.proto"];
    four_patterns(&target, &schema).await;

    // list and describe need no server at all.
    let mut args = vec!["list", "routeguide.RouteGuide"];
    args.extend(schema);
    let methods = assert_ok(&cli(&args, "").await);
    assert_eq!(methods.lines().count(), 4, "{methods}");
    let mut args = vec!["describe", "routeguide.Rectangle"];
    args.extend(schema);
    let message = assert_ok(&cli(&args, "").await);
    assert!(message.contains(".routeguide.Point lo = 1;"), "{message}");

    // The JSON request can come from stdin with `-`.
    let mut args = vec![
        "call",
        &target,
        "routeguide.RouteGuide/GetFeature",
        "-",
        "--timeout",
        "30",
    ];
    args.extend(schema);
    let feature = lines(&assert_ok(&cli(&args, POINT).await));
    assert_eq!(feature[0]["name"], NAME);
}

#[tokio::test(flavor = "multi_thread")]
async fn grpcio_server_with_reflection_v1alpha() {
    let server = PythonServer::start("reflection_server.py");
    let target = format!("http://127.0.0.1:{}", server.port);
    let listed = assert_ok(&cli(&["list", "-t", &target], "").await);
    assert_eq!(
        listed.lines().collect::<Vec<_>>(),
        [
            "grpc.reflection.v1alpha.ServerReflection",
            "routeguide.RouteGuide"
        ]
    );
    // grpcio's reflection does not resolve method symbols: grpc-cli asks for the service.
    let method = assert_ok(
        &cli(
            &[
                "describe",
                "-t",
                &target,
                "routeguide.RouteGuide.GetFeature",
            ],
            "",
        )
        .await,
    );
    assert_eq!(
        method,
        "routeguide.RouteGuide.GetFeature is a method:\nrpc GetFeature(.routeguide.Point) returns (.routeguide.Feature);\n"
    );
    four_patterns(&target, &[]).await;
    // export asks for every service's file and its imports.
    let exported = assert_ok(&cli(&["export", "-t", &target], "").await);
    assert!(
        exported.contains("// route_guide.proto\nsyntax = \"proto3\";")
            && exported.contains("service RouteGuide {")
            && exported.contains("// grpc_reflection/v1alpha/reflection.proto\n"),
        "{exported}"
    );
    // The reflection client fell back from v1 to v1alpha.
    let channel = grpc_core::Channel::insecure(&target).unwrap();
    let mut reflection = grpc_proto_import::reflection::ReflectionClient::new(channel);
    reflection.list_services().await.unwrap();
    assert_eq!(
        reflection.version(),
        Some(grpc_proto_import::reflection::Version::V1Alpha)
    );
}

/// Answers with the request metadata it got, or sleeps past any deadline.
#[grpc_core::service(package = "clitest")]
pub trait Probe: Send + Sync + 'static {
    /// The values of metadata key `request.key`.
    async fn headers(&self, ctx: &ServerContext, request: Key) -> Result<Value, Status>;
    /// Answers after 30 s.
    async fn sleep(&self, request: Key) -> Result<Value, Status>;
}

/// A metadata key.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "clitest")]
pub struct Key {
    /// The key.
    pub key: String,
}

/// The values found.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "clitest")]
pub struct Value {
    /// The values.
    pub values: Vec<String>,
}

struct MyProbe;

impl Probe for MyProbe {
    async fn headers(&self, ctx: &ServerContext, request: Key) -> Result<Value, Status> {
        let metadata = ctx.request_metadata();
        let values: Vec<String> = if request.key.ends_with("-bin") {
            metadata
                .get_all_bin(request.key.as_str())
                .map(|v| String::from_utf8_lossy(&v.to_bytes().unwrap_or_default()).into_owned())
                .collect()
        } else {
            metadata
                .get_all(request.key.as_str())
                .map(|v| v.to_str().unwrap_or_default().to_owned())
                .collect()
        };
        ctx.initial_metadata_mut()?
            .insert("x-seen", request.key.parse().unwrap());
        ctx.trailing_metadata_mut()
            .insert("x-count", values.len().to_string().parse().unwrap());
        Ok(Value { values })
    }

    async fn sleep(&self, _request: Key) -> Result<Value, Status> {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok(Value { values: vec![] })
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn metadata_deadlines_and_failures() {
    let server = TestServer::start(
        Server::builder()
            .add_service(ProbeServer::new(MyProbe))
            .with_reflection(),
    )
    .await;
    let target = format!("http://127.0.0.1:{}", server.port);
    let headers = |key: &'static str| {
        let target = target.clone();
        async move {
            let json = format!("{{\"key\": \"{key}\"}}");
            let args = [
                "call",
                &target,
                "clitest.Probe/Headers",
                &json,
                "-H",
                "x-tag: one",
                "-H",
                "X-Tag:two",
                "-H",
                "x-blob-bin: aGVsbG8=",
            ];
            lines(&assert_ok(&cli(&args, "").await))
        }
    };
    assert_eq!(
        headers("x-tag").await[0]["values"],
        serde_json::json!(["one", "two"])
    );
    assert_eq!(
        headers("x-blob-bin").await[0]["values"],
        serde_json::json!(["hello"])
    );

    // --verbose shows the response headers and trailers on stderr.
    let args = [
        "call",
        &target,
        "clitest.Probe/Headers",
        "{\"key\": \"x-tag\"}",
        "-H",
        "x-tag: one",
        "-v",
    ];
    let output = cli(&args, "").await;
    assert_ok(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Response headers:\n  x-seen: x-tag\n")
            && stderr.contains("Response trailers:\n  x-count: 1\n"),
        "{stderr}"
    );

    // A deadline: DEADLINE_EXCEEDED, printed, exit 64 + 4.
    let output = cli(
        &["call", &target, "clitest.Probe/Sleep", "--timeout", "0.3"],
        "",
    )
    .await;
    assert_eq!(output.status.code(), Some(68), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("ERROR: DEADLINE_EXCEEDED (4): "));

    // A method the server does not have (the schema from a file): UNIMPLEMENTED, exit 76.
    let protos = python::workspace_root().join("tests/python/protos");
    let args = [
        "call",
        &target,
        "helloworld.Greeter/SayHello",
        "{\"name\": \"x\"}",
        "-I",
        protos.to_str().unwrap(),
        "--proto",
        "helloworld.proto",
    ];
    let output = cli(&args, "").await;
    assert_eq!(output.status.code(), Some(76), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("UNIMPLEMENTED (12)"));

    // An unknown symbol through reflection: NOT_FOUND from the server, exit 69.
    let output = cli(&["describe", "-t", &target, "clitest.Nothing"], "").await;
    assert_eq!(output.status.code(), Some(69), "{output:?}");

    // No server: UNAVAILABLE, exit 78.
    let closed = format!("http://127.0.0.1:{}", backends::closed_port());
    let output = cli(&["list", "-t", &closed, "--connect-timeout", "2"], "").await;
    assert_eq!(output.status.code(), Some(78), "{output:?}");
    // TLS to a plaintext server: UNAVAILABLE, with a hint.
    let tls_target = format!("127.0.0.1:{}", server.port);
    let output = cli(&["list", "-t", &tls_target], "").await;
    assert_eq!(output.status.code(), Some(78), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("use an http:// target or --plaintext")
    );

    // Input errors exit 1 with the reason, before or instead of any call.
    let bad = [
        (
            vec!["call", &target, "clitest.Probe/Headers", "{\"key\": 1}"],
            "clitest.Key",
        ),
        (
            vec!["call", &target, "clitest.Probe/Headers", "{"],
            "not JSON",
        ),
        (
            vec!["call", &target, "clitest.Probe/Nope"],
            "has no method Nope",
        ),
        (
            vec!["call", &target, "clitest.Probe/Headers", "-H", "no colon"],
            "is not 'key: value'",
        ),
        (
            vec![
                "call",
                &target,
                "clitest.Probe/Headers",
                "-H",
                "x-b-bin: !!",
            ],
            "base64",
        ),
    ];
    for (args, reason) in bad {
        let output = cli(&args, "").await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_stdin_line_cancels_the_stream() {
    let server = our_server().await;
    let target = format!("http://127.0.0.1:{}", server.port);
    let stdin = "{\"location\": {\"latitude\": 1, \"longitude\": 1}, \"message\": \"a\"}\n{\"message\": 5}\n";
    let output = cli(&["call", &target, "routeguide.RouteGuide/RouteChat"], stdin).await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: line 2: "), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_with_ca_and_server_name() {
    let server = Server::builder()
        .add_service(RouteGuideServer::new(RouteGuideService::load()))
        .with_reflection()
        .build();
    let port = server
        .add_secure_port("127.0.0.1:0", certs::server_tls())
        .unwrap();
    server.start().await.unwrap();
    let target = format!("127.0.0.1:{port}");
    let ca = certs::path("ca.pem");
    let tls = [
        "--ca",
        ca.to_str().unwrap(),
        "--servername",
        "foo.test.google.fr",
    ];
    four_patterns(&target, &tls).await;

    // Without the CA the handshake fails: UNAVAILABLE.
    let output = cli(&["list", "-t", &target], "").await;
    assert_eq!(output.status.code(), Some(78), "{output:?}");
    server.stop(Some(Duration::ZERO)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mutual_tls_with_cert_and_key() {
    let server = Server::builder()
        .add_service(RouteGuideServer::new(RouteGuideService::load()))
        .with_reflection()
        .build();
    let port = server
        .add_secure_port(
            "127.0.0.1:0",
            certs::mtls_server(grpc_core::tls::ClientAuth::Require),
        )
        .unwrap();
    server.start().await.unwrap();
    let target = format!("127.0.0.1:{port}");
    let (ca, cert, key) = (
        certs::path("ca.pem"),
        certs::path("client.pem"),
        certs::path("client.key"),
    );
    let tls = [
        "--ca",
        ca.to_str().unwrap(),
        "--servername",
        "foo.test.google.fr",
    ];
    // With the client certificate: served.
    let mut args = vec!["list", "-t", &target];
    args.extend(tls);
    args.extend([
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ]);
    let output = cli(&args, "").await;
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("routeguide.RouteGuide"));
    // Without it, the server refuses the handshake: UNAVAILABLE.
    let mut args = vec!["list", "-t", &target];
    args.extend(tls);
    let output = cli(&args, "").await;
    assert_eq!(output.status.code(), Some(78), "{output:?}");
    // On a plaintext target they are an error that says why.
    let output = cli(
        &[
            "list",
            "-t",
            &format!("http://{target}"),
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
        "",
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("need TLS"));
    server.stop(Some(Duration::ZERO)).await;
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("grpc-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn export_then_import_and_breaking() {
    let server = our_server().await;
    let target = format!("http://127.0.0.1:{}", server.port);
    let dir = temp_dir("export");
    let set = dir.join("server.binpb");
    let out = dir.join("protos");
    let written = assert_ok(
        &cli(
            &[
                "export",
                "-t",
                &target,
                "-o",
                out.to_str().unwrap(),
                "--descriptor-set-out",
                set.to_str().unwrap(),
            ],
            "",
        )
        .await,
    );
    assert!(written.contains("route_guide.proto"), "{written}");
    let text = std::fs::read_to_string(out.join("route_guide.proto")).unwrap();
    assert!(text.contains("service RouteGuide {"), "{text}");
    assert!(out.join("grpc/reflection/v1/reflection.proto").exists());

    // The exported files parse back to the same contract.
    let same = cli(
        &[
            "breaking",
            "--against",
            set.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
        "",
    )
    .await;
    assert_eq!(same.status.code(), Some(0), "{same:?}");

    // To stdout, each file under a `// name` line.
    let printed = assert_ok(&cli(&["export", "-t", &target], "").await);
    assert!(
        printed.contains("// route_guide.proto\nsyntax = \"proto3\";"),
        "{printed}"
    );

    // And back to code-first Rust.
    let rust = dir.join("rust");
    let imported = assert_ok(
        &cli(
            &[
                "import",
                "-I",
                out.to_str().unwrap(),
                "-o",
                rust.to_str().unwrap(),
                "route_guide.proto",
            ],
            "",
        )
        .await,
    );
    assert!(imported.contains("routeguide.rs"), "{imported}");
    let code = std::fs::read_to_string(rust.join("routeguide.rs")).unwrap();
    assert!(code.contains("pub trait RouteGuide"), "{code}");
}

/// `grpc-cli import` refuses a group and names the switch; with `--skip-unsupported` it warns
/// once, naming file and line, and writes the message without the group's field (its bytes
/// stay in `unknown_fields`).
#[tokio::test]
async fn import_skip_unsupported_leaves_a_group_out_with_one_warning() {
    let dir = std::env::temp_dir().join(format!("grpc-cli-skip-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("legacy.proto"),
        "syntax = \"proto2\";\npackage legacy;\nmessage Order {\n  optional uint64 id = 1;\n  \
         optional group Extra = 2 {\n    optional string note = 3;\n  }\n}\n",
    )
    .unwrap();
    let include = dir.to_str().unwrap();
    let rust = dir.join("rust");
    let out = rust.to_str().unwrap();

    let refused = cli(&["import", "-I", include, "-o", out, "legacy.proto"], "").await;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(
        stderr.contains("legacy.proto:5:") && stderr.contains("--skip-unsupported"),
        "{stderr}"
    );

    let skipped = cli(
        &[
            "import",
            "--skip-unsupported",
            "-I",
            include,
            "-o",
            out,
            "legacy.proto",
        ],
        "",
    )
    .await;
    assert_ok(&skipped);
    let stderr = String::from_utf8_lossy(&skipped.stderr);
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].starts_with("warning: legacy.proto:5: ") && warnings[0].ends_with("left out"),
        "{stderr}"
    );
    let code = std::fs::read_to_string(rust.join("legacy.rs")).unwrap();
    assert!(code.contains("pub struct Order"), "{code}");
    assert!(code.contains("pub id:"), "{code}");
    // The field is left out; the group's message type stays, as a nested message.
    assert!(
        !code.contains("tag = 2"),
        "the group's field is left out:\n{code}"
    );
    assert!(code.contains("pub struct Extra"), "{code}");
}

#[tokio::test(flavor = "multi_thread")]
async fn custom_options_survive_export_and_import() {
    let server = TestServer::start(
        Server::builder()
            .add_service(grpc_tests::imported::annotated::ShelvesServer::new(
                grpc_tests::library::Library,
            ))
            .with_reflection(),
    )
    .await;
    let target = format!("http://127.0.0.1:{}", server.port);
    let dir = temp_dir("export-options");
    let set = dir.join("server.binpb");
    let out = dir.join("protos");
    assert_ok(
        &cli(
            &[
                "export",
                "-t",
                &target,
                "-o",
                out.to_str().unwrap(),
                "--descriptor-set-out",
                set.to_str().unwrap(),
            ],
            "",
        )
        .await,
    );
    // The options, read from the extension fields reflection sent, printed back.
    let text = std::fs::read_to_string(out.join("annotated.proto")).unwrap();
    assert!(
        text.contains(r#"option (google.api.http) = { get:"/v1/{name=shelves/*}" };"#),
        "{text}"
    );
    assert!(
        text.contains("(google.api.field_behavior) = REQUIRED"),
        "{text}"
    );
    let annotations = std::fs::read_to_string(out.join("google/api/annotations.proto")).unwrap();
    assert!(
        annotations.contains("extend .google.protobuf.MethodOptions {"),
        "{annotations}"
    );
    // The descriptor set has them as extension fields, as protoc writes them.
    let bytes = std::fs::read(&set).unwrap();
    let pool = prost_reflect::DescriptorPool::decode(bytes.as_slice()).expect("a pool");
    let http = pool.get_extension_by_name("google.api.http").unwrap();
    let method = pool
        .get_service_by_name("annotated.Shelves")
        .unwrap()
        .methods()
        .find(|m| m.name() == "GetShelf")
        .unwrap();
    assert!(method.options().has_extension(&http));

    // And back to code-first Rust, options as attributes.
    let rust = dir.join("rust");
    assert_ok(
        &cli(
            &[
                "import",
                "-I",
                out.to_str().unwrap(),
                "-o",
                rust.to_str().unwrap(),
                "annotated.proto",
            ],
            "",
        )
        .await,
    );
    let code = std::fs::read_to_string(rust.join("annotated.rs")).unwrap();
    assert!(
        code.contains(
            r##"#[grpc(option = r#"(google.api.http) = { get:"/v1/{name=shelves/*}" }"#)]"##
        ),
        "{code}"
    );
}
