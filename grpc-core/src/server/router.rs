//! Routing by path (`/{package}.{Service}/{Method}`) to registered services, and the per-call
//! facts (peer, deadline, limits) the router hands to handlers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::time::Instant;
use tonic::body::Body;

use super::context::{Peer, ServerContext};
use super::handler::BoxFuture;
use super::{Limits, Service};
use crate::metadata::MetadataMap;
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
        mut request: http::Request<Body>,
        peer: Option<Peer>,
    ) -> BoxFuture<http::Response<Body>> {
        let is_grpc = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|ct| ct.as_bytes().starts_with(b"application/grpc"));
        if !is_grpc {
            let response = http::Response::builder()
                .status(http::StatusCode::UNSUPPORTED_MEDIA_TYPE)
                .header("grpc-status", "3")
                .header(
                    "grpc-message",
                    "content-type%20is%20not%20application%2Fgrpc",
                )
                .body(Body::empty())
                .unwrap_or_default();
            return Box::pin(std::future::ready(response));
        }
        let path = request.uri().path();
        let Some((service, method)) = path.strip_prefix('/').and_then(|p| p.split_once('/')) else {
            return status_response(Status::unimplemented(format!(
                "malformed method path {path:?}"
            )));
        };
        let Some(svc) = self.services.get(service) else {
            return status_response(Status::unimplemented(format!("unknown service {service}")));
        };
        let svc = svc.clone();
        let method = method.to_owned();
        let deadline = request
            .headers()
            .get("grpc-timeout")
            .and_then(|v| parse_grpc_timeout(v.as_bytes()))
            .map(|timeout| Instant::now() + timeout);
        request.extensions_mut().insert(CallInfo {
            limits: self.limits.clone(),
            peer,
            deadline,
            method: String::new(),
        });
        let call = std::panic::AssertUnwindSafe(svc.call(&method, request)).catch_unwind();
        Box::pin(call.map(|outcome| match outcome {
            Ok(response) => response,
            Err(_) => Status::unknown("handler panicked").into_tonic().into_http(),
        }))
    }
}

/// A trailers-only response carrying `status`.
pub(crate) fn status_response(status: Status) -> BoxFuture<http::Response<Body>> {
    Box::pin(std::future::ready(status.into_tonic().into_http()))
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

    pub(crate) fn context(
        &self,
        metadata: MetadataMap,
        request_compressed: Option<bool>,
    ) -> ServerContext {
        ServerContext::new(
            self.method.clone(),
            metadata,
            self.peer.clone(),
            self.deadline,
            request_compressed,
        )
    }
}

/// Parses a `grpc-timeout` value: up to 8 digits and a unit (H, M, S, m, u, n).
pub(crate) fn parse_grpc_timeout(value: &[u8]) -> Option<Duration> {
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let amount: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(match unit {
        b"H" => Duration::from_secs(amount * 3600),
        b"M" => Duration::from_secs(amount * 60),
        b"S" => Duration::from_secs(amount),
        b"m" => Duration::from_millis(amount),
        b"u" => Duration::from_micros(amount),
        b"n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeout_units() {
        assert_eq!(parse_grpc_timeout(b"1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout(b"2M"), Some(Duration::from_secs(120)));
        assert_eq!(parse_grpc_timeout(b"3S"), Some(Duration::from_secs(3)));
        assert_eq!(parse_grpc_timeout(b"40m"), Some(Duration::from_millis(40)));
        assert_eq!(parse_grpc_timeout(b"5u"), Some(Duration::from_micros(5)));
        assert_eq!(
            parse_grpc_timeout(b"99999999n"),
            Some(Duration::from_nanos(99_999_999))
        );
    }

    #[test]
    fn grpc_timeout_rejects_garbage() {
        for bad in [&b""[..], b"S", b"123456789S", b"12x", b"-1S", b"1.5S"] {
            assert_eq!(parse_grpc_timeout(bad), None, "{bad:?}");
        }
    }
}
