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
