//! A service made for testing the runtime: echoes metadata and statuses, sleeps, panics,
//! streams until cancelled, and reports what its handlers observed.

use std::time::Duration;

use grpc_core::metadata::{MetadataMap, MetadataValue};
use grpc_core::protocol::OutgoingMessage;
use grpc_core::{Code, Compression, Message, ServerContext, ServerStream, Status, Streaming};
use tokio::sync::mpsc;

/// An echo request; a non-zero `code` makes the handler fail with that status.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "probe")]
pub struct EchoRequest {
    /// Echoed back.
    pub message: String,
    /// Status code to fail with (0: succeed).
    pub code: i32,
    /// Binary status details to fail with.
    pub details: Vec<u8>,
    /// Bytes of padding to send back.
    pub reply_size: u32,
    /// Compression to answer with (`gzip`, `deflate`, `zstd`, `none`; empty: the server's
    /// default).
    pub response_compression: String,
}

/// An echo reply.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "probe")]
pub struct EchoReply {
    /// What was sent.
    pub message: String,
    /// The deadline the server saw, in milliseconds (0: none).
    pub deadline_ms: u64,
    /// The peer address the server saw.
    pub peer: String,
    /// Padding.
    pub padding: Vec<u8>,
    /// The request's compression as the server saw it (empty: none).
    pub request_compression: String,
}

/// How long to sleep.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "probe")]
pub struct Sleep {
    /// Milliseconds.
    pub millis: u64,
}

/// A stream element.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "probe")]
pub struct Tick {
    /// Sequence number.
    pub n: u32,
}

/// What a probe handler observed, reported to the test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// The handler saw its call cancelled (client went away or deadline passed).
    Cancelled(&'static str),
    /// The handler finished without cancellation.
    Finished(&'static str),
}

/// The test service.
#[grpc_core::service(package = "probe")]
pub trait Probe: Send + Sync + 'static {
    /// Echoes, copying `x-echo*` request metadata into the response headers and adding
    /// trailers; fails with the requested status if `code != 0`.
    async fn echo(&self, ctx: &ServerContext, request: EchoRequest) -> Result<EchoReply, Status>;
    /// Sleeps, reporting whether the call was cancelled first.
    async fn sleep(&self, ctx: &ServerContext, request: Sleep) -> Result<Sleep, Status>;
    /// Panics.
    async fn panic(&self, request: Sleep) -> Result<Sleep, Status>;
    /// Streams a tick every `millis` until the call is cancelled.
    async fn ticks(
        &self,
        ctx: &ServerContext,
        request: Sleep,
    ) -> Result<ServerStream<Tick>, Status>;
    /// Counts the ticks the client streams.
    async fn count(&self, ctx: &ServerContext, ticks: Streaming<Tick>) -> Result<Tick, Status>;
    /// Streams `millis` ticks (a count here), compressing every other one.
    async fn alternate(
        &self,
        ctx: &ServerContext,
        request: Sleep,
    ) -> Result<ServerStream<Tick>, Status>;
    /// Echoes every tick back, with trailers set while the stream runs.
    async fn echo_ticks(
        &self,
        ctx: &ServerContext,
        ticks: Streaming<Tick>,
    ) -> Result<ServerStream<Tick>, Status>;
}

/// The probe implementation; `observed` receives what handlers saw.
#[derive(Debug, Clone)]
pub struct ProbeService {
    observed: mpsc::UnboundedSender<Observed>,
}

impl ProbeService {
    /// A probe and the receiver of its observations.
    pub fn new() -> (ProbeService, mpsc::UnboundedReceiver<Observed>) {
        let (observed, rx) = mpsc::unbounded_channel();
        (ProbeService { observed }, rx)
    }
}

impl Probe for ProbeService {
    async fn echo(&self, ctx: &ServerContext, request: EchoRequest) -> Result<EchoReply, Status> {
        for entry in ctx.request_metadata().iter() {
            match entry {
                grpc_core::metadata::KeyAndValueRef::Ascii(key, value)
                    if key.as_str().starts_with("x-echo") =>
                {
                    ctx.initial_metadata_mut()?
                        .insert(key.clone(), value.clone());
                }
                grpc_core::metadata::KeyAndValueRef::Binary(key, value)
                    if key.as_str().starts_with("x-echo") =>
                {
                    ctx.initial_metadata_mut()?
                        .insert_bin(key.clone(), value.clone());
                }
                _ => {}
            }
        }
        {
            let mut trailers = ctx.trailing_metadata_mut();
            trailers.insert(
                "x-trailer",
                "done".parse().map_err(|_| Status::internal("bad value"))?,
            );
            trailers.insert_bin("x-trailer-bin", MetadataValue::from_bytes(&[0, 1, 2, 255]));
        }
        if request.code != 0 {
            let mut metadata = MetadataMap::new();
            metadata.insert(
                "x-status-md",
                "present"
                    .parse()
                    .map_err(|_| Status::internal("bad value"))?,
            );
            let mut status = Status::with_details(
                Code::from(request.code),
                request.message,
                request.details.into(),
            );
            status
                .metadata_mut()
                .as_mut()
                .extend(metadata.into_headers());
            return Err(status);
        }
        match request.response_compression.as_str() {
            "" => {}
            "none" => ctx.set_compression(None)?,
            name => ctx.set_compression(Some(
                Compression::from_name(name)
                    .ok_or_else(|| Status::invalid_argument("unknown compression"))?,
            ))?,
        }
        Ok(EchoReply {
            request_compression: ctx
                .request_compression()
                .map(|c| c.name().to_owned())
                .unwrap_or_default(),
            message: request.message,
            deadline_ms: ctx.time_remaining().map_or(0, |d| d.as_millis() as u64),
            peer: ctx.peer().map(|p| p.to_string()).unwrap_or_default(),
            padding: vec![7; request.reply_size as usize],
        })
    }

    async fn sleep(&self, ctx: &ServerContext, request: Sleep) -> Result<Sleep, Status> {
        // Report from a task of its own: the handler future itself is dropped on cancellation.
        let observed = self.observed.clone();
        let token = ctx.cancellation_token();
        let millis = request.millis;
        let watcher = tokio::spawn(async move {
            tokio::select! {
                _ = token.cancelled() => { let _ = observed.send(Observed::Cancelled("sleep")); }
                _ = tokio::time::sleep(Duration::from_millis(millis) + Duration::from_millis(50)) => {
                    let _ = observed.send(Observed::Finished("sleep"));
                }
            }
        });
        tokio::time::sleep(Duration::from_millis(millis)).await;
        drop(watcher);
        Ok(request)
    }

    async fn panic(&self, _request: Sleep) -> Result<Sleep, Status> {
        panic!("probe panicked on purpose");
    }

    async fn ticks(
        &self,
        ctx: &ServerContext,
        request: Sleep,
    ) -> Result<ServerStream<Tick>, Status> {
        let (tx, stream) = ServerStream::channel(1);
        let observed = self.observed.clone();
        let token = ctx.cancellation_token();
        tokio::spawn(async move {
            let mut n = 0;
            loop {
                tokio::select! {
                    _ = token.cancelled() => {
                        let _ = observed.send(Observed::Cancelled("ticks"));
                        return;
                    }
                    _ = tokio::time::sleep(Duration::from_millis(request.millis)) => {}
                }
                if tx.send(Ok(Tick { n })).await.is_err() {
                    // The stream was dropped: the token fires too; let the select above see it.
                    token.cancelled().await;
                    let _ = observed.send(Observed::Cancelled("ticks"));
                    return;
                }
                n += 1;
            }
        });
        Ok(stream)
    }

    async fn alternate(
        &self,
        ctx: &ServerContext,
        request: Sleep,
    ) -> Result<ServerStream<Tick>, Status> {
        ctx.set_compression(Some(Compression::Gzip))?;
        let ticks = (0..request.millis as u32).map(|n| {
            let tick = Tick { n };
            Ok(if n % 2 == 0 {
                OutgoingMessage::new(tick)
            } else {
                OutgoingMessage::uncompressed(tick)
            })
        });
        Ok(ServerStream::with_options(grpc_core::stream::iter(
            ticks.collect::<Vec<_>>(),
        )))
    }

    async fn count(&self, ctx: &ServerContext, mut ticks: Streaming<Tick>) -> Result<Tick, Status> {
        let observed = self.observed.clone();
        let token = ctx.cancellation_token();
        // Dropped (closing the watch) when the handler finishes or is dropped; the context is
        // cancelled first in the latter case, which the biased select sees.
        let (_finished, watch) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            tokio::select! {
                biased;
                _ = token.cancelled() => { let _ = observed.send(Observed::Cancelled("count")); }
                _ = watch => {}
            }
        });
        let mut n = 0;
        while ticks.message().await?.is_some() {
            n += 1;
        }
        Ok(Tick { n })
    }

    async fn echo_ticks(
        &self,
        ctx: &ServerContext,
        mut ticks: Streaming<Tick>,
    ) -> Result<ServerStream<Tick>, Status> {
        let ctx = ctx.clone();
        ctx.initial_metadata_mut()?.insert(
            "x-initial",
            "bidi".parse().map_err(|_| Status::internal("bad value"))?,
        );
        let (tx, stream) = ServerStream::channel(4);
        tokio::spawn(async move {
            let mut seen = 0u32;
            loop {
                match ticks.message().await {
                    Ok(Some(tick)) => {
                        seen += 1;
                        if tx.send(Ok(tick)).await.is_err() {
                            return;
                        }
                    }
                    Ok(None) => break,
                    Err(status) => {
                        let _ = tx.send(Err(status)).await;
                        return;
                    }
                }
            }
            if let Ok(value) = seen.to_string().parse() {
                ctx.trailing_metadata_mut().insert("x-seen", value);
            }
        });
        Ok(stream)
    }
}

/// A probe server's observation channel, with a helper to wait for the next observation.
#[derive(Debug)]
pub struct Observations(pub mpsc::UnboundedReceiver<Observed>);

impl Observations {
    /// The next observation, or `None` after `within`.
    pub async fn next(&mut self, within: Duration) -> Option<Observed> {
        tokio::time::timeout(within, self.0.recv())
            .await
            .ok()
            .flatten()
    }
}
