//! A refused client certificate is logged on the server with the reason (a `tracing`
//! warning), as well as shown to the client. A test binary of its own: it installs a
//! process-wide subscriber that records every event.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use grpc_core::tls::ClientAuth;
use grpc_core::{Channel, Server};
use grpc_tests::auth::{AuthClient, AuthServer, AuthService, Empty};
use grpc_tests::certs;
use tracing::span;

/// Records each event's fields as `name=value` text.
struct Capture(Arc<Mutex<Vec<String>>>);

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }
    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}
    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(format!("{} ", event.metadata().level()));
        event.record(&mut fields);
        self.0.lock().unwrap().push(fields.0);
    }
    fn enter(&self, _: &span::Id) {}
    fn exit(&self, _: &span::Id) {}
}

#[tokio::test]
async fn refused_client_certificates_are_logged_with_the_reason() {
    let events = Arc::new(Mutex::new(Vec::new()));
    tracing::subscriber::set_global_default(Capture(events.clone())).unwrap();

    let server = Server::builder()
        .add_service(AuthServer::new(AuthService))
        .build();
    let port = server
        .add_secure_port("127.0.0.1:0", certs::mtls_server(ClientAuth::Require))
        .unwrap();
    server.start().await.unwrap();
    for client in [None, Some("rogue-client")] {
        let channel = Channel::builder(&format!("localhost:{port}"))
            .tls(certs::channel_tls(client))
            .connect_lazy()
            .unwrap();
        let call = AuthClient::new(channel)
            .who_am_i(Empty {})
            .timeout(Duration::from_secs(10));
        assert!(call.await.is_err(), "{client:?} got in");
    }
    let logged = |needle: &str| {
        events.lock().unwrap().iter().any(|e| {
            e.starts_with("WARN") && e.contains("TLS handshake failed") && e.contains(needle)
        })
    };
    // rustls's reasons: no certificate at all, and one from an unknown issuer.
    for _ in 0..100 {
        if logged("no certificates") && logged("UnknownIssuer") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let all = events.lock().unwrap().clone();
    assert!(logged("no certificates"), "{all:#?}");
    assert!(logged("UnknownIssuer"), "{all:#?}");
    server.stop(None).await;
}
