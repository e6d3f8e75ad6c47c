//! TLS with rustls: all four patterns over TLS, the server-name override, and verification or
//! protocol failures reported as UNAVAILABLE with the reason.

use std::time::Duration;

use examples::routeguide::{RouteGuideClient, RouteGuideServer, RouteGuideService};
use grpc_core::tls::{ChannelTls, ServerTls};
use grpc_core::{Channel, Code, Server};
use grpc_tests::certs;

async fn tls_server() -> (Server, u16) {
    let server = Server::builder()
        .add_service(RouteGuideServer::new(RouteGuideService::load()))
        .build();
    let port = server
        .add_secure_port("127.0.0.1:0", certs::server_tls())
        .unwrap();
    server.start().await.unwrap();
    (server, port)
}

fn channel(target: &str, tls: ChannelTls) -> Channel {
    Channel::builder(target).tls(tls).connect_lazy().unwrap()
}

async fn get_feature(channel: Channel) -> Result<examples::routeguide::Feature, grpc_core::Status> {
    let point = examples::routeguide::Point {
        latitude: 409_146_138,
        longitude: -746_188_906,
    };
    tokio::time::timeout(
        Duration::from_secs(15),
        RouteGuideClient::new(channel)
            .get_feature(point)
            .timeout(Duration::from_secs(10)),
    )
    .await
    .expect("no hang")
}

#[tokio::test]
async fn four_patterns_over_tls_with_server_name_override() {
    let (_server, port) = tls_server().await;
    let tls = ChannelTls::new()
        .ca_certificate(certs::read("ca.pem"))
        .server_name_override("foo.test.google.fr");
    let client = RouteGuideClient::new(channel(&format!("127.0.0.1:{port}"), tls));
    examples::routeguide_tour::run(&client, &mut std::io::sink())
        .await
        .expect("tour over TLS");
}

#[tokio::test]
async fn https_target_with_the_test_ca() {
    let (_server, port) = tls_server().await;
    let tls = ChannelTls::new().ca_certificate(certs::read("ca.pem"));
    let feature = get_feature(channel(&format!("https://localhost:{port}"), tls))
        .await
        .unwrap();
    assert!(feature.name.starts_with("Berkshire"));
}

#[tokio::test]
async fn untrusted_certificate_is_unavailable_with_the_reason() {
    let (_server, port) = tls_server().await;
    let tls = ChannelTls::new().ca_certificate(certs::read("other-ca.pem"));
    let status = get_feature(channel(&format!("localhost:{port}"), tls))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(
        status.message().to_lowercase().contains("certificate"),
        "{status:?}"
    );
}

#[tokio::test]
async fn wrong_server_name_is_unavailable() {
    let (_server, port) = tls_server().await;
    let tls = ChannelTls::new()
        .ca_certificate(certs::read("ca.pem"))
        .server_name_override("wrong.example.com");
    let status = get_feature(channel(&format!("127.0.0.1:{port}"), tls))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(
        status.message().to_lowercase().contains("certificate"),
        "{status:?}"
    );
}

#[tokio::test]
async fn plaintext_client_against_tls_server_and_back_are_unavailable() {
    let (_server, port) = tls_server().await;
    let status = get_feature(Channel::insecure(&format!("127.0.0.1:{port}")).unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        Code::Unavailable,
        "plaintext to TLS: {status:?}"
    );

    let plain = Server::builder()
        .add_service(RouteGuideServer::new(RouteGuideService::load()))
        .build();
    let plain_port = plain.add_insecure_port("127.0.0.1:0").unwrap();
    plain.start().await.unwrap();
    let tls = ChannelTls::new().ca_certificate(certs::read("ca.pem"));
    let status = get_feature(channel(&format!("localhost:{plain_port}"), tls))
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        Code::Unavailable,
        "TLS to plaintext: {status:?}"
    );
}

#[tokio::test]
async fn stalled_handshake_does_not_block_other_clients() {
    let (_server, port) = tls_server().await;
    let _silent = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let tls = ChannelTls::new().ca_certificate(certs::read("ca.pem"));
    assert!(get_feature(channel(&format!("localhost:{port}"), tls))
        .await
        .is_ok());
}

#[test]
fn bad_identities_are_tls_errors() {
    let error = ServerTls::from_pem(b"not a certificate", certs::read("server.key")).unwrap_err();
    assert!(error.is_tls(), "{error}");
    let error = ServerTls::from_pem(certs::read("server.pem"), certs::read("ca.pem")).unwrap_err();
    assert!(error.is_tls(), "{error}");
    let error = ServerTls::from_pem(certs::read("server.pem"), certs::read("ca.key")).unwrap_err();
    assert!(
        error.is_tls(),
        "the key does not match the certificate: {error}"
    );
}
