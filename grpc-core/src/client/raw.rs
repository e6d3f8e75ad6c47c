//! Calls with already-encoded messages, for clients that only know their schema at run time
//! (dynamic messages built from JSON, proxies).

use std::time::Duration;

use bytes::{Buf, BufMut, Bytes};
use futures_core::Stream;
use http::uri::PathAndQuery;
use tokio::time::Instant;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

use super::call::{with_deadline, CallHead};
use super::Channel;
use crate::codec::{EncodedBytes, OutgoingMessage};
use crate::metadata::MetadataMap;
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
        })
    }

    /// Fails the call with DEADLINE_EXCEEDED if it has not finished within `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Adds request metadata.
    pub fn metadata(mut self, metadata: MetadataMap) -> Self {
        let mut headers = metadata.into_headers();
        self.metadata.as_mut().extend(headers.drain());
        self
    }

    /// Sends `requests` and returns the response stream.
    pub async fn call<S>(self, requests: S) -> Result<Streaming<Bytes>, Status>
    where
        S: Stream<Item = Bytes> + Send + 'static,
    {
        let deadline = self.timeout.map(|timeout| Instant::now() + timeout);
        let head = CallHead {
            channel: &self.channel,
            path: self.path,
            timeout: self.timeout,
            metadata: self.metadata,
            compression: None,
        };
        let requests = requests.map(|bytes| OutgoingMessage::new(EncodedBytes(bytes)));
        with_deadline(deadline, head.start(Box::pin(requests), RawCodec, deadline)).await
    }
}

/// Passes message bytes through unchanged.
#[derive(Debug, Clone, Copy, Default)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Bytes;
    type Error = tonic::Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Self::Error> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Self::Error> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}
