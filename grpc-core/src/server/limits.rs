//! Server-wide limits: calls in flight across every connection (grpcio's
//! `maximum_concurrent_rpcs`) and connections open at once.

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

use super::body::ResponseBody;
use crate::transport::frame_guard::GuardState;

/// Calls in flight on the whole server, against `maximum_concurrent_rpcs`.
#[derive(Debug)]
pub(crate) struct CallLimit {
    max: Option<usize>,
    in_flight: AtomicUsize,
}

impl CallLimit {
    pub(crate) fn new(max: Option<usize>) -> Self {
        CallLimit {
            max,
            in_flight: AtomicUsize::new(0),
        }
    }

    /// Counts one more call, or `None` when the server already has `max` in flight.
    pub(crate) fn try_acquire(self: &Arc<Self>) -> Option<CallPermit> {
        let mut current = self.in_flight.load(Ordering::Relaxed);
        loop {
            if self.max.is_some_and(|max| current >= max) {
                return None;
            }
            match self.in_flight.compare_exchange_weak(
                current,
                current + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(CallPermit(self.clone())),
                Err(actual) => current = actual,
            }
        }
    }
}

/// One call counted on the server's [`CallLimit`] until dropped.
#[derive(Debug)]
pub(crate) struct CallPermit(Arc<CallLimit>);

impl Drop for CallPermit {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// One call counted on its connection (for keepalive enforcement and the idle timeout) until
/// dropped.
#[derive(Debug)]
pub(crate) struct ConnectionCall(Arc<GuardState>);

impl ConnectionCall {
    pub(crate) fn new(state: &Arc<GuardState>) -> Self {
        state.call_started();
        ConnectionCall(state.clone())
    }
}

impl Drop for ConnectionCall {
    fn drop(&mut self) {
        self.0.call_ended();
    }
}

/// The largest DATA chunk handed to hyper at once. h2 buffers a stream's chunk whole even
/// beyond the peer's window, so a big message is handed over in pieces: with
/// `max_send_buffer_per_stream`, this bounds what h2 holds per stream.
pub(crate) const SEND_CHUNK: usize = 16 * 1024;

/// A response body that keeps its call counted until hyper drops it (sent, or reset), and
/// hands its data to hyper in pieces of at most [`SEND_CHUNK`] bytes.
pub(crate) struct CountedBody {
    body: ResponseBody,
    /// The rest of a DATA chunk larger than `SEND_CHUNK`.
    pending: Option<Bytes>,
    _connection: ConnectionCall,
    _permit: Option<CallPermit>,
}

impl CountedBody {
    fn piece(&mut self, mut data: Bytes) -> Bytes {
        if data.len() > SEND_CHUNK {
            self.pending = Some(data.split_off(SEND_CHUNK));
        }
        data
    }
}

impl CountedBody {
    pub(crate) fn new(
        body: ResponseBody,
        connection: ConnectionCall,
        permit: Option<CallPermit>,
    ) -> Self {
        CountedBody {
            body,
            pending: None,
            _connection: connection,
            _permit: permit,
        }
    }
}

impl Body for CountedBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Some(pending) = this.pending.take() {
            return Poll::Ready(Some(Ok(Frame::data(this.piece(pending)))));
        }
        match std::task::ready!(Pin::new(&mut this.body).poll_frame(cx)) {
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => Poll::Ready(Some(Ok(Frame::data(this.piece(data))))),
                Err(frame) => Poll::Ready(Some(Ok(frame))),
            },
            other => Poll::Ready(other),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.pending.is_none() && self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        match &self.pending {
            None => self.body.size_hint(),
            // The pending bytes come first; the rest is what the body says.
            Some(pending) => {
                let inner = self.body.size_hint();
                let mut hint = SizeHint::new();
                hint.set_lower(inner.lower() + pending.len() as u64);
                if let Some(upper) = inner.upper() {
                    hint.set_upper(upper + pending.len() as u64);
                }
                hint
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn large_data_goes_to_hyper_in_pieces() {
        let state = Arc::new(GuardState::new());
        let body = ResponseBody::new(http_body_util::Full::new(Bytes::from(vec![7u8; 40_000])));
        let mut counted = CountedBody::new(body, ConnectionCall::new(&state), None);
        let mut sizes = Vec::new();
        while let Some(frame) = counted.frame().await {
            sizes.push(frame.unwrap().into_data().unwrap().len());
        }
        assert_eq!(sizes, [SEND_CHUNK, SEND_CHUNK, 40_000 - 2 * SEND_CHUNK]);
        drop(counted);
        assert!(
            state.idle_since().is_some(),
            "the call is no longer counted"
        );
    }

    #[test]
    fn call_limit_counts_permits() {
        let limit = Arc::new(CallLimit::new(Some(2)));
        let a = limit.try_acquire().unwrap();
        let _b = limit.try_acquire().unwrap();
        assert!(limit.try_acquire().is_none());
        drop(a);
        assert!(limit.try_acquire().is_some());
        let unlimited = Arc::new(CallLimit::new(None));
        let permits: Vec<_> = (0..1000)
            .map(|_| unlimited.try_acquire().unwrap())
            .collect();
        assert_eq!(permits.len(), 1000);
    }
}
