//! A tower [`Layer`](tower_layer::Layer) around the whole server, for tower middleware (rate
//! limits, load shedding, tracing, HTTP-level checks): [`ServerBuilder::layer`].
//!
//! [`ServerBuilder::layer`]: super::ServerBuilder::layer

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::BodyExt;

use super::body::ResponseBody;
use super::context::ConnectionInfo;
use super::handler::{status_response, BoxFuture};
use super::router::Router;
use crate::status::Status;

/// An error a layered service may fail with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of a layered server's responses.
pub(crate) type LayeredBody = http_body_util::combinators::UnsyncBoxBody<Bytes, BoxError>;

/// The request body a [`ServerBuilder::layer`](super::ServerBuilder::layer)'s middleware
/// sees: the HTTP/2 request stream as an [`http_body::Body`] (data frames, then trailers). Its
/// flow-control capacity is released as each frame is read.
pub struct Incoming {
    stream: h2::RecvStream,
    data_done: bool,
}

impl Incoming {
    pub(crate) fn new(stream: h2::RecvStream) -> Incoming {
        Incoming {
            stream,
            data_done: false,
        }
    }

    fn into_inner(self) -> h2::RecvStream {
        self.stream
    }
}

impl std::fmt::Debug for Incoming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Incoming")
            .field("end_stream", &self.stream.is_end_stream())
            .finish()
    }
}

impl http_body::Body for Incoming {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, BoxError>>> {
        use std::task::Poll;
        if !self.data_done {
            match self.stream.poll_data(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(data))) => {
                    let _ = self.stream.flow_control().release_capacity(data.len());
                    return Poll::Ready(Some(Ok(http_body::Frame::data(data))));
                }
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error.into()))),
                Poll::Ready(None) => self.data_done = true,
            }
        }
        match self.stream.poll_trailers(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(Some(trailers))) => {
                Poll::Ready(Some(Ok(http_body::Frame::trailers(trailers))))
            }
            Poll::Ready(Ok(None)) => Poll::Ready(None),
            Poll::Ready(Err(error)) => Poll::Ready(Some(Err(error.into()))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.stream.is_end_stream()
    }
}

/// The server as a tower service: what a [`ServerBuilder::layer`](super::ServerBuilder::layer)
/// wraps. One is made per connection, so a layer's state (a rate limit, say) made in
/// `Layer::layer` is per connection; share an `Arc` between layers for server-wide state.
#[derive(Clone)]
pub struct GrpcService {
    router: Arc<Router>,
    connection: Arc<ConnectionInfo>,
}

impl std::fmt::Debug for GrpcService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrpcService")
            .field("peer", &self.connection.peer)
            .finish_non_exhaustive()
    }
}

impl GrpcService {
    pub(crate) fn new(router: Arc<Router>, connection: Arc<ConnectionInfo>) -> Self {
        GrpcService { router, connection }
    }
}

impl tower_service::Service<http::Request<Incoming>> for GrpcService {
    type Response = http::Response<ResponseBody>;
    type Error = Infallible;
    type Future = BoxFuture<Result<http::Response<ResponseBody>, Infallible>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Incoming>) -> Self::Future {
        let call = self
            .router
            .route(request.map(Incoming::into_inner), &self.connection);
        Box::pin(async move { Ok(call.await) })
    }
}

/// What a [`ServerBuilder::layer`](super::ServerBuilder::layer)'s layer may make of a
/// [`GrpcService`]: any tower service taking the server's HTTP requests and answering with
/// any HTTP body, whose errors are errors. Implemented for every such service.
pub trait LayeredService: Clone + Send + 'static {
    /// Calls the service once (`poll_ready`, then `call`), its body and error erased.
    #[doc(hidden)]
    fn call_erased(
        &mut self,
        request: http::Request<Incoming>,
    ) -> BoxFuture<Result<http::Response<LayeredBody>, BoxError>>;
}

impl<S, B> LayeredService for S
where
    S: tower_service::Service<http::Request<Incoming>, Response = http::Response<B>>
        + Clone
        + Send
        + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    fn call_erased(
        &mut self,
        request: http::Request<Incoming>,
    ) -> BoxFuture<Result<http::Response<LayeredBody>, BoxError>> {
        let mut service = self.clone();
        Box::pin(async move {
            std::future::poll_fn(|cx| service.poll_ready(cx))
                .await
                .map_err(Into::into)?;
            let response = service.call(request).await.map_err(Into::into)?;
            Ok(response.map(|body| body.map_err(Into::into).boxed_unsync()))
        })
    }
}

/// A connection's layered service, called once per request.
pub(crate) trait Layered: Send + Sync {
    fn call(&self, request: http::Request<Incoming>) -> BoxFuture<http::Response<LayeredBody>>;
}

/// Makes a connection's layered service.
pub(crate) type MakeLayered = Arc<dyn Fn(GrpcService) -> Arc<dyn Layered> + Send + Sync>;

/// A layer as the server keeps it.
pub(crate) fn make<L>(layer: L) -> MakeLayered
where
    L: tower_layer::Layer<GrpcService> + Send + Sync + 'static,
    L::Service: LayeredService,
{
    Arc::new(move |inner| Arc::new(Erased(Mutex::new(layer.layer(inner)))) as Arc<dyn Layered>)
}

/// A layered service behind a mutex (tower services need not be `Sync`): each call takes a
/// clone, as tower's `oneshot` use of a shared service does.
struct Erased<S>(Mutex<S>);

impl<S: LayeredService> Layered for Erased<S> {
    fn call(&self, request: http::Request<Incoming>) -> BoxFuture<http::Response<LayeredBody>> {
        let call = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .call_erased(request);
        Box::pin(async move {
            call.await.unwrap_or_else(|error| {
                tracing::debug!(%error, "the server's tower layer failed a call");
                let status = Status::unavailable(format!(
                    "the server's middleware refused the call: {error}"
                ));
                status_response(&status).map(|body| {
                    body.map_err(|never: Infallible| match never {})
                        .boxed_unsync()
                })
            })
        })
    }
}
