//! A service whose one method takes as long as asked, and counts the calls it saw cancelled:
//! for the future, blocking-call and cancellation tests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use grpc_core::{Message, Status};

/// How long to take.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "grpc_tests.sleeper")]
pub struct Nap {
    /// Milliseconds.
    pub millis: u64,
}

/// The nap, taken.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "grpc_tests.sleeper")]
pub struct Woke {
    /// Milliseconds slept.
    pub millis: u64,
}

/// Sleeps, then answers.
#[grpc_core::service(package = "grpc_tests.sleeper")]
pub trait Sleeper: Send + Sync + 'static {
    /// Sleeps `millis`, then answers with it.
    async fn sleep(&self, nap: Nap) -> Result<Woke, Status>;
}

/// The implementation; `cancelled` counts handlers dropped before they answered.
#[derive(Debug, Default, Clone)]
pub struct Napper {
    /// Handlers dropped mid-sleep (the client went away).
    pub cancelled: Arc<AtomicUsize>,
}

impl Napper {
    /// Waits up to 5 s for `count` cancelled handlers; whether they were seen.
    pub fn saw_cancelled(&self, count: usize) -> bool {
        for _ in 0..500 {
            if self.cancelled.load(Ordering::SeqCst) >= count {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }
}

struct CountIfDropped(Option<Arc<AtomicUsize>>);

impl Drop for CountIfDropped {
    fn drop(&mut self) {
        if let Some(counter) = self.0.take() {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Sleeper for Napper {
    async fn sleep(&self, nap: Nap) -> Result<Woke, Status> {
        let mut guard = CountIfDropped(Some(self.cancelled.clone()));
        tokio::time::sleep(Duration::from_millis(nap.millis)).await;
        guard.0 = None;
        Ok(Woke { millis: nap.millis })
    }
}
