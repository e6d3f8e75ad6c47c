//! [`AuthContext`]: what the transport proved about a call's peer (gRPC's auth context).

use std::fmt;
use std::net::IpAddr;

use base64::Engine as _;

/// How the connection a call came on is secured (gRPC's `transport_security_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecurityType {
    /// Plaintext.
    Insecure,
    /// Local credentials: a Unix socket or loopback TCP the server bound as local.
    Local,
    /// TLS.
    Tls,
}

impl SecurityType {
    /// gRPC's name: `insecure`, `local` or `ssl`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityType::Insecure => "insecure",
            SecurityType::Local => "local",
            SecurityType::Tls => "ssl",
        }
    }
}

/// One identity a verified peer certificate names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Identity {
    /// A subject alternative name of type DNS.
    Dns(String),
    /// A subject alternative name of type URI (e.g. a SPIFFE ID).
    Uri(String),
    /// A subject alternative name of type IP address.
    Ip(IpAddr),
    /// The subject's common name (CN).
    CommonName(String),
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identity::Dns(name) | Identity::Uri(name) | Identity::CommonName(name) => {
                f.write_str(name)
            }
            Identity::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// What the transport established about the peer of a connection: the security type and, for
/// TLS with a client certificate, the verified certificate and the identities it names.
///
/// Read it from a handler or an interceptor with [`ServerContext::auth_context`]:
///
/// ```
/// use grpc_core::server::{Identity, SecurityType};
/// use grpc_core::ServerContext;
///
/// fn who(ctx: &ServerContext) -> String {
///     let auth = ctx.auth_context();
///     match auth.security_type() {
///         SecurityType::Tls if auth.is_peer_authenticated() => {
///             let names: Vec<String> = auth.peer_identities().iter().map(Identity::to_string).collect();
///             format!("TLS client {}", names.join(", "))
///         }
///         other => format!("unauthenticated peer over {}", other.as_str()),
///     }
/// }
/// ```
///
/// [`ServerContext::auth_context`]: crate::ServerContext::auth_context
#[derive(Clone, Debug)]
pub struct AuthContext {
    security: SecurityType,
    /// The peer's certificate chain (DER), leaf first; empty without one.
    peer_chain: Vec<Vec<u8>>,
    identities: Vec<Identity>,
}

impl AuthContext {
    /// A plaintext connection's.
    pub(crate) fn insecure() -> Self {
        AuthContext {
            security: SecurityType::Insecure,
            peer_chain: Vec::new(),
            identities: Vec::new(),
        }
    }

    /// A local connection's.
    pub(crate) fn local() -> Self {
        AuthContext {
            security: SecurityType::Local,
            ..Self::insecure()
        }
    }

    /// A TLS connection's, with the chain the client presented (already verified by the
    /// handshake).
    pub(crate) fn tls(peer_chain: Vec<Vec<u8>>) -> Self {
        let identities = peer_chain
            .first()
            .map(|leaf| identities_of(leaf))
            .unwrap_or_default();
        AuthContext {
            security: SecurityType::Tls,
            peer_chain,
            identities,
        }
    }

    /// The transport's security type.
    pub fn security_type(&self) -> SecurityType {
        self.security
    }

    /// Whether the peer presented a certificate the server verified (mutual TLS).
    pub fn is_peer_authenticated(&self) -> bool {
        !self.peer_chain.is_empty()
    }

    /// The identities in the peer's certificate: SAN DNS, URI and IP entries, then the
    /// subject's CN (grpcio's `peer_identities()`). Empty without a peer certificate.
    pub fn peer_identities(&self) -> &[Identity] {
        &self.identities
    }

    /// The peer's leaf certificate, DER.
    pub fn peer_certificate_der(&self) -> Option<&[u8]> {
        self.peer_chain.first().map(Vec::as_slice)
    }

    /// The peer's leaf certificate, PEM (gRPC's `x509_pem_cert`).
    pub fn peer_certificate_pem(&self) -> Option<String> {
        self.peer_certificate_der().map(pem)
    }

    /// The peer's whole chain, DER, leaf first.
    pub fn peer_certificate_chain(&self) -> &[Vec<u8>] {
        &self.peer_chain
    }
}

/// The identities a DER certificate names; none if it does not parse (it was verified by the
/// handshake, so that does not happen for a real peer).
fn identities_of(der: &[u8]) -> Vec<Identity> {
    use x509_parser::extensions::GeneralName;
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        tracing::debug!("the peer certificate did not parse for its identities");
        return Vec::new();
    };
    let mut identities = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(dns) => identities.push(Identity::Dns((*dns).to_owned())),
                GeneralName::URI(uri) => identities.push(Identity::Uri((*uri).to_owned())),
                GeneralName::IPAddress(bytes) => match bytes.len() {
                    4 => {
                        let octets: [u8; 4] = (*bytes).try_into().expect("4 bytes");
                        identities.push(Identity::Ip(IpAddr::from(octets)));
                    }
                    16 => {
                        let octets: [u8; 16] = (*bytes).try_into().expect("16 bytes");
                        identities.push(Identity::Ip(IpAddr::from(octets)));
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
    for cn in cert.subject().iter_common_name() {
        if let Ok(cn) = cn.as_str() {
            identities.push(Identity::CommonName(cn.to_owned()));
        }
    }
    identities
}

fn pem(der: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in encoded.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_names_are_grpcs() {
        assert_eq!(SecurityType::Tls.as_str(), "ssl");
        assert_eq!(SecurityType::Local.as_str(), "local");
        assert_eq!(AuthContext::insecure().security_type().as_str(), "insecure");
        assert!(!AuthContext::local().is_peer_authenticated());
    }

    #[test]
    fn pem_wraps_at_64_columns() {
        let text = pem(&[0u8; 100]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines.last(), Some(&"-----END CERTIFICATE-----"));
    }

    #[test]
    fn garbage_has_no_identities() {
        let auth = AuthContext::tls(vec![b"not a certificate".to_vec()]);
        assert!(auth.is_peer_authenticated());
        assert!(auth.peer_identities().is_empty());
    }
}
