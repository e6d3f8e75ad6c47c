//! Write coalescing below h2: one system call for what h2 writes in one turn of the
//! connection's loop, instead of one per DATA frame.
//!
//! h2 (0.4) holds at most one DATA frame in its encoder: before it takes the next one it writes
//! the frame out and flushes the transport (`FramedWrite::poll_ready`). A 64 KiB message at the
//! default 16 KiB frame size thus costs four `writev` calls, and the kernel's per-call and
//! per-segment work on them, not the user-space work, is what a large streamed message costs.
//!
//! [`coalescing`] splits a transport in two ends that share it:
//!
//! - [`Coalescing`] goes to h2 (with the frame filter above it). It copies what h2 writes into
//!   one buffer, and h2's flushes return at once;
//! - [`TurnEnd`] stays with the connection's loop, whose turns it wraps
//!   ([`TurnEnd::writing_out`]): each time a turn ends (the loop's future is pending, every
//!   stream that could run has run, h2 has taken their frames), it writes the buffer out in one
//!   write and flushes the transport.
//!
//! What keeps the bytes moving and bounded:
//!
//! - the buffer is written out as soon as it holds `high_water` bytes, and a write that finds it
//!   full waits for the socket (back-pressure reaches h2 as before);
//! - a write that finds the buffer empty and is itself that large goes straight to the socket,
//!   uncopied;
//! - `poll_shutdown` writes out everything first, so that h2's closing frames (GOAWAY) go out;
//! - when the loop ends some other way (a failed handshake, a lifetime's end, an error), the
//!   dropped [`TurnEnd`] makes one last attempt, without waiting, to write out what its last
//!   turn gathered: before this buffer, h2 had written those bytes by then;
//! - a failed write at a turn's end is kept for h2's next write or flush, and wakes the task,
//!   so that h2 sees it.
//!
//! The cost is a copy of the bytes (a few microseconds per 64 KiB at most) and an uncontended
//! lock per read or write; the saving, measured with `bench-greeter`, is in the README's
//! performance section.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What the buffer always keeps between turns. More is kept while the batches stay larger than
/// this (a connection streaming large messages reuses its buffer instead of freeing and
/// allocating it per batch, which costs `brk` calls and page faults), and goes back after the
/// first batch smaller than this.
const RETAINED_CAPACITY: usize = 16 * 1024;

/// `io` in two ends: the transport h2 writes into, and the loop's end that writes out what
/// gathered when a turn ends, or as soon as `high_water` bytes (at least 1) are waiting.
pub(crate) fn coalescing<IO: AsyncWrite + Unpin>(
    io: IO,
    high_water: usize,
) -> (Coalescing<IO>, TurnEnd<IO>) {
    let gathered = Arc::new(Mutex::new(Gathered {
        io,
        buf: Vec::new(),
        written: 0,
        high_water: high_water.max(1),
        unflushed: false,
        failed: None,
    }));
    (Coalescing(gathered.clone()), TurnEnd(gathered))
}

/// The transport and what is waiting to be written to it.
#[derive(Debug)]
struct Gathered<IO> {
    io: IO,
    buf: Vec<u8>,
    /// How much of `buf` is already written.
    written: usize,
    high_water: usize,
    /// Bytes went to the transport below since it last completed a flush (TLS, for one, may
    /// hold them).
    unflushed: bool,
    /// A write out at a turn's end failed: h2's next write or flush reports it.
    failed: Option<io::Error>,
}

/// Both ends take turns in one task: the lock is never contended, and a panic under it (in the
/// transport) leaves nothing half-changed that matters more than the error it will report.
fn lock<IO>(gathered: &Mutex<Gathered<IO>>) -> MutexGuard<'_, Gathered<IO>> {
    gathered
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<IO> Gathered<IO> {
    /// Bytes written to this transport and not yet to the one below.
    fn waiting(&self) -> usize {
        self.buf.len() - self.written
    }

    fn take_failure(&mut self) -> io::Result<()> {
        self.failed.take().map_or(Ok(()), Err)
    }
}

impl<IO: AsyncWrite + Unpin> Gathered<IO> {
    /// Writes out everything waiting, then flushes the transport below.
    fn poll_write_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.buf.len() {
            let n = std::task::ready!(
                Pin::new(&mut self.io).poll_write(cx, &self.buf[self.written..])
            )?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
            self.unflushed = true;
        }
        let batch = self.buf.len();
        self.buf.clear();
        self.written = 0;
        if batch < RETAINED_CAPACITY && self.buf.capacity() > RETAINED_CAPACITY {
            self.buf = Vec::new();
        }
        if self.unflushed {
            std::task::ready!(Pin::new(&mut self.io).poll_flush(cx))?;
            self.unflushed = false;
        }
        Poll::Ready(Ok(()))
    }

    /// Takes what it can of `bufs` (all of them, unless the buffer fills up).
    fn poll_gather(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.take_failure()?;
        if self.waiting() >= self.high_water {
            std::task::ready!(self.poll_write_out(cx))?;
        }
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if self.waiting() == 0 && total >= self.high_water {
            // Large enough on its own: no copy.
            let written = std::task::ready!(Pin::new(&mut self.io).poll_write_vectored(cx, bufs))?;
            self.unflushed = true;
            return Poll::Ready(Ok(written));
        }
        let room = self.high_water - self.waiting();
        if self.buf.capacity() - self.buf.len() < total.min(room) && total >= RETAINED_CAPACITY {
            // Large writes are coming (DATA frames of a large message): room for a whole batch
            // at once, instead of growing through every power of two.
            self.buf.reserve(room);
        }
        let mut taken = 0;
        for buf in bufs {
            let take = buf.len().min(room - taken);
            self.buf.extend_from_slice(&buf[..take]);
            taken += take;
            if taken == room {
                break;
            }
        }
        Poll::Ready(Ok(taken))
    }
}

/// The end of a [`coalescing`] transport that h2 reads from and writes into.
#[derive(Debug)]
pub(crate) struct Coalescing<IO>(Arc<Mutex<Gathered<IO>>>);

impl<IO: AsyncRead + Unpin> AsyncRead for Coalescing<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut lock(&self.0).io).poll_read(cx, buf)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Coalescing<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        lock(&self.0).poll_gather(cx, &[io::IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        lock(&self.0).poll_gather(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// Put off to the turn's end ([`TurnEnd`]), unless the buffer is full.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut gathered = lock(&self.0);
        gathered.take_failure()?;
        if gathered.waiting() >= gathered.high_water {
            return gathered.poll_write_out(cx);
        }
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut gathered = lock(&self.0);
        gathered.take_failure()?;
        std::task::ready!(gathered.poll_write_out(cx))?;
        Pin::new(&mut gathered.io).poll_shutdown(cx)
    }
}

/// The connection loop's end of a [`coalescing`] transport.
#[derive(Debug)]
pub(crate) struct TurnEnd<IO: AsyncWrite + Unpin>(Arc<Mutex<Gathered<IO>>>);

impl<IO: AsyncWrite + Unpin> TurnEnd<IO> {
    /// `future`, writing out what gathered each time it is pending: a turn of the loop ends.
    pub(crate) fn writing_out<'a, F: Future + Unpin + 'a>(
        &'a self,
        mut future: F,
    ) -> impl Future<Output = F::Output> + 'a {
        std::future::poll_fn(move |cx| {
            let output = Pin::new(&mut future).poll(cx);
            if output.is_pending() {
                self.write_out(cx);
            }
            output
        })
    }

    /// Writes out what is waiting. Waiting on the socket leaves its wake-up registered; a
    /// failure is kept for h2, and the task is woken so that h2 gets to see it.
    fn write_out(&self, cx: &mut Context<'_>) {
        let mut gathered = lock(&self.0);
        if (gathered.waiting() == 0 && !gathered.unflushed) || gathered.failed.is_some() {
            return;
        }
        if let Poll::Ready(Err(error)) = gathered.poll_write_out(cx) {
            gathered.failed = Some(error);
            cx.waker().wake_by_ref();
        }
    }
}

impl<IO: AsyncWrite + Unpin> Drop for TurnEnd<IO> {
    /// The loop ended before its turn did (see the module's docs): one attempt, which does not
    /// wait, to write out what the turn gathered.
    fn drop(&mut self) {
        let mut gathered = lock(&self.0);
        if gathered.waiting() > 0 || gathered.unflushed {
            let _ = gathered.poll_write_out(&mut Context::from_waker(std::task::Waker::noop()));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    use super::*;

    /// A socket that records each write it takes; with `stalled`, it takes none, and with
    /// `broken`, it fails them.
    #[derive(Default)]
    struct Recorder {
        writes: Vec<Vec<u8>>,
        flushes: usize,
        stalled: bool,
        broken: bool,
        shut: bool,
    }

    impl AsyncRead for Recorder {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncWrite for Recorder {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            if self.broken {
                return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
            }
            if self.stalled {
                return Poll::Pending;
            }
            self.get_mut().writes.push(buf.to_vec());
            Poll::Ready(Ok(buf.len()))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.get_mut().flushes += 1;
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.get_mut().shut = true;
            Poll::Ready(Ok(()))
        }
    }

    /// Counts its wake-ups.
    #[derive(Default)]
    struct Wakes(AtomicUsize);

    impl Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    struct Harness {
        io: Coalescing<Recorder>,
        turn_end: TurnEnd<Recorder>,
        wakes: Arc<Wakes>,
        waker: Waker,
    }

    impl Harness {
        fn new(high_water: usize) -> Self {
            let (io, turn_end) = coalescing(Recorder::default(), high_water);
            let wakes = Arc::new(Wakes::default());
            Harness {
                io,
                turn_end,
                waker: Waker::from(wakes.clone()),
                wakes,
            }
        }

        fn write(&mut self, bufs: &[&[u8]]) -> Poll<io::Result<usize>> {
            let slices: Vec<_> = bufs.iter().map(|b| io::IoSlice::new(b)).collect();
            let mut cx = Context::from_waker(&self.waker);
            Pin::new(&mut self.io).poll_write_vectored(&mut cx, &slices)
        }

        fn flush(&mut self) -> Poll<io::Result<()>> {
            let mut cx = Context::from_waker(&self.waker);
            Pin::new(&mut self.io).poll_flush(&mut cx)
        }

        fn shutdown(&mut self) -> Poll<io::Result<()>> {
            let mut cx = Context::from_waker(&self.waker);
            Pin::new(&mut self.io).poll_shutdown(&mut cx)
        }

        /// A turn of the loop that ends pending, as the loop's turns do while they wait.
        fn end_turn(&self) {
            let mut cx = Context::from_waker(&self.waker);
            let turn = self.turn_end.writing_out(std::future::pending::<()>());
            assert!(std::pin::pin!(turn).poll(&mut cx).is_pending());
        }

        fn socket(&self) -> MutexGuard<'_, Gathered<Recorder>> {
            lock(&self.io.0)
        }

        fn writes(&self) -> Vec<Vec<u8>> {
            self.socket().io.writes.clone()
        }

        fn wakes(&self) -> usize {
            self.wakes.0.load(Ordering::Relaxed)
        }
    }

    fn ready<T>(poll: Poll<io::Result<T>>) -> T {
        match poll {
            Poll::Ready(result) => result.unwrap(),
            Poll::Pending => panic!("pending"),
        }
    }

    #[test]
    fn a_turns_writes_and_flushes_go_out_as_one_write_when_it_ends() {
        let mut h = Harness::new(1024);
        for frame in [&b"header1"[..], b"data1", b"header2"] {
            assert_eq!(ready(h.write(&[frame, b"!"])), frame.len() + 1);
            // Put off to the turn's end.
            ready(h.flush());
            assert!(h.writes().is_empty());
        }
        h.end_turn();
        assert_eq!(h.writes(), [b"header1!data1!header2!".to_vec()]);
        // The socket below was flushed as well, and nothing is waiting any more.
        assert_eq!(h.socket().io.flushes, 1);
        h.end_turn();
        assert_eq!(h.writes().len(), 1);
        assert_eq!(h.socket().io.flushes, 1);
        assert_eq!(h.wakes(), 0);
    }

    #[test]
    fn a_turn_that_completes_writes_nothing_out() {
        let mut h = Harness::new(1024);
        assert_eq!(ready(h.write(&[b"frame"])), 5);
        let mut cx = Context::from_waker(&h.waker);
        let turn = h.turn_end.writing_out(std::future::ready(()));
        assert!(std::pin::pin!(turn).poll(&mut cx).is_ready());
        // The loop goes on at once: its next turn writes it out.
        assert!(h.writes().is_empty());
        h.end_turn();
        assert_eq!(h.writes(), [b"frame".to_vec()]);
    }

    #[test]
    fn a_full_buffer_is_written_out_before_it_takes_more() {
        let mut h = Harness::new(8);
        // Takes what fits...
        assert_eq!(ready(h.write(&[b"1234", b"567"])), 7);
        assert_eq!(ready(h.write(&[b"89a"])), 1);
        assert!(h.writes().is_empty());
        // ...and a flush with the buffer full is a real one, in the same turn.
        ready(h.flush());
        assert_eq!(h.writes(), [b"12345678".to_vec()]);
        assert_eq!(ready(h.write(&[b"9a"])), 2);
        assert_eq!(ready(h.write(&[b"bcdefghij"])), 6);
        assert_eq!(ready(h.write(&[b"xyz"])), 3);
        assert_eq!(h.writes(), [b"12345678".to_vec(), b"9abcdefg".to_vec()]);
    }

    #[test]
    fn a_large_write_into_an_empty_buffer_goes_straight_to_the_socket() {
        let mut h = Harness::new(8);
        assert_eq!(ready(h.write(&[b"123456789"])), 9);
        assert_eq!(h.writes(), [b"123456789".to_vec()]);
        assert_eq!(h.socket().buf.capacity(), 0);
        // Flushed when the turn ends.
        assert_eq!(h.socket().io.flushes, 0);
        h.end_turn();
        assert_eq!(h.socket().io.flushes, 1);
    }

    #[test]
    fn a_stalled_socket_holds_back_writes_once_the_buffer_is_full() {
        let mut h = Harness::new(4);
        h.socket().io.stalled = true;
        assert_eq!(ready(h.write(&[b"ab"])), 2);
        h.end_turn();
        assert!(h.writes().is_empty());
        // A write that finds the buffer full waits for the socket.
        assert_eq!(ready(h.write(&[b"cdef"])), 2);
        assert!(h.write(&[b"ef"]).is_pending());
        h.socket().io.stalled = false;
        assert_eq!(ready(h.write(&[b"ef"])), 2);
        assert_eq!(h.writes(), [b"abcd".to_vec()]);
    }

    #[test]
    fn a_failed_write_at_a_turns_end_reaches_h2_and_wakes_it() {
        let mut h = Harness::new(1024);
        h.socket().io.broken = true;
        assert_eq!(ready(h.write(&[b"frame"])), 5);
        h.end_turn();
        assert_eq!(h.wakes(), 1);
        match h.flush() {
            Poll::Ready(Err(error)) => assert_eq!(error.kind(), io::ErrorKind::BrokenPipe),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_loop_that_ends_mid_turn_still_writes_out_what_it_gathered() {
        let mut h = Harness::new(1024);
        assert_eq!(ready(h.write(&[b"SETTINGS"])), 8);
        ready(h.flush());
        let Harness { io, turn_end, .. } = h;
        drop(turn_end);
        assert_eq!(lock(&io.0).io.writes, [b"SETTINGS".to_vec()]);
    }

    #[test]
    fn shutdown_writes_out_what_is_waiting_first() {
        let mut h = Harness::new(1024);
        assert_eq!(ready(h.write(&[b"GOAWAY"])), 6);
        ready(h.flush());
        ready(h.shutdown());
        assert_eq!(h.writes(), [b"GOAWAY".to_vec()]);
        assert!(h.socket().io.shut);
    }

    #[test]
    fn a_large_buffer_is_kept_while_batches_stay_large() {
        let mut h = Harness::new(64 * 1024);
        let chunk = vec![7u8; 20 * 1024];
        for _ in 0..2 {
            assert_eq!(ready(h.write(&[&chunk])), chunk.len());
            h.end_turn();
            assert!(h.socket().buf.capacity() >= chunk.len());
        }
        assert_eq!(h.writes().len(), 2);
        // The first small batch gives it back...
        assert_eq!(ready(h.write(&[b"small"])), 5);
        h.end_turn();
        assert_eq!(h.socket().buf.capacity(), 0);
        // ...and a small buffer is kept for the next turn.
        assert_eq!(ready(h.write(&[b"small"])), 5);
        h.end_turn();
        assert!(h.socket().buf.capacity() > 0);
    }
}
