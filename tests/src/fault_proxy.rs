//! A fault-injecting TCP proxy for tests (the kernel here has no netem): every connection made
//! to it is forwarded to an upstream port, with added delay, "loss", stalls and resets.
//!
//! - delay: each chunk is held `delay` before it is forwarded (each direction);
//! - loss: TCP does not lose bytes, so a lost segment is what TCP makes of it: the chunk
//!   arrives late, after a retransmission timeout (`loss_delay`, default 200 ms), with
//!   probability `loss`;
//! - stall: nothing is forwarded either way (a partition: no FIN, no RST) until unstalled;
//! - reset: every open connection is closed with RST at once.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

#[derive(Debug, Default)]
struct Faults {
    delay_us: AtomicU64,
    /// Probability of a "lost" chunk, in millionths.
    loss_ppm: AtomicU64,
    loss_delay_us: AtomicU64,
    stalled: AtomicBool,
    unstalled: Notify,
    /// Bumped by `reset_all`: pumps of older generations close with RST.
    generation: AtomicU64,
    reset: Notify,
}

/// A running proxy; faults can be changed while it runs.
#[derive(Debug, Clone)]
pub struct FaultProxy {
    /// The port to connect to instead of the upstream.
    pub port: u16,
    faults: Arc<Faults>,
    connections: Arc<Mutex<u64>>,
}

impl FaultProxy {
    /// Starts a proxy in front of `127.0.0.1:upstream`.
    pub async fn start(upstream: u16) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("address").port();
        let faults = Arc::new(Faults::default());
        faults.loss_delay_us.store(200_000, Ordering::Relaxed);
        let connections = Arc::new(Mutex::new(0));
        let proxy = FaultProxy {
            port,
            faults: faults.clone(),
            connections: connections.clone(),
        };
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                    drop(client);
                    continue;
                };
                *connections.lock().expect("count") += 1;
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let generation = faults.generation.load(Ordering::Relaxed);
                tokio::spawn(proxy_connection(client, server, faults.clone(), generation));
            }
        });
        proxy
    }

    /// Holds every chunk `delay` before forwarding it.
    pub fn set_delay(&self, delay: Duration) {
        self.faults
            .delay_us
            .store(delay.as_micros() as u64, Ordering::Relaxed);
    }

    /// Delays a chunk by a retransmission timeout with probability `loss` (0.0 to 1.0).
    pub fn set_loss(&self, loss: f64) {
        self.faults
            .loss_ppm
            .store((loss * 1e6) as u64, Ordering::Relaxed);
    }

    /// Stops (or resumes) forwarding in both directions.
    pub fn set_stalled(&self, stalled: bool) {
        self.faults.stalled.store(stalled, Ordering::Relaxed);
        if !stalled {
            self.faults.unstalled.notify_waiters();
        }
    }

    /// Closes every open connection with RST.
    pub fn reset_all(&self) {
        self.faults.generation.fetch_add(1, Ordering::Relaxed);
        self.faults.reset.notify_waiters();
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        *self.connections.lock().expect("count")
    }
}

async fn proxy_connection(
    mut client: TcpStream,
    mut server: TcpStream,
    faults: Arc<Faults>,
    generation: u64,
) {
    let reset = async {
        loop {
            let notified = faults.reset.notified();
            if faults.generation.load(Ordering::Relaxed) != generation {
                return;
            }
            notified.await;
        }
    };
    let was_reset = {
        let (client_read, client_write) = client.split();
        let (server_read, server_write) = server.split();
        let up = pump(client_read, server_write, &faults);
        let down = pump(server_read, client_write, &faults);
        tokio::select! {
            _ = async { tokio::join!(up, down) } => false,
            _ = reset => true,
        }
    };
    if was_reset {
        // SO_LINGER 0: closing sends RST.
        let _ = client.set_zero_linger();
        let _ = server.set_zero_linger();
    }
}

async fn pump(
    mut from: impl tokio::io::AsyncRead + Unpin,
    mut to: impl tokio::io::AsyncWrite + Unpin,
    faults: &Faults,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        loop {
            let unstalled = faults.unstalled.notified();
            if !faults.stalled.load(Ordering::Relaxed) {
                break;
            }
            unstalled.await;
        }
        let mut delay = Duration::from_micros(faults.delay_us.load(Ordering::Relaxed));
        let loss = faults.loss_ppm.load(Ordering::Relaxed);
        if loss > 0 && fastrand_u64(1_000_000) < loss {
            delay += Duration::from_micros(faults.loss_delay_us.load(Ordering::Relaxed));
        }
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// A cheap pseudo-random number below `bound` (xorshift; the tests need no quality).
fn fastrand_u64(bound: u64) -> u64 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(0x9e37_79b9_7f4a_7c15 ^ std::process::id() as u64);
    }
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state.set(x);
        x % bound
    })
}
