//! Call builders: per-call options, then the call itself.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;

use futures_core::Stream;
use http::uri::PathAndQuery;
use http::HeaderValue;
use tokio::time::Instant;
use tokio_stream::StreamExt;
use tokio_util::sync::CancellationToken;
use tonic::body::Body;
use tonic::codec::Codec;
use tonic_prost::ProstCodec;

use super::{map_status, Channel};
use crate::codec::{accept_encoding_header, Compression, EncodeBody, OutgoingMessage, WireMessage};
use crate::message::MessageType;
use crate::metadata::MetadataMap;
use crate::status::Code;
use crate::status::Status;
use crate::streaming::Streaming;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;
pub(crate) type BoxStream<T> = Pin<Box<dyn Stream<Item = T> + Send + 'static>>;

/// What a call sends: one message, or a stream of them.
enum Requests<Req> {
    One(Req),
    Many(BoxStream<OutgoingMessage<Req>>),
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
        let stream: BoxStream<OutgoingMessage<Req>> = match self.requests {
            Requests::One(request) => Box::pin(tokio_stream::once(OutgoingMessage::new(request))),
            Requests::Many(stream) => stream,
        };
        let head = CallHead {
            channel: &self.channel,
            path: PathAndQuery::from_static(self.path),
            timeout: self.timeout,
            metadata: self.metadata,
            compression: self.compression,
        };
        head.start(
            stream,
            ProstCodec::<Req, Resp>::default().decoder(),
            deadline,
        )
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
    /// Sends the request headers with `requests` as the body and returns the response stream,
    /// decoded by `decoder`.
    pub(crate) async fn start<T, D>(
        self,
        requests: BoxStream<OutgoingMessage<T>>,
        decoder: D,
        deadline: Option<Instant>,
    ) -> Result<Streaming<D::Item>, Status>
    where
        T: WireMessage + Send + 'static,
        D: tonic::codec::Decoder<Error = tonic::Status> + Send + 'static,
        D::Item: Send + 'static,
    {
        let channel = self.channel;
        let config = &channel.config;
        let compression = self.compression.unwrap_or(config.compression);
        // Cancelled when the call is abandoned: before the response arrives (this future is
        // dropped) or after (the response stream is dropped). The request body then resets
        // the HTTP/2 stream, whatever state the request side is in.
        let cancel = CancellationToken::new();
        let guard = cancel.clone().drop_guard();
        let body = EncodeBody::new(requests.map(Ok), compression, config.max_send_message_size)
            .cancel_with(cancel);
        let request = self.request(Body::new(body), compression)?;

        let mut transport = channel.transport.clone();
        let transport_error = |e: tonic::transport::Error| {
            map_status(tonic::Status::from_error(Box::new(e)).into(), deadline)
        };
        std::future::poll_fn(|cx| tower_service::Service::poll_ready(&mut transport, cx))
            .await
            .map_err(transport_error)?;
        let response = tower_service::Service::call(&mut transport, request)
            .await
            .map_err(transport_error)?;

        let encoding = match response.headers().get("grpc-encoding").and_then(|v| v.to_str().ok()) {
            None | Some("identity") => None,
            Some(name) => match Compression::from_name(name).filter(|c| config.accept_compression.contains(c)) {
                Some(compression) => Some(compression.to_tonic()),
                None => return Err(Status::internal(format!("the server answered with compression `{name}`, which this channel does not accept"))),
            },
        };
        let trailers_only = match tonic::Status::from_header_map(response.headers()) {
            Some(status) if status.code() != Code::Ok => {
                return Err(map_status(status.into(), deadline))
            }
            Some(_) => true,
            None => false,
        };
        let status_code = response.status();
        let (parts, body) = response.into_parts();
        let decoding = if trailers_only {
            tonic::codec::Streaming::new_empty(decoder, body)
        } else {
            tonic::codec::Streaming::new_response(
                decoder,
                body,
                status_code,
                encoding,
                Some(config.max_receive_message_size),
            )
        };
        let metadata = MetadataMap::from_headers(parts.headers);
        Ok(Streaming::new(decoding, metadata, deadline).cancel_on_drop(guard.disarm()))
    }

    /// The HTTP/2 request: path, gRPC headers and the caller's metadata.
    fn request(
        self,
        body: Body,
        compression: Option<Compression>,
    ) -> Result<http::Request<Body>, Status> {
        let config = &self.channel.config;
        let uri = format!("{}{}", config.origin, self.path);
        let mut request = http::Request::builder()
            .method(http::Method::POST)
            .uri(uri)
            .version(http::Version::HTTP_2)
            .body(body)
            .map_err(|e| Status::internal(format!("building the request: {e}")))?;
        let headers = request.headers_mut();
        let mut metadata = self.metadata.into_headers();
        for reserved in [
            "te",
            "content-type",
            "grpc-timeout",
            "grpc-encoding",
            "grpc-accept-encoding",
        ] {
            metadata.remove(reserved);
        }
        headers.extend(metadata);
        headers.insert("te", HeaderValue::from_static("trailers"));
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/grpc"),
        );
        if !headers.contains_key(http::header::USER_AGENT) {
            headers.insert(
                http::header::USER_AGENT,
                HeaderValue::from_static(USER_AGENT),
            );
        }
        if let Some(timeout) = self.timeout {
            headers.insert("grpc-timeout", grpc_timeout(timeout));
        }
        if let Some(compression) = compression {
            headers.insert(
                "grpc-encoding",
                HeaderValue::from_static(compression.name()),
            );
        }
        if let Some(accept) = accept_encoding_header(&config.accept_compression) {
            headers.insert("grpc-accept-encoding", accept);
        }
        Ok(request)
    }
}

/// `user-agent` of calls that do not set their own.
const USER_AGENT: &str = concat!("grpc-rust-grpc-core/", env!("CARGO_PKG_VERSION"));

/// A `grpc-timeout` value: the finest unit whose count fits the protocol's 8 digits, rounded
/// up so the server never sees a shorter deadline.
fn grpc_timeout(timeout: Duration) -> HeaderValue {
    let nanos = timeout.as_nanos();
    let units: [(&str, u128); 6] = [
        ("n", 1),
        ("u", 1_000),
        ("m", 1_000_000),
        ("S", 1_000_000_000),
        ("M", 60_000_000_000),
        ("H", 3_600_000_000_000),
    ];
    for (unit, size) in units {
        let count = nanos.div_ceil(size);
        if count < 100_000_000 {
            return HeaderValue::from_str(&format!("{count}{unit}"))
                .unwrap_or(HeaderValue::from_static("99999999H"));
        }
    }
    HeaderValue::from_static("99999999H")
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
        S: Stream + Send + 'static,
        S::Item: Into<OutgoingMessage<Req>>,
    {
        UnaryCall {
            call: Call::new(
                channel,
                path,
                Requests::Many(Box::pin(requests.map(Into::into))),
            ),
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
        S: Stream + Send + 'static,
        S::Item: Into<OutgoingMessage<Req>>,
    {
        StreamingCall {
            call: Call::new(
                channel,
                path,
                Requests::Many(Box::pin(requests.map(Into::into))),
            ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeout_uses_the_finest_unit_that_fits() {
        assert_eq!(grpc_timeout(Duration::from_millis(1)), "1000000n");
        assert_eq!(grpc_timeout(Duration::from_millis(250)), "250000u");
        assert_eq!(grpc_timeout(Duration::from_secs(30)), "30000000u");
        assert_eq!(grpc_timeout(Duration::from_secs(1000)), "1000000m");
        assert_eq!(grpc_timeout(Duration::from_secs(3 * 86400)), "259200S");
        assert_eq!(grpc_timeout(Duration::from_nanos(1_500)), "1500n");
        assert_eq!(grpc_timeout(Duration::MAX), "99999999H");
    }
}
