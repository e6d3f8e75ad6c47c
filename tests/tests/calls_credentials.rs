//! Call credentials: access tokens and async plugins (given the service URL and method),
//! composites, per channel and per call; refused on plaintext with an error that says so;
//! a failing plugin fails the call with UNAVAILABLE and its message (gRFC A54); local
//! credentials over a Unix socket and loopback TCP allow them without TLS.

use std::time::Duration;

use grpc_core::client::{AuthMetadataContext, CallCredentials, CredentialsPlugin};
use grpc_core::intercept::BoxFuture;
use grpc_core::metadata::MetadataMap;
use grpc_core::{Channel, Code, Server, Status};
use grpc_tests::auth::{AuthClient, AuthServer, AuthService, Empty};
use grpc_tests::certs;

async fn tls_server() -> (Server, u16) {
    let server = Server::builder()
        .add_service(AuthServer::new(AuthService))
        .build();
    let port = server
        .add_secure_port("127.0.0.1:0", certs::server_tls())
        .unwrap();
    server.start().await.unwrap();
    (server, port)
}

fn tls_channel(port: u16) -> grpc_core::client::ChannelBuilder {
    Channel::builder(&format!("localhost:{port}")).tls(certs::channel_tls(None))
}

/// Signs with the service URL and method it is given; fails when told to.
struct Signer {
    fail: bool,
}

impl CredentialsPlugin for Signer {
    fn get_metadata<'a>(
        &'a self,
        context: &'a AuthMetadataContext,
    ) -> BoxFuture<'a, Result<MetadataMap, Status>> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            if self.fail {
                return Err(Status::internal("the key store is locked"));
            }
            let mut metadata = MetadataMap::new();
            let signature = format!("{} {}", context.service_url(), context.method_name());
            metadata.insert("x-signature", signature.parse().unwrap());
            Ok(metadata)
        })
    }
}

#[tokio::test]
async fn channel_token_and_call_plugin_are_both_sent() {
    let (_server, port) = tls_server().await;
    let channel = tls_channel(port)
        .call_credentials(CallCredentials::access_token("t0k3n"))
        .connect_lazy()
        .unwrap();
    let client = AuthClient::new(channel);
    let reply = client.who_am_i(Empty {}).await.unwrap();
    assert_eq!(reply.authorization, "Bearer t0k3n");
    assert!(reply.signature.is_empty());

    let reply = client
        .who_am_i(Empty {})
        .credentials(CallCredentials::plugin(Signer { fail: false }))
        .await
        .unwrap();
    assert_eq!(reply.authorization, "Bearer t0k3n");
    assert_eq!(
        reply.signature,
        format!("https://localhost:{port}/authprobe.Auth WhoAmI")
    );
}

#[tokio::test]
async fn composite_call_credentials() {
    let (_server, port) = tls_server().await;
    let client = AuthClient::new(tls_channel(port).connect_lazy().unwrap());
    let both = CallCredentials::composite([
        CallCredentials::plugin(Signer { fail: false }),
        CallCredentials::access_token("abc"),
    ]);
    let reply = client.who_am_i(Empty {}).credentials(both).await.unwrap();
    assert_eq!(reply.authorization, "Bearer abc");
    assert!(reply.signature.ends_with("/authprobe.Auth WhoAmI"));
}

#[tokio::test]
async fn a_failing_plugin_fails_the_call_with_unavailable_and_its_message() {
    let (_server, port) = tls_server().await;
    let channel = tls_channel(port)
        .call_credentials(
            CallCredentials::access_token("x").and(CallCredentials::plugin(Signer { fail: true })),
        )
        .connect_lazy()
        .unwrap();
    let status = AuthClient::new(channel)
        .who_am_i(Empty {})
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(
        status.message().contains("the key store is locked"),
        "{status:?}"
    );
}

#[tokio::test]
async fn plaintext_channels_refuse_call_credentials_saying_why() {
    let error = Channel::builder("127.0.0.1:1")
        .call_credentials(CallCredentials::access_token("t"))
        .connect_lazy()
        .unwrap_err();
    assert!(error.to_string().contains("secure channel"), "{error}");

    let server = grpc_tests::servers::TestServer::with(AuthServer::new(AuthService)).await;
    let status = AuthClient::new(server.channel.clone())
        .who_am_i(Empty {})
        .credentials(CallCredentials::access_token("t"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(status.message().contains("plaintext"), "{status:?}");
}

#[tokio::test]
async fn local_credentials_over_a_unix_socket_and_loopback_tcp() {
    let dir = std::env::temp_dir().join(format!("grpc-local-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("auth.sock");
    let server = Server::builder()
        .add_service(AuthServer::new(AuthService))
        .build();
    server
        .add_local_port(&format!("unix:{}", socket.display()))
        .unwrap();
    let port = server.add_local_port("127.0.0.1:0").unwrap();
    server.start().await.unwrap();

    for target in [
        format!("unix:{}", socket.display()),
        format!("127.0.0.1:{port}"),
    ] {
        let channel = Channel::builder(&target)
            .local_credentials()
            .call_credentials(CallCredentials::access_token("local"))
            .connect_lazy()
            .unwrap();
        let reply = AuthClient::new(channel).who_am_i(Empty {}).await.unwrap();
        assert_eq!(reply.security, "local", "{target}");
        assert_eq!(reply.authorization, "Bearer local", "{target}");
    }

    // Neither side takes a non-local address as local.
    let error = Channel::builder("example.com:443")
        .local_credentials()
        .connect_lazy()
        .unwrap_err();
    assert!(error.to_string().contains("loopback"), "{error}");
    let error = Server::builder()
        .build()
        .add_local_port("0.0.0.0:0")
        .unwrap_err();
    assert!(error.to_string().contains("loopback"), "{error}");
    server.stop(None).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_invalid_token_fails_the_call_not_the_process() {
    let (_server, port) = tls_server().await;
    let client = AuthClient::new(tls_channel(port).connect_lazy().unwrap());
    let status = client
        .who_am_i(Empty {})
        .credentials(CallCredentials::access_token("bad\ntoken"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert!(status.message().contains("access token"), "{status:?}");
}
