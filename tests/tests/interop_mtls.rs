//! Mutual TLS and access tokens against grpcio, both directions:
//! - a grpcio client with a client certificate, without one, and with one from another CA,
//!   against our server requiring client certificates;
//! - a grpcio client with access-token credentials (right, wrong, absent) against our server
//!   with the example's token interceptor;
//! - our client (with and without a certificate) against a grpcio `require_client_auth` server;
//! - our token against a grpcio server whose interceptor checks it.

use std::time::Duration;

use examples::helloworld::{GreeterClient, GreeterServer, HelloRequest, MyGreeter};
use examples::interceptors::RequireToken;
use grpc_core::client::CallCredentials;
use grpc_core::tls::ClientAuth;
use grpc_core::{Channel, Code, Server};
use grpc_tests::certs;
use grpc_tests::python::{self, PythonServer};

/// Our greeter over TLS on 127.0.0.1, with client certificates required or a token.
async fn our_server(mtls: bool, token: Option<&str>) -> (Server, u16) {
    let mut builder = Server::builder().add_service(GreeterServer::new(MyGreeter));
    if let Some(token) = token {
        builder = builder.interceptor(RequireToken::new(token));
    }
    let server = builder.build();
    let tls = if mtls {
        certs::mtls_server(ClientAuth::Require)
    } else {
        certs::server_tls()
    };
    let port = server.add_secure_port("127.0.0.1:0", tls).unwrap();
    server.start().await.unwrap();
    (server, port)
}

/// Runs the grpcio client: `Ok(message)` or `Err(code and details)`.
async fn grpcio_client(port: u16, extra: &[&str]) -> Result<String, String> {
    let addr = format!("localhost:{port}");
    let ca = certs::path("ca.pem");
    let mut args = vec!["--addr", &addr, "--ca", ca.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = python::run("secure_greeter_client.py", &args).await;
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    match output.status.code() {
        Some(0) => Ok(stdout.strip_prefix("OK ").unwrap_or(&stdout).to_owned()),
        Some(3) => Err(stdout.strip_prefix("ERROR ").unwrap_or(&stdout).to_owned()),
        _ => panic!(
            "grpcio client failed: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

fn cert_args(name: &str) -> [String; 4] {
    [
        "--cert".into(),
        certs::path(&format!("{name}.pem")).display().to_string(),
        "--key".into(),
        certs::path(&format!("{name}.key")).display().to_string(),
    ]
}

#[tokio::test]
async fn grpcio_clients_against_our_mtls_server() {
    let (_server, port) = our_server(true, None).await;
    let good = cert_args("client");
    let good: Vec<&str> = good.iter().map(String::as_str).collect();
    assert_eq!(grpcio_client(port, &good).await.unwrap(), "Hello python");

    let refused = grpcio_client(port, &[]).await.unwrap_err();
    assert!(refused.starts_with("UNAVAILABLE"), "{refused}");

    let rogue = cert_args("rogue-client");
    let rogue: Vec<&str> = rogue.iter().map(String::as_str).collect();
    let refused = grpcio_client(port, &rogue).await.unwrap_err();
    assert!(refused.starts_with("UNAVAILABLE"), "{refused}");
}

#[tokio::test]
async fn grpcio_tokens_against_our_token_interceptor() {
    let (_server, port) = our_server(false, Some("s3cret")).await;
    assert_eq!(
        grpcio_client(port, &["--token", "s3cret"]).await.unwrap(),
        "Hello python"
    );
    let wrong = grpcio_client(port, &["--token", "guess"])
        .await
        .unwrap_err();
    assert_eq!(wrong, "UNAUTHENTICATED the bearer token is not valid");
    let absent = grpcio_client(port, &[]).await.unwrap_err();
    assert_eq!(absent, "UNAUTHENTICATED a bearer token is required");
}

fn grpcio_server(args: &[&str]) -> PythonServer {
    let cert = certs::path("server.pem").display().to_string();
    let key = certs::path("server.key").display().to_string();
    let mut all = vec!["--cert", cert.as_str(), "--key", key.as_str()];
    all.extend_from_slice(args);
    PythonServer::start_with("secure_greeter_server.py", &all)
}

fn our_channel(port: u16, client_cert: Option<&str>, token: Option<&str>) -> GreeterClient {
    let mut channel =
        Channel::builder(&format!("localhost:{port}")).tls(certs::channel_tls(client_cert));
    if let Some(token) = token {
        channel = channel.call_credentials(CallCredentials::access_token(token));
    }
    GreeterClient::new(channel.connect_lazy().unwrap())
}

async fn say_hello(
    client: &GreeterClient,
) -> Result<(String, grpc_core::client::CallDetails), grpc_core::Status> {
    let call = client
        .say_hello(HelloRequest {
            name: "rust".into(),
        })
        .timeout(Duration::from_secs(10))
        .with_call();
    let (reply, details) = tokio::time::timeout(Duration::from_secs(15), call)
        .await
        .expect("no hang")?;
    Ok((reply.message, details))
}

#[tokio::test]
async fn our_client_against_a_grpcio_require_client_auth_server() {
    let ca = certs::path("ca.pem").display().to_string();
    let peer = grpcio_server(&["--client-ca", &ca]);

    let (message, details) = say_hello(&our_channel(peer.port, Some("client"), None))
        .await
        .unwrap();
    assert_eq!(message, "Hello rust");
    let metadata = details.initial_metadata();
    assert_eq!(metadata.get("x-security").unwrap(), "ssl");
    let identities = metadata.get("x-peer-identities").unwrap().to_str().unwrap();
    assert!(identities.contains("client.test"), "{identities}");

    let status = say_hello(&our_channel(peer.port, None, None))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    let status = say_hello(&our_channel(peer.port, Some("rogue-client"), None))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
}

#[tokio::test]
async fn our_token_against_a_grpcio_server_checking_it() {
    let peer = grpcio_server(&["--require-token", "s3cret"]);
    let (message, _) = say_hello(&our_channel(peer.port, None, Some("s3cret")))
        .await
        .unwrap();
    assert_eq!(message, "Hello rust");
    let status = say_hello(&our_channel(peer.port, None, Some("nope")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    assert_eq!(status.message(), "the bearer token is missing or wrong");
    let status = say_hello(&our_channel(peer.port, None, None))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
}
