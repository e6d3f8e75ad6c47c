//! The test certificates in `tests/certs` (see its README).

use std::path::PathBuf;

/// `tests/certs/<name>`.
pub fn path(name: &str) -> PathBuf {
    crate::python::workspace_root()
        .join("tests/certs")
        .join(name)
}

/// The contents of `tests/certs/<name>`.
pub fn read(name: &str) -> Vec<u8> {
    std::fs::read(path(name)).unwrap_or_else(|e| panic!("reading tests/certs/{name}: {e}"))
}

/// The test server's TLS identity (`server.pem`, `server.key`).
pub fn server_tls() -> grpc_core::tls::ServerTls {
    grpc_core::tls::ServerTls::from_pem(read("server.pem"), read("server.key"))
        .expect("test identity")
}

/// The test server's identity requiring client certificates from the test CA (`ca.pem`) as
/// `policy` says.
pub fn mtls_server(policy: grpc_core::tls::ClientAuth) -> grpc_core::tls::ServerTls {
    server_tls()
        .client_auth(read("ca.pem"), policy)
        .expect("test client CA")
}

/// Channel TLS trusting the test CA, presenting `tests/certs/<name>.pem` and `<name>.key` as
/// the client certificate when `client` is given.
pub fn channel_tls(client: Option<&str>) -> grpc_core::tls::ChannelTls {
    let tls = grpc_core::tls::ChannelTls::new().ca_certificate(read("ca.pem"));
    match client {
        Some(name) => tls.identity(read(&format!("{name}.pem")), read(&format!("{name}.key"))),
        None => tls,
    }
}
