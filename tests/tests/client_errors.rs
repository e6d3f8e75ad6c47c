//! A client talking to a dead or non-gRPC endpoint gets UNAVAILABLE with the reason, promptly.

use std::time::Duration;

use examples::helloworld::{GreeterClient, HelloRequest};
use grpc_core::{Channel, Code};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn call(target: &str) -> grpc_core::Status {
    let client = GreeterClient::new(Channel::insecure(target).unwrap());
    tokio::time::timeout(
        Duration::from_secs(10),
        client.say_hello(HelloRequest::default()),
    )
    .await
    .expect("the call does not hang")
    .unwrap_err()
}

#[tokio::test]
async fn dead_endpoint_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let status = call(&format!("127.0.0.1:{port}")).await;
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(!status.message().is_empty(), "the reason is given");
}

#[tokio::test]
async fn missing_unix_socket_is_unavailable() {
    let status = call("unix:/nonexistent/grpc-core-test.sock").await;
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
}

#[tokio::test]
async fn http1_endpoint_is_unavailable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = socket.read(&mut buf).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    let status = call(&format!("127.0.0.1:{port}")).await;
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    eprintln!("{status}");
    assert!(
        status.message().len() > "transport error".len(),
        "the reason is given: {status:?}"
    );
}

#[tokio::test]
async fn silent_endpoint_respects_the_deadline() {
    // Accepts TCP but never speaks HTTP/2: only the deadline can end the call.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = GreeterClient::new(Channel::insecure(&format!("127.0.0.1:{port}")).unwrap());
    let status = tokio::time::timeout(
        Duration::from_secs(10),
        client
            .say_hello(HelloRequest::default())
            .timeout(Duration::from_millis(300)),
    )
    .await
    .expect("no hang past the deadline")
    .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
}

#[test]
fn bad_targets_are_errors() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _guard = runtime.enter();
    for target in ["unix:", "dns:///"] {
        let error = Channel::insecure(target).unwrap_err();
        assert!(error.is_invalid_target(), "{target}: {error}");
    }
}
