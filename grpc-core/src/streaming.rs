//! Message streams: [`Streaming`] is what a handler receives for a client stream and what a
//! client receives for a server stream; [`ServerStream`] is what a handler returns.
//!
//! ```
//! use grpc_core::{ServerStream, Status};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! // From an iterator:
//! let numbers: ServerStream<u32> = ServerStream::iter(vec![1, 2, 3]);
//!
//! // From a channel a spawned task feeds:
//! let (tx, stream) = ServerStream::<u32>::channel(16);
//! tokio::spawn(async move {
//!     for n in 0..3 {
//!         if tx.send(Ok(n)).await.is_err() {
//!             break; // the client went away
//!         }
//!     }
//! });
//! # let _ = (numbers, stream);
//! # }
//! ```

use std::fmt;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::Stream;
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};

use crate::codec::OutgoingMessage;
use crate::metadata::MetadataMap;
use crate::status::Status;

/// A stream of incoming messages: requests on the server, responses on the client.
///
/// Read it with [`Streaming::message`] or as a [`Stream`] of `Result<T, Status>`. On the client
/// it also gives the response's initial metadata and, once drained, its trailing metadata; the
/// call's deadline applies while reading, and dropping the stream cancels the call.
pub struct Streaming<T> {
    inner: Option<tonic::Streaming<T>>,
    /// Client side: resets the HTTP/2 stream (both directions) when the call is abandoned.
    cancel: Option<tokio_util::sync::CancellationToken>,
    initial_metadata: MetadataMap,
    deadline: Option<Pin<Box<Sleep>>>,
    timeout_error: Option<Status>,
    trailers: Option<MetadataMap>,
    /// Server side: the compressed flags of the request frames seen so far.
    flags: Option<crate::codec::Flags>,
    last_compressed: Option<bool>,
}

impl<T> Streaming<T> {
    pub(crate) fn new(
        inner: tonic::Streaming<T>,
        initial_metadata: MetadataMap,
        deadline: Option<Instant>,
    ) -> Self {
        Streaming {
            inner: Some(inner),
            cancel: None,
            initial_metadata,
            deadline: deadline.map(|at| Box::pin(tokio::time::sleep_until(at))),
            timeout_error: None,
            trailers: None,
            flags: None,
            last_compressed: None,
        }
    }

    pub(crate) fn with_flags(mut self, flags: crate::codec::Flags) -> Self {
        self.flags = Some(flags);
        self
    }

    /// Server side: whether the message last returned arrived compressed (`None` before the
    /// first message, and on the client side).
    pub fn last_message_compressed(&self) -> Option<bool> {
        self.last_compressed
    }

    /// The next message; `Ok(None)` once the stream ended successfully.
    pub async fn message(&mut self) -> Result<Option<T>, Status> {
        std::future::poll_fn(|cx| self.poll_message(cx)).await
    }

    /// The initial metadata (response headers) of the call. Empty on the server side.
    pub fn initial_metadata(&self) -> &MetadataMap {
        &self.initial_metadata
    }

    /// The trailing metadata, draining any messages not yet read. `None` on the server side.
    pub async fn trailers(&mut self) -> Result<Option<MetadataMap>, Status> {
        while self.message().await?.is_some() {}
        Ok(self.trailers.take())
    }

    /// Makes dropping this stream before its end cancel the whole call, request side too.
    pub(crate) fn cancel_on_drop(mut self, cancel: tokio_util::sync::CancellationToken) -> Self {
        self.cancel = Some(cancel);
        self
    }

    fn abandon(&mut self) {
        self.inner = None;
        if let Some(cancel) = self.cancel.take() {
            cancel.cancel();
        }
    }

    /// Initial and trailing metadata, once the stream has ended.
    pub(crate) fn into_metadata(mut self) -> (MetadataMap, MetadataMap) {
        (
            std::mem::take(&mut self.initial_metadata),
            self.trailers.take().unwrap_or_default(),
        )
    }

    fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<T>, Status>> {
        if let Some(status) = self.timeout_error.take() {
            return Poll::Ready(Err(status));
        }
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(Ok(None));
        };
        if let Some(deadline) = self.deadline.as_mut() {
            if deadline.as_mut().poll(cx).is_ready() {
                // Resetting the HTTP/2 stream: the server sees CANCEL.
                self.abandon();
                return Poll::Ready(Err(Status::deadline_exceeded("deadline exceeded")));
            }
        }
        match ready!(Pin::new(&mut *inner).poll_next(cx)) {
            Some(Ok(message)) => {
                if let Some(flags) = &self.flags {
                    self.last_compressed =
                        flags.lock().ok().and_then(|mut flags| flags.pop_front());
                }
                Poll::Ready(Ok(Some(message)))
            }
            Some(Err(status)) => {
                self.abandon();
                Poll::Ready(Err(crate::client::map_status(status.into(), None)))
            }
            None => {
                let mut trailers =
                    std::mem::take(&mut self.inner).and_then(|mut inner| trailers_now(&mut inner));
                if let Some(trailers) = trailers.as_mut() {
                    for reserved in ["grpc-status", "grpc-message", "grpc-status-details-bin"] {
                        trailers.remove(reserved);
                    }
                }
                self.trailers = trailers;
                self.cancel = None;
                Poll::Ready(Ok(None))
            }
        }
    }
}

/// Reads trailers that tonic has already received (the stream is finished).
fn trailers_now<T>(inner: &mut tonic::Streaming<T>) -> Option<MetadataMap> {
    let waker = futures_util::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    let fut = inner.trailers();
    let mut fut = std::pin::pin!(fut);
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(Ok(trailers)) => trailers,
        _ => None,
    }
}

use std::future::Future;

impl<T> Stream for Streaming<T> {
    type Item = Result<T, Status>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.poll_message(cx).map(Result::transpose)
    }
}

impl<T> Drop for Streaming<T> {
    fn drop(&mut self) {
        if self.inner.is_some() {
            self.abandon();
        }
    }
}

impl<T> fmt::Debug for Streaming<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Streaming")
            .field("finished", &self.inner.is_none())
            .finish_non_exhaustive()
    }
}

/// The sending half of [`ServerStream::channel`]: `send(Ok(message))` or end the call with
/// `send(Err(status))`. Sending fails once the client has gone away.
pub type StreamSender<T> = mpsc::Sender<Result<T, Status>>;

/// The sending half of [`ServerStream::channel_with_options`].
pub type OutgoingSender<T> = mpsc::Sender<Result<OutgoingMessage<T>, Status>>;

/// A stream of outgoing messages returned by a handler: a server stream's responses.
///
/// Ending the stream ends the call with OK; yielding an `Err(status)` ends it with that status.
pub struct ServerStream<T> {
    inner: Pin<Box<dyn Stream<Item = Result<OutgoingMessage<T>, Status>> + Send + 'static>>,
}

impl<T: Send + 'static> ServerStream<T> {
    /// Wraps any stream of results.
    pub fn new<S>(stream: S) -> Self
    where
        S: Stream<Item = Result<T, Status>> + Send + 'static,
    {
        use tokio_stream::StreamExt;
        ServerStream {
            inner: Box::pin(stream.map(|item| item.map(OutgoingMessage::new))),
        }
    }

    /// Wraps a stream whose messages each say whether they may be compressed (when the call
    /// compresses; see [`ServerContext::set_compression`](crate::ServerContext::set_compression)).
    pub fn with_options<S>(stream: S) -> Self
    where
        S: Stream<Item = Result<OutgoingMessage<T>, Status>> + Send + 'static,
    {
        ServerStream {
            inner: Box::pin(stream),
        }
    }

    /// A stream of one message.
    pub fn once(message: T) -> Self {
        Self::with_options(tokio_stream::once(Ok(OutgoingMessage::new(message))))
    }

    /// Like [`ServerStream::channel`], sending messages with their compression choice.
    pub fn channel_with_options(buffer: usize) -> (OutgoingSender<T>, Self) {
        let (tx, rx) = mpsc::channel(buffer.max(1));
        (
            tx,
            Self::with_options(tokio_stream::wrappers::ReceiverStream::new(rx)),
        )
    }

    pub(crate) fn into_inner(
        self,
    ) -> Pin<Box<dyn Stream<Item = Result<OutgoingMessage<T>, Status>> + Send + 'static>> {
        self.inner
    }

    /// A stream of the given messages.
    pub fn iter<I>(items: I) -> Self
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: Send + 'static,
    {
        Self::new(tokio_stream::iter(items.into_iter().map(Ok)))
    }

    /// A stream with no messages: the call ends with OK.
    pub fn empty() -> Self {
        Self::new(tokio_stream::empty())
    }

    /// A stream fed through a channel with room for `buffer` messages; send from any task.
    pub fn channel(buffer: usize) -> (StreamSender<T>, Self) {
        let (tx, rx) = mpsc::channel(buffer.max(1));
        (
            tx,
            Self::new(tokio_stream::wrappers::ReceiverStream::new(rx)),
        )
    }
}

impl<T> Stream for ServerStream<T> {
    type Item = Result<T, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner
            .as_mut()
            .poll_next(cx)
            .map(|item| item.map(|result| result.map(|outgoing| outgoing.message)))
    }
}

impl<T> fmt::Debug for ServerStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerStream").finish_non_exhaustive()
    }
}
