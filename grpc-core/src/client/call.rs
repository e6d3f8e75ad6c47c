//! Call builders: per-call options, then the call itself.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;

use futures_core::Stream;
use http::uri::PathAndQuery;
use tokio::time::Instant;
use tonic_prost::ProstCodec;

use super::{map_status, Channel};
use crate::codec::Compression;
use crate::message::MessageType;
use crate::metadata::MetadataMap;
use crate::status::{Code, Status};
use crate::streaming::Streaming;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;
pub(crate) type BoxStream<T> = Pin<Box<dyn Stream<Item = T> + Send + 'static>>;

/// What a call sends: one message, or a stream of them.
enum Requests<Req> {
    One(Req),
    Many(BoxStream<Req>),
}

/// Options shared by every kind of call.
struct Call<Req> {
    channel: Channel,
    path: &'static str,
    requests: Requests<Req>,
    timeout: Option<Duration>,
    metadata: MetadataMap,
    compression: Option<Option<Compression>>,
}

impl<Req> Call<Req>
where
    Req: prost::Message + Send + Sync + 'static,
{
    fn new(channel: &Channel, path: &'static str, requests: Requests<Req>) -> Self {
        Call {
            channel: channel.clone(),
            path,
            requests,
            timeout: None,
            metadata: MetadataMap::new(),
            compression: None,
        }
    }

    /// Sends the request headers and returns the response stream.
    async fn start<Resp>(self, deadline: Option<Instant>) -> Result<Streaming<Resp>, Status>
    where
        Resp: prost::Message + Default + Send + Sync + 'static,
    {
        let stream: BoxStream<Req> = match self.requests {
            Requests::One(request) => Box::pin(tokio_stream::once(request)),
            Requests::Many(stream) => stream,
        };
        let head = CallHead {
            channel: &self.channel,
            path: PathAndQuery::from_static(self.path),
            timeout: self.timeout,
            metadata: self.metadata,
            compression: self.compression,
        };
        head.start(stream, ProstCodec::<Req, Resp>::default(), deadline)
            .await
    }
}

/// Everything about a call but its messages and codec.
pub(crate) struct CallHead<'a> {
    pub(crate) channel: &'a Channel,
    pub(crate) path: PathAndQuery,
    pub(crate) timeout: Option<Duration>,
    pub(crate) metadata: MetadataMap,
    /// `Some` when the call overrides the channel's request compression.
    pub(crate) compression: Option<Option<Compression>>,
}

impl CallHead<'_> {
    /// Sends the request headers with `requests` as the body (encoded by `codec`) and returns
    /// the response stream.
    pub(crate) async fn start<C>(
        self,
        requests: BoxStream<C::Encode>,
        codec: C,
        deadline: Option<Instant>,
    ) -> Result<Streaming<C::Decode>, Status>
    where
        C: tonic::codec::Codec,
        C::Encode: Send + Sync + 'static,
        C::Decode: Send + Sync + 'static,
    {
        let config = &self.channel.config;
        let mut grpc = tonic::client::Grpc::new(self.channel.transport.clone())
            .max_decoding_message_size(config.max_receive_message_size)
            .max_encoding_message_size(config.max_send_message_size);
        for accepted in &config.accept_compression {
            grpc = grpc.accept_compressed(accepted.to_tonic());
        }
        if let Some(compression) = self.compression.unwrap_or(config.compression) {
            grpc = grpc.send_compressed(compression.to_tonic());
        }
        grpc.ready().await.map_err(|e| {
            Status::unavailable(format!("channel to {} not ready: {e}", config.target))
        })?;
        let mut request = tonic::Request::new(requests);
        // Until the response stream takes over, dropping this future cancels the call: the
        // request side may still be streaming, which would keep the HTTP/2 stream open.
        let mut guard = CancelOnDrop(Some(request.cancellation_handle()));
        *request.metadata_mut() = self.metadata;
        if let Some(timeout) = self.timeout {
            request.set_timeout(timeout);
        }
        let response = grpc
            .streaming(request, self.path, codec)
            .await
            .map_err(|status| map_status(status.into(), deadline))?;
        let (metadata, body, _) = response.into_parts();
        let streaming = Streaming::new(body, metadata, deadline);
        Ok(match guard.0.take() {
            Some(cancel) => streaming.cancel_on_drop(cancel),
            None => streaming,
        })
    }
}

/// Cancels an outgoing call when dropped while armed.
struct CancelOnDrop(Option<tonic::CancellationHandle>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(cancel) = self.0.take() {
            cancel.cancel();
        }
    }
}

/// Runs `fut`, failing with DEADLINE_EXCEEDED once `deadline` passes.
pub(crate) async fn with_deadline<T>(
    deadline: Option<Instant>,
    fut: impl Future<Output = Result<T, Status>>,
) -> Result<T, Status> {
    match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline, fut)
            .await
            .unwrap_or_else(|_| Err(Status::deadline_exceeded("deadline exceeded"))),
        None => fut.await,
    }
}

macro_rules! options {
    () => {
        /// Fails the call with DEADLINE_EXCEEDED if it has not finished within `timeout`; the
        /// server learns the deadline through `grpc-timeout`.
        pub fn timeout(mut self, timeout: Duration) -> Self {
            self.call.timeout = Some(timeout);
            self
        }

        /// Adds request metadata (ASCII and `-bin` entries alike).
        pub fn metadata(mut self, metadata: MetadataMap) -> Self {
            let mut headers = metadata.into_headers();
            self.call.metadata.as_mut().extend(headers.drain());
            self
        }

        /// Compresses this call's request messages with `compression`, whatever the channel's
        /// default (`None`: no compression).
        pub fn compression(mut self, compression: Option<Compression>) -> Self {
            self.call.compression = Some(compression);
            self
        }

        /// The request metadata sent with this call.
        pub fn metadata_mut(&mut self) -> &mut MetadataMap {
            &mut self.call.metadata
        }
    };
}

/// A call with one response: unary or client-streaming. Await it for the response, or use
/// [`UnaryCall::with_call`] for the response metadata as well.
#[must_use = "a call does nothing until awaited"]
pub struct UnaryCall<Req, Resp> {
    call: Call<Req>,
    _response: PhantomData<fn() -> Resp>,
}

impl<Req, Resp> UnaryCall<Req, Resp>
where
    Req: MessageType,
    Resp: MessageType,
{
    /// A unary call of `path` sending `request`.
    #[doc(hidden)]
    pub fn new(channel: &Channel, path: &'static str, request: Req) -> Self {
        UnaryCall {
            call: Call::new(channel, path, Requests::One(request)),
            _response: PhantomData,
        }
    }

    /// A client-streaming call of `path` sending `requests`.
    #[doc(hidden)]
    pub fn streaming<S>(channel: &Channel, path: &'static str, requests: S) -> Self
    where
        S: Stream<Item = Req> + Send + 'static,
    {
        UnaryCall {
            call: Call::new(channel, path, Requests::Many(Box::pin(requests))),
            _response: PhantomData,
        }
    }

    options!();

    /// Makes the call and returns the response with its metadata.
    pub async fn with_call(self) -> Result<(Resp, CallDetails), Status> {
        let deadline = self.call.timeout.map(|timeout| Instant::now() + timeout);
        let call = self.call;
        with_deadline(deadline, async move {
            let mut stream = call.start::<Resp>(deadline).await?;
            let response = stream.message().await?.ok_or_else(|| {
                Status::internal("server ended a call with OK but sent no response message")
            })?;
            if stream.message().await?.is_some() {
                return Err(Status::internal(
                    "server sent more than one response message for a unary call",
                ));
            }
            let (initial_metadata, trailing_metadata) = stream.into_metadata();
            Ok((
                response,
                CallDetails {
                    initial_metadata,
                    trailing_metadata,
                },
            ))
        })
        .await
    }
}

impl<Req, Resp> IntoFuture for UnaryCall<Req, Resp>
where
    Req: MessageType,
    Resp: MessageType,
{
    type Output = Result<Resp, Status>;
    type IntoFuture = BoxFuture<Result<Resp, Status>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.with_call().await.map(|(response, _)| response) })
    }
}

/// A call with a response stream: server-streaming or bidirectional. Await it for the
/// [`Streaming`] of responses, which also holds the response metadata.
#[must_use = "a call does nothing until awaited"]
pub struct StreamingCall<Req, Resp> {
    call: Call<Req>,
    _response: PhantomData<fn() -> Resp>,
}

impl<Req, Resp> StreamingCall<Req, Resp>
where
    Req: MessageType,
    Resp: MessageType,
{
    /// A server-streaming call of `path` sending `request`.
    #[doc(hidden)]
    pub fn new(channel: &Channel, path: &'static str, request: Req) -> Self {
        StreamingCall {
            call: Call::new(channel, path, Requests::One(request)),
            _response: PhantomData,
        }
    }

    /// A bidirectional-streaming call of `path` sending `requests`.
    #[doc(hidden)]
    pub fn streaming<S>(channel: &Channel, path: &'static str, requests: S) -> Self
    where
        S: Stream<Item = Req> + Send + 'static,
    {
        StreamingCall {
            call: Call::new(channel, path, Requests::Many(Box::pin(requests))),
            _response: PhantomData,
        }
    }

    options!();
}

impl<Req, Resp> IntoFuture for StreamingCall<Req, Resp>
where
    Req: MessageType,
    Resp: MessageType,
{
    type Output = Result<Streaming<Resp>, Status>;
    type IntoFuture = BoxFuture<Result<Streaming<Resp>, Status>>;

    fn into_future(self) -> Self::IntoFuture {
        let deadline = self.call.timeout.map(|timeout| Instant::now() + timeout);
        let call = self.call;
        Box::pin(with_deadline(deadline, call.start(deadline)))
    }
}

impl<Req, Resp> fmt::Debug for UnaryCall<Req, Resp> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnaryCall")
            .field("path", &self.call.path)
            .field("timeout", &self.call.timeout)
            .finish_non_exhaustive()
    }
}

impl<Req, Resp> fmt::Debug for StreamingCall<Req, Resp> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamingCall")
            .field("path", &self.call.path)
            .field("timeout", &self.call.timeout)
            .finish_non_exhaustive()
    }
}

/// The metadata and outcome of a finished successful call.
#[derive(Debug, Clone, Default)]
pub struct CallDetails {
    initial_metadata: MetadataMap,
    trailing_metadata: MetadataMap,
}

impl CallDetails {
    /// The response headers.
    pub fn initial_metadata(&self) -> &MetadataMap {
        &self.initial_metadata
    }

    /// The response trailers (without `grpc-status` and `grpc-message`).
    pub fn trailing_metadata(&self) -> &MetadataMap {
        &self.trailing_metadata
    }

    /// The status code: always OK, since failed calls return a [`Status`] instead.
    pub fn code(&self) -> Code {
        Code::Ok
    }
}
