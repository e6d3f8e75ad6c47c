//! Who is using a channel's connections: calls in flight per channel (for the idle timeout)
//! and per connection (for keepalive).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use tokio::time::Instant;

use crate::status::Status;

/// Calls in flight on a channel and when the last one ended, for the idle timeout.
#[derive(Debug)]
pub(crate) struct Activity {
    pub(crate) in_flight: AtomicUsize,
    /// Milliseconds since `epoch` at the last call's start or end.
    pub(crate) last_ms: AtomicU64,
    pub(crate) epoch: Instant,
}

impl Activity {
    pub(crate) fn touch(&self) {
        let ms = self.epoch.elapsed().as_millis() as u64;
        self.last_ms.store(ms, Ordering::Relaxed);
    }
}

/// A call in flight: counted on its channel (for the idle timeout) and its connection (for
/// keepalive) until dropped, with the connection's abort status at hand.
pub(crate) struct InFlight {
    activity: Arc<Activity>,
    connection: Arc<AtomicUsize>,
    aborted: Arc<OnceLock<Status>>,
}

impl InFlight {
    /// Counts a call on `activity` and on the connection whose call counter is `active`.
    pub(crate) fn new(
        activity: &Arc<Activity>,
        active: &Arc<AtomicUsize>,
        aborted: &Arc<OnceLock<Status>>,
    ) -> InFlight {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        activity.touch();
        active.fetch_add(1, Ordering::Relaxed);
        InFlight {
            activity: activity.clone(),
            connection: active.clone(),
            aborted: aborted.clone(),
        }
    }

    /// Set when the channel tore the call's connection down (`close()`): what the call reports.
    pub(crate) fn aborted(&self) -> Option<Status> {
        self.aborted.get().cloned()
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.connection.fetch_sub(1, Ordering::Relaxed);
        self.activity.touch();
        self.activity.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}
