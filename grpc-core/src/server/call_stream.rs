//! [`CallStream`]: a handler's side of a call driven one explicit step at a time, as grpclib's
//! server `Stream`.

use std::fmt;
use std::future::Future;

use futures_util::FutureExt;
use tokio::sync::oneshot;

use super::context::ServerContext;
use crate::metadata::MetadataMap;
use crate::protocol::OutgoingMessage;
use crate::status::{Code, Status};
use crate::streaming::{OutgoingSender, ServerStream, Streaming};

/// A call, step by step, from the handler's side: `recv_message`, `send_initial_metadata`,
/// `send_message` and `send_trailing_metadata`, each checked. Start it with
/// [`CallStream::serve`] from a bidirectional (or any streaming) handler.
///
/// The response headers go out at `send_initial_metadata`, or with the first message, or with
/// the trailers of a call that sends no message. Sending after the trailers, or the headers
/// twice, is a FAILED_PRECONDITION error naming the step. The call ends when the body
/// returns: as its `send_trailing_metadata` said, else OK; with the error it returned; or
/// UNKNOWN if it panicked.
///
/// ```
/// use grpc_core::server::CallStream;
/// use grpc_core::{Message, ServerContext, ServerStream, Status, Streaming};
///
/// #[derive(Message, Clone, PartialEq, Debug)]
/// #[grpc(package = "demo")]
/// pub struct Note { pub text: String }
///
/// #[grpc_core::service(package = "demo")]
/// pub trait Echo: Send + Sync + 'static {
///     async fn chat(&self, ctx: &ServerContext, notes: Streaming<Note>)
///         -> Result<ServerStream<Note>, Status>;
/// }
///
/// struct MyEcho;
/// impl Echo for MyEcho {
///     async fn chat(&self, ctx: &ServerContext, notes: Streaming<Note>)
///         -> Result<ServerStream<Note>, Status> {
///         CallStream::serve(ctx, notes, |mut stream| async move {
///             let mut md = grpc_core::metadata::MetadataMap::new();
///             md.insert("x-echo", "on".parse().unwrap());
///             stream.send_initial_metadata(md)?;
///             while let Some(note) = stream.recv_message().await? {
///                 stream.send_message(note).await?;
///             }
///             stream.send_trailing_metadata(Status::ok(""), Default::default()).await
///         })
///         .await
///     }
/// }
/// ```
pub struct CallStream<Req, Resp> {
    ctx: ServerContext,
    requests: Streaming<Req>,
    responses: Option<OutgoingSender<Resp>>,
    /// Fired when the headers may go out (the handler then returns its stream).
    headers: Option<oneshot::Sender<()>>,
    headers_sent: bool,
}

impl<Req, Resp> CallStream<Req, Resp>
where
    Req: Send + 'static,
    Resp: Send + 'static,
{
    /// Runs `body` with the call's stream on a task of its own, and returns the response stream
    /// for the handler to return, once `body` lets the headers go out (see the type's docs).
    pub async fn serve<F, Fut>(
        ctx: &ServerContext,
        requests: Streaming<Req>,
        body: F,
    ) -> Result<ServerStream<Resp>, Status>
    where
        F: FnOnce(CallStream<Req, Resp>) -> Fut,
        Fut: Future<Output = Result<(), Status>> + Send + 'static,
    {
        let (sender, responses) = ServerStream::channel_with_options(16);
        let (headers, headers_ready) = oneshot::channel();
        let stream = CallStream {
            ctx: ctx.clone(),
            requests,
            responses: Some(sender.clone()),
            headers: Some(headers),
            headers_sent: false,
        };
        let run = body(stream);
        tokio::spawn(async move {
            // The call ends when the body does: with the error it returned, UNKNOWN for a
            // panic, else as its trailers said (OK by default).
            let ended = match std::panic::AssertUnwindSafe(run).catch_unwind().await {
                Ok(Ok(())) => None,
                Ok(Err(status)) => Some(status),
                Err(panic) => Some(Status::unknown(format!(
                    "call stream body panicked: {}",
                    super::handler::panic_message(&panic)
                ))),
            };
            if let Some(status) = ended {
                let _ = sender.send(Err(status)).await;
            }
        });
        // Until the body lets the headers go (or ends, dropping its stream).
        let _ = headers_ready.await;
        Ok(responses)
    }

    /// The call's context.
    pub fn context(&self) -> &ServerContext {
        &self.ctx
    }

    /// The next request message; `None` after the client's last one. A client that cancelled
    /// is an error, never a clean end.
    pub async fn recv_message(&mut self) -> Result<Option<Req>, Status> {
        self.requests.message().await
    }

    /// Sends the response headers now, with `metadata`. Once only, and before any message.
    pub fn send_initial_metadata(&mut self, metadata: MetadataMap) -> Result<(), Status> {
        if self.headers_sent {
            return Err(misuse(
                "send_initial_metadata() after the headers were sent",
            ));
        }
        if self.responses.is_none() {
            return Err(misuse(
                "send_initial_metadata() after send_trailing_metadata()",
            ));
        }
        let mut headers = metadata.into_headers();
        self.ctx
            .initial_metadata_mut()?
            .as_mut()
            .extend(headers.drain());
        self.release_headers();
        Ok(())
    }

    /// Sends one response message (the headers first, if they have not gone out).
    pub async fn send_message(
        &mut self,
        message: impl Into<OutgoingMessage<Resp>>,
    ) -> Result<(), Status> {
        let Some(sender) = &self.responses else {
            return Err(misuse("send_message() after send_trailing_metadata()"));
        };
        let sender = sender.clone();
        self.release_headers();
        sender
            .send(Ok(message.into()))
            .await
            .map_err(|_| Status::cancelled("the client went away"))
    }

    /// Ends the call with `status` and trailing `metadata`. Once only; nothing can be sent
    /// after it.
    pub async fn send_trailing_metadata(
        &mut self,
        status: Status,
        metadata: MetadataMap,
    ) -> Result<(), Status> {
        let Some(sender) = self.responses.take() else {
            return Err(misuse("send_trailing_metadata() was already called"));
        };
        let mut headers = metadata.into_headers();
        self.ctx
            .trailing_metadata_mut()
            .as_mut()
            .extend(headers.drain());
        if status.code() != Code::Ok {
            self.release_headers();
            let _ = sender.send(Err(status)).await;
        } else {
            if !status.message().is_empty() {
                self.ctx.set_details(status.message());
            }
            self.release_headers();
        }
        Ok(())
    }

    fn release_headers(&mut self) {
        self.headers_sent = true;
        if let Some(headers) = self.headers.take() {
            let _ = headers.send(());
        }
    }
}

fn misuse(message: &str) -> Status {
    Status::failed_precondition(message)
}

impl<Req, Resp> fmt::Debug for CallStream<Req, Resp> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallStream")
            .field("headers_sent", &self.headers_sent)
            .field("trailers_sent", &self.responses.is_none())
            .finish_non_exhaustive()
    }
}
