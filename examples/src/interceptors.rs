//! Interceptors the examples use: a logging-and-timing pair (client and server) that works
//! for every call pattern, and a server interceptor requiring a bearer token.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use grpc_core::client::{CallInfo, Intercept};
use grpc_core::intercept::{BoxFuture, CallObserver, DynMessage};
use grpc_core::{ServerContext, Status};

/// Logs each call's start, its messages and its end with the time it took. `side` prefixes
/// the lines (`client` or `server`).
struct CallLog {
    side: &'static str,
    method: String,
    started: Instant,
    requests: AtomicUsize,
    responses: AtomicUsize,
}

impl CallLog {
    fn new(side: &'static str, method: &str) -> CallLog {
        println!("{side} {method} started");
        CallLog {
            side,
            method: method.to_owned(),
            started: Instant::now(),
            requests: AtomicUsize::new(0),
            responses: AtomicUsize::new(0),
        }
    }
}

impl CallObserver for CallLog {
    fn on_request(&self, message: &mut dyn DynMessage) {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        println!("{} {} request #{n}: {message:?}", self.side, self.method);
    }

    fn on_response(&self, message: &mut dyn DynMessage) {
        let n = self.responses.fetch_add(1, Ordering::Relaxed) + 1;
        println!("{} {} response #{n}: {message:?}", self.side, self.method);
    }

    fn on_end(&self, status: &Status) {
        println!(
            "{} {} ended {} after {:.1} ms ({} requests, {} responses)",
            self.side,
            self.method,
            status.code(),
            self.started.elapsed().as_secs_f64() * 1000.0,
            self.requests.load(Ordering::Relaxed),
            self.responses.load(Ordering::Relaxed)
        );
    }
}

/// A client interceptor that logs and times every call.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientLogging;

impl grpc_core::client::Interceptor for ClientLogging {
    fn intercept<'a>(&'a self, call: &'a mut CallInfo) -> BoxFuture<'a, Result<Intercept, Status>> {
        Box::pin(async move { Ok(Intercept::observe(CallLog::new("client", call.method()))) })
    }
}

/// A server interceptor that logs and times every call, with its peer and security type.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerLogging;

impl grpc_core::server::Interceptor for ServerLogging {
    fn intercept<'a>(
        &'a self,
        ctx: &'a ServerContext,
    ) -> BoxFuture<'a, Result<Option<Box<dyn CallObserver>>, Status>> {
        Box::pin(async move {
            let peer = ctx.peer().map(|p| p.to_string()).unwrap_or_default();
            println!(
                "server {} from {peer} over {}",
                ctx.method(),
                ctx.auth_context().security_type().as_str()
            );
            let log: Box<dyn CallObserver> = Box::new(CallLog::new("server", ctx.method()));
            Ok(Some(log))
        })
    }
}

/// Answers UNAUTHENTICATED unless the call carries `authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct RequireToken {
    expected: String,
}

impl RequireToken {
    /// Requires `token`.
    pub fn new(token: &str) -> Self {
        RequireToken {
            expected: format!("Bearer {token}"),
        }
    }
}

impl grpc_core::server::Interceptor for RequireToken {
    fn intercept<'a>(
        &'a self,
        ctx: &'a ServerContext,
    ) -> BoxFuture<'a, Result<Option<Box<dyn CallObserver>>, Status>> {
        Box::pin(async move {
            match ctx.request_metadata().get("authorization") {
                Some(value) if value.as_bytes() == self.expected.as_bytes() => Ok(None),
                Some(_) => Err(Status::unauthenticated("the bearer token is not valid")),
                None => Err(Status::unauthenticated("a bearer token is required")),
            }
        })
    }
}
