//! All four call patterns over real sockets: TCP (several target spellings) and Unix sockets.

use examples::helloworld::{GreeterClient, HelloRequest};
use examples::routeguide::RouteGuideClient;
use grpc_core::{Channel, Server};
use grpc_tests::servers::TestServer;

#[tokio::test]
async fn four_patterns_over_tcp() {
    let server = TestServer::examples().await;
    let client = RouteGuideClient::new(server.channel.clone());
    let mut out = Vec::new();
    examples::routeguide_tour::run(&client, &mut out)
        .await
        .expect("tour");
    let out = String::from_utf8(out).unwrap();
    assert_eq!(
        out.lines().filter(|l| l.starts_with("ok ")).count(),
        5,
        "{out}"
    );
}

#[tokio::test]
async fn target_spellings_reach_the_same_server() {
    let server = TestServer::examples().await;
    for target in [
        format!("127.0.0.1:{}", server.port),
        format!("http://127.0.0.1:{}", server.port),
        format!("localhost:{}", server.port),
        format!("dns:///localhost:{}", server.port),
    ] {
        let client = GreeterClient::new(Channel::insecure(&target).unwrap());
        let reply = client
            .say_hello(HelloRequest {
                name: target.clone(),
            })
            .await
            .unwrap_or_else(|status| panic!("{target}: {status}"));
        assert_eq!(reply.message, format!("Hello {target}"));
    }
}

#[tokio::test]
async fn four_patterns_over_unix_socket() {
    let dir = std::env::temp_dir().join(format!("grpc-core-uds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rg.sock");
    let _ = std::fs::remove_file(&path);
    let server = Server::builder()
        .add_service(examples::routeguide::RouteGuideServer::new(
            examples::routeguide::RouteGuideService::load(),
        ))
        .build();
    let port = server
        .add_insecure_port(&format!("unix:{}", path.display()))
        .unwrap();
    assert_eq!(port, 0);
    server.start().await.unwrap();

    let channel = Channel::insecure(&format!("unix://{}", path.display())).unwrap();
    let client = RouteGuideClient::new(channel);
    examples::routeguide_tour::run(&client, &mut std::io::sink())
        .await
        .expect("tour over UDS");
    server.stop(None).await;
    assert!(!path.exists(), "the socket file is removed on stop");
}

#[tokio::test]
async fn one_channel_multiplexes_many_concurrent_calls() {
    let server = TestServer::examples().await;
    let client = GreeterClient::new(server.channel.clone());
    let calls = (0..200).map(|i| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .say_hello(HelloRequest {
                    name: i.to_string(),
                })
                .await
                .map(|r| r.message)
        })
    });
    for (i, call) in calls.enumerate() {
        assert_eq!(call.await.unwrap().unwrap(), format!("Hello {i}"));
    }
}

#[tokio::test]
async fn server_reports_peer_and_stops_cleanly() {
    use grpc_tests::probe::{EchoRequest, ProbeClient, ProbeServer, ProbeService};
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::with(ProbeServer::new(probe)).await;
    let reply = ProbeClient::new(server.channel.clone())
        .echo(EchoRequest {
            message: "hi".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(reply.peer.starts_with("ipv4:127.0.0.1:"), "{}", reply.peer);

    server
        .server
        .stop(Some(std::time::Duration::from_secs(1)))
        .await;
    tokio::time::timeout(
        std::time::Duration::from_secs(1),
        server.server.wait_for_termination(),
    )
    .await
    .expect("stopped");
    let after = ProbeClient::new(Channel::insecure(&format!("127.0.0.1:{}", server.port)).unwrap())
        .echo(EchoRequest::default())
        .await
        .unwrap_err();
    assert_eq!(after.code(), grpc_core::Code::Unavailable, "{after:?}");
}

#[tokio::test]
async fn code_first_client_calls_the_server_imported_from_proto() {
    // Same wire, two definitions: the server is written against the trait imported from
    // route_guide.proto at build time; the client is the code-first one.
    let server = TestServer::with(examples::imported::routeguide::RouteGuideServer::new(
        examples::imported::ImportedRouteGuide::load(),
    ))
    .await;
    let client = RouteGuideClient::new(server.channel.clone());
    examples::routeguide_tour::run(&client, &mut std::io::sink())
        .await
        .expect("code-first client against the imported server");
}
