//! Client interceptors: asked before each call on a channel, outermost first (grpcio's
//! `intercept_channel`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::uri::PathAndQuery;

use super::credentials::CallCredentials;
use crate::intercept::{BoxFuture, CallObserver, DynMessage};
use crate::metadata::MetadataMap;
use crate::protocol::Compression;
use crate::status::Status;

/// Runs before every call on the channels it was added to.
///
/// An [`Interceptor`] sees the call's [`CallInfo`] (method, metadata, timeout, compression,
/// credentials, wait_for_ready) and may change it. It then lets the call go on, optionally
/// with a [`CallObserver`] that sees each request and response message (and may change them)
/// and the final status, for every call pattern; or it answers the call itself, with a
/// [`Status`] or with reply messages, and the server is not called.
///
/// ```
/// use std::time::{Duration, Instant};
/// use grpc_core::client::{CallInfo, Intercept, Interceptor};
/// use grpc_core::intercept::{BoxFuture, CallObserver};
/// use grpc_core::{Channel, Status};
///
/// /// Adds a request id and a default timeout, and prints how long each call took.
/// struct Timing;
///
/// struct Timer { method: String, started: Instant }
///
/// impl CallObserver for Timer {
///     fn on_end(&self, status: &Status) {
///         println!("{} ended {} after {:?}", self.method, status.code(), self.started.elapsed());
///     }
/// }
///
/// impl Interceptor for Timing {
///     fn intercept<'a>(&'a self, call: &'a mut CallInfo) -> BoxFuture<'a, Result<Intercept, Status>> {
///         Box::pin(async move {
///             call.metadata_mut().insert("x-request-id", "42".parse().unwrap());
///             if call.timeout().is_none() {
///                 call.set_timeout(Some(Duration::from_secs(5)));
///             }
///             let timer = Timer { method: call.method().to_owned(), started: Instant::now() };
///             Ok(Intercept::observe(timer))
///         })
///     }
/// }
///
/// # #[tokio::main] async fn main() -> Result<(), grpc_core::Error> {
/// let channel = Channel::insecure("localhost:50051")?.with_interceptor(Timing);
/// # let _ = channel; Ok(()) }
/// ```
pub trait Interceptor: Send + Sync + 'static {
    /// Looks at (and may change) `call`, then says how the call goes on.
    fn intercept<'a>(&'a self, call: &'a mut CallInfo) -> BoxFuture<'a, Result<Intercept, Status>>;
}

/// What an interceptor decided about a call. `Err(status)` from
/// [`Interceptor::intercept`] fails the call with that status instead, without calling the
/// server.
#[non_exhaustive]
pub enum Intercept {
    /// Go on to the next interceptor and then the server; the observer, if any, sees this
    /// call's messages and end.
    Proceed(Option<Box<dyn CallObserver>>),
    /// Answer the call with these response messages and OK, without calling the server (a
    /// cached reply). A unary or client-streaming call needs exactly one; their type must be
    /// the method's response type, or the call fails with INTERNAL.
    Reply(Vec<Box<dyn DynMessage>>),
}

impl Intercept {
    /// Go on, without observing the call.
    pub fn proceed() -> Intercept {
        Intercept::Proceed(None)
    }

    /// Go on, with `observer` watching the call.
    pub fn observe(observer: impl CallObserver) -> Intercept {
        Intercept::Proceed(Some(Box::new(observer)))
    }

    /// Answer with one response message.
    pub fn reply(message: impl DynMessage) -> Intercept {
        Intercept::Reply(vec![Box::new(message)])
    }
}

impl fmt::Debug for Intercept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Intercept::Proceed(observer) => f
                .debug_tuple("Proceed")
                .field(&observer.as_ref().map(|_| ".."))
                .finish(),
            Intercept::Reply(messages) => f.debug_tuple("Reply").field(messages).finish(),
        }
    }
}

/// A call as interceptors see it, before it starts: everything but its messages.
#[derive(Debug)]
pub struct CallInfo {
    pub(crate) path: PathAndQuery,
    pub(crate) metadata: MetadataMap,
    pub(crate) timeout: Option<Duration>,
    pub(crate) compression: Option<Option<Compression>>,
    pub(crate) credentials: Option<CallCredentials>,
    pub(crate) wait_for_ready: Option<bool>,
}

impl CallInfo {
    /// The full method path, e.g. `/helloworld.Greeter/SayHello`.
    pub fn method(&self) -> &str {
        self.path.path()
    }

    /// Sends the call to another method path (`/package.Service/Method`; its messages are
    /// unchanged, so it must take the same types).
    pub fn set_method(&mut self, path: &str) -> Result<(), Status> {
        if !path.starts_with('/') || path[1..].split('/').count() != 2 {
            return Err(Status::internal(format!(
                "an interceptor set the malformed method path {path:?}"
            )));
        }
        self.path = PathAndQuery::try_from(path)
            .map_err(|e| Status::internal(format!("method path {path:?}: {e}")))?;
        Ok(())
    }

    /// The request metadata.
    pub fn metadata(&self) -> &MetadataMap {
        &self.metadata
    }

    /// The request metadata, to add to or change.
    pub fn metadata_mut(&mut self) -> &mut MetadataMap {
        &mut self.metadata
    }

    /// The call's own timeout (the service config's may still shorten it).
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Sets (or with `None` removes) the call's timeout. It counts from when the call
    /// started: time spent in the interceptors is taken off it, and the call credentials
    /// then run under the deadline.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
    }

    /// The call's request compression: `None` when it follows the channel's default,
    /// `Some(None)` for none, `Some(Some(c))` for `c`.
    pub fn compression(&self) -> Option<Option<Compression>> {
        self.compression
    }

    /// Overrides the request compression (`None`: none).
    pub fn set_compression(&mut self, compression: Option<Compression>) {
        self.compression = Some(compression);
    }

    /// The call's own credentials (the channel's apply as well).
    pub fn credentials(&self) -> Option<&CallCredentials> {
        self.credentials.as_ref()
    }

    /// Sets or removes the call's own credentials.
    pub fn set_credentials(&mut self, credentials: Option<CallCredentials>) {
        self.credentials = credentials;
    }

    /// The call's `wait_for_ready`, when it sets one.
    pub fn wait_for_ready(&self) -> Option<bool> {
        self.wait_for_ready
    }

    /// Sets `wait_for_ready`.
    pub fn set_wait_for_ready(&mut self, wait: bool) {
        self.wait_for_ready = Some(wait);
    }
}

/// A channel's interceptors (outermost first) and call credentials.
#[derive(Clone, Default)]
pub(crate) struct Layers {
    pub(crate) interceptors: Vec<Arc<dyn Interceptor>>,
    pub(crate) credentials: Option<CallCredentials>,
}

impl fmt::Debug for Layers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Layers")
            .field("interceptors", &self.interceptors.len())
            .field("credentials", &self.credentials)
            .finish()
    }
}

/// The response stream of a call an interceptor answered: its messages, then OK.
pub(crate) fn reply<Resp: crate::message::MessageType>(
    messages: Vec<Box<dyn DynMessage>>,
) -> Result<crate::streaming::Streaming<Resp>, Status> {
    use crate::protocol::{FrameDecoder, FrameEncoder, OutgoingMessage};
    let mut encoder = FrameEncoder::new(None, usize::MAX);
    let mut data = bytes::BytesMut::new();
    for message in messages {
        let name = message.type_name();
        let message = message.into_any().downcast::<Resp>().map_err(|_| {
            Status::internal(format!(
                "an interceptor replied with a {name}, but the call returns {}",
                std::any::type_name::<Resp>()
            ))
        })?;
        encoder.encode(&OutgoingMessage::new(*message), &mut data)?;
    }
    let mut trailers = http::HeaderMap::new();
    trailers.insert(
        crate::protocol::headers::name::GRPC_STATUS,
        http::HeaderValue::from_static("0"),
    );
    let body = Reply {
        data: Some(data.freeze()),
        trailers: Some(trailers),
    };
    Ok(crate::streaming::Streaming::client(
        crate::transport::recv::Body::Other(Box::new(body)),
        FrameDecoder::new(None, usize::MAX),
        MetadataMap::new(),
        None,
        crate::streaming::ClientCall {
            abandon: None,
            local_failure: Default::default(),
            in_flight: None,
            peer: None,
        },
        crate::protocol::decode_message::<Resp>,
    ))
}

/// An interceptor's reply, read as a response body.
struct Reply {
    data: Option<bytes::Bytes>,
    trailers: Option<http::HeaderMap>,
}

impl crate::transport::recv::RecvBody for Reply {
    fn poll_data(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<bytes::Bytes, Status>>> {
        std::task::Poll::Ready(self.data.take().map(Ok))
    }

    fn poll_trailers(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<Option<http::HeaderMap>, Status>> {
        std::task::Poll::Ready(Ok(self.trailers.take()))
    }
}
