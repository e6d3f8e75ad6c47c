//! A TCP proxy that records the HTTP/2 frames crossing it in each direction (type, flags and
//! stream; HPACK is not decoded), for tests that assert the exact frame sequence of a call.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Which way a frame went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client to server.
    ToServer,
    /// Server to client.
    ToClient,
}

/// One recorded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Which way it went.
    pub direction: Direction,
    /// The frame type: `HEADERS`, `DATA`, `RST_STREAM`, ... (`0xNN` for unknown types).
    pub kind: String,
    /// Whether END_STREAM was set (HEADERS and DATA).
    pub end_stream: bool,
    /// The stream id.
    pub stream: u32,
    /// The payload length.
    pub len: usize,
}

impl std::fmt::Display for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let arrow = match self.direction {
            Direction::ToServer => "C->S",
            Direction::ToClient => "S->C",
        };
        write!(f, "{arrow} {}", self.kind)?;
        if self.end_stream {
            write!(f, "+END_STREAM")?;
        }
        Ok(())
    }
}

/// A recording proxy in front of `127.0.0.1:upstream`.
#[derive(Debug, Clone)]
pub struct FrameLog {
    /// The port to connect to instead of the upstream.
    pub port: u16,
    frames: Arc<Mutex<Vec<Frame>>>,
}

impl FrameLog {
    /// Starts the proxy; every connection accepted is forwarded to the upstream and recorded.
    pub async fn start(upstream: u16) -> FrameLog {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let frames = Arc::new(Mutex::new(Vec::new()));
        let log = frames.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                    continue;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pump(
                    client_read,
                    server_write,
                    Direction::ToServer,
                    log.clone(),
                ));
                tokio::spawn(pump(
                    server_read,
                    client_write,
                    Direction::ToClient,
                    log.clone(),
                ));
            }
        });
        FrameLog { port, frames }
    }

    /// The HEADERS, DATA and RST_STREAM frames of `stream`, in order, as `C->S DATA+END_STREAM`
    /// lines (flow-control and connection frames left out).
    pub fn stream(&self, stream: u32) -> Vec<String> {
        self.frames
            .lock()
            .expect("frames")
            .iter()
            .filter(|f| f.stream == stream)
            .filter(|f| matches!(f.kind.as_str(), "HEADERS" | "DATA" | "RST_STREAM"))
            .map(|f| f.to_string())
            .collect()
    }

    /// Every frame recorded so far.
    pub fn all(&self) -> Vec<Frame> {
        self.frames.lock().expect("frames").clone()
    }
}

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    direction: Direction,
    log: Arc<Mutex<Vec<Frame>>>,
) {
    let mut pending = Vec::new();
    let mut skip_preface = direction == Direction::ToServer;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&buf[..n]);
        if skip_preface {
            if pending.len() < PREFACE.len() {
                if to.write_all(&buf[..n]).await.is_err() {
                    break;
                }
                continue;
            }
            pending.drain(..PREFACE.len());
            skip_preface = false;
        }
        while pending.len() >= 9 {
            let len = u32::from_be_bytes([0, pending[0], pending[1], pending[2]]) as usize;
            if pending.len() < 9 + len {
                break;
            }
            let kind = match pending[3] {
                0 => "DATA".to_owned(),
                1 => "HEADERS".to_owned(),
                2 => "PRIORITY".to_owned(),
                3 => "RST_STREAM".to_owned(),
                4 => "SETTINGS".to_owned(),
                5 => "PUSH_PROMISE".to_owned(),
                6 => "PING".to_owned(),
                7 => "GOAWAY".to_owned(),
                8 => "WINDOW_UPDATE".to_owned(),
                9 => "CONTINUATION".to_owned(),
                other => format!("0x{other:02x}"),
            };
            let end_stream = matches!(pending[3], 0 | 1) && pending[4] & 0x1 != 0;
            let stream =
                u32::from_be_bytes([pending[5], pending[6], pending[7], pending[8]]) & 0x7fff_ffff;
            log.lock().expect("frames").push(Frame {
                direction,
                kind,
                end_stream,
                stream,
                len,
            });
            pending.drain(..9 + len);
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
