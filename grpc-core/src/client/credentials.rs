//! Call credentials: metadata that authenticates each call (gRPC's `CallCredentials`).
//!
//! An access token, an async plugin, or a composite of several; set per channel
//! ([`ChannelBuilder::call_credentials`](crate::client::ChannelBuilder::call_credentials)) or
//! per call (`.credentials(...)` on a call builder); both apply when both are set. They are
//! sent only over a secure channel: TLS, or local credentials
//! ([`ChannelBuilder::local_credentials`](crate::client::ChannelBuilder::local_credentials)).
//!
//! ```
//! use grpc_core::client::{AuthMetadataContext, CallCredentials, CredentialsPlugin};
//! use grpc_core::intercept::BoxFuture;
//! use grpc_core::metadata::MetadataMap;
//! use grpc_core::Status;
//!
//! /// Signs each call for the service it goes to.
//! struct Signer;
//!
//! impl CredentialsPlugin for Signer {
//!     fn get_metadata<'a>(
//!         &'a self,
//!         context: &'a AuthMetadataContext,
//!     ) -> BoxFuture<'a, Result<MetadataMap, Status>> {
//!         Box::pin(async move {
//!             let mut metadata = MetadataMap::new();
//!             let signature = format!("sig({}{})", context.service_url(), context.method_name());
//!             metadata.insert("x-signature", signature.parse().map_err(Status::internal)?);
//!             Ok(metadata)
//!         })
//!     }
//! }
//!
//! let credentials = CallCredentials::access_token("t0k3n").and(CallCredentials::plugin(Signer));
//! # let _ = credentials;
//! ```

use std::fmt;
use std::sync::Arc;

use crate::intercept::BoxFuture;
use crate::metadata::{AsciiMetadataValue, MetadataMap};
use crate::status::Status;

/// What a credentials plugin is told about the call (gRPC's auth metadata context).
#[derive(Debug, Clone)]
pub struct AuthMetadataContext {
    service_url: String,
    method_name: String,
}

impl AuthMetadataContext {
    /// `https://host[:port]/package.Service` (the port is left out when it is 443), as gRPC
    /// computes it.
    pub fn service_url(&self) -> &str {
        &self.service_url
    }

    /// The method's name, e.g. `SayHello`.
    pub fn method_name(&self) -> &str {
        &self.method_name
    }

    /// The context of a call of `path` (`/package.Service/Method`) to `authority`.
    pub(crate) fn new(authority: &str, path: &str) -> Self {
        let (service, method) = path
            .strip_prefix('/')
            .and_then(|p| p.rsplit_once('/'))
            .unwrap_or((path, ""));
        let host = authority.strip_suffix(":443").unwrap_or(authority);
        AuthMetadataContext {
            service_url: format!("https://{host}/{service}"),
            method_name: method.to_owned(),
        }
    }
}

/// Makes the metadata of each call, asynchronously (gRPC's metadata credentials plugin).
pub trait CredentialsPlugin: Send + Sync + 'static {
    /// The metadata to add to a call. An error fails the call with UNAVAILABLE carrying its
    /// message (gRFC A54).
    fn get_metadata<'a>(
        &'a self,
        context: &'a AuthMetadataContext,
    ) -> BoxFuture<'a, Result<MetadataMap, Status>>;
}

/// Credentials attached to calls. Cheap to clone.
#[derive(Clone)]
pub struct CallCredentials(Arc<Kind>);

enum Kind {
    /// The header value, or why the token cannot be one.
    Token(Result<AsciiMetadataValue, String>),
    Plugin(Box<dyn CredentialsPlugin>),
    Composite(Vec<CallCredentials>),
}

impl CallCredentials {
    /// Sends `authorization: Bearer <token>` (grpcio's `access_token_call_credentials`). A
    /// token that cannot be a header value (control characters) fails each call with
    /// UNAVAILABLE saying so.
    pub fn access_token(token: &str) -> CallCredentials {
        let value = format!("Bearer {token}")
            .parse()
            .map_err(|e| format!("the access token is not a valid header value: {e}"));
        CallCredentials(Arc::new(Kind::Token(value)))
    }

    /// Asks `plugin` for each call's metadata (grpcio's `metadata_call_credentials`).
    pub fn plugin(plugin: impl CredentialsPlugin) -> CallCredentials {
        CallCredentials(Arc::new(Kind::Plugin(Box::new(plugin))))
    }

    /// These credentials and then `other` (grpcio's `composite_call_credentials`).
    pub fn and(self, other: CallCredentials) -> CallCredentials {
        CallCredentials(Arc::new(Kind::Composite(vec![self, other])))
    }

    /// All of `credentials`, in order.
    pub fn composite(credentials: impl IntoIterator<Item = CallCredentials>) -> CallCredentials {
        CallCredentials(Arc::new(Kind::Composite(credentials.into_iter().collect())))
    }

    /// Adds these credentials' metadata to `metadata`.
    pub(crate) fn apply<'a>(
        &'a self,
        context: &'a AuthMetadataContext,
        metadata: &'a mut MetadataMap,
    ) -> BoxFuture<'a, Result<(), Status>> {
        Box::pin(async move {
            match &*self.0 {
                Kind::Token(Ok(value)) => {
                    metadata.insert("authorization", value.clone());
                }
                Kind::Token(Err(why)) => return Err(Status::unavailable(why.clone())),
                Kind::Plugin(plugin) => {
                    let added = plugin.get_metadata(context).await.map_err(|status| {
                        Status::unavailable(format!(
                            "call credentials plugin failed: {}",
                            status.message()
                        ))
                    })?;
                    let mut headers = added.into_headers();
                    metadata.as_mut().extend(headers.drain());
                }
                Kind::Composite(all) => {
                    for credentials in all {
                        credentials.apply(context, metadata).await?;
                    }
                }
            }
            Ok(())
        })
    }
}

impl fmt::Debug for CallCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            Kind::Token(_) => f.write_str("CallCredentials::AccessToken(..)"),
            Kind::Plugin(_) => f.write_str("CallCredentials::Plugin(..)"),
            Kind::Composite(all) => f
                .debug_tuple("CallCredentials::Composite")
                .field(all)
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_url_as_grpc_makes_it() {
        let context = AuthMetadataContext::new("example.com:443", "/helloworld.Greeter/SayHello");
        assert_eq!(
            context.service_url(),
            "https://example.com/helloworld.Greeter"
        );
        assert_eq!(context.method_name(), "SayHello");
        let context = AuthMetadataContext::new("localhost:50051", "/a.B/C");
        assert_eq!(context.service_url(), "https://localhost:50051/a.B");
    }

    #[tokio::test]
    async fn composites_apply_in_order() {
        struct Fails;
        impl CredentialsPlugin for Fails {
            fn get_metadata<'a>(
                &'a self,
                _: &'a AuthMetadataContext,
            ) -> BoxFuture<'a, Result<MetadataMap, Status>> {
                Box::pin(async { Err(Status::internal("no key today")) })
            }
        }
        let context = AuthMetadataContext::new("h:1", "/a.B/C");
        let mut metadata = MetadataMap::new();
        CallCredentials::access_token("x")
            .apply(&context, &mut metadata)
            .await
            .unwrap();
        assert_eq!(
            metadata.get("authorization").unwrap().as_bytes(),
            b"Bearer x"
        );
        let failing = CallCredentials::composite([
            CallCredentials::access_token("y"),
            CallCredentials::plugin(Fails),
        ]);
        let status = failing.apply(&context, &mut metadata).await.unwrap_err();
        assert_eq!(status.code(), crate::Code::Unavailable);
        assert!(status.message().contains("no key today"), "{status}");
    }
}
