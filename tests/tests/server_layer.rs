//! A tower layer around the whole server: it sees every request before routing, can change
//! responses, and an error from it answers the call with UNAVAILABLE and its message.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use grpc_core::server::{BoxError, GrpcService, Incoming};
use grpc_core::{Code, Server};
use grpc_tests::intercepting::{drain, echo, metadata, ticks};
use grpc_tests::probe::{ProbeClient, ProbeServer, ProbeService, Sleep};
use grpc_tests::servers::TestServer;

/// Counts requests, refuses those without `x-pass`, and stamps responses with `x-layer`.
#[derive(Clone)]
struct Gate {
    inner: GrpcService,
    seen: Arc<AtomicUsize>,
}

struct GateLayer(Arc<AtomicUsize>);

impl tower_layer::Layer<GrpcService> for GateLayer {
    type Service = Gate;
    fn layer(&self, inner: GrpcService) -> Gate {
        Gate {
            inner,
            seen: self.0.clone(),
        }
    }
}

type Response = http::Response<grpc_core::server::ResponseBody>;

impl tower_service::Service<http::Request<Incoming>> for Gate {
    type Response = Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        tower_service::Service::poll_ready(&mut self.inner, cx).map_err(Into::into)
    }

    fn call(&mut self, request: http::Request<Incoming>) -> Self::Future {
        self.seen.fetch_add(1, Ordering::SeqCst);
        if !request.headers().contains_key("x-pass") {
            return Box::pin(async { Err::<Response, BoxError>("no entry without x-pass".into()) });
        }
        let call = tower_service::Service::call(&mut self.inner, request);
        Box::pin(async move {
            let mut response = call.await?;
            response
                .headers_mut()
                .insert("x-layer", http::HeaderValue::from_static("stamped"));
            Ok(response)
        })
    }
}

#[tokio::test]
async fn a_tower_layer_wraps_every_call() {
    let seen = Arc::new(AtomicUsize::new(0));
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::start(
        Server::builder()
            .layer(GateLayer(seen.clone()))
            .add_service(ProbeServer::new(probe)),
    )
    .await;
    let client = ProbeClient::new(server.channel.clone());
    let pass = || metadata(&[("x-pass", "1")]);

    let (reply, details) = client
        .echo(echo("hi"))
        .metadata(pass())
        .with_call()
        .await
        .unwrap();
    assert_eq!(reply.message, "hi");
    assert_eq!(
        details.initial_metadata().get("x-layer").unwrap(),
        "stamped"
    );
    let mut responses = client.echo_ticks(ticks(3)).metadata(pass()).await.unwrap();
    // A bidirectional call resolves before its headers: `headers()` waits for them.
    assert_eq!(
        responses.headers().await.unwrap().get("x-layer").unwrap(),
        "stamped"
    );
    assert_eq!(drain(&mut responses).await, 3);

    let status = client.sleep(Sleep { millis: 1 }).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(
        status.message().contains("no entry without x-pass"),
        "{status:?}"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}

/// Panics in its response future on requests that carry `x-panic`: outside every handler's
/// own panic guard. Made by [`PanickyLayer::CLONE_BOMB`], it panics instead in its second
/// `Clone`: the server clones it for each call, in the connection's own loop (before the call
/// has a future of its own).
struct Panicky {
    inner: GrpcService,
    /// The clones made so far, for a clone bomb.
    clones: Option<Arc<AtomicUsize>>,
}

impl Clone for Panicky {
    fn clone(&self) -> Self {
        if let Some(clones) = &self.clones {
            if clones.fetch_add(1, Ordering::SeqCst) == 1 {
                panic!("the layer's service panicked in clone");
            }
        }
        Panicky {
            inner: self.inner.clone(),
            clones: self.clones.clone(),
        }
    }
}

struct PanickyLayer {
    clone_bomb: bool,
}

impl PanickyLayer {
    const IN_FUTURE: PanickyLayer = PanickyLayer { clone_bomb: false };
    const CLONE_BOMB: PanickyLayer = PanickyLayer { clone_bomb: true };
}

impl tower_layer::Layer<GrpcService> for PanickyLayer {
    type Service = Panicky;
    fn layer(&self, inner: GrpcService) -> Panicky {
        let clones = self.clone_bomb.then(|| Arc::new(AtomicUsize::new(0)));
        Panicky { inner, clones }
    }
}

impl tower_service::Service<http::Request<Incoming>> for Panicky {
    type Response = Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        tower_service::Service::poll_ready(&mut self.inner, cx).map_err(Into::into)
    }

    fn call(&mut self, request: http::Request<Incoming>) -> Self::Future {
        let panics = request.headers().contains_key("x-panic");
        let call = tower_service::Service::call(&mut self.inner, request);
        Box::pin(async move {
            tokio::task::yield_now().await;
            if panics {
                panic!("the layer panicked");
            }
            Ok(call.await?)
        })
    }
}

/// A panic outside the handlers (here in a tower layer) ends that call alone: a call in
/// flight on the same connection completes, and the connection goes on serving. On a
/// current-thread runtime the server polls a connection's streams in the connection's own
/// task, so this is what keeps one stream's panic from ending the others.
async fn a_panicking_layer_fails_only_its_call() {
    a_panic_fails_only_its_call(
        Server::builder().layer(PanickyLayer::IN_FUTURE),
        &[("x-panic", "1")],
    )
    .await;
}

/// On a server built from `builder`, a call with `panic_metadata` (whose handling panics
/// outside its handler) fails CANCELLED, while a call in flight on the same connection
/// completes and the next call is served.
async fn a_panic_fails_only_its_call(
    builder: grpc_core::server::ServerBuilder,
    panic_metadata: &[(&str, &str)],
) {
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::start(builder.add_service(ProbeServer::new(probe))).await;
    let client = ProbeClient::new(server.channel.clone());
    let slow = tokio::spawn({
        let client = client.clone();
        async move { client.sleep(Sleep { millis: 300 }).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let status = client
        .echo(echo("boom"))
        .metadata(metadata(panic_metadata))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Cancelled, "{status:?}");
    slow.await.unwrap().expect("the call in flight completes");
    assert_eq!(client.echo(echo("after")).await.unwrap().message, "after");
}

#[tokio::test]
async fn a_panicking_layer_fails_only_its_call_current_thread() {
    a_panicking_layer_fails_only_its_call().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_layer_fails_only_its_call_multi_thread() {
    a_panicking_layer_fails_only_its_call().await;
}

/// A panic while a call is being routed (here in a layer's `Clone`), before the call has a
/// future of its own, also ends that call alone: the connection's loop goes on.
#[tokio::test]
async fn a_panic_while_routing_fails_only_its_call() {
    a_panic_fails_only_its_call(Server::builder().layer(PanickyLayer::CLONE_BOMB), &[]).await;
}
