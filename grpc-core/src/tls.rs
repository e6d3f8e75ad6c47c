//! TLS with rustls: server identities and channel trust.
//!
//! ```no_run
//! use grpc_core::tls::{ChannelTls, ServerTls};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Server: a certificate chain and its key, PEM.
//! let tls = ServerTls::from_pem(std::fs::read("server.pem")?, std::fs::read("server.key")?)?;
//! let server = grpc_core::Server::builder().build();
//! let port = server.add_secure_port("[::]:0", tls)?;
//!
//! // Client: the system's web PKI roots by default, or a CA of your own.
//! let tls = ChannelTls::new().ca_certificate(std::fs::read("ca.pem")?);
//! let channel = grpc_core::Channel::builder("example.com:443").tls(tls).connect_lazy()?;
//! # let _ = (port, channel); Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::Error;

/// How long a server waits for a client to finish its TLS handshake.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A server's TLS identity: certificate chain and private key. ALPN offers `h2` only.
#[derive(Clone)]
pub struct ServerTls {
    pub(crate) acceptor: tokio_rustls::TlsAcceptor,
}

impl ServerTls {
    /// From a PEM certificate chain (leaf first) and a PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem(
        cert_chain: impl AsRef<[u8]>,
        key: impl AsRef<[u8]>,
    ) -> Result<ServerTls, Error> {
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(cert_chain.as_ref())
                .collect::<Result<_, _>>()
                .map_err(|e| Error::tls_caused("reading the certificate chain", e))?;
        if chain.is_empty() {
            return Err(Error::tls("the certificate chain holds no certificate"));
        }
        let key = PrivateKeyDer::from_pem_slice(key.as_ref())
            .map_err(|e| Error::tls_caused("reading the private key", e))?;
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::tls_caused("choosing protocol versions", e))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| Error::tls_caused("certificate and key do not fit", e))?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(ServerTls {
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        })
    }

    /// From PEM files.
    pub fn from_files(
        cert_chain: impl AsRef<std::path::Path>,
        key: impl AsRef<std::path::Path>,
    ) -> Result<ServerTls, Error> {
        let read = |path: &std::path::Path| {
            std::fs::read(path)
                .map_err(|e| Error::tls_caused(&format!("reading {}", path.display()), e))
        };
        Self::from_pem(read(cert_chain.as_ref())?, read(key.as_ref())?)
    }
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTls").finish_non_exhaustive()
    }
}

/// How a channel verifies the server: trusted roots and the name to check.
#[derive(Debug, Clone, Default)]
pub struct ChannelTls {
    ca_certificates: Vec<Vec<u8>>,
    server_name: Option<String>,
}

impl ChannelTls {
    /// Trusts the web PKI roots (Mozilla's, as webpki-roots ships them).
    pub fn new() -> ChannelTls {
        ChannelTls::default()
    }

    /// Trusts this CA (PEM) instead of the web PKI roots; call again to add more.
    pub fn ca_certificate(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.ca_certificates.push(pem.as_ref().to_vec());
        self
    }

    /// Checks the server's certificate against `name` instead of the target's host (for tests:
    /// gRPC's `ssl_target_name_override`). Also sent as SNI.
    pub fn server_name_override(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// The rustls client configuration: the trusted roots, ALPN `h2`.
    pub(crate) fn client_config(&self) -> Result<ClientTlsConfig, Error> {
        let mut roots = rustls::RootCertStore::empty();
        if self.ca_certificates.is_empty() {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        for pem in &self.ca_certificates {
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| Error::tls_caused("reading a CA certificate", e))?;
                roots
                    .add(cert)
                    .map_err(|e| Error::tls_caused("adding a CA certificate", e))?;
            }
        }
        let mut config = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::tls_caused("choosing protocol versions", e))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(ClientTlsConfig {
            connector: tokio_rustls::TlsConnector::from(Arc::new(config)),
            server_name: self.server_name.clone(),
        })
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A channel's TLS, ready to wrap connections.
#[derive(Clone)]
pub(crate) struct ClientTlsConfig {
    connector: tokio_rustls::TlsConnector,
    server_name: Option<String>,
}

impl fmt::Debug for ClientTlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientTlsConfig")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

impl ClientTlsConfig {
    /// Runs the handshake on `stream` to `authority` (`host:port`), checking the certificate
    /// against the override name or the host, within the handshake timeout; the server must
    /// agree to `h2`.
    pub(crate) async fn connect<IO>(
        &self,
        authority: &str,
        stream: IO,
    ) -> std::io::Result<tokio_rustls::client::TlsStream<IO>>
    where
        IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        let host = match &self.server_name {
            Some(name) => name.as_str(),
            None => {
                let host = authority
                    .rsplit_once(':')
                    .map_or(authority, |(host, _)| host);
                host.trim_start_matches('[').trim_end_matches(']')
            }
        };
        let name = rustls::pki_types::ServerName::try_from(host.to_owned()).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("invalid TLS server name {host:?}: {e}"),
            )
        })?;
        let handshake = self.connector.connect(name, stream);
        let stream = tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake)
            .await
            .map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("TLS handshake did not finish within {HANDSHAKE_TIMEOUT:?}"),
                )
            })??;
        match stream.get_ref().1.alpn_protocol() {
            Some(b"h2") | None => Ok(stream),
            Some(other) => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "the server chose ALPN protocol {:?}, not h2",
                    String::from_utf8_lossy(other)
                ),
            )),
        }
    }
}
