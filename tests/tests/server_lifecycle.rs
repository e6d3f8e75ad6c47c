//! Binding and stopping: every address a name resolves to, stale Unix socket files, and
//! grpcio's `stop(grace)` semantics.

use std::time::Duration;

use examples::helloworld::{GreeterClient, GreeterServer, HelloRequest, MyGreeter};
use grpc_core::{Channel, Code, Server};
use grpc_tests::probe::{ProbeClient, ProbeServer, ProbeService, Sleep};

fn hello() -> HelloRequest {
    HelloRequest {
        name: "lifecycle".into(),
    }
}

#[tokio::test]
async fn every_address_a_name_resolves_to_is_served_on_one_port() {
    use std::net::ToSocketAddrs;
    let server = Server::builder()
        .add_service(GreeterServer::new(MyGreeter))
        .build();
    let port = server.add_insecure_port("localhost:0").unwrap();
    server.start().await.unwrap();
    // `localhost` is 127.0.0.1 and ::1 where the resolver says both (here it may say one).
    let resolved: Vec<_> = ("localhost", port).to_socket_addrs().unwrap().collect();
    assert!(!resolved.is_empty());
    for addr in resolved {
        let client = GreeterClient::new(Channel::insecure(&addr.to_string()).unwrap());
        client
            .say_hello(hello())
            .await
            .unwrap_or_else(|e| panic!("{addr}: {e}"));
    }
    server.stop(None).await;
}

#[tokio::test]
async fn the_unspecified_ipv6_address_takes_ipv4_too() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("no IPv6 here; skipping");
        return;
    }
    let server = Server::builder()
        .add_service(GreeterServer::new(MyGreeter))
        .build();
    let port = server.add_insecure_port("[::]:0").unwrap();
    server.start().await.unwrap();
    for target in [format!("127.0.0.1:{port}"), format!("[::1]:{port}")] {
        let client = GreeterClient::new(Channel::insecure(&target).unwrap());
        client.say_hello(hello()).await.expect(&target);
    }
    server.stop(None).await;
}

#[tokio::test]
async fn a_stale_socket_file_is_replaced_but_a_live_one_is_not() {
    let dir = std::env::temp_dir().join(format!("grpc-stale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.sock");
    let _ = std::fs::remove_file(&path);
    // A socket file left behind by a process that is gone.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());

    let server = Server::builder()
        .add_service(GreeterServer::new(MyGreeter))
        .build();
    server
        .add_insecure_port(&format!("unix:{}", path.display()))
        .expect("a stale socket file is replaced");
    server.start().await.unwrap();

    // While it is served, a second server may not take it over.
    let second = Server::builder().build();
    let error = second
        .add_insecure_port(&format!("unix:{}", path.display()))
        .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);

    let client =
        GreeterClient::new(Channel::insecure(&format!("unix:{}", path.display())).unwrap());
    client.say_hello(hello()).await.unwrap();
    server.stop(None).await;
    assert!(!path.exists(), "the socket file is removed on stop");
}

async fn sleeping_call(
    grace: Option<Duration>,
    sleep_ms: u64,
) -> (Result<Sleep, grpc_core::Status>, Duration) {
    let (probe, _observed) = ProbeService::new();
    let server = Server::builder()
        .add_service(ProbeServer::new(probe))
        .build();
    let port = server.add_insecure_port("127.0.0.1:0").unwrap();
    server.start().await.unwrap();
    let client = ProbeClient::new(Channel::insecure(&format!("127.0.0.1:{port}")).unwrap());
    let call = tokio::spawn(async move { client.sleep(Sleep { millis: sleep_ms }).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    server.stop(grace).await;
    let stopped_after = started.elapsed();
    (call.await.unwrap(), stopped_after)
}

#[tokio::test]
async fn stop_without_grace_aborts_calls_in_flight_at_once() {
    let (result, stopped_after) = sleeping_call(None, 10_000).await;
    let status = result.unwrap_err();
    assert!(
        matches!(
            status.code(),
            Code::Unavailable | Code::Cancelled | Code::Internal
        ),
        "{status}"
    );
    assert!(stopped_after < Duration::from_secs(2), "{stopped_after:?}");
}

#[tokio::test]
async fn stop_with_grace_lets_calls_finish_within_it() {
    let (result, _) = sleeping_call(Some(Duration::from_secs(5)), 500).await;
    assert_eq!(result.unwrap().millis, 500);
}

#[tokio::test]
async fn stop_with_grace_aborts_what_outlasts_it() {
    let (result, stopped_after) = sleeping_call(Some(Duration::from_millis(300)), 10_000).await;
    assert!(result.is_err());
    assert!(stopped_after < Duration::from_secs(3), "{stopped_after:?}");
}
