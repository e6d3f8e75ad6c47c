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

/// A server's TLS setup: its identity (a fixed certificate chain and key, or a
/// [`CertificateProvider`] asked on every handshake) and, for mutual TLS, the CAs client
/// certificates must chain to. ALPN offers `h2` only.
///
/// ```no_run
/// use grpc_core::tls::{ClientAuth, ServerTls};
/// # fn run() -> Result<(), grpc_core::Error> {
/// let tls = ServerTls::from_files("server.pem", "server.key")?
///     .client_auth(std::fs::read("client-ca.pem").unwrap(), ClientAuth::Require)?;
/// # let _ = tls; Ok(()) }
/// ```
#[derive(Clone)]
pub struct ServerTls {
    identity: Arc<dyn rustls::server::ResolvesServerCert>,
    client_roots: Option<(Arc<rustls::RootCertStore>, ClientAuth)>,
}

/// What a server asks of clients' certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// Require a client certificate and verify it (grpcio's `require_client_auth=True`): a
    /// client without one, or with one from another CA, fails the handshake.
    Require,
    /// Ask for a certificate and verify it if given; a client without one is let in
    /// unauthenticated (gRPC's `REQUEST_CLIENT_CERTIFICATE_AND_VERIFY`).
    RequestAndVerify,
}

/// A certificate chain and its private key, ready to present in handshakes.
#[derive(Clone)]
pub struct ServerIdentity(Arc<rustls::sign::CertifiedKey>);

impl ServerIdentity {
    /// From a PEM certificate chain (leaf first) and a PEM private key (PKCS#8, PKCS#1 or
    /// SEC1). Fails when the key does not fit the certificate.
    pub fn from_pem(
        cert_chain: impl AsRef<[u8]>,
        key: impl AsRef<[u8]>,
    ) -> Result<ServerIdentity, Error> {
        let (chain, key) = chain_and_key(cert_chain.as_ref(), key.as_ref())?;
        let key = provider()
            .key_provider
            .load_private_key(key)
            .map_err(|e| Error::tls_caused("loading the private key", e))?;
        let certified = rustls::sign::CertifiedKey::new(chain, key);
        certified
            .keys_match()
            .map_err(|e| Error::tls_caused("certificate and key do not fit", e))?;
        Ok(ServerIdentity(Arc::new(certified)))
    }

    /// From PEM files.
    pub fn from_files(
        cert_chain: impl AsRef<std::path::Path>,
        key: impl AsRef<std::path::Path>,
    ) -> Result<ServerIdentity, Error> {
        Self::from_pem(read(cert_chain.as_ref())?, read(key.as_ref())?)
    }
}

impl fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerIdentity")
            .field("certificates", &self.0.cert.len())
            .finish_non_exhaustive()
    }
}

/// Gives the server's identity for each new TLS handshake, so certificates can be replaced
/// without a restart (grpcio's `dynamic_ssl_server_credentials`). Connections already made
/// keep the identity they were made with.
///
/// Closures `Fn(Option<&str>) -> Option<ServerIdentity>` (given the client's SNI name) are
/// providers, and so is [`IdentityCell`]. `None` fails the handshake.
pub trait CertificateProvider: Send + Sync + 'static {
    /// The identity for a handshake whose client asked for `server_name` (SNI), if any.
    fn identity(&self, server_name: Option<&str>) -> Option<ServerIdentity>;
}

impl<F> CertificateProvider for F
where
    F: Fn(Option<&str>) -> Option<ServerIdentity> + Send + Sync + 'static,
{
    fn identity(&self, server_name: Option<&str>) -> Option<ServerIdentity> {
        self(server_name)
    }
}

/// A provider holding one identity that can be replaced at any time: the next handshake
/// uses the new one.
///
/// ```no_run
/// use grpc_core::tls::{IdentityCell, ServerIdentity, ServerTls};
/// # fn run() -> Result<(), grpc_core::Error> {
/// let cell = IdentityCell::new(ServerIdentity::from_files("server.pem", "server.key")?);
/// let tls = ServerTls::from_provider(cell.clone());
/// // later, after the files were renewed:
/// cell.set(ServerIdentity::from_files("server.pem", "server.key")?);
/// # let _ = tls; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct IdentityCell(Arc<std::sync::RwLock<ServerIdentity>>);

impl IdentityCell {
    /// A cell holding `identity`.
    pub fn new(identity: ServerIdentity) -> Self {
        IdentityCell(Arc::new(std::sync::RwLock::new(identity)))
    }

    /// Replaces the identity for the handshakes from now on.
    pub fn set(&self, identity: ServerIdentity) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = identity;
    }
}

impl CertificateProvider for IdentityCell {
    fn identity(&self, _: Option<&str>) -> Option<ServerIdentity> {
        Some(self.0.read().unwrap_or_else(|p| p.into_inner()).clone())
    }
}

/// rustls's view of a provider.
struct ProviderResolver<P>(P);

impl<P> fmt::Debug for ProviderResolver<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProviderResolver")
    }
}

impl<P: CertificateProvider> rustls::server::ResolvesServerCert for ProviderResolver<P> {
    fn resolve(
        &self,
        hello: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        let identity = self.0.identity(hello.server_name());
        if identity.is_none() {
            tracing::warn!(
                server_name = ?hello.server_name(),
                "the certificate provider gave no identity: refusing the handshake"
            );
        }
        identity.map(|identity| identity.0)
    }
}

impl ServerTls {
    /// From a PEM certificate chain (leaf first) and a PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem(
        cert_chain: impl AsRef<[u8]>,
        key: impl AsRef<[u8]>,
    ) -> Result<ServerTls, Error> {
        let identity = ServerIdentity::from_pem(cert_chain, key)?;
        Ok(Self::from_provider(move |_: Option<&str>| {
            Some(identity.clone())
        }))
    }

    /// From PEM files.
    pub fn from_files(
        cert_chain: impl AsRef<std::path::Path>,
        key: impl AsRef<std::path::Path>,
    ) -> Result<ServerTls, Error> {
        Self::from_pem(read(cert_chain.as_ref())?, read(key.as_ref())?)
    }

    /// With the identity `provider` gives on each new handshake (certificate reload without
    /// a restart).
    pub fn from_provider(provider: impl CertificateProvider) -> ServerTls {
        ServerTls {
            identity: Arc::new(ProviderResolver(provider)),
            client_roots: None,
        }
    }

    /// Mutual TLS: client certificates must chain to one of the CAs in `ca_pem` (one or
    /// more PEM certificates), as `policy` says. A refused client certificate fails the
    /// handshake; the server logs why (a `tracing` warning), and the client sees the alert.
    pub fn client_auth(
        mut self,
        ca_pem: impl AsRef<[u8]>,
        policy: ClientAuth,
    ) -> Result<Self, Error> {
        let mut roots = rustls::RootCertStore::empty();
        add_roots(&mut roots, ca_pem.as_ref())?;
        if roots.is_empty() {
            return Err(Error::tls("the client CA file holds no certificate"));
        }
        self.client_roots = Some((Arc::new(roots), policy));
        Ok(self)
    }

    /// The acceptor for one listener.
    pub(crate) fn acceptor(&self) -> Result<tokio_rustls::TlsAcceptor, Error> {
        let builder = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::tls_caused("choosing protocol versions", e))?;
        let builder = match &self.client_roots {
            None => builder.with_no_client_auth(),
            Some((roots, policy)) => {
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    roots.clone(),
                    provider(),
                );
                let verifier = match policy {
                    ClientAuth::Require => verifier,
                    ClientAuth::RequestAndVerify => verifier.allow_unauthenticated(),
                };
                let verifier = verifier
                    .build()
                    .map_err(|e| Error::tls_caused("building the client verifier", e))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let mut config = builder.with_cert_resolver(self.identity.clone());
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
    }
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTls")
            .field("client_auth", &self.client_roots.as_ref().map(|(_, p)| p))
            .finish_non_exhaustive()
    }
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::tls_caused(&format!("reading {}", path.display()), e))
}

/// A PEM chain (at least one certificate) and a PEM key.
fn chain_and_key(
    cert_chain: &[u8],
    key: &[u8],
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), Error> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_chain)
        .collect::<Result<_, _>>()
        .map_err(|e| Error::tls_caused("reading the certificate chain", e))?;
    if chain.is_empty() {
        return Err(Error::tls("the certificate chain holds no certificate"));
    }
    let key = PrivateKeyDer::from_pem_slice(key)
        .map_err(|e| Error::tls_caused("reading the private key", e))?;
    Ok((chain, key))
}

/// Adds every certificate of a PEM bundle to `roots`.
fn add_roots(roots: &mut rustls::RootCertStore, pem: &[u8]) -> Result<(), Error> {
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| Error::tls_caused("reading a CA certificate", e))?;
        roots
            .add(cert)
            .map_err(|e| Error::tls_caused("adding a CA certificate", e))?;
    }
    Ok(())
}

/// How a channel verifies the server: trusted roots and the name to check.
#[derive(Clone, Default)]
pub struct ChannelTls {
    ca_certificates: Vec<Vec<u8>>,
    server_name: Option<String>,
    /// A client certificate chain and key (PEM), for mutual TLS.
    identity: Option<(Vec<u8>, Vec<u8>)>,
}

impl fmt::Debug for ChannelTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelTls")
            .field("ca_certificates", &self.ca_certificates.len())
            .field("server_name", &self.server_name)
            .field("client_certificate", &self.identity.is_some())
            .finish()
    }
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

    /// Presents this client certificate chain (PEM, leaf first) and private key (PEM) to
    /// servers that ask for one (mutual TLS; grpcio's `ssl_channel_credentials(root,
    /// private_key, certificate_chain)`).
    pub fn identity(mut self, cert_chain: impl AsRef<[u8]>, key: impl AsRef<[u8]>) -> Self {
        self.identity = Some((cert_chain.as_ref().to_vec(), key.as_ref().to_vec()));
        self
    }

    /// The rustls client configuration: the trusted roots, ALPN `h2`.
    pub(crate) fn client_config(&self) -> Result<ClientTlsConfig, Error> {
        let mut roots = rustls::RootCertStore::empty();
        if self.ca_certificates.is_empty() {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        for pem in &self.ca_certificates {
            add_roots(&mut roots, pem)?;
        }
        let builder = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::tls_caused("choosing protocol versions", e))?
            .with_root_certificates(roots);
        let mut config = match &self.identity {
            None => builder.with_no_client_auth(),
            Some((chain, key)) => {
                let (chain, key) = chain_and_key(chain, key)?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| Error::tls_caused("the client certificate and key", e))?
            }
        };
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
