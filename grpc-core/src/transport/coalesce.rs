//! Write coalescing below h2: one system call for what h2 writes in one turn of the
//! connection's loop, instead of one per DATA frame.
//!
//! h2 (0.4) holds at most one DATA frame in its encoder: before it takes the next one it writes
//! the frame out and flushes the transport (`FramedWrite::poll_ready`). A 64 KiB message at the
//! default 16 KiB frame size thus costs four `writev` calls, and the kernel's per-call and
//! per-segment work on them, not the user-space work, is what a large streamed message costs.
//!
//! [`Coalescing`] sits between h2 (with the frame filter above it) and the socket or TLS stream.
//! It copies what h2 writes into one buffer and puts off h2's flushes until the loop's next
//! turn ([`Turns`]): a flush asked for during the turn in which the bytes were written returns
//! at once, having woken the task, so that the next turn, which the wake-up guarantees, writes
//! them all. What keeps the bytes moving and bounded:
//!
//! - the buffer is written out as soon as it holds [`Coalescing::high_water`] bytes, and a write
//!   that finds it full waits for the socket (back-pressure reaches h2 as before);
//! - a write that finds the buffer empty and is itself that large goes straight to the socket,
//!   uncopied;
//! - `poll_shutdown` writes out everything first, so h2's closing frames (GOAWAY) go out;
//! - a flush in any later turn is a real flush.
//!
//! The cost is a copy of the bytes (about a microsecond per 64 KiB) and one more turn of the
//! loop per batch; the saving, measured with `bench-greeter --only stream-64KiB`, is in the
//! README's performance section.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What the buffer keeps between turns: past this, its memory goes back once it is written out,
/// so an idle connection holds no more than this.
const RETAINED_CAPACITY: usize = 16 * 1024;

/// The connection loop's turn count, which tells [`Coalescing`] whether a flush is asked for in
/// the turn that wrote the bytes (put off) or in a later one (done).
#[derive(Debug, Default)]
pub(crate) struct Turns(AtomicU64);

impl Turns {
    /// The loop's turn now.
    fn now(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// `future`, counting a turn each time it is polled.
    pub(crate) fn counting<F: std::future::Future + Unpin>(
        self: &Arc<Self>,
        mut future: F,
    ) -> impl std::future::Future<Output = F::Output> {
        let turns = self.clone();
        std::future::poll_fn(move |cx| {
            turns.0.fetch_add(1, Ordering::Relaxed);
            Pin::new(&mut future).poll(cx)
        })
    }
}

/// A transport whose writes are gathered into one buffer per turn of the connection's loop
/// (see the module's docs).
#[derive(Debug)]
pub(crate) struct Coalescing<IO> {
    io: IO,
    buf: Vec<u8>,
    /// How much of `buf` is already written.
    written: usize,
    /// The turn whose flush was put off, while one is.
    put_off: Option<u64>,
    turns: Arc<Turns>,
    high_water: usize,
}

impl<IO> Coalescing<IO> {
    /// `io`, its writes gathered until a turn of the loop counted by `turns` ends, or until
    /// `high_water` bytes are waiting.
    pub(crate) fn new(io: IO, turns: Arc<Turns>, high_water: usize) -> Self {
        Coalescing {
            io,
            buf: Vec::new(),
            written: 0,
            put_off: None,
            turns,
            high_water: high_water.max(1),
        }
    }

    /// Bytes written to this transport and not yet to the one below.
    fn waiting(&self) -> usize {
        self.buf.len() - self.written
    }
}

impl<IO: AsyncWrite + Unpin> Coalescing<IO> {
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
        }
        self.buf.clear();
        self.written = 0;
        self.put_off = None;
        if self.buf.capacity() > RETAINED_CAPACITY {
            self.buf = Vec::new();
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }

    /// Takes what it can of `bufs` (all of them, unless the buffer fills up).
    fn poll_gather(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.waiting() >= self.high_water {
            std::task::ready!(self.poll_write_out(cx))?;
        }
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if self.waiting() == 0 && total >= self.high_water {
            // Large enough on its own: no copy.
            return Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        }
        let room = self.high_water - self.waiting();
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

impl<IO: AsyncRead + Unpin> AsyncRead for Coalescing<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Coalescing<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_gather(cx, &[io::IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_gather(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.waiting() > 0 && this.waiting() < this.high_water {
            let now = this.turns.now();
            match this.put_off {
                None => {
                    // The next turn writes it out, with whatever else this turn adds.
                    this.put_off = Some(now);
                    cx.waker().wake_by_ref();
                    return Poll::Ready(Ok(()));
                }
                Some(turn) if turn == now => return Poll::Ready(Ok(())),
                Some(_) => {}
            }
        }
        this.poll_write_out(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_write_out(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::task::{Wake, Waker};

    use super::*;

    /// A socket that records each write it takes; with `stalled`, it takes none.
    #[derive(Default)]
    struct Recorder {
        writes: Vec<Vec<u8>>,
        flushes: usize,
        stalled: bool,
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
        turns: Arc<Turns>,
        wakes: Arc<Wakes>,
        waker: Waker,
    }

    impl Harness {
        fn new(high_water: usize) -> Self {
            let turns = Arc::new(Turns::default());
            let wakes = Arc::new(Wakes::default());
            Harness {
                io: Coalescing::new(Recorder::default(), turns.clone(), high_water),
                turns,
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

        fn next_turn(&self) {
            self.turns.0.fetch_add(1, Ordering::Relaxed);
        }

        fn writes(&self) -> &[Vec<u8>] {
            &self.io.io.writes
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
    fn one_turns_writes_and_flushes_go_out_as_one_write_in_the_next_turn() {
        let mut h = Harness::new(1024);
        for frame in [&b"header1"[..], b"data1", b"header2"] {
            assert_eq!(ready(h.write(&[frame, b"!"])), frame.len() + 1);
            // Put off, with a wake-up that guarantees the next turn.
            ready(h.flush());
            assert!(h.writes().is_empty());
        }
        assert_eq!(h.wakes(), 1);
        h.next_turn();
        ready(h.flush());
        assert_eq!(h.writes(), [b"header1!data1!header2!".to_vec()]);
        // The socket below was flushed as well, and nothing is waiting any more.
        assert_eq!(h.io.io.flushes, 1);
        ready(h.flush());
        assert_eq!(h.writes().len(), 1);
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
        assert_eq!(h.io.buf.capacity(), 0);
    }

    #[test]
    fn a_stalled_socket_holds_back_writes_once_the_buffer_is_full() {
        let mut h = Harness::new(4);
        h.io.io.stalled = true;
        assert_eq!(ready(h.write(&[b"ab"])), 2);
        ready(h.flush());
        h.next_turn();
        // The real flush waits for the socket; so does a write that finds the buffer full.
        assert!(h.flush().is_pending());
        assert_eq!(ready(h.write(&[b"cdef"])), 2);
        assert!(h.write(&[b"ef"]).is_pending());
        h.io.io.stalled = false;
        assert_eq!(ready(h.write(&[b"ef"])), 2);
        assert_eq!(h.writes(), [b"abcd".to_vec()]);
    }

    #[test]
    fn shutdown_writes_out_what_is_waiting_first() {
        let mut h = Harness::new(1024);
        assert_eq!(ready(h.write(&[b"GOAWAY"])), 6);
        ready(h.flush());
        ready(h.shutdown());
        assert_eq!(h.writes(), [b"GOAWAY".to_vec()]);
        assert!(h.io.io.shut);
    }

    #[test]
    fn a_large_buffer_is_given_back_once_written_out() {
        let mut h = Harness::new(64 * 1024);
        let chunk = vec![7u8; 20 * 1024];
        assert_eq!(ready(h.write(&[&chunk])), chunk.len());
        ready(h.flush());
        h.next_turn();
        ready(h.flush());
        assert_eq!(h.writes()[0].len(), chunk.len());
        assert_eq!(h.io.buf.capacity(), 0);
        // A small one is kept for the next turn.
        assert_eq!(ready(h.write(&[b"small"])), 5);
        ready(h.flush());
        h.next_turn();
        ready(h.flush());
        assert!(h.io.buf.capacity() > 0);
    }
}
