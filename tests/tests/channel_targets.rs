//! Every target syntax of `doc/naming.md`, each reaching a real server.

use grpc_core::{Channel, Server};
use grpc_tests::backends::{who, Backend, Named, WhoClient, WhoServer};

async fn answer(target: &str) -> String {
    let client = WhoClient::new(Channel::insecure(target).unwrap());
    who(&client)
        .await
        .unwrap_or_else(|e| panic!("{target}: {e:?}"))
}

#[tokio::test]
async fn tcp_targets() {
    let backend = Backend::start("tcp").await;
    let port = backend.port;
    for target in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("dns:localhost:{port}"),
        format!("dns:///localhost:{port}"),
        format!("http://127.0.0.1:{port}"),
        format!("ipv4:127.0.0.1:{port}"),
        format!(
            "ipv4:127.0.0.1:{},127.0.0.1:{port}",
            grpc_tests::backends::closed_port()
        ),
    ] {
        assert_eq!(answer(&target).await, "tcp", "{target}");
    }
}

#[tokio::test]
async fn ipv6_targets() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("SKIPPED: no IPv6 loopback here");
        return;
    }
    let server = Server::builder()
        .add_service(WhoServer::new(Named("v6".into())))
        .build();
    let port = server.add_insecure_port("[::1]:0").unwrap();
    server.start().await.unwrap();
    for target in [format!("[::1]:{port}"), format!("ipv6:[::1]:{port}")] {
        assert_eq!(answer(&target).await, "v6", "{target}");
    }
    server.stop(None).await;
}

#[tokio::test]
async fn unix_targets() {
    let dir = std::env::temp_dir().join(format!("grpc-targets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("who.sock");
    let server = Server::builder()
        .add_service(WhoServer::new(Named("unix".into())))
        .build();
    server
        .add_insecure_port(&format!("unix:{}", path.display()))
        .unwrap();
    let abstract_name = format!("grpc-targets-{}", std::process::id());
    server
        .add_insecure_port(&format!("unix-abstract:{abstract_name}"))
        .unwrap();
    server.start().await.unwrap();
    for target in [
        format!("unix:{}", path.display()),
        format!("unix://{}", path.display()),
        format!("unix-abstract:{abstract_name}"),
    ] {
        assert_eq!(answer(&target).await, "unix", "{target}");
    }
    server.stop(None).await;
    let _ = std::fs::remove_dir_all(&dir);
}
