//! The plain-tonic side of the benchmarks: what tonic-build would generate for the greeter
//! and the bench streamer, written by hand (no protoc, no tonic-build), plus tonic clients.
//!
//! The servers are wire-identical to grpc-core's `helloworld.Greeter` and `bench.Streamer`
//! (same paths, same messages) and are configured like grpc-core's defaults: TCP_NODELAY on,
//! 100 concurrent streams per connection, 1 MiB stream and 2 MiB connection windows, 16 KiB
//! header list limit.

use std::pin::Pin;

use bytes::{Buf, Bytes};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::{async_trait, http, Arc, Body, BoxFuture, Context, Poll, Service, StdError};

/// `helloworld.HelloRequest`, as prost-build writes it.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HelloRequest {
    /// Who to greet.
    #[prost(string, tag = "1")]
    pub name: String,
}

/// `helloworld.HelloReply`, as prost-build writes it.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HelloReply {
    /// The greeting.
    #[prost(string, tag = "1")]
    pub message: String,
}

/// `bench.StreamRequest`, as prost-build writes it (with `bytes = "bytes"`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct StreamRequest {
    /// How many messages to stream back.
    #[prost(uint32, tag = "1")]
    pub count: u32,
    /// Payload bytes per message.
    #[prost(uint32, tag = "2")]
    pub size: u32,
}

/// `bench.Chunk`, as prost-build writes it (with `bytes = "bytes"`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Chunk {
    /// The payload.
    #[prost(bytes = "bytes", tag = "1")]
    pub payload: Bytes,
}

/// `bench.Received`, as prost-build writes it.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Received {
    /// Chunks received.
    #[prost(uint64, tag = "1")]
    pub count: u64,
    /// Payload bytes received, all chunks together.
    #[prost(uint64, tag = "2")]
    pub bytes: u64,
}

/// The greeter trait tonic-build generates.
#[async_trait]
pub trait Greeter: Send + Sync + 'static {
    /// Sends a greeting.
    async fn say_hello(
        &self,
        request: tonic::Request<HelloRequest>,
    ) -> Result<tonic::Response<HelloReply>, tonic::Status>;
}

/// The streamer trait tonic-build generates.
#[async_trait]
pub trait Streamer: Send + Sync + 'static {
    /// The response stream of `stream`.
    type StreamStream: tokio_stream::Stream<Item = Result<Chunk, tonic::Status>> + Send + 'static;
    /// Streams `count` messages of `size` payload bytes.
    async fn stream(
        &self,
        request: tonic::Request<StreamRequest>,
    ) -> Result<tonic::Response<Self::StreamStream>, tonic::Status>;
    /// Takes a stream of chunks and says what arrived.
    async fn upload(
        &self,
        request: tonic::Request<tonic::Streaming<Chunk>>,
    ) -> Result<tonic::Response<Received>, tonic::Status>;
}

/// Serves a [`Greeter`] implementation as `helloworld.Greeter`.
#[derive(Debug)]
pub struct GreeterServer<T> {
    inner: Arc<T>,
}

impl<T> GreeterServer<T> {
    /// Wraps an implementation.
    pub fn new(inner: T) -> Self {
        GreeterServer {
            inner: Arc::new(inner),
        }
    }
}

impl<T> Clone for GreeterServer<T> {
    fn clone(&self) -> Self {
        GreeterServer {
            inner: self.inner.clone(),
        }
    }
}

impl<T, B> Service<http::Request<B>> for GreeterServer<T>
where
    T: Greeter,
    B: Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        match req.uri().path() {
            "/helloworld.Greeter/SayHello" => {
                struct SayHelloSvc<T: Greeter>(Arc<T>);
                impl<T: Greeter> tonic::server::UnaryService<HelloRequest> for SayHelloSvc<T> {
                    type Response = HelloReply;
                    type Future = BoxFuture<tonic::Response<Self::Response>, tonic::Status>;
                    fn call(&mut self, request: tonic::Request<HelloRequest>) -> Self::Future {
                        let inner = Arc::clone(&self.0);
                        Box::pin(async move { <T as Greeter>::say_hello(&inner, request).await })
                    }
                }
                let inner = self.inner.clone();
                Box::pin(async move {
                    let method = SayHelloSvc(inner);
                    let codec = tonic_prost::ProstCodec::default();
                    let mut grpc = tonic::server::Grpc::new(codec);
                    Ok(grpc.unary(method, req).await)
                })
            }
            _ => Box::pin(async move { Ok(tonic::Status::unimplemented("").into_http()) }),
        }
    }
}

impl<T> tonic::server::NamedService for GreeterServer<T> {
    const NAME: &'static str = "helloworld.Greeter";
}

/// Serves a [`Streamer`] implementation as `bench.Streamer`.
#[derive(Debug)]
pub struct StreamerServer<T> {
    inner: Arc<T>,
}

impl<T> StreamerServer<T> {
    /// Wraps an implementation.
    pub fn new(inner: T) -> Self {
        StreamerServer {
            inner: Arc::new(inner),
        }
    }
}

impl<T> Clone for StreamerServer<T> {
    fn clone(&self) -> Self {
        StreamerServer {
            inner: self.inner.clone(),
        }
    }
}

impl<T, B> Service<http::Request<B>> for StreamerServer<T>
where
    T: Streamer,
    B: Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        match req.uri().path() {
            "/bench.Streamer/Stream" => {
                struct StreamSvc<T: Streamer>(Arc<T>);
                impl<T: Streamer> tonic::server::ServerStreamingService<StreamRequest> for StreamSvc<T> {
                    type Response = Chunk;
                    type ResponseStream = T::StreamStream;
                    type Future = BoxFuture<tonic::Response<Self::ResponseStream>, tonic::Status>;
                    fn call(&mut self, request: tonic::Request<StreamRequest>) -> Self::Future {
                        let inner = Arc::clone(&self.0);
                        Box::pin(async move { <T as Streamer>::stream(&inner, request).await })
                    }
                }
                let inner = self.inner.clone();
                Box::pin(async move {
                    let method = StreamSvc(inner);
                    let codec = tonic_prost::ProstCodec::default();
                    let mut grpc = tonic::server::Grpc::new(codec);
                    Ok(grpc.server_streaming(method, req).await)
                })
            }
            "/bench.Streamer/Upload" => {
                struct UploadSvc<T: Streamer>(Arc<T>);
                impl<T: Streamer> tonic::server::ClientStreamingService<Chunk> for UploadSvc<T> {
                    type Response = Received;
                    type Future = BoxFuture<tonic::Response<Self::Response>, tonic::Status>;
                    fn call(
                        &mut self,
                        request: tonic::Request<tonic::Streaming<Chunk>>,
                    ) -> Self::Future {
                        let inner = Arc::clone(&self.0);
                        Box::pin(async move { <T as Streamer>::upload(&inner, request).await })
                    }
                }
                let inner = self.inner.clone();
                Box::pin(async move {
                    let method = UploadSvc(inner);
                    let codec = tonic_prost::ProstCodec::default();
                    let mut grpc = tonic::server::Grpc::new(codec);
                    Ok(grpc.client_streaming(method, req).await)
                })
            }
            _ => Box::pin(async move { Ok(tonic::Status::unimplemented("").into_http()) }),
        }
    }
}

impl<T> tonic::server::NamedService for StreamerServer<T> {
    const NAME: &'static str = "bench.Streamer";
}

/// Replies `Hello {name}`, like grpc-core's `examples::helloworld::MyGreeter`.
#[derive(Debug, Default)]
pub struct MyGreeter;

#[async_trait]
impl Greeter for MyGreeter {
    async fn say_hello(
        &self,
        request: tonic::Request<HelloRequest>,
    ) -> Result<tonic::Response<HelloReply>, tonic::Status> {
        Ok(tonic::Response::new(HelloReply {
            message: format!("Hello {}", request.into_inner().name),
        }))
    }
}

/// Streams `count` chunks that all share one payload buffer, like
/// [`super::MyStreamer`].
#[derive(Debug, Default)]
pub struct MyStreamer;

#[async_trait]
impl Streamer for MyStreamer {
    type StreamStream =
        Pin<Box<dyn tokio_stream::Stream<Item = Result<Chunk, tonic::Status>> + Send + 'static>>;

    async fn stream(
        &self,
        request: tonic::Request<StreamRequest>,
    ) -> Result<tonic::Response<Self::StreamStream>, tonic::Status> {
        let request = request.into_inner();
        let payload = super::payload(request.size);
        let chunks = (0..request.count).map(move |_| {
            Ok(Chunk {
                payload: payload.clone(),
            })
        });
        Ok(tonic::Response::new(Box::pin(tokio_stream::iter(chunks))))
    }

    async fn upload(
        &self,
        request: tonic::Request<tonic::Streaming<Chunk>>,
    ) -> Result<tonic::Response<Received>, tonic::Status> {
        let mut chunks = request.into_inner();
        let mut received = Received { count: 0, bytes: 0 };
        while let Some(chunk) = chunks.message().await? {
            received.count += 1;
            received.bytes += chunk.payload.len() as u64;
        }
        Ok(tonic::Response::new(received))
    }
}

/// Serves the tonic greeter and streamer on `listener` until Ctrl-C or SIGTERM.
pub async fn serve(listener: std::net::TcpListener) -> Result<(), Box<dyn std::error::Error>> {
    listener.set_nonblocking(true)?;
    let incoming =
        tonic::transport::server::TcpIncoming::from(tokio::net::TcpListener::from_std(listener)?)
            .with_nodelay(Some(true));
    tonic::transport::Server::builder()
        .tcp_nodelay(true)
        .max_concurrent_streams(100)
        .initial_stream_window_size(1024 * 1024)
        .initial_connection_window_size(2 * 1024 * 1024)
        .http2_max_header_list_size(16 * 1024)
        .add_service(GreeterServer::new(MyGreeter))
        .add_service(StreamerServer::new(MyStreamer))
        .serve_with_incoming_shutdown(incoming, crate::args::wait_for_shutdown_signal())
        .await?;
    Ok(())
}

/// A codec that sends prost messages and receives messages without decoding them: each
/// received message is just its length (the drain client counts, it does not parse).
#[derive(Debug)]
pub struct CountingCodec<M>(std::marker::PhantomData<M>);

impl<M> Default for CountingCodec<M> {
    fn default() -> Self {
        CountingCodec(std::marker::PhantomData)
    }
}

impl<M: prost::Message + Send + 'static> Codec for CountingCodec<M> {
    type Encode = M;
    type Decode = usize;
    type Encoder = ProstEncoder<M>;
    type Decoder = LengthDecoder;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder(std::marker::PhantomData)
    }

    fn decoder(&mut self) -> Self::Decoder {
        LengthDecoder
    }
}

/// Encodes a prost message.
#[derive(Debug)]
pub struct ProstEncoder<M>(std::marker::PhantomData<M>);

impl<M: prost::Message> Encoder for ProstEncoder<M> {
    type Item = M;
    type Error = tonic::Status;

    fn encode(&mut self, item: M, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        item.encode(dst)
            .map_err(|e| tonic::Status::internal(e.to_string()))
    }
}

/// "Decodes" a message into its length, skipping its bytes.
#[derive(Debug)]
pub struct LengthDecoder;

impl Decoder for LengthDecoder {
    type Item = usize;
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<usize>, tonic::Status> {
        let len = src.remaining();
        src.advance(len);
        Ok(Some(len))
    }
}

/// A tonic channel to `127.0.0.1:port` (TCP_NODELAY on, tonic's other defaults).
pub async fn channel(port: u16) -> Result<tonic::transport::Channel, tonic::transport::Error> {
    tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))?
        .tcp_nodelay(true)
        .connect()
        .await
}

/// `helloworld.Greeter/SayHello` through tonic's client, as tonic-build's client does it.
pub async fn say_hello(
    channel: tonic::transport::Channel,
    request: HelloRequest,
) -> Result<HelloReply, tonic::Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    let path = http::uri::PathAndQuery::from_static("/helloworld.Greeter/SayHello");
    let codec = tonic_prost::ProstCodec::<HelloRequest, HelloReply>::default();
    Ok(grpc
        .unary(tonic::Request::new(request), path, codec)
        .await?
        .into_inner())
}

/// Calls `bench.Streamer/Stream` through tonic's client and counts the messages as they
/// arrive, calling `on_message(len)` for each.
pub async fn drain(
    channel: tonic::transport::Channel,
    request: StreamRequest,
    mut on_message: impl FnMut(usize),
) -> Result<(), tonic::Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    let path = http::uri::PathAndQuery::from_static("/bench.Streamer/Stream");
    let mut stream = grpc
        .server_streaming(
            tonic::Request::new(request),
            path,
            CountingCodec::<StreamRequest>::default(),
        )
        .await?
        .into_inner();
    while let Some(len) = stream.message().await? {
        on_message(len);
    }
    Ok(())
}

/// Calls `bench.Streamer/Upload` through tonic's client with `count` chunks that share one
/// payload of `size` bytes, as tonic-build's client does it.
pub async fn upload(
    channel: tonic::transport::Channel,
    count: u32,
    size: u32,
) -> Result<Received, tonic::Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    let path = http::uri::PathAndQuery::from_static("/bench.Streamer/Upload");
    let payload = super::payload(size);
    let chunks = tokio_stream::iter((0..count).map(move |_| Chunk {
        payload: payload.clone(),
    }));
    let codec = tonic_prost::ProstCodec::<Chunk, Received>::default();
    Ok(grpc
        .client_streaming(tonic::Request::new(chunks), path, codec)
        .await?
        .into_inner())
}
