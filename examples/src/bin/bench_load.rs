//! Run with: `cargo run --release -p examples --bin bench-load -- stream|upload|unary|short
//! [options]`
//!
//! The load-generating clients the benchmarks start (pinned to CPU 1), one process each so
//! that their CPU time is their own:
//!
//! * `stream --port P [--size 64] [--count 10000] [--streams 4] [--warmup 1] [--duration 3]
//!   [--server-pid PID]`: one tonic channel (one connection), `--streams` tasks each calling
//!   `bench.Streamer/Stream` again and again and draining it (messages are counted, not
//!   parsed). The same client runs against both servers. With `--server-pid`, the server's
//!   CPU time is read at the start and end of the measured window.
//! * `upload --port P [--client tonic|grpc-core] [--runtime current|multi] [--size 65536]
//!   [--count 100] [--streams 4] [--warmup 1] [--duration 3] [--server-pid PID]`: one channel
//!   (tonic's by default, as bench-greeter runs it against both servers), `--streams` tasks
//!   each calling `bench.Streamer/Upload` with `--count` chunks again and again; `ops` counts
//!   the chunks of the calls whose reply confirmed every chunk and byte, and `self_cpu` is
//!   this process's CPU time (bench-client compares the two clients by it).
//! * `unary --port P --client grpc-core|tonic [--runtime current|multi] [--concurrency 100]
//!   [--warmup 1] [--duration 3]`: one channel, `--concurrency` tasks each making
//!   `SayHello` calls back to back, through grpc-core's `Channel` and generated client or
//!   through tonic's client; this process's own CPU time (all threads) is read around the
//!   measured window. `--connections N` makes grpc-core's channel round_robin over N
//!   connections (tonic's stays on one).
//! * `short --port P [--concurrency 4] [--warmup 1] [--duration 3] [--server-pid PID]`:
//!   short connections, the same client against both servers: `--concurrency` tasks each, again
//!   and again, open a TCP connection (TCP_NODELAY), do the HTTP/2 handshake (h2's client), make
//!   one unary `SayHello` call, check its reply and `grpc-status: 0`, and close the connection
//!   (h2 sends GOAWAY, then the socket is closed). `ops` counts connections whose call
//!   succeeded; with `--server-pid`, the server's CPU time is read around the measured window.
//!
//! Prints one line `RESULT key=value ...` and exits.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use examples::bench::{self, num_arg, tonic_baseline, Flavour, Implementation};

fn main() {
    if let Err(error) = run() {
        eprintln!("bench-load: {error}");
        std::process::exit(1);
    }
    // Calls still in flight are not waited for.
    std::process::exit(0);
}

fn run() -> Result<(), bench::Error> {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let port: u16 = num_arg("--port", 0)?;
    if port == 0 {
        return Err("--port is required".into());
    }
    let warmup = Duration::from_secs_f64(num_arg("--warmup", 1.0)?);
    let duration = Duration::from_secs_f64(num_arg("--duration", 3.0)?);
    match mode.as_str() {
        "stream" => stream(port, warmup, duration),
        "unary" => unary(port, warmup, duration),
        "short" => short(port, warmup, duration),
        "upload" => upload(port, warmup, duration),
        other => {
            Err(format!("expected `stream`, `upload`, `unary` or `short`, got {other:?}").into())
        }
    }
}

fn stream(port: u16, warmup: Duration, duration: Duration) -> Result<(), bench::Error> {
    let size: u32 = num_arg("--size", 64)?;
    let count: u32 = num_arg("--count", 10_000)?;
    let streams: usize = num_arg("--streams", 4)?;
    let server_pid: u32 = num_arg("--server-pid", 0)?;
    // The chunk's encoded length: tag, varint length, payload.
    let expected = 1 + prost::length_delimiter_len(size as usize) + size as usize;
    let expected = if size == 0 { 0 } else { expected };
    Flavour::Current.runtime()?.block_on(async move {
        let channel = tonic_baseline::channel(port).await?;
        let counters = Arc::new(Counters::default());
        for _ in 0..streams {
            let (channel, counters) = (channel.clone(), counters.clone());
            tokio::spawn(async move {
                loop {
                    let request = tonic_baseline::StreamRequest { count, size };
                    let result = tonic_baseline::drain(channel.clone(), request, |len| {
                        counters.messages.fetch_add(1, Ordering::Relaxed);
                        if len != expected {
                            counters.wrong.fetch_add(1, Ordering::Relaxed);
                        }
                    })
                    .await;
                    if let Err(status) = result {
                        count_failure(&counters.failed, status.to_string()).await;
                    }
                }
            });
        }
        report_window(warmup, duration, server_pid, &counters).await
    })
}

/// What a load measured by [`report_window`] counts: messages (connections for `short`),
/// messages that were not what was asked for, and failed calls.
#[derive(Debug, Default)]
struct Counters {
    messages: AtomicU64,
    wrong: AtomicU64,
    failed: AtomicU64,
}

/// Waits out the warm-up, then counts `messages` over the measured window and prints the
/// `RESULT` line (with the server's CPU time over the window when `server_pid` is set).
async fn report_window(
    warmup: Duration,
    duration: Duration,
    server_pid: u32,
    counters: &Counters,
) -> Result<(), bench::Error> {
    let Counters {
        messages,
        wrong,
        failed,
    } = counters;
    let clk_tck = bench::clock_ticks();
    tokio::time::sleep(warmup).await;
    let cpu_before = server_ticks(server_pid)?;
    let self_before = bench::self_cpu_seconds(clk_tck)?;
    let before = messages.load(Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(duration).await;
    let done = messages.load(Ordering::Relaxed) - before;
    let secs = started.elapsed().as_secs_f64();
    let cpu_after = server_ticks(server_pid)?;
    let self_after = bench::self_cpu_seconds(clk_tck)?;
    println!(
        "RESULT ops={done} secs={secs:.4} server_cpu={:.4} self_cpu={:.4} wrong={} failed={}",
        (cpu_after - cpu_before) as f64 / clk_tck,
        self_after - self_before,
        wrong.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
    );
    Ok(())
}

/// `--streams` tasks on one channel (tonic's by default, grpc-core's with `--client
/// grpc-core`), each uploading `--count` chunks of `--size` bytes to `bench.Streamer/Upload` again
/// and again; a call's chunks count once its reply confirms them all (a reply that says
/// otherwise counts as wrong).
fn upload(port: u16, warmup: Duration, duration: Duration) -> Result<(), bench::Error> {
    let client =
        Implementation::parse(&examples::args::value("--client").unwrap_or("tonic".into()))?;
    let flavour = Flavour::from_args()?;
    let size: u32 = num_arg("--size", 65536)?;
    let count: u32 = num_arg("--count", 100)?;
    let streams: usize = num_arg("--streams", 4)?;
    let server_pid: u32 = num_arg("--server-pid", 0)?;
    flavour.runtime()?.block_on(async move {
        let upload_once = UploadClient::connect(client, port).await?;
        let counters = Arc::new(Counters::default());
        for _ in 0..streams {
            let (upload_once, counters) = (upload_once.clone(), counters.clone());
            tokio::spawn(async move {
                loop {
                    match upload_once.call(count, size).await {
                        Ok((chunks, bytes)) => {
                            if chunks == u64::from(count)
                                && bytes == u64::from(count) * u64::from(size)
                            {
                                counters.messages.fetch_add(chunks, Ordering::Relaxed);
                            } else {
                                counters.wrong.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Err(what) => count_failure(&counters.failed, what).await,
                    }
                }
            });
        }
        report_window(warmup, duration, server_pid, &counters).await
    })
}

/// One channel of either implementation that makes `bench.Streamer/Upload` calls.
#[derive(Clone)]
enum UploadClient {
    GrpcCore(examples::bench::StreamerClient),
    Tonic(tonic::transport::Channel),
}

impl UploadClient {
    async fn connect(client: Implementation, port: u16) -> Result<UploadClient, bench::Error> {
        Ok(match client {
            Implementation::GrpcCore => {
                let channel = grpc_core::Channel::insecure(&format!("http://127.0.0.1:{port}"))?;
                UploadClient::GrpcCore(examples::bench::StreamerClient::new(channel))
            }
            Implementation::Tonic => UploadClient::Tonic(tonic_baseline::channel(port).await?),
        })
    }

    /// One upload of `count` chunks sharing one payload of `size` bytes: (chunks, bytes) as
    /// the server counted them.
    async fn call(&self, count: u32, size: u32) -> Result<(u64, u64), String> {
        match self {
            UploadClient::GrpcCore(client) => {
                let payload = bench::payload(size);
                let chunks = (0..count).map(move |_| examples::bench::Chunk {
                    payload: payload.clone(),
                });
                let received = client.upload(grpc_core::stream::iter(chunks)).await;
                received
                    .map(|r| (r.count, r.bytes))
                    .map_err(|s| s.to_string())
            }
            UploadClient::Tonic(channel) => tonic_baseline::upload(channel.clone(), count, size)
                .await
                .map(|r| (r.count, r.bytes))
                .map_err(|s| s.to_string()),
        }
    }
}

fn server_ticks(pid: u32) -> Result<u64, bench::Error> {
    if pid == 0 {
        Ok(0)
    } else {
        bench::process_cpu_ticks(pid)
    }
}

fn unary(port: u16, warmup: Duration, duration: Duration) -> Result<(), bench::Error> {
    let client =
        Implementation::parse(&examples::args::value("--client").unwrap_or("grpc-core".into()))?;
    let flavour = Flavour::from_args()?;
    let concurrency: usize = num_arg("--concurrency", 100)?;
    let clk_tck = bench::clock_ticks();
    flavour.runtime()?.block_on(async move {
        let calls = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        match client {
            Implementation::GrpcCore => {
                use examples::helloworld::{GreeterClient, HelloRequest};
                // `--connections N` (N > 1): round_robin over N connections to the server.
                let connections: usize = num_arg("--connections", 1)?;
                let channel = if connections > 1 {
                    let list = vec![format!("127.0.0.1:{port}"); connections].join(",");
                    grpc_core::Channel::builder(&format!("ipv4:{list}"))
                        .load_balancing_policy("round_robin")
                        .connect_lazy()?
                } else {
                    grpc_core::Channel::insecure(&format!("http://127.0.0.1:{port}"))?
                };
                let client = GreeterClient::new(channel);
                for _ in 0..concurrency {
                    let (client, calls, failed, stop) =
                        (client.clone(), calls.clone(), failed.clone(), stop.clone());
                    tasks.push(tokio::spawn(async move {
                        while !stop.load(Ordering::Relaxed) {
                            let request = HelloRequest {
                                name: "world".into(),
                            };
                            match client.say_hello(request).await {
                                Ok(reply) if reply.message == "Hello world" => {
                                    calls.fetch_add(1, Ordering::Relaxed);
                                }
                                other => count_failure(&failed, format!("{other:?}")).await,
                            }
                        }
                    }));
                }
            }
            Implementation::Tonic => {
                use tonic_baseline::HelloRequest;
                let channel = tonic_baseline::channel(port).await?;
                for _ in 0..concurrency {
                    let (channel, calls, failed, stop) =
                        (channel.clone(), calls.clone(), failed.clone(), stop.clone());
                    tasks.push(tokio::spawn(async move {
                        while !stop.load(Ordering::Relaxed) {
                            let request = HelloRequest {
                                name: "world".into(),
                            };
                            match tonic_baseline::say_hello(channel.clone(), request).await {
                                Ok(reply) if reply.message == "Hello world" => {
                                    calls.fetch_add(1, Ordering::Relaxed);
                                }
                                other => count_failure(&failed, format!("{other:?}")).await,
                            }
                        }
                    }));
                }
            }
        }
        tokio::time::sleep(warmup).await;
        let cpu_before = bench::self_cpu_seconds(clk_tck)?;
        let before = calls.load(Ordering::Relaxed);
        let started = Instant::now();
        tokio::time::sleep(duration).await;
        let done = calls.load(Ordering::Relaxed) - before;
        let secs = started.elapsed().as_secs_f64();
        let cpu = bench::self_cpu_seconds(clk_tck)? - cpu_before;
        stop.store(true, Ordering::Relaxed);
        println!(
            "RESULT ops={done} secs={secs:.4} self_cpu={cpu:.4} failed={}",
            failed.load(Ordering::Relaxed)
        );
        Ok(())
    })
}

async fn count_failure(failed: &AtomicU64, what: String) {
    if failed.fetch_add(1, Ordering::Relaxed) == 0 {
        eprintln!("bench-load: a call failed: {what}");
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
}

/// gRPC frame (flag 0, length 7) + protobuf `HelloRequest { name: "world" }`.
const HELLO_WORLD: &[u8] = &[0, 0, 0, 0, 7, 0x0a, 5, b'w', b'o', b'r', b'l', b'd'];
/// gRPC frame + protobuf `HelloReply { message: "Hello world" }`.
const HELLO_REPLY: &[u8] = &[
    0, 0, 0, 0, 13, 0x0a, 11, b'H', b'e', b'l', b'l', b'o', b' ', b'w', b'o', b'r', b'l', b'd',
];

fn short(port: u16, warmup: Duration, duration: Duration) -> Result<(), bench::Error> {
    let concurrency: usize = num_arg("--concurrency", 4)?;
    let server_pid: u32 = num_arg("--server-pid", 0)?;
    Flavour::Current.runtime()?.block_on(async move {
        // `messages` counts connections; a short connection's call has no payload to get
        // wrong: a failed check is a failure.
        let counters = Arc::new(Counters::default());
        let stop = Arc::new(AtomicBool::new(false));
        for _ in 0..concurrency {
            let (counters, stop) = (counters.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    match one_short_connection(port).await {
                        Ok(()) => {
                            counters.messages.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(what) => count_failure(&counters.failed, what).await,
                    }
                }
            });
        }
        let reported = report_window(warmup, duration, server_pid, &counters).await;
        stop.store(true, Ordering::Relaxed);
        reported
    })
}

/// Connect, handshake, one `SayHello`, close: `Err` says what went wrong.
async fn one_short_connection(port: u16) -> Result<(), String> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("connect: {e}"))?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    let (client, connection) = h2::client::handshake(tcp)
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    let driver = tokio::spawn(connection);
    let call = async move {
        let mut client = client.ready().await?;
        let request = http::Request::post(format!(
            "http://127.0.0.1:{port}/helloworld.Greeter/SayHello"
        ))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .expect("a valid request");
        let (response, mut body) = client.send_request(request, false)?;
        body.send_data(bytes::Bytes::from_static(HELLO_WORLD), true)?;
        let response = response.await?;
        let mut body = response.into_body();
        let mut data = Vec::new();
        while let Some(chunk) = body.data().await {
            let chunk = chunk?;
            let _ = body.flow_control().release_capacity(chunk.len());
            data.extend_from_slice(&chunk);
        }
        let trailers = body.trailers().await?.unwrap_or_default();
        Ok::<_, h2::Error>((data, trailers))
    };
    let (data, trailers) = call.await.map_err(|e| format!("call: {e}"))?;
    // Every handle is gone: the connection future sends GOAWAY and ends; the socket closes.
    driver
        .await
        .map_err(|e| format!("connection task: {e}"))?
        .map_err(|e| format!("connection: {e}"))?;
    let status = trailers.get("grpc-status").map(|v| v.as_bytes());
    if status != Some(b"0") || data != HELLO_REPLY {
        return Err(format!("grpc-status {status:?}, reply {data:?}"));
    }
    Ok(())
}
