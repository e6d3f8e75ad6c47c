//! The request side of client-streaming and bidirectional calls: what a request stream may
//! carry ([`IntoRequest`]), and a sender to write requests one by one ([`RequestSender`]).

use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::mpsc;

use crate::protocol::OutgoingMessage;
use crate::status::Status;

/// What a request stream (or a blocking client's request iterator) may yield: a message, an
/// [`OutgoingMessage`] (per-message compression), or either in a `Result`, where an `Err`
/// breaks the call off with that status (its stream is reset, so the server never takes a
/// partial upload for a complete one).
pub trait IntoRequest<Req> {
    /// The request to send, or why the request side broke off.
    fn into_request(self) -> Result<OutgoingMessage<Req>, Status>;
}

impl<Req> IntoRequest<Req> for Req {
    fn into_request(self) -> Result<OutgoingMessage<Req>, Status> {
        Ok(OutgoingMessage::new(self))
    }
}

impl<Req> IntoRequest<Req> for OutgoingMessage<Req> {
    fn into_request(self) -> Result<OutgoingMessage<Req>, Status> {
        Ok(self)
    }
}

impl<Req> IntoRequest<Req> for Result<Req, Status> {
    fn into_request(self) -> Result<OutgoingMessage<Req>, Status> {
        self.map(OutgoingMessage::new)
    }
}

impl<Req> IntoRequest<Req> for Result<OutgoingMessage<Req>, Status> {
    fn into_request(self) -> Result<OutgoingMessage<Req>, Status> {
        self
    }
}

/// Writes the requests of a client-streaming or bidirectional call one by one, as grpcio's
/// `write()` / `done_writing()` and grpclib's `send_message()` / `end()` do. Pass the
/// [`RequestStream`] to the call; a bidirectional call's `.await` does not wait for the
/// response headers, so writing can start at once.
///
/// [`done_writing`](Self::done_writing) half-closes the request stream. Dropping the sender
/// without it (a writer task that failed or was cancelled) cancels the call instead: the
/// server sees CANCELLED, never a complete-looking partial upload.
///
/// ```
/// use grpc_core::client::{request_channel, RequestSender};
/// use grpc_core::stream::StreamExt;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (sender, mut requests) = request_channel::<u32>(4);
/// tokio::spawn(async move {
///     for n in 1..=3 {
///         sender.write(n).await.expect("the call is still running");
///     }
///     sender.done_writing();
/// });
/// let mut sent = Vec::new();
/// while let Some(request) = requests.next().await {
///     sent.push(request.expect("written").message);
/// }
/// assert_eq!(sent, [1, 2, 3]);
///
/// // Dropped without done_writing(): the stream ends with an error, and so does the call.
/// let (sender, mut requests) = request_channel::<u32>(4);
/// drop(sender);
/// assert!(requests.next().await.unwrap().is_err());
/// # }
/// ```
pub struct RequestSender<T> {
    sender: Option<mpsc::Sender<Result<OutgoingMessage<T>, Status>>>,
    /// Set by `done_writing`: the stream then ends normally.
    done: Arc<AtomicBool>,
}

/// The requests a [`RequestSender`] writes, as a call's request stream.
pub struct RequestStream<T> {
    receiver: mpsc::Receiver<Result<OutgoingMessage<T>, Status>>,
    done: Arc<AtomicBool>,
    /// The stream yielded its last item (its end, or the error of an unfinished upload).
    over: bool,
}

/// A [`RequestSender`] and the [`RequestStream`] to pass to the call; `buffer` requests may
/// wait to be sent before `write` waits too (back-pressure).
pub fn request_channel<T>(buffer: usize) -> (RequestSender<T>, RequestStream<T>) {
    let (sender, receiver) = mpsc::channel(buffer.max(1));
    let done = Arc::new(AtomicBool::new(false));
    (
        RequestSender {
            sender: Some(sender),
            done: done.clone(),
        },
        RequestStream {
            receiver,
            done,
            over: false,
        },
    )
}

impl<T> RequestSender<T> {
    /// Sends one request; waits while `buffer` requests are already waiting. Fails once the
    /// call is over (done, failed or cancelled): nothing reads the requests any more.
    pub async fn write(&self, request: impl Into<OutgoingMessage<T>>) -> Result<(), Status> {
        let closed = || Status::cancelled("the call is over: its requests are no longer read");
        let sender = self.sender.as_ref().ok_or_else(closed)?;
        sender.send(Ok(request.into())).await.map_err(|_| closed())
    }

    /// Ends the request stream normally (half-close): the server sees its end.
    pub fn done_writing(mut self) {
        self.done.store(true, Ordering::Release);
        self.sender = None;
    }

    /// Breaks the call off with `status` (its stream is reset), instead of ending it.
    pub async fn abort(mut self, status: Status) {
        if let Some(sender) = self.sender.take() {
            let _ = sender.send(Err(status)).await;
        }
    }
}

fn incomplete() -> Status {
    Status::cancelled(
        "the request sender was dropped before done_writing(): the upload is incomplete",
    )
}

impl<T> Stream for RequestStream<T> {
    type Item = Result<OutgoingMessage<T>, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.over {
            return Poll::Ready(None);
        }
        match std::task::ready!(self.receiver.poll_recv(cx)) {
            Some(request) => Poll::Ready(Some(request)),
            None => {
                self.over = true;
                if self.done.load(Ordering::Acquire) {
                    Poll::Ready(None)
                } else {
                    // Every sender is gone without done_writing(): never a clean end.
                    Poll::Ready(Some(Err(incomplete())))
                }
            }
        }
    }
}

impl<T> fmt::Debug for RequestSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSender")
            .field("open", &self.sender.is_some())
            .finish()
    }
}

impl<T> fmt::Debug for RequestStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestStream").finish_non_exhaustive()
    }
}
