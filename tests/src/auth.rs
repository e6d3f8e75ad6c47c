//! A service that tells the caller what the server knows of it: the auth context (security
//! type, certificate identities, PEM) and the credentials metadata that arrived.

use grpc_core::{Message, ServerContext, Status};

/// Nothing.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "authprobe")]
pub struct Empty {}

/// What the server saw.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "authprobe")]
pub struct AuthReply {
    /// `ssl`, `local` or `insecure`.
    pub security: String,
    /// Whether the peer's certificate was verified.
    pub authenticated: bool,
    /// The peer certificate's identities, as text.
    pub identities: Vec<String>,
    /// The peer certificate, PEM (empty without one).
    pub pem: String,
    /// The `authorization` metadata (empty without).
    pub authorization: String,
    /// The `x-signature` metadata (empty without).
    pub signature: String,
}

/// The service.
#[grpc_core::service(package = "authprobe")]
pub trait Auth: Send + Sync + 'static {
    /// Reports what the server knows of the caller.
    async fn who_am_i(&self, ctx: &ServerContext, request: Empty) -> Result<AuthReply, Status>;
}

/// The implementation.
#[derive(Debug, Clone, Copy)]
pub struct AuthService;

impl Auth for AuthService {
    async fn who_am_i(&self, ctx: &ServerContext, _: Empty) -> Result<AuthReply, Status> {
        let auth = ctx.auth_context();
        let text = |key: &str| {
            ctx.request_metadata()
                .get(key)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        Ok(AuthReply {
            security: auth.security_type().as_str().to_owned(),
            authenticated: auth.is_peer_authenticated(),
            identities: auth
                .peer_identities()
                .iter()
                .map(|i| i.to_string())
                .collect(),
            pem: auth.peer_certificate_pem().unwrap_or_default(),
            authorization: text("authorization"),
            signature: text("x-signature"),
        })
    }
}
