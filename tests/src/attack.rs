//! Raw HTTP/2 frames over TCP for attack tests: a client that sends what it likes (floods of
//! PING, SETTINGS, HEADERS, half prefaces) and reads the server's frames back, plus the
//! process's resident memory for "memory stays bounded" checks.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The HTTP/2 client connection preface.
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Frame types.
pub mod kind {
    /// DATA
    pub const DATA: u8 = 0x0;
    /// HEADERS
    pub const HEADERS: u8 = 0x1;
    /// RST_STREAM
    pub const RST_STREAM: u8 = 0x3;
    /// SETTINGS
    pub const SETTINGS: u8 = 0x4;
    /// PING
    pub const PING: u8 = 0x6;
    /// GOAWAY
    pub const GOAWAY: u8 = 0x7;
    /// WINDOW_UPDATE
    pub const WINDOW_UPDATE: u8 = 0x8;
    /// CONTINUATION
    pub const CONTINUATION: u8 = 0x9;
}

/// One frame as read from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFrame {
    /// The frame type.
    pub kind: u8,
    /// The flags.
    pub flags: u8,
    /// The stream id.
    pub stream: u32,
    /// The payload.
    pub payload: Vec<u8>,
}

impl RawFrame {
    /// For a GOAWAY: the error code and the debug data.
    pub fn goaway(&self) -> Option<(u32, String)> {
        if self.kind != kind::GOAWAY || self.payload.len() < 8 {
            return None;
        }
        let code = u32::from_be_bytes(self.payload[4..8].try_into().ok()?);
        Some((
            code,
            String::from_utf8_lossy(&self.payload[8..]).into_owned(),
        ))
    }
}

/// Encodes one frame.
pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(9 + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes()[1..]);
    out.push(kind);
    out.push(flags);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// A raw HTTP/2 client connection.
#[derive(Debug)]
pub struct RawConnection {
    tcp: TcpStream,
    buf: Vec<u8>,
}

impl RawConnection {
    /// Connects to `127.0.0.1:port` without sending anything.
    pub async fn connect(port: u16) -> RawConnection {
        let tcp = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        tcp.set_nodelay(true).expect("nodelay");
        RawConnection {
            tcp,
            buf: Vec::new(),
        }
    }

    /// Connects and sends the preface and an empty SETTINGS frame.
    pub async fn handshake(port: u16) -> RawConnection {
        let mut connection = Self::connect(port).await;
        let mut hello = PREFACE.to_vec();
        hello.extend(frame(kind::SETTINGS, 0, 0, &[]));
        connection.send(&hello).await.expect("send preface");
        connection
    }

    /// Sends raw bytes.
    pub async fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.tcp.write_all(bytes).await
    }

    /// Reads the next frame, or `None` at end of stream, on an error or after `within`.
    pub async fn next_frame(&mut self, within: Duration) -> Option<RawFrame> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if self.buf.len() >= 9 {
                let len = u32::from_be_bytes([0, self.buf[0], self.buf[1], self.buf[2]]) as usize;
                if self.buf.len() >= 9 + len {
                    let frame = RawFrame {
                        kind: self.buf[3],
                        flags: self.buf[4],
                        stream: u32::from_be_bytes(self.buf[5..9].try_into().ok()?) & 0x7fff_ffff,
                        payload: self.buf[9..9 + len].to_vec(),
                    };
                    self.buf.drain(..9 + len);
                    return Some(frame);
                }
            }
            let mut chunk = [0u8; 16 * 1024];
            let read = tokio::time::timeout_at(deadline, self.tcp.read(&mut chunk)).await;
            match read {
                Ok(Ok(n)) if n > 0 => self.buf.extend_from_slice(&chunk[..n]),
                _ => return None,
            }
        }
    }

    /// Reads frames until a GOAWAY (returned) or the end of the connection (`None`).
    pub async fn until_goaway(&mut self, within: Duration) -> Option<(u32, String)> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let frame = self.next_frame(left).await?;
            if let Some(goaway) = frame.goaway() {
                return Some(goaway);
            }
        }
    }

    /// Whether the server closed the connection within `within` (reads to the end, dropping
    /// frames).
    pub async fn closed_within(&mut self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let mut chunk = [0u8; 16 * 1024];
            match tokio::time::timeout_at(deadline, self.tcp.read(&mut chunk)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => {}
                Err(_) => return false,
            }
        }
    }
}

/// The ENHANCE_YOUR_CALM error code.
pub const ENHANCE_YOUR_CALM: u32 = 0xb;

/// This process's resident set size in KiB (`VmRSS` in `/proc/self/status`).
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Checks that a legitimate call on a fresh connection of its own is served.
pub async fn greeter_still_serves(port: u16) {
    let channel = grpc_core::Channel::insecure(&format!("127.0.0.1:{port}")).expect("channel");
    let client = examples::helloworld::GreeterClient::new(channel);
    let reply = client
        .say_hello(examples::helloworld::HelloRequest {
            name: "bystander".into(),
        })
        .timeout(Duration::from_secs(10))
        .await
        .expect("a legitimate call on another connection is served during the attack");
    assert_eq!(reply.message, "Hello bystander");
}

/// HPACK integer with an `n`-bit prefix, OR-ed into `first` (RFC 7541, section 5.1).
fn hpack_int(out: &mut Vec<u8>, first: u8, n: u8, mut value: usize) {
    let max = (1usize << n) - 1;
    if value < max {
        out.push(first | value as u8);
        return;
    }
    out.push(first | max as u8);
    value -= max;
    while value >= 128 {
        out.push((value % 128 + 128) as u8);
        value /= 128;
    }
    out.push(value as u8);
}

/// An HPACK literal header field without indexing (new name, no Huffman).
pub fn hpack_literal(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.push(0x00);
    hpack_int(out, 0, 7, name.len());
    out.extend_from_slice(name);
    hpack_int(out, 0, 7, value.len());
    out.extend_from_slice(value);
}

/// An HPACK literal header field with incremental indexing (added to the dynamic table).
pub fn hpack_indexed_literal(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.push(0x40);
    hpack_int(out, 0, 7, name.len());
    out.extend_from_slice(name);
    hpack_int(out, 0, 7, value.len());
    out.extend_from_slice(value);
}

/// An HPACK indexed header field (a reference to table entry `index`).
pub fn hpack_indexed(out: &mut Vec<u8>, index: usize) {
    hpack_int(out, 0x80, 7, index);
}

/// The header block of a gRPC request for `path` (plus `extra` bytes of block appended).
pub fn request_block(path: &str) -> Vec<u8> {
    let mut block = Vec::new();
    hpack_indexed(&mut block, 3); // :method POST
    hpack_indexed(&mut block, 6); // :scheme http
    hpack_literal(&mut block, b":path", path.as_bytes());
    hpack_literal(&mut block, b":authority", b"127.0.0.1");
    hpack_literal(&mut block, b"content-type", b"application/grpc");
    hpack_literal(&mut block, b"te", b"trailers");
    block
}

/// HEADERS flags.
pub mod flags {
    /// END_STREAM
    pub const END_STREAM: u8 = 0x1;
    /// END_HEADERS
    pub const END_HEADERS: u8 = 0x4;
    /// ACK (SETTINGS, PING)
    pub const ACK: u8 = 0x1;
}

/// Opens a raw connection to `port`, sends `flood` (the server may close before it has read
/// it all), checks that a legitimate call on another connection is served meanwhile, and
/// returns the GOAWAY the flood got (`None` if the connection ended without one), once the
/// server has closed the connection.
pub async fn flood_until_goaway(port: u16, flood: &[u8]) -> Option<(u32, String)> {
    let mut peer = RawConnection::handshake(port).await;
    let _ = peer.send(flood).await;
    greeter_still_serves(port).await;
    let goaway = peer.until_goaway(Duration::from_secs(10)).await;
    assert!(
        peer.closed_within(Duration::from_secs(10)).await,
        "the server closes the connection after its GOAWAY {goaway:?}"
    );
    goaway
}

/// Asserts that this process's RSS grew by less than `bound_kib` since `before_kib`.
pub fn assert_rss_bounded(before_kib: u64, bound_kib: u64, what: &str) {
    let grown = rss_kib().saturating_sub(before_kib);
    assert!(grown < bound_kib, "{what}: RSS grew by {grown} KiB");
}
