//! Mutual TLS between our client and our server: client certificates required or requested,
//! refused in the handshake when missing or from another CA (the client sees why), the auth
//! context the handlers read (security type, identities, PEM), and certificate reload through
//! a provider asked on each new handshake.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use grpc_core::tls::{ClientAuth, IdentityCell, ServerIdentity, ServerTls};
use grpc_core::{Channel, Code, Server, Status};
use grpc_tests::auth::{AuthClient, AuthReply, AuthServer, AuthService, Empty};
use grpc_tests::certs;

async fn serve(tls: ServerTls) -> (Server, u16) {
    let server = Server::builder()
        .add_service(AuthServer::new(AuthService))
        .build();
    let port = server.add_secure_port("127.0.0.1:0", tls).unwrap();
    server.start().await.unwrap();
    (server, port)
}

async fn who(port: u16, client: Option<&str>) -> Result<AuthReply, Status> {
    let channel = Channel::builder(&format!("localhost:{port}"))
        .tls(certs::channel_tls(client))
        .connect_lazy()
        .unwrap();
    tokio::time::timeout(
        Duration::from_secs(15),
        AuthClient::new(channel)
            .who_am_i(Empty {})
            .timeout(Duration::from_secs(10)),
    )
    .await
    .expect("no hang")
}

#[tokio::test]
async fn a_client_certificate_is_verified_and_its_identities_read() {
    let (_server, port) = serve(certs::mtls_server(ClientAuth::Require)).await;
    let reply = who(port, Some("client")).await.unwrap();
    assert_eq!(reply.security, "ssl");
    assert!(reply.authenticated);
    assert_eq!(
        reply.identities,
        [
            "client.test",
            "spiffe://test.example/client",
            "127.0.0.1",
            "grpc-core test client"
        ]
    );
    // The PEM is the client certificate itself.
    let sent = String::from_utf8(certs::read("client.pem")).unwrap();
    let strip = |pem: &str| {
        pem.lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>()
    };
    assert_eq!(strip(&reply.pem), strip(&sent));
}

/// The handshake refusal as the client reports it: the server's TLS alert (with TLS 1.3
/// it arrives once the client has sent its certificate, so on the connection).
fn assert_refused(status: &Status, alert: &str) {
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(
        status
            .message()
            .contains(&format!("received fatal alert: {alert}")),
        "the client says why: {status:?}"
    );
}

#[tokio::test]
async fn required_client_certificates_refuse_missing_and_untrusted_ones() {
    let (_server, port) = serve(certs::mtls_server(ClientAuth::Require)).await;
    assert_refused(&who(port, None).await.unwrap_err(), "CertificateRequired");
    assert_refused(
        &who(port, Some("rogue-client")).await.unwrap_err(),
        "UnknownCA",
    );
    // And a good one still gets in afterwards.
    assert!(who(port, Some("client")).await.unwrap().authenticated);
}

#[tokio::test]
async fn requested_client_certificates_are_optional_but_verified() {
    let (_server, port) = serve(certs::mtls_server(ClientAuth::RequestAndVerify)).await;
    let anonymous = who(port, None).await.unwrap();
    assert_eq!(anonymous.security, "ssl");
    assert!(!anonymous.authenticated);
    assert!(anonymous.identities.is_empty());
    assert!(anonymous.pem.is_empty());
    assert!(who(port, Some("client")).await.unwrap().authenticated);
    assert_refused(
        &who(port, Some("rogue-client")).await.unwrap_err(),
        "UnknownCA",
    );
}

#[tokio::test]
async fn plaintext_calls_report_insecure() {
    let server = grpc_tests::servers::TestServer::with(AuthServer::new(AuthService)).await;
    let reply = AuthClient::new(server.channel.clone())
        .who_am_i(Empty {})
        .await
        .unwrap();
    assert_eq!(reply.security, "insecure");
    assert!(!reply.authenticated);
}

#[tokio::test]
async fn the_certificate_provider_is_asked_on_each_handshake() {
    let good =
        ServerIdentity::from_pem(certs::read("server.pem"), certs::read("server.key")).unwrap();
    // A valid key pair the client does not trust as a server (another CA, no serverAuth).
    let untrusted = ServerIdentity::from_pem(
        certs::read("rogue-client.pem"),
        certs::read("rogue-client.key"),
    )
    .unwrap();
    let cell = IdentityCell::new(good.clone());
    let asked = Arc::new(AtomicUsize::new(0));
    let provider = {
        let (cell, asked) = (cell.clone(), asked.clone());
        move |name: Option<&str>| {
            assert_eq!(name, Some("localhost"));
            asked.fetch_add(1, Ordering::SeqCst);
            grpc_core::tls::CertificateProvider::identity(&cell, name)
        }
    };
    let (_server, port) = serve(ServerTls::from_provider(provider)).await;
    assert_eq!(who(port, None).await.unwrap().security, "ssl");
    assert_eq!(asked.load(Ordering::SeqCst), 1);

    // Swapped without a restart: the next handshake presents the new identity.
    cell.set(untrusted);
    let status = who(port, None).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(status.message().contains("certificate"), "{status:?}");
    cell.set(good);
    who(port, None).await.unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 3);
}

#[test]
fn mismatched_or_empty_identities_are_errors() {
    let error =
        ServerIdentity::from_pem(certs::read("server.pem"), certs::read("client.key")).unwrap_err();
    assert!(error.to_string().contains("do not fit"), "{error}");
    let error = ServerIdentity::from_pem("", certs::read("client.key")).unwrap_err();
    assert!(error.to_string().contains("no certificate"), "{error}");
    let error = certs::server_tls()
        .client_auth("not pem", ClientAuth::Require)
        .unwrap_err();
    assert!(error.to_string().contains("no certificate"), "{error}");
}
