//! Routing by path (`/{package}.{Service}/{Method}`) to registered services, and the per-call
//! facts (peer, deadline, limits) the router hands to handlers.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::FutureExt;
use tokio::time::Instant;

use super::body::{RequestBody, ResponseBody};
use super::context::{CallCompression, Peer, ServerContext};
use super::handler::{status_response, BoxFuture};
use super::{Limits, Service};
use crate::metadata::MetadataMap;
use crate::protocol::headers::{is_grpc_content_type, GRPC_TIMEOUT};
use crate::protocol::{accepted_by_peer, timeout};
use crate::status::Status;

/// The services of a server, by full name.
pub(crate) struct Router {
    services: HashMap<&'static str, Arc<dyn Service>>,
    limits: Arc<Limits>,
}

impl Router {
    pub(crate) fn new(
        services: HashMap<&'static str, Arc<dyn Service>>,
        limits: Arc<Limits>,
    ) -> Self {
        Router { services, limits }
    }

    /// Routes one request; never fails: every problem becomes a gRPC status response.
    pub(crate) fn route(
        &self,
        request: http::Request<hyper::body::Incoming>,
        peer: Option<Peer>,
    ) -> BoxFuture<http::Response<ResponseBody>> {
        let is_grpc = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|ct| is_grpc_content_type(ct.as_bytes()));
        if !is_grpc {
            let mut response = status_response(&Status::invalid_argument(format!(
                "content-type {:?} is not application/grpc",
                request.headers().get(http::header::CONTENT_TYPE)
            )));
            *response.status_mut() = http::StatusCode::UNSUPPORTED_MEDIA_TYPE;
            return ready(response);
        }
        if request.method() != http::Method::POST {
            let mut response = status_response(&Status::internal(format!(
                "method {} is not allowed: gRPC calls are POST",
                request.method()
            )));
            *response.status_mut() = http::StatusCode::METHOD_NOT_ALLOWED;
            return ready(response);
        }
        let path = request.uri().path();
        let Some((service, method)) = path.strip_prefix('/').and_then(|p| p.split_once('/')) else {
            return ready(status_response(&Status::unimplemented(format!(
                "malformed method path {path:?}"
            ))));
        };
        let Some(svc) = self.services.get(service) else {
            return ready(status_response(&Status::unimplemented(format!(
                "unknown service {service}"
            ))));
        };
        let svc = svc.clone();
        let method = method.to_owned();
        let deadline = match request.headers().get(GRPC_TIMEOUT) {
            None => None,
            Some(value) => match timeout::parse(value.as_bytes()) {
                Some(timeout) => Some(Instant::now() + timeout),
                None => {
                    return ready(status_response(&Status::internal(format!(
                        "malformed grpc-timeout {value:?}"
                    ))))
                }
            },
        };
        let mut request = request.map(RequestBody);
        request.extensions_mut().insert(CallInfo {
            limits: self.limits.clone(),
            peer,
            deadline,
            method: String::new(),
        });
        let call = std::panic::AssertUnwindSafe(svc.call(&method, request)).catch_unwind();
        Box::pin(call.map(|outcome| match outcome {
            Ok(response) => response,
            Err(_) => status_response(&Status::unknown("handler panicked")),
        }))
    }
}

fn ready(response: http::Response<ResponseBody>) -> BoxFuture<http::Response<ResponseBody>> {
    Box::pin(std::future::ready(response))
}

/// What the router learned about a call, carried to the handler in the request extensions.
#[derive(Clone, Debug)]
pub(crate) struct CallInfo {
    pub(crate) limits: Arc<Limits>,
    pub(crate) peer: Option<Peer>,
    pub(crate) deadline: Option<Instant>,
    /// The full method path; filled in by [`CallInfo::of`].
    pub(crate) method: String,
}

impl CallInfo {
    pub(crate) fn of<B>(request: &http::Request<B>) -> CallInfo {
        let mut info = request
            .extensions()
            .get::<CallInfo>()
            .cloned()
            .unwrap_or_else(|| CallInfo {
                limits: Arc::new(Limits::default()),
                peer: None,
                deadline: None,
                method: String::new(),
            });
        info.method = request.uri().path().to_owned();
        info
    }

    /// The handler's context for a request with `headers`.
    pub(crate) fn context(
        &self,
        headers: http::HeaderMap,
        request_compressed: Option<bool>,
    ) -> ServerContext {
        let compression = CallCompression {
            request: headers
                .get(crate::protocol::headers::GRPC_ENCODING)
                .and_then(|v| v.to_str().ok())
                .and_then(crate::protocol::Compression::from_name),
            peer_accepts: accepted_by_peer(&headers),
            request_compressed,
        };
        ServerContext::new(
            self.method.clone(),
            MetadataMap::from_headers(headers),
            self.peer.clone(),
            self.deadline,
            compression,
        )
    }
}
