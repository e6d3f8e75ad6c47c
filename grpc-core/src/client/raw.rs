//! Calls with already-encoded messages, for clients that only know their schema at run time
//! (dynamic messages built from JSON, proxies).

use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use http::uri::PathAndQuery;

use super::call::{with_deadline, CallHead, Requests};
use super::credentials::{self, CallCredentials};
use super::Channel;
use crate::metadata::MetadataMap;
use crate::protocol::{EncodedBytes, OutgoingMessage};
use crate::status::Status;
use crate::streaming::Streaming;
use tokio_stream::StreamExt;

/// A call of any method with encoded request messages; the responses arrive encoded too.
///
/// Every call shape works through it: send one message or many, read one or many.
///
/// ```no_run
/// use grpc_core::client::RawCall;
/// use grpc_core::stream;
///
/// # async fn run(channel: grpc_core::Channel) -> Result<(), grpc_core::Status> {
/// let request = bytes::Bytes::from_static(b"\x0a\x05world"); // HelloRequest { name: "world" }
/// let mut responses = RawCall::new(&channel, "/helloworld.Greeter/SayHello")?
///     .call(stream::once(request))
///     .await?;
/// let reply = responses.message().await?; // the encoded HelloReply
/// # let _ = reply; Ok(()) }
/// ```
#[derive(Debug)]
pub struct RawCall {
    channel: Channel,
    path: PathAndQuery,
    timeout: Option<Duration>,
    metadata: MetadataMap,
    wait_for_ready: Option<bool>,
    credentials: Option<CallCredentials>,
}

impl RawCall {
    /// A call of `path` (`/package.Service/Method`) on `channel`.
    pub fn new(channel: &Channel, path: &str) -> Result<RawCall, Status> {
        let path = PathAndQuery::try_from(path)
            .map_err(|e| Status::invalid_argument(format!("invalid method path {path:?}: {e}")))?;
        Ok(RawCall {
            channel: channel.clone(),
            path,
            timeout: None,
            metadata: MetadataMap::new(),
            wait_for_ready: None,
            credentials: None,
        })
    }

    /// Fails the call with DEADLINE_EXCEEDED if it has not finished within `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Waits for a connection while the channel is in TRANSIENT_FAILURE, until the deadline
    /// (`doc/wait-for-ready.md`), instead of failing at once.
    pub fn wait_for_ready(mut self, wait: bool) -> Self {
        self.wait_for_ready = Some(wait);
        self
    }

    /// Adds request metadata.
    pub fn metadata(mut self, metadata: MetadataMap) -> Self {
        let mut headers = metadata.into_headers();
        self.metadata.as_mut().extend(headers.drain());
        self
    }

    /// Sends these call credentials' metadata with the call, after the channel's (only over
    /// TLS or local credentials). Raw calls do not run the channel's interceptors: their
    /// messages have no type to show them.
    pub fn credentials(mut self, credentials: CallCredentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Sends `requests` and returns the response stream.
    pub async fn call<S>(self, requests: S) -> Result<Streaming<Bytes>, Status>
    where
        S: Stream<Item = Bytes> + Send + 'static,
    {
        let credentials = credentials::for_call(&self.channel, self.credentials)?;
        let path = self.path.clone();
        let mut head = CallHead::new(
            &self.channel,
            self.path,
            self.timeout,
            self.metadata,
            None,
            self.wait_for_ready,
        );
        let deadline = head.deadline;
        let requests = requests.map(|bytes| Ok(OutgoingMessage::new(EncodedBytes(bytes))));
        let requests = Requests::Many(Box::pin(requests));
        let channel = self.channel;
        with_deadline(deadline, async move {
            credentials::apply_all(&credentials, &channel, path.path(), &mut head.metadata).await?;
            head.start(requests, Ok).await
        })
        .await
    }
}
