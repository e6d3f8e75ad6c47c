//! Call builders: per-call options, then the call itself.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use http::uri::PathAndQuery;
use http::HeaderValue;
use tokio::time::Instant;
use tokio_stream::StreamExt;
use tokio_util::sync::CancellationToken;

use super::credentials::{self, CallCredentials};
use super::future::{CallFuture, HeadersReport};
use super::intercept::{CallInfo, Intercept};
use super::requests::IntoRequest;
use super::Channel;
use crate::intercept::{MessageHook, Observers};
use crate::message::MessageType;
use crate::metadata::MetadataMap;
use crate::protocol::headers::{self, name, CONTENT_TYPE_GRPC};
use crate::protocol::status_codec;
use crate::protocol::{
    decode_message, Compression, FrameDecoder, FrameEncoder, OutgoingMessage, Spliced, WireMessage,
};
use crate::status::{Code, Status};
use crate::streaming::{Abandon, ClientCall, LocalFailure, Streaming};
use crate::transport::recv::{client_error, Body, RecvBody};
use crate::transport::usage::InFlight;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;
pub(crate) type BoxStream<T> = Pin<Box<dyn Stream<Item = T> + Send + 'static>>;

/// What a call sends: one message, or a stream of them. An `Err` in the stream fails the call
/// with that status (its stream is reset): a request side that broke off, as opposed to one
/// that ended, so a partial upload never looks complete.
pub(crate) enum Requests<Req> {
    One(OutgoingMessage<Req>),
    Many(BoxStream<Result<OutgoingMessage<Req>, Status>>),
}

/// Options shared by every kind of call.
struct Call<Req> {
    channel: Channel,
    path: &'static str,
    requests: Requests<Req>,
    timeout: Option<Duration>,
    metadata: MetadataMap,
    compression: Option<Option<Compression>>,
    wait_for_ready: Option<bool>,
    credentials: Option<CallCredentials>,
}

impl<Req> Call<Req>
where
    Req: MessageType,
{
    fn new(channel: &Channel, path: &'static str, requests: Requests<Req>) -> Self {
        Call {
            channel: channel.clone(),
            path,
            requests,
            timeout: None,
            metadata: MetadataMap::new(),
            compression: None,
            wait_for_ready: None,
            credentials: None,
        }
    }

    /// The call's deadline (its own timeout or the service config's, whichever is shorter),
    /// and the call, which sends the request headers and returns the response stream.
    ///
    /// The call future is boxed here, once: it is large, and the layers around it (deadline,
    /// response handling, the caller's own future) would otherwise copy it each time they
    /// wrap it.
    fn begin<Resp>(self) -> (Option<Instant>, BoxFuture<Result<Streaming<Resp>, Status>>)
    where
        Resp: MessageType,
    {
        if self.channel.layers().is_some() || self.credentials.is_some() {
            // Interceptors may change the timeout: the deadline is known only once they ran.
            return (None, Box::pin(self.start_intercepted()));
        }
        let head = CallHead::new(
            &self.channel,
            PathAndQuery::from_static(self.path),
            self.timeout,
            self.metadata,
            self.compression,
            self.wait_for_ready,
        );
        let deadline = head.deadline;
        (
            deadline,
            Box::pin(head.start(self.requests, decode_message::<Resp>)),
        )
    }
}

impl<Req: MessageType> Call<Req> {
    /// A call on a channel with interceptors or call credentials: the interceptors (outermost
    /// first), then the credentials' metadata, then the call, whose messages and end the
    /// interceptors' observers see.
    async fn start_intercepted<Resp: MessageType>(self) -> Result<Streaming<Resp>, Status> {
        let Call {
            channel,
            path,
            mut requests,
            timeout,
            metadata,
            compression,
            wait_for_ready,
            credentials,
        } = self;
        let started = Instant::now();
        let layers = channel.layers().cloned().unwrap_or_default();
        let mut info = CallInfo {
            path: PathAndQuery::from_static(path),
            metadata,
            timeout,
            compression,
            credentials,
            wait_for_ready,
        };
        let mut observers = Vec::new();
        let mut answer = None;
        for interceptor in &layers.interceptors {
            match interceptor.intercept(&mut info).await {
                Ok(Intercept::Proceed(observer)) => observers.extend(observer),
                Ok(Intercept::Reply(messages)) => {
                    answer = Some(Ok(messages));
                    break;
                }
                Err(status) => {
                    answer = Some(Err(status));
                    break;
                }
            }
        }
        let observers = Observers::new(observers);
        // Until the response stream takes over, a dropped call is reported here.
        let mut guard = EndOnDrop(Some(observers.clone()));
        let fail = |status: Status| {
            observers.end(&status);
            Err(status)
        };
        if let Some(Err(status)) = answer {
            return fail(status);
        }
        match &mut requests {
            Requests::One(message) => observers.request(&mut message.message),
            Requests::Many(stream) => {
                let seen = observers.clone();
                let taken = std::mem::replace(stream, Box::pin(tokio_stream::empty()));
                *stream = Box::pin(taken.map(move |mut message| {
                    if let Ok(message) = &mut message {
                        seen.request(&mut message.message);
                    }
                    message
                }));
            }
        }
        let hook = || MessageHook::new(observers.clone(), false);
        if let Some(Ok(messages)) = answer {
            guard.disarm();
            return match super::intercept::reply::<Resp>(messages) {
                Ok(stream) => Ok(stream.observe(hook(), Some(observers.clone()))),
                Err(status) => fail(status),
            };
        }
        let credentials = match credentials::for_call(&channel, info.credentials) {
            Ok(credentials) => credentials,
            Err(status) => return fail(status),
        };
        // The time the interceptors took counts against the call's timeout; the credentials
        // run under the deadline.
        let timeout = info.timeout.map(|t| t.saturating_sub(started.elapsed()));
        let mut head = CallHead::new(
            &channel,
            info.path,
            timeout,
            info.metadata,
            info.compression,
            info.wait_for_ready,
        );
        let deadline = head.deadline;
        let call = async move {
            let path = head.path.clone();
            credentials::apply_all(&credentials, &channel, path.path(), &mut head.metadata).await?;
            head.start(requests, decode_message::<Resp>).await
        };
        match with_deadline(deadline, call).await {
            Ok(stream) => {
                guard.disarm();
                Ok(stream.observe(hook(), Some(observers.clone())))
            }
            Err(status) => fail(status),
        }
    }
}

/// Tells a call's observers it was cancelled if dropped before [`EndOnDrop::disarm`].
struct EndOnDrop(Option<Observers>);

impl EndOnDrop {
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for EndOnDrop {
    fn drop(&mut self) {
        if let Some(observers) = self.0.take() {
            observers.end(&Status::cancelled("the call was cancelled"));
        }
    }
}

/// Everything about a call but its messages, with the service config's defaults applied.
pub(crate) struct CallHead {
    channel: Channel,
    path: PathAndQuery,
    timeout: Option<Duration>,
    pub(crate) deadline: Option<Instant>,
    /// The request metadata (call credentials add theirs before the call starts).
    pub(crate) metadata: MetadataMap,
    /// `Some` when the call overrides the channel's request compression.
    compression: Option<Option<Compression>>,
    wait_for_ready: bool,
    max_send_message_size: usize,
    max_receive_message_size: usize,
}

/// Resets the call's stream if dropped before [`AbandonOnDrop::take`]: the caller gave up while
/// waiting for the response headers.
struct AbandonOnDrop(Option<Abandon>);

impl AbandonOnDrop {
    fn take(mut self) -> Abandon {
        self.0.take().expect("taken once")
    }
}

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        if let Some(Abandon::Stream(mut send)) = self.0.take() {
            send.send_reset(h2::Reason::CANCEL);
        }
    }
}

impl CallHead {
    /// A call of `path` on `channel`: the call's own options win, then the service config's
    /// method defaults, then the channel's (a timeout is the shorter of the call's and the
    /// config's, a size limit the smaller).
    pub(crate) fn new(
        channel: &Channel,
        path: PathAndQuery,
        timeout: Option<Duration>,
        metadata: MetadataMap,
        compression: Option<Option<Compression>>,
        wait_for_ready: Option<bool>,
    ) -> CallHead {
        let config = channel.config();
        let method = channel.method_config(path.as_str());
        let timeout = super::channel::effective_timeout(timeout, method);
        let limit =
            |channel: usize, method: Option<usize>| method.map_or(channel, |m| m.min(channel));
        CallHead {
            deadline: timeout.map(|timeout| Instant::now() + timeout),
            timeout,
            wait_for_ready: wait_for_ready
                .or(method.and_then(|m| m.wait_for_ready))
                .unwrap_or(false),
            max_send_message_size: limit(
                config.max_send_message_size,
                method.and_then(|m| m.max_request_message_bytes),
            ),
            max_receive_message_size: limit(
                config.max_receive_message_size,
                method.and_then(|m| m.max_response_message_bytes),
            ),
            channel: channel.clone(),
            path,
            metadata,
            compression,
        }
    }

    /// Opens the stream, sends the requests (the last DATA frame carries END_STREAM; a request
    /// never has trailers) and returns the response stream, whose messages `decode` reads.
    ///
    /// A call the server never saw (the stream was refused, or was above the last stream id
    /// of a GOAWAY) is retried transparently on another connection when its request is a
    /// single message, which is still at hand.
    pub(crate) async fn start<T, R>(
        self,
        requests: Requests<T>,
        decode: fn(Bytes) -> Result<R, Status>,
    ) -> Result<Streaming<R>, Status>
    where
        T: WireMessage + Send + 'static,
    {
        let channel = self.channel.clone();
        let config = channel.config();
        let deadline = self.deadline;
        let _ = self.timeout;
        let wait_for_ready = self.wait_for_ready;
        let max_receive_message_size = self.max_receive_message_size;
        let compression = self.compression.unwrap_or(config.compression);
        let mut encoder = FrameEncoder::new(compression, self.max_send_message_size);
        // A unary request is encoded before anything is sent: if it cannot be, nothing is.
        // The message stays at hand for a transparent retry, which encodes it again (so the
        // first attempt sends its bytes without a copy or a shared handle).
        let (mut first, mut many) = match requests {
            Requests::One(message) => {
                let mut data = BytesMut::new();
                encoder.encode(&message, &mut data)?;
                (Some((message, encoder, Some(data.freeze()))), None)
            }
            Requests::Many(requests) => (None, Some((requests, encoder))),
        };
        let path = self.path.clone();
        let (uri, headers, with_metadata) = self.request(compression)?;
        // A transparent retry sends the same headers again. Without the caller's metadata
        // they are rebuilt from the channel's template; with it, a copy is kept.
        let kept = with_metadata.then(|| headers.clone());
        let mut first_headers = Some(headers);
        let mut transparent_retries = 0;
        let (response, in_flight, abandon, local_failure, peer) = loop {
            let picked = channel
                .pick(path.as_str(), wait_for_ready, deadline)
                .await?;
            let in_flight = InFlight::new(
                &channel.shared().activity,
                &picked.connection.active,
                &picked.connection.aborted,
            );
            let mut send_request = picked.send;
            let mut request = http::Request::new(());
            *request.method_mut() = http::Method::POST;
            *request.uri_mut() = uri.clone();
            *request.version_mut() = http::Version::HTTP_2;
            *request.headers_mut() = match first_headers.take() {
                Some(headers) => headers,
                None => match &kept {
                    Some(headers) => headers.clone(),
                    None => call_headers(config, compression),
                },
            };
            if let Some(deadline) = deadline {
                // What is left of the deadline now, after any wait for a connection.
                let left = deadline.saturating_duration_since(Instant::now());
                let timeout = crate::protocol::timeout::format(left);
                request.headers_mut().insert(name::GRPC_TIMEOUT, timeout);
            }
            let (response, mut send) = match send_request.send_request(request, false) {
                Ok(opened) => opened,
                Err(error)
                    if error.is_go_away() && transparent_retries < MAX_TRANSPARENT_RETRIES =>
                {
                    // GOAWAY arrived since the pick: nothing was sent; try another connection.
                    picked.connection.closed.cancel();
                    transparent_retries += 1;
                    continue;
                }
                Err(error) => return Err(client_error(error)),
            };
            let local_failure = LocalFailure::default();
            let abandon = match (&mut first, many.take()) {
                (Some((message, encoder, encoded)), _) => {
                    let data = match encoded.take() {
                        Some(data) => data,
                        None => {
                            let mut data = BytesMut::new();
                            encoder.encode(&*message, &mut data)?;
                            data.freeze()
                        }
                    };
                    // If this fails, the server has already answered (a trailers-only error
                    // sent before reading, as grpc-go does for an unknown service) or the
                    // connection is gone: the response says which.
                    let _ = send.send_data(data, true);
                    Abandon::Stream(send)
                }
                (None, Some((requests, encoder))) => {
                    let cancel = CancellationToken::new();
                    tokio::spawn(send_requests(
                        send,
                        requests,
                        encoder,
                        cancel.clone(),
                        local_failure.clone(),
                    ));
                    Abandon::Task(cancel.drop_guard())
                }
                (None, None) => unreachable!("a request stream is taken once, then not retried"),
            };
            let abandon = AbandonOnDrop(Some(abandon));
            match response.await {
                Ok(response) => break (response, in_flight, abandon, local_failure, picked.peer),
                Err(error)
                    if first.is_some()
                        && never_processed(&error)
                        && transparent_retries < MAX_TRANSPARENT_RETRIES =>
                {
                    drop(abandon.take());
                    picked.connection.closed.cancel();
                    transparent_retries += 1;
                    continue;
                }
                Err(error) => {
                    let local = local_failure.lock().ok().and_then(|mut s| s.take());
                    let aborted = in_flight.aborted();
                    return Err(local.or(aborted).unwrap_or_else(|| client_error(error)));
                }
            }
        };
        let abandon = abandon.take();
        let (parts, body) = response.into_parts();
        let headers = parts.headers;
        let trailers_only = body.is_end_stream() || headers.contains_key(name::GRPC_STATUS);
        if parts.status != http::StatusCode::OK || trailers_only {
            // The headers are the trailers: the status and the trailing metadata.
            let status = status_codec::decode(headers).unwrap_or_else(|| {
                if parts.status == http::StatusCode::OK {
                    Status::internal("the server ended the response without a grpc-status")
                } else {
                    Status::new(
                        status_codec::code_for_http_status(parts.status),
                        format!("unexpected HTTP status {} from the server", parts.status),
                    )
                }
            });
            if status.code() != Code::Ok {
                return Err(status);
            }
            let trailers = status.metadata().clone().into_headers();
            let mut trailers_headers = trailers;
            trailers_headers.insert(name::GRPC_STATUS, HeaderValue::from_static("0"));
            return Ok(Streaming::client(
                Body::Other(Box::new(TrailersOnly(Some(trailers_headers)))),
                FrameDecoder::new(None, 0),
                MetadataMap::new(),
                deadline,
                ClientCall {
                    abandon: Some(abandon),
                    local_failure,
                    in_flight: Some(in_flight),
                    peer: Some(peer),
                },
                decode,
            ));
        }
        let is_grpc = headers
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|ct| headers::is_grpc_content_type(ct.as_bytes()));
        if !is_grpc {
            return Err(Status::unknown(format!(
                "the server answered with content-type {:?}, not application/grpc",
                headers.get(http::header::CONTENT_TYPE)
            )));
        }
        let encoding = match headers.get(name::GRPC_ENCODING).and_then(|v| v.to_str().ok()) {
            None | Some("identity") => None,
            Some(name) => match Compression::from_name(name)
                .filter(|c| config.accept_compression.contains(c))
            {
                Some(compression) => Some(compression),
                None => {
                    return Err(Status::internal(format!(
                        "the server answered with compression `{name}`, which this channel does not accept"
                    )))
                }
            },
        };
        Ok(Streaming::client(
            Body::Response(body),
            FrameDecoder::new(encoding, max_receive_message_size),
            MetadataMap::from_headers(headers),
            deadline,
            ClientCall {
                abandon: Some(abandon),
                local_failure,
                in_flight: Some(in_flight),
                peer: Some(peer),
            },
            decode,
        ))
    }

    /// The HTTP/2 request head: the URI, and the gRPC headers (call definition first, then
    /// the caller's metadata, as `PROTOCOL-HTTP2.md` orders them), and whether the caller's
    /// metadata is among them. The headers every call sends are the channel's template
    /// ([`request_template`]), cloned: building them per call cost more than a third of the
    /// client's own work per call.
    fn request(
        self,
        compression: Option<Compression>,
    ) -> Result<(http::Uri, http::HeaderMap, bool), Status> {
        let config = self.channel.config();
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(config.scheme.clone());
        parts.authority = Some(config.authority.clone());
        parts.path_and_query = Some(self.path);
        let uri = http::Uri::from_parts(parts)
            .map_err(|e| Status::internal(format!("building the request URI: {e}")))?;
        let mut metadata = self.metadata.into_headers();
        if metadata.is_empty() {
            return Ok((uri, call_headers(config, compression), false));
        }
        headers::strip_reserved(&mut metadata);
        if metadata.contains_key(http::header::USER_AGENT) {
            // The caller's own user-agent replaces ours, in its place among the call
            // definition headers.
            let mut headers = request_headers(config.accept_encoding.as_ref(), false);
            if let Some(compression) = compression {
                headers.insert(
                    name::GRPC_ENCODING,
                    HeaderValue::from_static(compression.name()),
                );
            }
            if let Some(agent) = metadata.remove(http::header::USER_AGENT) {
                headers.insert(http::header::USER_AGENT, agent);
            }
            headers.extend(metadata);
            return Ok((uri, headers, true));
        }
        let mut headers = call_headers(config, compression);
        headers.extend(metadata);
        Ok((uri, headers, true))
    }
}

/// The headers every call on a channel sends, built once per channel: `te`, `content-type`,
/// `grpc-accept-encoding` (if the channel accepts any compression) and our `user-agent`.
pub(crate) fn request_template(accept_encoding: Option<&HeaderValue>) -> http::HeaderMap {
    request_headers(accept_encoding, true)
}

fn request_headers(accept_encoding: Option<&HeaderValue>, user_agent: bool) -> http::HeaderMap {
    let mut headers = http::HeaderMap::with_capacity(8);
    headers.insert(http::header::TE, HeaderValue::from_static("trailers"));
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(CONTENT_TYPE_GRPC),
    );
    if let Some(accept) = accept_encoding {
        headers.insert(name::GRPC_ACCEPT_ENCODING, accept.clone());
    }
    if user_agent {
        headers.insert(
            http::header::USER_AGENT,
            HeaderValue::from_static(USER_AGENT),
        );
    }
    headers
}

/// A call's headers without the caller's metadata: the channel's template, and
/// `grpc-encoding` when the request is compressed.
fn call_headers(
    config: &super::channel::ChannelConfig,
    compression: Option<Compression>,
) -> http::HeaderMap {
    let mut headers = config.request_headers.clone();
    if let Some(compression) = compression {
        headers.insert(
            name::GRPC_ENCODING,
            HeaderValue::from_static(compression.name()),
        );
    }
    headers
}

/// The headers of a trailers-only response, read as the trailers of an empty body.
struct TrailersOnly(Option<http::HeaderMap>);

impl RecvBody for TrailersOnly {
    fn poll_data(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Bytes, Status>>> {
        std::task::Poll::Ready(None)
    }

    fn poll_trailers(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<Option<http::HeaderMap>, Status>> {
        std::task::Poll::Ready(Ok(self.0.take()))
    }
}

/// Sends a request stream: each message as it comes (waiting for flow-control capacity before
/// pulling the next), then an empty DATA frame with END_STREAM. A message that cannot be
/// encoded, or a cancelled call, resets the stream with CANCEL; the encode error is left in
/// `local_failure` for the caller.
async fn send_requests<T: WireMessage>(
    mut send: h2::SendStream<Bytes>,
    mut requests: BoxStream<Result<OutgoingMessage<T>, Status>>,
    mut encoder: FrameEncoder,
    cancel: CancellationToken,
    local_failure: LocalFailure,
) {
    // A large `Bytes` field goes out shared, as its own DATA frame, not copied.
    let mut out = Spliced::default();
    loop {
        // Back-pressure: wait until the stream can take more before pulling a message.
        send.reserve_capacity(1);
        while send.capacity() == 0 {
            tokio::select! {
                _ = cancel.cancelled() => return send.send_reset(h2::Reason::CANCEL),
                capacity = std::future::poll_fn(|cx| send.poll_capacity(cx)) => match capacity {
                    Some(Ok(_)) => {}
                    // The stream is over (the server answered or reset it).
                    Some(Err(_)) | None => return,
                },
            }
        }
        let next = tokio::select! {
            biased;
            _ = cancel.cancelled() => return send.send_reset(h2::Reason::CANCEL),
            _ = std::future::poll_fn(|cx| send.poll_reset(cx)) => return,
            next = requests.next() => next,
        };
        match next {
            Some(Err(status)) => {
                // The request side broke off: fail the call, never half-close it.
                if let Ok(mut slot) = local_failure.lock() {
                    *slot = Some(status);
                }
                return send.send_reset(h2::Reason::CANCEL);
            }
            Some(Ok(message)) => {
                if let Err(status) = encoder.encode_spliced(&message, &mut out) {
                    if let Ok(mut slot) = local_failure.lock() {
                        *slot = Some(status);
                    }
                    return send.send_reset(h2::Reason::CANCEL);
                }
                while let Some(piece) = out.pop() {
                    if send.send_data(piece, false).is_err() {
                        return;
                    }
                }
            }
            None => {
                let _ = send.send_data(Bytes::new(), true);
                return;
            }
        }
    }
}

/// How many times a call the server never saw is retried on another connection.
const MAX_TRANSPARENT_RETRIES: u32 = 3;

/// Whether a stream error means the server never processed the stream: it was refused
/// (REFUSED_STREAM), or a GOAWAY's last stream id is below it.
fn never_processed(error: &h2::Error) -> bool {
    (error.is_go_away() && error.is_remote())
        || (error.is_reset() && error.reason() == Some(h2::Reason::REFUSED_STREAM))
}

/// `user-agent` of calls that do not set their own.
const USER_AGENT: &str = concat!("grpc-rust-grpc-core/", env!("CARGO_PKG_VERSION"));

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

        /// Sends these call credentials' metadata with this call, after the channel's (grpcio's
        /// `credentials=`). Only over a secure channel: on a plaintext one the call fails with
        /// UNAVAILABLE saying so.
        pub fn credentials(mut self, credentials: CallCredentials) -> Self {
            self.call.credentials = Some(credentials);
            self
        }

        /// The request metadata sent with this call.
        pub fn metadata_mut(&mut self) -> &mut MetadataMap {
            &mut self.call.metadata
        }

        /// `wait_for_ready` (`doc/wait-for-ready.md`): while the channel is in
        /// TRANSIENT_FAILURE, wait for a connection until the deadline instead of failing at
        /// once with UNAVAILABLE. Default: the service config's `waitForReady`, else off.
        pub fn wait_for_ready(mut self, wait: bool) -> Self {
            self.call.wait_for_ready = Some(wait);
            self
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
            call: Call::new(channel, path, Requests::One(OutgoingMessage::new(request))),
            _response: PhantomData,
        }
    }

    /// A client-streaming call of `path` sending `requests`.
    #[doc(hidden)]
    pub fn streaming<S>(channel: &Channel, path: &'static str, requests: S) -> Self
    where
        S: Stream + Send + 'static,
        S::Item: IntoRequest<Req>,
    {
        UnaryCall {
            call: Call::new(
                channel,
                path,
                Requests::Many(Box::pin(requests.map(IntoRequest::into_request))),
            ),
            _response: PhantomData,
        }
    }

    options!();

    /// Starts the call in the background, on the calling task's runtime (else on the one
    /// blocking clients use), and returns its [`CallFuture`]: cancel it, wait for it with a
    /// timeout, or add done callbacks.
    ///
    /// The handle is grpcio's call object as well: the response headers as soon as they
    /// arrive ([`CallFuture::headers`], [`CallFuture::initial_metadata`]), before the
    /// response; then the code, details and trailing metadata; `time_remaining()`,
    /// `is_active()`, `cancel()` and done callbacks.
    pub fn spawn(self) -> CallFuture<Resp>
    where
        Resp: Sync,
    {
        let timeout = self.call.timeout;
        CallFuture::spawn_call(timeout, move |report| self.run(Some(report), with_details))
    }

    /// [`spawn`](Self::spawn) on `handle`'s runtime.
    pub(crate) fn spawn_on(self, handle: &tokio::runtime::Handle) -> CallFuture<Resp>
    where
        Resp: Sync,
    {
        let timeout = self.call.timeout;
        CallFuture::spawn_call_on(handle, timeout, move |report| {
            self.run(Some(report), with_details)
        })
    }

    /// Makes the call and returns the response with its metadata.
    pub async fn with_call(self) -> Result<(Resp, CallDetails), Status> {
        self.run(None, with_details).await
    }

    /// Makes the call, telling `report` of the response headers the moment they arrive;
    /// `finish` makes the output from the response and its stream, once that has ended (a
    /// plain `.await` keeps only the response, so that no metadata is carried further).
    async fn run<Out>(
        self,
        report: Option<HeadersReport>,
        finish: fn(Resp, Streaming<Resp>) -> Out,
    ) -> Result<Out, Status> {
        let (deadline, started) = self.call.begin::<Resp>();
        with_deadline(deadline, async move {
            let mut stream = started.await?;
            if let Some(report) = report {
                report.report(stream.initial_metadata().clone());
            }
            let response = stream.message().await?.ok_or_else(|| {
                Status::internal("server ended a call with OK but sent no response message")
            })?;
            if stream.message().await?.is_some() {
                return Err(Status::internal(
                    "server sent more than one response message for a unary call",
                ));
            }
            Ok(finish(response, stream))
        })
        .await
    }
}

/// The response of a unary call with its metadata, from its ended stream.
fn with_details<Resp>(response: Resp, stream: Streaming<Resp>) -> (Resp, CallDetails) {
    let message_compressed = stream.last_message_compressed();
    let details = stream.details().unwrap_or_default().to_owned();
    let (initial_metadata, trailing_metadata) = stream.into_metadata();
    (
        response,
        CallDetails {
            initial_metadata,
            trailing_metadata,
            message_compressed,
            details,
        },
    )
}

impl<Req, Resp> IntoFuture for UnaryCall<Req, Resp>
where
    Req: MessageType,
    Resp: MessageType,
{
    type Output = Result<Resp, Status>;
    type IntoFuture = BoxFuture<Result<Resp, Status>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run(None, |response, _| response))
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
            call: Call::new(channel, path, Requests::One(OutgoingMessage::new(request))),
            _response: PhantomData,
        }
    }

    /// A bidirectional-streaming call of `path` sending `requests`.
    #[doc(hidden)]
    pub fn streaming<S>(channel: &Channel, path: &'static str, requests: S) -> Self
    where
        S: Stream + Send + 'static,
        S::Item: IntoRequest<Req>,
    {
        StreamingCall {
            call: Call::new(
                channel,
                path,
                Requests::Many(Box::pin(requests.map(IntoRequest::into_request))),
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

    /// A server-streaming call resolves once the response headers arrive. A bidirectional one
    /// resolves at once: the call starts on its own task, so the caller can write requests
    /// (through a [`RequestSender`](crate::client::RequestSender) or any stream it feeds)
    /// before the server answers; a server that holds its headers until the first request
    /// (grpcio does) would otherwise never answer. Its first read, or
    /// [`Streaming::headers`], waits for the headers, and reports a call that failed to start.
    fn into_future(self) -> Self::IntoFuture {
        let bidi = matches!(self.call.requests, Requests::Many(_));
        let (deadline, started) = self.call.begin();
        if bidi {
            return Box::pin(async move {
                let start = tokio::spawn(with_deadline(deadline, started));
                Ok(Streaming::client_starting(start, deadline))
            });
        }
        Box::pin(with_deadline(deadline, started))
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
    message_compressed: Option<bool>,
    details: String,
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

    /// Whether the response message arrived compressed (its flag on the wire).
    pub fn message_compressed(&self) -> Option<bool> {
        self.message_compressed
    }

    /// The status code: always OK, since failed calls return a [`Status`] instead (whose
    /// code, message and metadata say how they failed; [`UnaryCall::spawn`]'s [`CallFuture`]
    /// also keeps a failed call's response headers).
    pub fn code(&self) -> Code {
        Code::Ok
    }

    /// The status message the server sent with OK (`grpc-message`; grpcio's
    /// `context.set_details` on a call that succeeds), empty when it sent none.
    pub fn details(&self) -> &str {
        &self.details
    }

    /// The headers, the trailers and the OK status message.
    pub(crate) fn into_parts(self) -> (MetadataMap, MetadataMap, String) {
        (self.initial_metadata, self.trailing_metadata, self.details)
    }
}
