//! Write batching for an HTTP/2 connection's driver task.
//!
//! Every call that queues a frame wakes the connection's driver. On a multi-thread tokio
//! runtime the woken task goes into the worker's LIFO slot and runs next, before the other
//! calls that are ready: the driver then flushes one call's frames per wake-up, a `writev` per
//! call (measured: 1.06 per unary call at 100 concurrent calls, against 0.05 on a
//! current-thread runtime). [`drive_batched`] makes the driver step aside once per wake-up
//! (it wakes itself and returns `Pending`: the task goes to the back of the worker's run
//! queue), so that the calls ready at that moment queue their frames first and one write
//! carries them all, as grpc-go's writer batches. A current-thread runtime already runs the
//! woken driver after the other ready tasks, so there it is polled as it is.
//!
//! Not `tokio::task::yield_now`: that defers the task until the worker has polled the I/O
//! driver, an `epoll_wait` system call per wake-up whenever nothing else is ready (measured
//! on the server: 1.02 per short connection with it, 0.46 without).

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// Whether the calling task runs on a multi-thread runtime, where [`drive_batched`] batches:
/// asked once per connection, not on every turn of its loop.
pub(crate) fn on_multi_thread_runtime() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|handle| handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
}

/// Drives `connection` to its end; with `batch` (on a multi-thread runtime, see
/// [`on_multi_thread_runtime`]) it yields once to the other ready tasks each time it is
/// woken, before polling the connection again.
pub(crate) async fn drive_batched<F>(batch: bool, mut connection: F) -> F::Output
where
    F: Future + Unpin,
{
    if !batch {
        return connection.await;
    }
    loop {
        // Poll it: it registers this task's waker for whatever it waits on.
        if let Poll::Ready(output) =
            std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut connection).poll(cx))).await
        {
            return output;
        }
        // Wait for that wake-up...
        pending_once(false).await;
        // ...then let the tasks it woke alongside queue their frames first: woken at once,
        // the task runs again after the tasks already in the worker's run queue, without
        // waiting for the I/O driver as `yield_now` does.
        pending_once(true).await;
    }
}

/// Pending once, then ready; with `wake`, having woken the task itself.
async fn pending_once(wake: bool) {
    let mut pending = true;
    std::future::poll_fn(|cx| {
        if !std::mem::take(&mut pending) {
            return Poll::Ready(());
        }
        if wake {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn completes_with_its_output() {
        let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
        let driver = tokio::spawn(drive_batched(on_multi_thread_runtime(), rx));
        tokio::task::yield_now().await;
        tx.send(7).unwrap();
        assert_eq!(driver.await.unwrap().unwrap(), 7);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn the_driven_future_completes_with_its_output_multi_thread() {
        completes_with_its_output().await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_driven_future_completes_with_its_output_current_thread() {
        completes_with_its_output().await;
    }
}
