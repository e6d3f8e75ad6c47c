//! Server interceptors: asked before each call's handler, in the order they were registered.

use std::sync::Arc;

use futures_util::FutureExt;

use super::context::ServerContext;
use crate::intercept::{BoxFuture, CallObserver, Observers};
use crate::status::Status;

/// Runs before every call's handler.
///
/// An [`Interceptor`] sees the call's [`ServerContext`] (method, request metadata, peer, auth
/// context, deadline) before the handler runs. It may reject the call with a status (the
/// handler never runs, the later interceptors are not asked), or let it go on, optionally
/// with a [`CallObserver`] that sees each request and response message (and may change them)
/// and the call's final status, for every call pattern.
///
/// ```
/// use grpc_core::intercept::{BoxFuture, CallObserver};
/// use grpc_core::server::Interceptor;
/// use grpc_core::{ServerContext, Status};
///
/// /// Answers UNAUTHENTICATED unless the call carries `authorization: Bearer <token>`.
/// struct RequireToken(String);
///
/// impl Interceptor for RequireToken {
///     fn intercept<'a>(
///         &'a self,
///         ctx: &'a ServerContext,
///     ) -> BoxFuture<'a, Result<Option<Box<dyn CallObserver>>, Status>> {
///         Box::pin(async move {
///             let expected = format!("Bearer {}", self.0);
///             match ctx.request_metadata().get("authorization") {
///                 Some(value) if value.as_bytes() == expected.as_bytes() => Ok(None),
///                 _ => Err(Status::unauthenticated("a valid bearer token is required")),
///             }
///         })
///     }
/// }
///
/// let server = grpc_core::Server::builder()
///     .interceptor(RequireToken("secret".into()))
///     .build();
/// # let _ = server;
/// ```
pub trait Interceptor: Send + Sync + 'static {
    /// Decides whether the call goes on: `Ok(None)` to go on, `Ok(Some(observer))` to go on
    /// with `observer` watching this call's messages and end, `Err(status)` to answer with
    /// `status` without running the handler.
    ///
    /// It may also set response metadata through the context
    /// ([`ServerContext::initial_metadata_mut`], [`ServerContext::trailing_metadata_mut`]).
    #[allow(clippy::type_complexity)]
    fn intercept<'a>(
        &'a self,
        ctx: &'a ServerContext,
    ) -> BoxFuture<'a, Result<Option<Box<dyn CallObserver>>, Status>>;
}

/// A server's interceptors, in registration order.
#[derive(Clone, Default)]
pub(crate) struct Chain(Arc<[Arc<dyn Interceptor>]>);

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain").field("len", &self.0.len()).finish()
    }
}

impl Chain {
    pub(crate) fn new(interceptors: Vec<Arc<dyn Interceptor>>) -> Self {
        Chain(interceptors.into())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Asks each interceptor in turn. The observers of those that let the call on hear its
    /// end through the context's callbacks, also when a later one rejects it.
    pub(crate) async fn run(&self, ctx: &ServerContext) -> Result<Option<Observers>, Status> {
        let mut observers = Vec::new();
        let mut outcome = Ok(());
        for interceptor in self.0.iter() {
            // A panicking interceptor fails its call (UNKNOWN), not the server.
            let asked = std::panic::AssertUnwindSafe(interceptor.intercept(ctx))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| Err(Status::unknown("a server interceptor panicked")));
            match asked {
                Ok(Some(observer)) => observers.push(observer),
                Ok(None) => {}
                Err(status) => {
                    outcome = Err(status);
                    break;
                }
            }
        }
        if observers.is_empty() {
            return outcome.map(|()| None);
        }
        let observers = Observers::new(observers);
        let ending = observers.clone();
        ctx.add_callback(move |status| ending.end(status));
        outcome.map(|()| Some(observers))
    }
}
