//! A frame-level filter on a server connection's bytes, below h2: it enforces what h2 offers no
//! hook for.
//!
//! h2 answers PING and SETTINGS frames itself and tells nobody, so the keepalive enforcement
//! policy of gRPC (grpc/grpc `doc/keepalive.md`, grpc-go's `handlePing`) and a bound on control
//! frames are enforced here, on the byte stream between the socket and h2:
//!
//! - the read side splits the client's bytes into frames (after the 24-byte preface) and looks
//!   at each frame header: a PING without ACK is checked against the ping policy, a PING or
//!   SETTINGS without ACK counts against the control-frame bound, a HEADERS frame records the
//!   highest stream id (for GOAWAY's last-stream-id);
//! - the write side splits h2's bytes into frames too: a HEADERS or DATA frame of ours resets
//!   the ping strikes (as grpc-go does when it sends headers or data) and the control-frame
//!   count.
//!
//! When a peer crosses a bound, the filter stops handing bytes to h2, writes
//! `GOAWAY(ENHANCE_YOUR_CALM)` with debug data `too_many_pings` (or `too_many_control_frames`)
//! at the next frame boundary of the outgoing stream (so it never splits one of h2's frames),
//! flushes it and then reports end-of-stream to h2, which closes the connection.
//!
//! The filter also tells the connection driver when the client's preface and first frame have
//! arrived (the HTTP/2 handshake timeout) through [`GuardState`].

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// The HTTP/2 client connection preface.
const PREFACE_LEN: usize = 24;
const FRAME_HEADER_LEN: usize = 9;

const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const SETTINGS: u8 = 0x4;
const PING: u8 = 0x6;
const GOAWAY: u8 = 0x7;
const ACK: u8 = 0x1;
const ENHANCE_YOUR_CALM: u32 = 0xb;

/// Without calls in flight (and `permit_without_calls` off), pings closer than this are strikes
/// (grpc-go's `defaultPingTimeout`).
const IDLE_PING_INTERVAL: Duration = Duration::from_secs(2 * 60 * 60);

/// The window over which unsolicited control frames are counted.
const CONTROL_WINDOW: Duration = Duration::from_secs(1);

/// What the filter enforces.
#[derive(Debug, Clone)]
pub(crate) struct GuardPolicy {
    /// Pings closer together than this are strikes (gRPC default 5 min).
    pub(crate) min_ping_interval: Duration,
    /// Whether pings are allowed while no call is in flight (default false).
    pub(crate) permit_without_calls: bool,
    /// Strikes allowed; one more is GOAWAY `too_many_pings` (gRPC: 2).
    pub(crate) max_ping_strikes: u32,
    /// PING and SETTINGS frames (without ACK) a peer may send within one second while we send
    /// no headers or data; one more is GOAWAY `too_many_control_frames`.
    pub(crate) max_control_frames: u32,
}

impl Default for GuardPolicy {
    fn default() -> Self {
        GuardPolicy {
            min_ping_interval: Duration::from_secs(5 * 60),
            permit_without_calls: false,
            max_ping_strikes: 2,
            max_control_frames: 100,
        }
    }
}

/// What the filter shares with the connection's driver and its calls.
#[derive(Debug)]
pub(crate) struct GuardState {
    /// Calls in flight on the connection (counted by the server).
    active_calls: AtomicUsize,
    /// When the last call ended (or the connection opened).
    idle_since: Mutex<Instant>,
    /// Set once the client's preface and first frame header have arrived.
    preface_seen: AtomicBool,
    /// Set once the filter sent GOAWAY ENHANCE_YOUR_CALM.
    calmed: AtomicBool,
    /// When the connection opened, and when bytes last arrived (milliseconds after it).
    epoch: Instant,
    last_read_ms: AtomicU64,
}

impl GuardState {
    pub(crate) fn new() -> Self {
        let now = Instant::now();
        GuardState {
            active_calls: AtomicUsize::new(0),
            idle_since: Mutex::new(now),
            preface_seen: AtomicBool::new(false),
            calmed: AtomicBool::new(false),
            epoch: now,
            last_read_ms: AtomicU64::new(0),
        }
    }

    /// When bytes last arrived from the peer (the connection's opening if none have).
    pub(crate) fn last_read(&self) -> Instant {
        self.epoch + Duration::from_millis(self.last_read_ms.load(Ordering::Relaxed))
    }

    /// Calls in flight on the connection.
    fn active_calls(&self) -> usize {
        self.active_calls.load(Ordering::Relaxed)
    }

    /// A call started on the connection.
    pub(crate) fn call_started(&self) {
        self.active_calls.fetch_add(1, Ordering::AcqRel);
    }

    /// A call on the connection ended.
    pub(crate) fn call_ended(&self) {
        let mut idle_since = self
            .idle_since
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.active_calls.fetch_sub(1, Ordering::AcqRel) == 1 {
            *idle_since = Instant::now();
        }
    }

    /// When the connection became idle, if no call is in flight.
    pub(crate) fn idle_since(&self) -> Option<Instant> {
        let idle_since = self
            .idle_since
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (self.active_calls.load(Ordering::Acquire) == 0).then_some(*idle_since)
    }

    /// Whether the client's preface and first frame header have arrived. The reads that set
    /// it happen in the connection's own task, which checks it at its handshake deadline: no
    /// wake-up is needed.
    pub(crate) fn preface_seen(&self) -> bool {
        self.preface_seen.load(Ordering::Acquire)
    }

    /// Whether the filter closed the connection with GOAWAY ENHANCE_YOUR_CALM.
    pub(crate) fn calmed(&self) -> bool {
        self.calmed.load(Ordering::Relaxed)
    }
}

/// Where a direction's scanner is in the frame stream.
#[derive(Debug)]
struct Scanner {
    /// Bytes of the preface still to skip.
    preface: usize,
    header: [u8; FRAME_HEADER_LEN],
    filled: usize,
    /// Payload bytes of the current frame still to pass.
    payload: usize,
}

/// A frame header seen by a scanner.
#[derive(Debug, Clone, Copy)]
struct Header {
    kind: u8,
    flags: u8,
    stream: u32,
}

impl Scanner {
    fn new(preface: usize) -> Self {
        Scanner {
            preface,
            header: [0; FRAME_HEADER_LEN],
            filled: 0,
            payload: 0,
        }
    }

    /// Whether the bytes scanned so far end exactly at a frame boundary.
    fn at_boundary(&self) -> bool {
        self.preface == 0 && self.filled == 0 && self.payload == 0
    }

    /// Bytes left in the current frame (header and payload), 0 at a boundary.
    fn to_boundary(&self) -> usize {
        if self.filled > 0 {
            // The payload length is not known yet: at least the rest of the header.
            FRAME_HEADER_LEN - self.filled
        } else {
            self.payload
        }
    }

    /// Scans `bytes`, calling `on_header` for each complete frame header.
    fn scan(&mut self, mut bytes: &[u8], mut on_header: impl FnMut(Header)) {
        while !bytes.is_empty() {
            if self.preface > 0 {
                let n = self.preface.min(bytes.len());
                self.preface -= n;
                bytes = &bytes[n..];
                continue;
            }
            if self.payload > 0 {
                let n = self.payload.min(bytes.len());
                self.payload -= n;
                bytes = &bytes[n..];
                continue;
            }
            if self.filled == 0 {
                if let Some((head, rest)) = bytes.split_first_chunk::<FRAME_HEADER_LEN>() {
                    // A whole header in the buffer (the usual case): read it in place.
                    bytes = rest;
                    on_header(self.header_read(head));
                    continue;
                }
            }
            let n = (FRAME_HEADER_LEN - self.filled).min(bytes.len());
            self.header[self.filled..self.filled + n].copy_from_slice(&bytes[..n]);
            self.filled += n;
            bytes = &bytes[n..];
            if self.filled == FRAME_HEADER_LEN {
                self.filled = 0;
                let head = self.header;
                on_header(self.header_read(&head));
            }
        }
    }

    /// A complete frame header: its payload is what comes next.
    fn header_read(&mut self, h: &[u8; FRAME_HEADER_LEN]) -> Header {
        self.payload = u32::from_be_bytes([0, h[0], h[1], h[2]]) as usize;
        Header {
            kind: h[3],
            flags: h[4],
            stream: u32::from_be_bytes([h[5], h[6], h[7], h[8]]) & 0x7fff_ffff,
        }
    }
}

/// Why the filter closes a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Violation {
    TooManyPings,
    TooManyControlFrames,
}

impl Violation {
    fn debug_data(self) -> &'static [u8] {
        match self {
            Violation::TooManyPings => b"too_many_pings",
            Violation::TooManyControlFrames => b"too_many_control_frames",
        }
    }
}

/// The ping and control-frame bookkeeping, apart from the I/O so it can be tested alone.
#[derive(Debug)]
struct Enforcer {
    policy: GuardPolicy,
    last_ping: Option<Instant>,
    strikes: u32,
    /// Set when we sent headers or data since the last ping (grpc-go's `resetPingStrikes`).
    reset_strikes: bool,
    control_frames: u32,
    control_window: Option<Instant>,
    last_stream: u32,
}

impl Enforcer {
    fn new(policy: GuardPolicy) -> Self {
        Enforcer {
            policy,
            last_ping: None,
            strikes: 0,
            reset_strikes: false,
            control_frames: 0,
            control_window: None,
            last_stream: 0,
        }
    }

    /// A frame header from the client; `Some` when the peer crossed a bound.
    fn received(
        &mut self,
        header: Header,
        active_calls: impl FnOnce() -> usize,
        now: Instant,
    ) -> Option<Violation> {
        match header.kind {
            HEADERS => self.last_stream = self.last_stream.max(header.stream),
            PING if header.flags & ACK == 0 => {
                if let Some(violation) = self.control_frame(now) {
                    return Some(violation);
                }
                return self.ping(active_calls(), now);
            }
            SETTINGS if header.flags & ACK == 0 => return self.control_frame(now),
            _ => {}
        }
        None
    }

    /// grpc-go's `handlePing` policy check.
    fn ping(&mut self, active_calls: usize, now: Instant) -> Option<Violation> {
        let last = self.last_ping.replace(now);
        if std::mem::take(&mut self.reset_strikes) {
            self.strikes = 0;
            return None;
        }
        let allowed = if active_calls == 0 && !self.policy.permit_without_calls {
            IDLE_PING_INTERVAL
        } else {
            self.policy.min_ping_interval
        };
        if last.is_some_and(|last| now < last + allowed) {
            self.strikes += 1;
        }
        (self.strikes > self.policy.max_ping_strikes).then_some(Violation::TooManyPings)
    }

    fn control_frame(&mut self, now: Instant) -> Option<Violation> {
        match self.control_window {
            Some(start) if now < start + CONTROL_WINDOW => self.control_frames += 1,
            _ => {
                self.control_window = Some(now);
                self.control_frames = 1;
            }
        }
        (self.control_frames > self.policy.max_control_frames)
            .then_some(Violation::TooManyControlFrames)
    }

    /// A frame header we sent.
    fn sent(&mut self, header: Header) {
        if matches!(header.kind, HEADERS | DATA) {
            self.reset_strikes = true;
            self.control_frames = 0;
        }
    }
}

/// A server connection's I/O with the frame filter in front of h2 (see the module docs).
#[derive(Debug)]
pub(crate) struct FrameGuard<IO> {
    io: IO,
    state: Arc<GuardState>,
    enforcer: Enforcer,
    read: Scanner,
    write: Scanner,
    /// The GOAWAY frame to send, and how much of it went out.
    goaway: Option<(Vec<u8>, usize)>,
    /// GOAWAY is out and flushed: reads end, writes are dropped.
    closed: bool,
}

impl<IO> FrameGuard<IO> {
    /// Filters `io`, a server connection, under `policy`.
    pub(crate) fn new(io: IO, policy: GuardPolicy, state: Arc<GuardState>) -> Self {
        FrameGuard {
            io,
            state,
            enforcer: Enforcer::new(policy),
            read: Scanner::new(PREFACE_LEN),
            write: Scanner::new(0),
            goaway: None,
            closed: false,
        }
    }

    fn violated(&mut self, violation: Violation) {
        if self.goaway.is_some() {
            return;
        }
        tracing::warn!(
            reason = %String::from_utf8_lossy(violation.debug_data()),
            "closing a connection with GOAWAY ENHANCE_YOUR_CALM"
        );
        let debug = violation.debug_data();
        let mut frame = Vec::with_capacity(FRAME_HEADER_LEN + 8 + debug.len());
        let len = (8 + debug.len()) as u32;
        frame.extend_from_slice(&len.to_be_bytes()[1..]);
        frame.extend_from_slice(&[GOAWAY, 0, 0, 0, 0, 0]);
        frame.extend_from_slice(&self.enforcer.last_stream.to_be_bytes());
        frame.extend_from_slice(&ENHANCE_YOUR_CALM.to_be_bytes());
        frame.extend_from_slice(debug);
        self.goaway = Some((frame, 0));
        self.state.calmed.store(true, Ordering::Relaxed);
    }
}

impl<IO: AsyncWrite + Unpin> FrameGuard<IO> {
    /// Writes the pending GOAWAY (at a frame boundary of our output) and flushes it. Ready when
    /// there is none or it is out.
    fn poll_goaway(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some((frame, sent)) = self.goaway.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        if self.closed {
            return Poll::Ready(Ok(()));
        }
        while *sent < frame.len() {
            let n = std::task::ready!(Pin::new(&mut self.io).poll_write(cx, &frame[*sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *sent += n;
        }
        std::task::ready!(Pin::new(&mut self.io).poll_flush(cx))?;
        self.closed = true;
        Poll::Ready(Ok(()))
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncRead for FrameGuard<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.goaway.is_some() {
            // No more input for h2. When our output is at a frame boundary, send GOAWAY and
            // end the input: h2 then closes the connection.
            if this.write.at_boundary() {
                if let Err(error) = std::task::ready!(this.poll_goaway(cx)) {
                    return Poll::Ready(Err(error));
                }
                return Poll::Ready(Ok(()));
            }
            // h2 is in the middle of writing a frame: poll_write sends GOAWAY after it.
            return Poll::Pending;
        }
        let before = buf.filled().len();
        std::task::ready!(Pin::new(&mut this.io).poll_read(cx, buf))?;
        let new = &buf.filled()[before..];
        if new.is_empty() {
            return Poll::Ready(Ok(()));
        }
        // One clock read per read: for the keepalive timer and the ping policy alike.
        let now = Instant::now();
        let since = now.saturating_duration_since(this.state.epoch);
        let ms = since.as_secs() * 1000 + u64::from(since.subsec_millis());
        this.state.last_read_ms.store(ms, Ordering::Relaxed);
        let state = &this.state;
        let mut violation = None;
        let mut first_frame = false;
        let enforcer = &mut this.enforcer;
        this.read.scan(new, |header| {
            first_frame = true;
            if violation.is_none() {
                violation = enforcer.received(header, || state.active_calls(), now);
            }
        });
        if first_frame && !this.state.preface_seen.load(Ordering::Relaxed) {
            this.state.preface_seen.store(true, Ordering::Release);
        }
        if let Some(violation) = violation {
            this.violated(violation);
            // Let h2 process what it got (answers included), then GOAWAY on the next poll.
            cx.waker().wake_by_ref();
        }
        Poll::Ready(Ok(()))
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncWrite for FrameGuard<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.goaway.is_some() && this.write.at_boundary() {
            std::task::ready!(this.poll_goaway(cx))?;
        }
        if this.closed {
            // The connection is going away: h2's last frames are dropped.
            return Poll::Ready(Ok(buf.len()));
        }
        let limit = if this.goaway.is_some() {
            this.write.to_boundary().clamp(1, buf.len().max(1))
        } else {
            buf.len()
        };
        let n =
            std::task::ready!(Pin::new(&mut this.io).poll_write(cx, &buf[..limit.min(buf.len())]))?;
        let enforcer = &mut this.enforcer;
        this.write.scan(&buf[..n], |header| enforcer.sent(header));
        Poll::Ready(Ok(n))
    }

    /// h2 writes a DATA frame's header and its payload as two buffers: passing them on in one
    /// vectored write keeps a large message at one system call per batch instead of two per
    /// frame.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.goaway.is_some() || self.closed {
            // Rare: cut at a frame boundary, one buffer at a time.
            let first = bufs
                .iter()
                .find(|b| !b.is_empty())
                .map_or(&[][..], |b| &b[..]);
            return self.poll_write(cx, first);
        }
        let this = self.get_mut();
        let written = std::task::ready!(Pin::new(&mut this.io).poll_write_vectored(cx, bufs))?;
        let (mut left, enforcer) = (written, &mut this.enforcer);
        for buf in bufs {
            let taken = left.min(buf.len());
            this.write
                .scan(&buf[..taken], |header| enforcer.sent(header));
            left -= taken;
        }
        Poll::Ready(Ok(written))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.goaway.is_some() && this.write.at_boundary() {
            std::task::ready!(this.poll_goaway(cx))?;
        }
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.goaway.is_some() && this.write.at_boundary() {
            std::task::ready!(this.poll_goaway(cx))?;
        }
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ping() -> Header {
        Header {
            kind: PING,
            flags: 0,
            stream: 0,
        }
    }

    #[test]
    fn scanner_finds_headers_across_splits() {
        let mut bytes = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
        // SETTINGS (empty), then PING (8 bytes), then HEADERS on stream 5 (3 bytes).
        bytes.extend_from_slice(&[0, 0, 0, SETTINGS, 0, 0, 0, 0, 0]);
        bytes.extend_from_slice(&[0, 0, 8, PING, 0, 0, 0, 0, 0]);
        bytes.extend_from_slice(&[0; 8]);
        bytes.extend_from_slice(&[0, 0, 3, HEADERS, 4, 0, 0, 0, 5, 1, 2, 3]);
        for split in 1..bytes.len() {
            let mut scanner = Scanner::new(PREFACE_LEN);
            let mut seen = Vec::new();
            scanner.scan(&bytes[..split], |h| seen.push((h.kind, h.stream)));
            scanner.scan(&bytes[split..], |h| seen.push((h.kind, h.stream)));
            assert_eq!(
                seen,
                [(SETTINGS, 0), (PING, 0), (HEADERS, 5)],
                "split {split}"
            );
            assert!(scanner.at_boundary());
        }
    }

    #[test]
    fn third_strike_is_too_many_pings() {
        let mut enforcer = Enforcer::new(GuardPolicy::default());
        let now = Instant::now();
        // The first ping is never a strike; two more within 5 minutes are strikes 1 and 2.
        for i in 0..3 {
            let at = now + Duration::from_secs(i);
            assert_eq!(enforcer.received(ping(), || 1, at), None, "ping {i}");
        }
        assert_eq!(
            enforcer.received(ping(), || 1, now + Duration::from_secs(3)),
            Some(Violation::TooManyPings)
        );
    }

    #[test]
    fn pings_at_the_allowed_interval_are_fine() {
        let policy = GuardPolicy {
            min_ping_interval: Duration::from_secs(10),
            ..GuardPolicy::default()
        };
        let mut enforcer = Enforcer::new(policy);
        let now = Instant::now();
        for i in 0..10 {
            let at = now + Duration::from_secs(10 * i);
            assert_eq!(enforcer.received(ping(), || 1, at), None);
        }
        // Without calls, pings closer than 2 hours are strikes unless permitted.
        let later = now + Duration::from_secs(1000);
        assert_eq!(enforcer.received(ping(), || 0, later), None, "strike 1");
        let at = later + Duration::from_secs(20);
        assert_eq!(enforcer.received(ping(), || 0, at), None, "strike 2");
        let at = later + Duration::from_secs(40);
        assert_eq!(
            enforcer.received(ping(), || 0, at),
            Some(Violation::TooManyPings)
        );
        let permissive = GuardPolicy {
            min_ping_interval: Duration::from_secs(10),
            permit_without_calls: true,
            ..GuardPolicy::default()
        };
        let mut enforcer = Enforcer::new(permissive);
        for i in 0..10 {
            let at = now + Duration::from_secs(10 * i);
            assert_eq!(enforcer.received(ping(), || 0, at), None);
        }
    }

    #[test]
    fn our_data_resets_the_strikes() {
        let mut enforcer = Enforcer::new(GuardPolicy::default());
        let now = Instant::now();
        for i in 0..20 {
            enforcer.sent(Header {
                kind: DATA,
                flags: 0,
                stream: 1,
            });
            assert_eq!(
                enforcer.received(ping(), || 1, now + Duration::from_millis(i)),
                None
            );
        }
    }

    /// A vectored write passes every buffer on at once and is scanned as one byte stream: the
    /// DATA frame split between a header buffer and a payload buffer counts as our data.
    #[tokio::test]
    async fn vectored_writes_are_passed_on_and_scanned() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let io = tokio::net::TcpStream::connect(listener.local_addr().expect("addr"))
            .await
            .expect("connect");
        let (mut peer, _) = listener.accept().await.expect("accept");
        let state = Arc::new(GuardState::new());
        let mut guard = FrameGuard::new(io, GuardPolicy::default(), state);
        assert!(
            guard.is_write_vectored(),
            "a TCP stream takes vectored writes"
        );
        guard.enforcer.reset_strikes = false;
        let header = [0, 0, 4, DATA, 0, 0, 0, 0, 1];
        let payload = [7u8; 4];
        let bufs = [
            io::IoSlice::new(&header[..5]),
            io::IoSlice::new(&header[5..]),
            io::IoSlice::new(&payload),
        ];
        let written = guard.write_vectored(&bufs).await.expect("write");
        assert_eq!(written, 13, "all three buffers in one write");
        assert!(guard.enforcer.reset_strikes, "our DATA frame was seen");
        assert!(guard.write.at_boundary());
        let mut got = [0u8; 13];
        peer.read_exact(&mut got).await.expect("read");
        assert_eq!((&got[..9], &got[9..]), (&header[..], &payload[..]));
    }

    #[test]
    fn settings_flood_is_bounded() {
        let mut enforcer = Enforcer::new(GuardPolicy::default());
        let now = Instant::now();
        let settings = Header {
            kind: SETTINGS,
            flags: 0,
            stream: 0,
        };
        for _ in 0..100 {
            assert_eq!(enforcer.received(settings, || 1, now), None);
        }
        assert_eq!(
            enforcer.received(settings, || 1, now),
            Some(Violation::TooManyControlFrames)
        );
        // A new window starts the count again.
        let mut enforcer = Enforcer::new(GuardPolicy::default());
        for i in 0..300 {
            let at = now + Duration::from_millis(20 * i);
            assert_eq!(enforcer.received(settings, || 1, at), None);
        }
    }
}
