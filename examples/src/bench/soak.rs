//! The `soak.Soak` service that `bench-soak` drives: one method per call pattern, with knobs
//! for a slow handler (so that deadlines expire while it runs) and for long streams (so that
//! a client can cancel one midway).

use std::time::Duration;

use bytes::Bytes;
use grpc_core::{Message, ServerStream, Status, Streaming};

/// What a call asks the server for.
#[derive(Message, Clone, PartialEq, Eq, Debug)]
#[grpc(package = "soak")]
pub struct Ask {
    /// Milliseconds the handler waits before it answers (unary) or before each message
    /// (download).
    pub delay_ms: u32,
    /// Messages to stream back (download), or the `seq` of the unary reply.
    pub count: u32,
    /// Payload bytes per message.
    pub size: u32,
}

/// One message: a sequence number and a payload.
#[derive(Message, Clone, PartialEq, Eq, Debug)]
#[grpc(package = "soak")]
pub struct Piece {
    /// The message's position in its stream (the unary reply carries `Ask::count`).
    pub seq: u32,
    /// The payload.
    pub payload: Bytes,
}

/// What an upload added up to.
#[derive(Message, Clone, PartialEq, Eq, Debug)]
#[grpc(package = "soak")]
pub struct Tally {
    /// Messages received.
    pub count: u32,
    /// Payload bytes received.
    pub bytes: u64,
}

/// The four call patterns.
#[grpc_core::service(package = "soak")]
pub trait Soak: Send + Sync + 'static {
    /// Unary: waits `delay_ms`, then answers `size` bytes with `seq = count`.
    async fn fetch(&self, ask: Ask) -> Result<Piece, Status>;
    /// Server streaming: `count` messages of `size` bytes, `delay_ms` apart.
    async fn download(&self, ask: Ask) -> Result<ServerStream<Piece>, Status>;
    /// Client streaming: counts what it is sent.
    async fn upload(&self, pieces: Streaming<Piece>) -> Result<Tally, Status>;
    /// Bidirectional streaming: sends every message back as it comes.
    async fn echo(&self, pieces: Streaming<Piece>) -> Result<ServerStream<Piece>, Status>;
}

/// The soak server's implementation of [`Soak`].
#[derive(Debug, Default, Clone)]
pub struct MySoak;

impl Soak for MySoak {
    async fn fetch(&self, ask: Ask) -> Result<Piece, Status> {
        if ask.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(ask.delay_ms.into())).await;
        }
        Ok(Piece {
            seq: ask.count,
            payload: Bytes::from(vec![0x5a; ask.size as usize]),
        })
    }

    async fn download(&self, ask: Ask) -> Result<ServerStream<Piece>, Status> {
        let (tx, stream) = ServerStream::channel(8);
        tokio::spawn(async move {
            let payload = Bytes::from(vec![0xa5; ask.size as usize]);
            for seq in 0..ask.count {
                if ask.delay_ms > 0 {
                    tokio::time::sleep(Duration::from_millis(ask.delay_ms.into())).await;
                }
                let piece = Piece {
                    seq,
                    payload: payload.clone(),
                };
                // The call is over (cancelled, expired): nobody reads any more.
                if tx.send(Ok(piece)).await.is_err() {
                    break;
                }
            }
        });
        Ok(stream)
    }

    async fn upload(&self, mut pieces: Streaming<Piece>) -> Result<Tally, Status> {
        let mut tally = Tally { count: 0, bytes: 0 };
        while let Some(piece) = pieces.message().await? {
            tally.count += 1;
            tally.bytes += piece.payload.len() as u64;
        }
        Ok(tally)
    }

    async fn echo(&self, mut pieces: Streaming<Piece>) -> Result<ServerStream<Piece>, Status> {
        let (tx, stream) = ServerStream::channel(8);
        tokio::spawn(async move {
            loop {
                let next = match pieces.message().await {
                    Ok(Some(piece)) => Ok(piece),
                    Ok(None) => break,
                    Err(status) => Err(status),
                };
                let failed = next.is_err();
                if tx.send(next).await.is_err() || failed {
                    break;
                }
            }
        });
        Ok(stream)
    }
}
