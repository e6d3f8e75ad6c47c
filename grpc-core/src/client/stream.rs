//! [`ClientStream`]: a call driven one explicit step at a time, as grpclib's client `Stream`.
//!
//! It runs on the same call path as the typed calls (a bidirectional [`StreamingCall`] fed by
//! a [`request_channel`]), so it has their deadlines, compression, interceptors and
//! cancellation; what it adds is that each step is explicit and checked. Sending before
//! [`send_request`](ClientStream::send_request) or after [`end`](ClientStream::end),
//! starting twice, or asking for the trailers before the last message was read is a
//! FAILED_PRECONDITION error naming the step, never a hang or a panic.

use std::fmt;
use std::time::Duration;

use super::call::StreamingCall;
use super::credentials::CallCredentials;
use super::requests::{request_channel, RequestSender, RequestStream};
use super::Channel;
use crate::message::MessageType;
use crate::metadata::MetadataMap;
use crate::protocol::{Compression, OutgoingMessage};
use crate::status::Status;
use crate::streaming::Streaming;
use crate::transport::address::Address;

/// One call, step by step: `send_request`, `send_message`s, `end`, then
/// `recv_initial_metadata`, `recv_message`s and `recv_trailing_metadata` (the two sides in
/// any interleaving the method allows), or `cancel` at any point.
///
/// ```
/// use grpc_core::client::ClientStream;
/// use grpc_core::{Channel, Code, Message};
///
/// #[derive(Message, Clone, PartialEq, Debug)]
/// #[grpc(package = "demo")]
/// pub struct Count { pub n: u32 }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let channel = Channel::insecure("127.0.0.1:1")?; // nothing listens here
/// let mut stream = ClientStream::<Count, Count>::new(&channel, "/demo.Counter/Add")
///     .timeout(std::time::Duration::from_millis(200));
/// // Every step is checked: no message before the request is sent, none after the end.
/// let early = stream.send_message(Count { n: 1 }, false).await.unwrap_err();
/// assert_eq!(early.code(), Code::FailedPrecondition);
/// stream.send_request().await?;
/// stream.end()?;
/// let late = stream.send_message(Count { n: 2 }, false).await.unwrap_err();
/// assert_eq!(late.code(), Code::FailedPrecondition);
/// // The call itself fails (no server): the receive steps say how.
/// assert_eq!(stream.recv_initial_metadata().await.unwrap_err().code(), Code::Unavailable);
/// # Ok(()) }
/// ```
pub struct ClientStream<Req, Resp> {
    state: State<Req, Resp>,
    /// The request side is ended (`end()` or `send_message(.., true)`).
    sending_ended: bool,
    /// The last message was read (`recv_message` gave `None`).
    messages_done: bool,
    trailers: Option<MetadataMap>,
}

enum State<Req, Resp> {
    /// `send_request` not called yet: the call's options can still change.
    Ready(Box<StreamingCall<Req, Resp>>, RequestSender<Req>),
    Open {
        sender: Option<RequestSender<Req>>,
        responses: Box<Streaming<Resp>>,
    },
    /// The call could not start: every later step gives this status.
    Failed(Status),
    Cancelled,
}

impl<Req, Resp> ClientStream<Req, Resp>
where
    Req: MessageType,
    Resp: MessageType,
{
    /// A call of `path` (`/package.Service/Method`) on `channel`; nothing is sent yet.
    pub fn new(channel: &Channel, path: &'static str) -> Self {
        let (sender, requests): (RequestSender<Req>, RequestStream<Req>) = request_channel(1);
        ClientStream {
            state: State::Ready(
                Box::new(StreamingCall::streaming(channel, path, requests)),
                sender,
            ),
            sending_ended: false,
            messages_done: false,
            trailers: None,
        }
    }

    fn configure(
        mut self,
        change: impl FnOnce(StreamingCall<Req, Resp>) -> StreamingCall<Req, Resp>,
    ) -> Self {
        if let State::Ready(call, sender) = self.state {
            self.state = State::Ready(Box::new(change(*call)), sender);
        }
        self
    }

    /// The call's timeout (see [`StreamingCall::timeout`]).
    pub fn timeout(self, timeout: Duration) -> Self {
        self.configure(|call| call.timeout(timeout))
    }

    /// The request metadata (see [`StreamingCall::metadata`]).
    pub fn metadata(self, metadata: MetadataMap) -> Self {
        self.configure(|call| call.metadata(metadata))
    }

    /// The request compression (see [`StreamingCall::compression`]).
    pub fn compression(self, compression: Option<Compression>) -> Self {
        self.configure(|call| call.compression(compression))
    }

    /// The call credentials (see [`StreamingCall::credentials`]).
    pub fn credentials(self, credentials: CallCredentials) -> Self {
        self.configure(|call| call.credentials(credentials))
    }

    /// Whether to wait for the channel to be ready (see [`StreamingCall::wait_for_ready`]).
    pub fn wait_for_ready(self, wait: bool) -> Self {
        self.configure(|call| call.wait_for_ready(wait))
    }

    /// Starts the call: the request headers go out. Once only.
    pub async fn send_request(&mut self) -> Result<(), Status> {
        let state = std::mem::replace(&mut self.state, State::Cancelled);
        let State::Ready(call, sender) = state else {
            self.state = state;
            return Err(misuse("send_request() was already called"));
        };
        match (*call).await {
            Ok(responses) => {
                self.state = State::Open {
                    sender: Some(sender),
                    responses: Box::new(responses),
                };
                Ok(())
            }
            Err(status) => {
                self.state = State::Failed(status.clone());
                Err(status)
            }
        }
    }

    /// Sends one request message; `end: true` ends the request side with it.
    pub async fn send_message(
        &mut self,
        message: impl Into<OutgoingMessage<Req>>,
        end: bool,
    ) -> Result<(), Status> {
        let sender = self.open_sender("send_message()")?;
        sender.write(message).await?;
        if end {
            self.end()?;
        }
        Ok(())
    }

    /// Ends the request side (half-close): the server sees the end of the request stream.
    pub fn end(&mut self) -> Result<(), Status> {
        let _ = self.open_sender("end()")?;
        if let State::Open { sender, .. } = &mut self.state {
            if let Some(sender) = sender.take() {
                sender.done_writing();
            }
        }
        self.sending_ended = true;
        Ok(())
    }

    fn open_sender(&mut self, step: &str) -> Result<&RequestSender<Req>, Status> {
        match &self.state {
            State::Ready(..) => Err(misuse(format!("{step} before send_request()"))),
            State::Failed(status) => Err(status.clone()),
            State::Cancelled => Err(cancelled()),
            State::Open { sender, .. } => match sender {
                Some(sender) if !self.sending_ended => Ok(sender),
                _ => Err(misuse(format!("{step} after the request side was ended"))),
            },
        }
    }

    fn responses(&mut self, step: &str) -> Result<&mut Streaming<Resp>, Status> {
        match &mut self.state {
            State::Ready(..) => Err(misuse(format!("{step} before send_request()"))),
            State::Failed(status) => Err(status.clone()),
            State::Cancelled => Err(cancelled()),
            State::Open { responses, .. } => Ok(responses),
        }
    }

    /// Waits for the response headers. A call that failed before them (or was answered with a
    /// status only) gives its status as the error.
    pub async fn recv_initial_metadata(&mut self) -> Result<&MetadataMap, Status> {
        self.responses("recv_initial_metadata()")?.headers().await
    }

    /// The next response message; `None` after the last one (then the trailers are there). A
    /// call that failed gives its status as the error.
    pub async fn recv_message(&mut self) -> Result<Option<Resp>, Status> {
        if self.messages_done {
            return Ok(None);
        }
        let message = self.responses("recv_message()")?.message().await?;
        if message.is_none() {
            self.messages_done = true;
        }
        Ok(message)
    }

    /// The trailing metadata of a call that ended OK. Only after the last message was read
    /// (`recv_message` gave `None`); a stream that ended without trailers is an error, as the
    /// protocol requires them.
    pub async fn recv_trailing_metadata(&mut self) -> Result<&MetadataMap, Status> {
        if self.trailers.is_none() {
            if !self.messages_done {
                let _ = self.responses("recv_trailing_metadata()")?;
                return Err(misuse(
                    "recv_trailing_metadata() before the last message was read (recv_message() gives None at the end)",
                ));
            }
            let trailers = self
                .responses("recv_trailing_metadata()")?
                .trailers()
                .await?
                .ok_or_else(|| Status::internal("the server ended the call without trailers"))?;
            self.trailers = Some(trailers);
        }
        self.trailers
            .as_ref()
            .ok_or_else(|| Status::internal("the server ended the call without trailers"))
    }

    /// The address of the server the call went to, once it started (grpclib's `peer`): known
    /// when the first receive step has seen the call start.
    pub fn peer(&self) -> Option<&Address> {
        match &self.state {
            State::Open { responses, .. } => responses.peer(),
            _ => None,
        }
    }

    /// What is left of the call's deadline; `None` without one, or before `send_request`.
    pub fn time_remaining(&self) -> Option<Duration> {
        match &self.state {
            State::Open { responses, .. } => responses.time_remaining(),
            _ => None,
        }
    }

    /// Cancels the call (the server sees RST_STREAM(CANCEL)); every later step is CANCELLED.
    pub fn cancel(&mut self) {
        // Dropping the responses and the sender resets the stream.
        self.state = State::Cancelled;
    }
}

fn misuse(message: impl Into<String>) -> Status {
    Status::failed_precondition(message)
}

fn cancelled() -> Status {
    Status::cancelled("the stream was cancelled")
}

impl<Req, Resp> fmt::Debug for ClientStream<Req, Resp> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Ready(..) => "ready",
            State::Open { .. } => "open",
            State::Failed(_) => "failed",
            State::Cancelled => "cancelled",
        };
        f.debug_struct("ClientStream")
            .field("state", &state)
            .field("sending_ended", &self.sending_ended)
            .field("messages_done", &self.messages_done)
            .finish()
    }
}
