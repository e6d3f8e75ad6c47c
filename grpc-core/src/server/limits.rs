//! Server-wide limits: calls in flight across every connection (grpcio's
//! `maximum_concurrent_rpcs`) and connections open at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

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

#[cfg(test)]
mod tests {
    use super::*;
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
