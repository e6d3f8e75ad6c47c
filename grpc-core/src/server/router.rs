//! Routing by path (`/{package}.{Service}/{Method}`) to registered services, and the per-call
//! facts (peer, deadline, limits) the router hands to handlers.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::uri::PathAndQuery;
use http::HeaderValue;
use tokio::time::Instant;

use super::body::{RequestBody, ResponseBody};
use super::context::{CallCompression, ConnectionInfo, ServerContext};
use super::handler::{status_response, BoxFuture};
use super::{Limits, Service};
use crate::metadata::{check_received_value, is_reserved_lowercase};
use crate::protocol::headers::content_subtype;
use crate::protocol::{timeout, Compression, CompressionSet};
use crate::status::Status;

/// The services of a server, by full name.
pub(crate) struct Router {
    /// Sorted by name. A server has a handful of services: a binary search compares a name or
    /// two, where hashing the name (SipHash) cost more than the rest of the routing.
    services: Box<[(&'static str, Arc<dyn Service>)]>,
    limits: Arc<Limits>,
}

impl Router {
    pub(crate) fn new(
        services: HashMap<&'static str, Arc<dyn Service>>,
        limits: Arc<Limits>,
    ) -> Self {
        let mut services: Vec<_> = services.into_iter().collect();
        services.sort_unstable_by_key(|(name, _)| *name);
        Router {
            services: services.into_boxed_slice(),
            limits,
        }
    }

    /// The service named `name`, if the server has it.
    fn service(&self, name: &str) -> Option<&Arc<dyn Service>> {
        let found = self.services.binary_search_by(|(key, _)| (*key).cmp(name));
        found.ok().map(|at| &self.services[at].1)
    }

    /// Routes one request; never fails: every problem becomes a gRPC status response.
    pub(crate) fn route(
        &self,
        request: http::Request<h2::RecvStream>,
        connection: &Arc<ConnectionInfo>,
    ) -> RouteFuture {
        // The deadline runs from here, when the headers arrived, whatever the call waits for.
        let arrived = Instant::now();
        let headers = RequestHeaders::read(request.headers());
        let subtype = headers
            .content_type
            .and_then(|ct| content_subtype(ct.as_bytes()));
        let Some(subtype) = subtype else {
            let mut response = status_response(&Status::invalid_argument(format!(
                "content-type {:?} is not application/grpc",
                request.headers().get(http::header::CONTENT_TYPE)
            )));
            *response.status_mut() = http::StatusCode::UNSUPPORTED_MEDIA_TYPE;
            return RouteFuture::ready(response);
        };
        if request.method() != http::Method::POST {
            let mut response = status_response(&Status::internal(format!(
                "method {} is not allowed: gRPC calls are POST",
                request.method()
            )));
            *response.status_mut() = http::StatusCode::METHOD_NOT_ALLOWED;
            return RouteFuture::ready(response);
        }
        if subtype != "proto" {
            // A codec we do not serve is refused, never decoded as protobuf.
            return RouteFuture::ready(status_response(&Status::unimplemented(format!(
                "content-type application/grpc+{subtype} is not served: this server speaks application/grpc+proto"
            ))));
        }
        if let Some(problem) = headers.bad_metadata {
            return RouteFuture::ready(status_response(&Status::internal(problem)));
        }
        // A cheap clone (the path shares the request's buffer): the context keeps it.
        let path = request
            .uri()
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| PathAndQuery::from_static("/"));
        let Some((service, method)) = path.path().strip_prefix('/').and_then(split_method_path)
        else {
            return RouteFuture::ready(status_response(&Status::unimplemented(format!(
                "malformed method path {:?}",
                path.path()
            ))));
        };
        let Some(svc) = self.service(service) else {
            return RouteFuture::ready(status_response(&Status::unimplemented(format!(
                "unknown service {service}"
            ))));
        };
        let deadline = match headers.timeout {
            None => None,
            Some(value) => match timeout::parse(value.as_bytes()) {
                Some(timeout) => Some(arrived + timeout),
                None => {
                    return RouteFuture::ready(status_response(&Status::internal(format!(
                        "malformed grpc-timeout {value:?}"
                    ))))
                }
            },
        };
        let info = CallInfo {
            limits: self.limits.clone(),
            connection: connection.clone(),
            deadline,
            method: path.clone(),
            encoding: headers.encoding.cloned(),
            peer_accepts: headers.peer_accepts,
        };
        let request = request.map(|body| RequestBody { body, info });
        // The service only matches on `method` before it returns its future.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| svc.call(method, request))) {
            Ok(call) => match deadline {
                None => RouteFuture::Call(call),
                Some(at) => RouteFuture::Timed(call, Box::pin(tokio::time::sleep_until(at)), at),
            },
            Err(_) => RouteFuture::ready(status_response(&Status::unknown("handler panicked"))),
        }
    }
}

/// `package.Service/Method` as its two names. A byte loop: the path is short, and
/// `str::split_once` costs several times more on it.
fn split_method_path(path: &str) -> Option<(&str, &str)> {
    let slash = path.bytes().position(|b| b == b'/')?;
    // `/` is ASCII: both sides are on character boundaries.
    Some((&path[..slash], &path[slash + 1..]))
}

/// A routed call: an immediate response, or the service's handler (a panic in it becomes
/// UNKNOWN), under the call's deadline when it has one. Not boxed: the connection keeps it in the
/// stream's future. The immediate response (a refused call, rare) is, to keep that future small.
///
/// The deadline covers everything until the response headers: waiting for the request
/// message (a body that never comes, or comes half), the handler, and a deadline already past
/// when the call arrives (`grpc-timeout: 1n`) is DEADLINE_EXCEEDED before the handler runs.
/// Dropping the handler's future cancels its context. After the headers, the response stream
/// enforces the deadline itself.
pub(crate) enum RouteFuture {
    Ready(Option<Box<http::Response<ResponseBody>>>),
    Call(BoxFuture<http::Response<ResponseBody>>),
    Timed(
        BoxFuture<http::Response<ResponseBody>>,
        Pin<Box<tokio::time::Sleep>>,
        Instant,
    ),
}

impl RouteFuture {
    /// The call's deadline, if it has one.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match self {
            RouteFuture::Timed(_, _, at) => Some(*at),
            _ => None,
        }
    }

    fn ready(response: http::Response<ResponseBody>) -> Self {
        RouteFuture::Ready(Some(Box::new(response)))
    }
}

impl Future for RouteFuture {
    type Output = http::Response<ResponseBody>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            RouteFuture::Ready(response) => match response.take() {
                Some(response) => Poll::Ready(*response),
                None => Poll::Pending,
            },
            RouteFuture::Call(call) => poll_call(call, cx),
            RouteFuture::Timed(call, sleep, at) => {
                let expired = || {
                    Poll::Ready(status_response(&Status::deadline_exceeded(
                        "deadline exceeded",
                    )))
                };
                if Instant::now() >= *at {
                    return expired();
                }
                if let Poll::Ready(response) = poll_call(call, cx) {
                    return Poll::Ready(response);
                }
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => expired(),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

fn poll_call(
    call: &mut BoxFuture<http::Response<ResponseBody>>,
    cx: &mut Context<'_>,
) -> Poll<http::Response<ResponseBody>> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| call.as_mut().poll(cx))) {
        Ok(polled) => polled,
        Err(_) => Poll::Ready(status_response(&Status::unknown("handler panicked"))),
    }
}

/// What the router learned about a call, carried to the handler in the request body.
#[derive(Clone, Debug)]
pub(crate) struct CallInfo {
    pub(crate) limits: Arc<Limits>,
    pub(crate) connection: Arc<ConnectionInfo>,
    pub(crate) deadline: Option<Instant>,
    /// The full method path.
    pub(crate) method: PathAndQuery,
    /// The request's `grpc-encoding`.
    pub(crate) encoding: Option<HeaderValue>,
    /// What the request's `grpc-accept-encoding` lists.
    pub(crate) peer_accepts: CompressionSet,
}

impl CallInfo {
    /// The handler's context for a request with `headers`, compressed with `request` (its
    /// `grpc-encoding`, already checked against what the server accepts).
    pub(crate) fn context(
        &self,
        headers: http::HeaderMap,
        request: Option<Compression>,
    ) -> ServerContext {
        let compression = CallCompression {
            request,
            peer_accepts: self.peer_accepts,
            request_compressed: Default::default(),
        };
        ServerContext::new(
            self.method.clone(),
            headers,
            self.connection.clone(),
            self.deadline,
            compression,
        )
    }
}

/// What routing and the handler's context need from a request's headers, read in one pass
/// over them (a lookup each would hash every name again), which also checks the metadata.
struct RequestHeaders<'a> {
    content_type: Option<&'a HeaderValue>,
    timeout: Option<&'a HeaderValue>,
    encoding: Option<&'a HeaderValue>,
    peer_accepts: CompressionSet,
    /// The first malformed metadata value, if any (see [`check_received_value`]).
    bad_metadata: Option<String>,
}

impl<'a> RequestHeaders<'a> {
    fn read(headers: &'a http::HeaderMap) -> Self {
        let mut read = RequestHeaders {
            content_type: None,
            timeout: None,
            encoding: None,
            peer_accepts: CompressionSet::default(),
            bad_metadata: None,
        };
        for (key, value) in headers {
            match key.as_str() {
                "content-type" => {
                    read.content_type.get_or_insert(value);
                }
                "grpc-timeout" => {
                    read.timeout.get_or_insert(value);
                }
                "grpc-encoding" => {
                    read.encoding.get_or_insert(value);
                }
                "grpc-accept-encoding" => read.peer_accepts.add_accepted(value),
                other if is_reserved_lowercase(other) => {}
                _ => {
                    if read.bad_metadata.is_none() {
                        read.bad_metadata = check_received_value(key, value).err();
                    }
                }
            }
        }
        read
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_paths_split_at_the_first_slash() {
        assert_eq!(split_method_path("a.B/C"), Some(("a.B", "C")));
        assert_eq!(split_method_path("a.B/C/D"), Some(("a.B", "C/D")));
        assert_eq!(split_method_path("é.B/ü"), Some(("é.B", "ü")));
        assert_eq!(split_method_path("a.B"), None);
    }

    #[test]
    fn one_pass_reads_what_routing_needs_and_checks_the_metadata() {
        let mut headers = http::HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/grpc"));
        headers.insert("grpc-timeout", HeaderValue::from_static("5S"));
        headers.insert("grpc-encoding", HeaderValue::from_static("gzip"));
        headers.append(
            "grpc-accept-encoding",
            HeaderValue::from_static("identity,zstd"),
        );
        headers.append("grpc-accept-encoding", HeaderValue::from_static(" deflate"));
        // A reserved header is not metadata: never checked as such.
        headers.insert("te", HeaderValue::from_static("trailers"));
        headers.insert("x-ok", HeaderValue::from_static("fine"));
        let read = RequestHeaders::read(&headers);
        assert_eq!(read.content_type.unwrap(), "application/grpc");
        assert_eq!(read.timeout.unwrap(), "5S");
        assert_eq!(read.encoding.unwrap(), "gzip");
        assert!(read.peer_accepts.contains(Compression::Zstd));
        assert!(read.peer_accepts.contains(Compression::Deflate));
        assert!(!read.peer_accepts.contains(Compression::Gzip));
        assert_eq!(read.bad_metadata, None);

        headers.insert("x-first-bin", HeaderValue::from_static("not base64!"));
        headers.insert("x-second", HeaderValue::from_bytes(b"tab\there").unwrap());
        let read = RequestHeaders::read(&headers);
        let problem = read.bad_metadata.unwrap();
        assert!(
            problem.contains("x-first-bin"),
            "the first one found: {problem}"
        );
    }
}
