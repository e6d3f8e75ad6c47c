//! Run with: `cargo run --release -p examples --bin bench-soak -- [--duration 600] [--every 10]
//! [--tasks 8] [--warmup SECS] [--only PATTERN,...]` (CI runs `./target/debug/bench-soak --duration 60`)
//!
//! A soak test of grpc-core's server: it starts the server as a child process (this same
//! binary with `--serve`, serving `soak.Soak` from `examples::bench::soak`), so that the RSS
//! (`VmRSS` of `/proc/<pid>/status`) and file descriptor count (`/proc/<pid>/fd`) it reads are
//! the server's own, and drives mixed traffic at it from `--tasks` client tasks for
//! `--duration` seconds: unary calls, server streaming, client streaming and bidi calls, some
//! cancelled midway (the client drops the call), some with a short deadline that expires while
//! the handler runs or the stream flows, and some on a fresh connection each time. `--only`
//! keeps some of the patterns (by the names the report prints), to find which one a problem
//! comes from.
//!
//! Every `--every` seconds it prints a line: elapsed time, calls per pattern and outcome, the
//! server's RSS and fd count. At the end it prints a verdict and exits 1 if
//!
//! * any call ended otherwise than its pattern expects (a call that should succeed failed, a
//!   deadline did not expire, a call hung past 10 s), or a pattern never ran;
//! * the server's fds grew between the end of the warm-up (`--warmup`, default the first 10 %
//!   of the run and at least 10 s) and the end by more than 2 per client task, or, once the
//!   traffic stopped and every client connection was closed, did not return within 10 s to the
//!   count it had before any traffic;
//! * its RSS grew between the end of the warm-up and the end by more than 20 % or 16 MiB,
//!   whichever is larger (`rss_bound_kib` says why);
//! * the server died.

use std::future::IntoFuture;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use examples::bench::soak::{Ask, MySoak, Piece, SoakClient, SoakServer};
use examples::bench::{self, num_arg};
use grpc_core::{Bytes, Channel, Code, Status};

type Result<T> = std::result::Result<T, bench::Error>;

/// A call still running after this long counts as hung (an unexpected outcome).
const GUARD: Duration = Duration::from_secs(10);
/// Deadline of the calls whose deadline is meant to expire.
const SHORT_DEADLINE: Duration = Duration::from_millis(30);
/// Deadline of the calls that should succeed.
const DEADLINE: Duration = Duration::from_secs(5);
/// How long the server gets, once the traffic stopped, to close every connection.
const QUIESCE: Duration = Duration::from_secs(10);

/// The call patterns, with how often a task picks each (out of the sum of the weights).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    Unary,
    UnaryDeadline,
    Download,
    DownloadCancel,
    DownloadDeadline,
    Upload,
    UploadCancel,
    Echo,
    EchoCancel,
    FreshConnection,
}

const PATTERNS: [(Pattern, u64); 10] = [
    (Pattern::Unary, 20),
    (Pattern::UnaryDeadline, 5),
    (Pattern::Download, 10),
    (Pattern::DownloadCancel, 5),
    (Pattern::DownloadDeadline, 3),
    (Pattern::Upload, 10),
    (Pattern::UploadCancel, 5),
    (Pattern::Echo, 10),
    (Pattern::EchoCancel, 5),
    (Pattern::FreshConnection, 5),
];

impl Pattern {
    fn index(self) -> usize {
        PATTERNS.iter().position(|p| p.0 == self).unwrap_or(0)
    }

    fn name(self) -> &'static str {
        match self {
            Pattern::Unary => "unary",
            Pattern::UnaryDeadline => "unary-deadline",
            Pattern::Download => "server-stream",
            Pattern::DownloadCancel => "server-stream-cancel",
            Pattern::DownloadDeadline => "server-stream-deadline",
            Pattern::Upload => "client-stream",
            Pattern::UploadCancel => "client-stream-cancel",
            Pattern::Echo => "bidi",
            Pattern::EchoCancel => "bidi-cancel",
            Pattern::FreshConnection => "unary-new-conn",
        }
    }

    /// The outcome this pattern's calls should have.
    fn expected(self) -> &'static str {
        match self {
            Pattern::UnaryDeadline | Pattern::DownloadDeadline => "deadline",
            Pattern::DownloadCancel | Pattern::UploadCancel | Pattern::EchoCancel => "cancelled",
            _ => "ok",
        }
    }
}

/// Calls per pattern: ended as expected, or not.
#[derive(Debug, Default)]
struct Counts {
    expected: [AtomicU64; PATTERNS.len()],
    unexpected: [AtomicU64; PATTERNS.len()],
    reported: AtomicU64,
}

impl Counts {
    fn record(&self, pattern: Pattern, outcome: std::result::Result<(), String>) {
        let i = pattern.index();
        match outcome {
            Ok(()) => {
                self.expected[i].fetch_add(1, Ordering::Relaxed);
            }
            Err(what) => {
                self.unexpected[i].fetch_add(1, Ordering::Relaxed);
                // The first few are printed; all are counted.
                if self.reported.fetch_add(1, Ordering::Relaxed) < 10 {
                    eprintln!(
                        "bench-soak: unexpected outcome of {}: {what}",
                        pattern.name()
                    );
                }
            }
        }
    }

    fn total(&self) -> (u64, u64) {
        let sum = |v: &[AtomicU64]| v.iter().map(|c| c.load(Ordering::Relaxed)).sum();
        (sum(&self.expected), sum(&self.unexpected))
    }
}

/// The server's memory and descriptors at one moment.
#[derive(Debug, Clone, Copy)]
struct Sample {
    rss_kib: u64,
    fds: u64,
}

fn main() {
    if examples::args::flag("--serve") {
        if let Err(error) = serve() {
            eprintln!("bench-soak --serve: {error}");
            std::process::exit(2);
        }
        return;
    }
    match run() {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(error) => {
            eprintln!("bench-soak: {error}");
            std::process::exit(2);
        }
    }
}

/// The child: serves `soak.Soak` on 127.0.0.1 until SIGTERM, or until its stdin closes (the
/// parent died).
fn serve() -> Result<()> {
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        std::process::exit(3);
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let server = grpc_core::Server::builder()
            .add_service(SoakServer::new(MySoak))
            .build();
        let port = server.add_insecure_port("127.0.0.1:0")?;
        server.start().await?;
        println!("PORT {port}");
        examples::args::wait_for_shutdown_signal().await;
        server.stop(Some(Duration::from_secs(5))).await;
        Ok(())
    })
}

struct Options {
    duration: Duration,
    every: Duration,
    warmup: Duration,
    tasks: usize,
    /// The patterns the tasks pick from (with their weights).
    patterns: Vec<(Pattern, u64)>,
}

impl Options {
    fn parse() -> Result<Options> {
        if examples::args::flag("--help") || examples::args::flag("-h") {
            println!(
                "usage: bench-soak [--duration SECS (600)] [--every SECS (10)] [--tasks N (8)] \
                 [--warmup SECS (10% of the run, at least 10)] [--only PATTERN,...]"
            );
            std::process::exit(0);
        }
        let duration: f64 = num_arg("--duration", 600.0)?;
        let every: f64 = num_arg("--every", 10.0)?;
        let warmup: f64 = num_arg("--warmup", (duration / 10.0).max(10.0))?;
        let tasks: usize = num_arg("--tasks", 8)?;
        let patterns = match examples::args::value("--only") {
            None => PATTERNS.to_vec(),
            Some(list) => {
                let mut picked = Vec::new();
                for name in list.split(',') {
                    let found = PATTERNS
                        .iter()
                        .find(|p| p.0.name() == name.trim())
                        .ok_or_else(|| format!("--only: unknown pattern {name:?}"))?;
                    picked.push(*found);
                }
                picked
            }
        };
        if duration <= 0.0 || every <= 0.0 || tasks == 0 {
            return Err("--duration, --every and --tasks must be positive".into());
        }
        if warmup >= duration {
            return Err(format!("the warm-up ({warmup} s) must end before the run does").into());
        }
        Ok(Options {
            duration: Duration::from_secs_f64(duration),
            every: Duration::from_secs_f64(every),
            warmup: Duration::from_secs_f64(warmup),
            tasks,
            patterns,
        })
    }
}

/// The server child; killed if still running when dropped.
struct ServerChild {
    child: Child,
    port: u16,
}

impl ServerChild {
    fn start() -> Result<ServerChild> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("--serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)?;
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .ok_or_else(|| format!("the server said {line:?}, not PORT <n>"))?
            .parse()?;
        Ok(ServerChild { child, port })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn sample(&self) -> Result<Sample> {
        let pid = self.pid();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let rss_kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .ok_or("no VmRSS in /proc/<pid>/status")?;
        let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))?.count() as u64;
        Ok(Sample { rss_kib, fds })
    }

    /// SIGTERM, then up to 10 s for the graceful stop; whether it exited cleanly.
    fn stop(mut self) -> Result<bool> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status.success());
            }
            if Instant::now() >= deadline {
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        if self.alive() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The RSS growth allowed between the end of the warm-up and the end of the run: 20 % of the
/// warm-up RSS or 16 MiB, whichever is larger.
///
/// Why not zero: the allocator (glibc malloc, one arena per thread that allocated) keeps freed
/// memory and returns it lazily, so the RSS sampled at one instant moves by a few MiB with the
/// calls in flight at that instant, and a longer run reaches rarer peaks of concurrency (every
/// task in a download at once) that leave their high-water mark. Why this bound: a leak that
/// keeps even 100 bytes per call crosses 16 MiB after 170,000 calls, a few minutes of this
/// traffic on a release build (the verdict prints the per-call leak the bound rules out for
/// the run just made), while 20 % scales the slack for a server whose steady state is larger.
fn rss_bound_kib(warm_rss_kib: u64) -> u64 {
    (warm_rss_kib / 5).max(16 * 1024)
}

fn run() -> Result<bool> {
    let options = Options::parse()?;
    let mut server = ServerChild::start()?;
    let idle = server.sample()?;
    println!(
        "bench-soak: grpc-core server pid {} on 127.0.0.1:{}, {} client tasks, {} s \
         (warm-up {} s), a line every {} s",
        server.pid(),
        server.port,
        options.tasks,
        options.duration.as_secs_f64(),
        options.warmup.as_secs_f64(),
        options.every.as_secs_f64()
    );
    println!(
        "  before any traffic: server rss {:.1} MiB, {} fds",
        mib(idle.rss_kib),
        idle.fds
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let counts = Arc::new(Counts::default());
    let stop = Arc::new(AtomicBool::new(false));
    let target = format!("127.0.0.1:{}", server.port);

    let (warm, end, died) = runtime.block_on(async {
        // Two shared connections, every task on one of them (plus its fresh ones).
        let shared = [Channel::insecure(&target)?, Channel::insecure(&target)?];
        let mut tasks = Vec::new();
        for t in 0..options.tasks {
            let client = SoakClient::new(shared[t % shared.len()].clone());
            let (counts, stop, target) = (counts.clone(), stop.clone(), target.clone());
            let patterns = options.patterns.clone();
            tasks.push(tokio::spawn(async move {
                let mut rng = XorShift::new(t as u64 + 1);
                let mut n = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    n = n.wrapping_add(1);
                    let pattern = rng.pick(&patterns);
                    let outcome = tokio::time::timeout(GUARD, call(&client, &target, pattern, n))
                        .await
                        .unwrap_or_else(|_| Err(format!("still running after {GUARD:?}")));
                    counts.record(pattern, outcome);
                }
            }));
        }
        drop(shared);

        let started = Instant::now();
        let mut marks: Vec<Duration> = (1..)
            .map(|i| options.every * i)
            .take_while(|t| *t < options.duration)
            .chain([options.warmup, options.duration])
            .collect();
        marks.sort();
        marks.dedup();
        let (mut warm, mut end, mut died) = (None, None, false);
        for mark in marks {
            tokio::time::sleep_until((started + mark).into()).await;
            if !server.alive() {
                died = true;
                break;
            }
            let sample = server.sample()?;
            let note = if mark == options.warmup {
                warm = Some(sample);
                " (end of warm-up)"
            } else {
                ""
            };
            print_line(&options.patterns, started.elapsed(), &counts, sample, note);
            if mark == options.duration {
                end = Some(sample);
            }
        }
        stop.store(true, Ordering::Relaxed);
        for task in tasks {
            // Each task ends after its call in flight (at most GUARD).
            let _ = task.await;
        }
        Ok::<_, bench::Error>((warm, end, died))
    })?;
    drop(runtime);

    // Every client connection is closed now: the server should be back to its idle count.
    let quiesce_started = Instant::now();
    let mut quiet = server.sample()?;
    while quiet.fds > idle.fds && quiesce_started.elapsed() < QUIESCE && server.alive() {
        std::thread::sleep(Duration::from_millis(100));
        quiet = server.sample()?;
    }
    let died = died || !server.alive();
    let stopped_cleanly = !died && server.stop()?;

    println!();
    println!("calls per pattern (expected outcome / unexpected):");
    let mut ok = true;
    for &(pattern, _) in &options.patterns {
        let i = pattern.index();
        let expected = counts.expected[i].load(Ordering::Relaxed);
        let unexpected = counts.unexpected[i].load(Ordering::Relaxed);
        println!(
            "  {:<24} {:>9} {:<9} {:>6} unexpected",
            pattern.name(),
            expected,
            pattern.expected(),
            unexpected
        );
        if expected == 0 {
            println!("  FAIL: no {} call ended as expected", pattern.name());
            ok = false;
        }
    }
    let (total, unexpected) = counts.total();
    println!("verdict:");
    if unexpected > 0 {
        println!(
            "  FAIL: {unexpected} of {} calls ended unexpectedly",
            total + unexpected
        );
        ok = false;
    } else {
        println!("  calls: all {total} ended as their pattern expects");
    }
    if died {
        println!("  FAIL: the server died");
        return Ok(false);
    }
    let (Some(warm), Some(end)) = (warm, end) else {
        println!("  FAIL: no samples at the end of the warm-up and of the run");
        return Ok(false);
    };
    let grown = end.rss_kib as i64 - warm.rss_kib as i64;
    let bound = rss_bound_kib(warm.rss_kib);
    let per_call = (bound * 1024) as f64 / total.max(1) as f64;
    let rss_ok = grown <= bound as i64;
    println!(
        "  rss: {:.1} MiB at the end of the warm-up, {:.1} MiB at the end ({:+.1} MiB; bound \
         +{:.1} MiB, i.e. a leak of {:.0} bytes per call over this run): {}",
        mib(warm.rss_kib),
        mib(end.rss_kib),
        grown as f64 / 1024.0,
        mib(bound),
        per_call,
        verdict(rss_ok)
    );
    ok &= rss_ok;
    // At a sampling instant each task may have one fresh connection open and the one it just
    // closed not yet reaped by the server.
    let fd_slack = 2 * options.tasks as i64;
    let fd_grown = end.fds as i64 - warm.fds as i64;
    let fds_ok = fd_grown <= fd_slack;
    println!(
        "  fds under traffic: {} at the end of the warm-up, {} at the end ({fd_grown:+}; \
         slack {fd_slack}: 2 per task for its fresh connections): {}",
        warm.fds,
        end.fds,
        verdict(fds_ok)
    );
    ok &= fds_ok;
    let quiet_ok = quiet.fds <= idle.fds;
    println!(
        "  fds after the traffic stopped: {} ({:.1} s after the clients closed; {} before any \
         traffic): {}",
        quiet.fds,
        quiesce_started.elapsed().as_secs_f64(),
        idle.fds,
        verdict(quiet_ok)
    );
    ok &= quiet_ok;
    println!(
        "  server stop (SIGTERM, graceful): {}",
        if stopped_cleanly {
            "exited 0"
        } else {
            "FAIL: did not exit cleanly within 10 s"
        }
    );
    ok &= stopped_cleanly;
    println!("{}", if ok { "PASS" } else { "FAIL" });
    Ok(ok)
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "FAIL"
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn print_line(
    patterns: &[(Pattern, u64)],
    elapsed: Duration,
    counts: &Counts,
    sample: Sample,
    note: &str,
) {
    let mut parts = Vec::new();
    for &(pattern, _) in patterns {
        let i = pattern.index();
        let unexpected = counts.unexpected[i].load(Ordering::Relaxed);
        let mut part = format!(
            "{} {} {}",
            pattern.name(),
            pattern.expected(),
            counts.expected[i].load(Ordering::Relaxed)
        );
        if unexpected > 0 {
            part.push_str(&format!(" UNEXPECTED {unexpected}"));
        }
        parts.push(part);
    }
    let (total, unexpected) = counts.total();
    println!(
        "[{:>5.0}s] calls {total} (unexpected {unexpected}): {} | server rss {:.1} MiB, fds {}{note}",
        elapsed.as_secs_f64(),
        parts.join(", "),
        mib(sample.rss_kib),
        sample.fds
    );
}

/// A small deterministic generator for picking patterns (xorshift64).
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn pick(&mut self, patterns: &[(Pattern, u64)]) -> Pattern {
        let total: u64 = patterns.iter().map(|p| p.1).sum();
        let mut roll = self.next() % total;
        for &(pattern, weight) in patterns {
            if roll < weight {
                return pattern;
            }
            roll -= weight;
        }
        patterns[0].0
    }
}

fn piece(seq: u32, size: usize) -> Piece {
    Piece {
        seq,
        payload: Bytes::from(vec![0x3c; size]),
    }
}

fn status_text(status: &Status) -> String {
    format!("{:?}: {}", status.code(), status.message())
}

fn expect_deadline(result: std::result::Result<(), Status>) -> std::result::Result<(), String> {
    match result {
        Err(status) if status.code() == Code::DeadlineExceeded => Ok(()),
        Err(status) => Err(format!(
            "expected DEADLINE_EXCEEDED, got {}",
            status_text(&status)
        )),
        Ok(()) => Err("expected DEADLINE_EXCEEDED, the call succeeded".into()),
    }
}

/// One call of `pattern`; `Ok` if it ended as the pattern expects.
async fn call(
    client: &SoakClient,
    target: &str,
    pattern: Pattern,
    n: u32,
) -> std::result::Result<(), String> {
    let failed = |status: Status| status_text(&status);
    match pattern {
        Pattern::Unary => unary(client, n).await,
        Pattern::FreshConnection => {
            let channel = Channel::insecure(target).map_err(|e| e.to_string())?;
            unary(&SoakClient::new(channel), n).await
        }
        Pattern::UnaryDeadline => {
            let ask = Ask {
                delay_ms: 500,
                count: n,
                size: 16,
            };
            let result = client.fetch(ask).timeout(SHORT_DEADLINE).await;
            expect_deadline(result.map(drop))
        }
        Pattern::Download => {
            let ask = Ask {
                delay_ms: 0,
                count: 20,
                size: 256,
            };
            let mut stream = client
                .download(ask)
                .timeout(DEADLINE)
                .await
                .map_err(failed)?;
            let mut seq = 0;
            while let Some(piece) = stream.message().await.map_err(failed)? {
                if piece.seq != seq || piece.payload.len() != 256 {
                    return Err(format!(
                        "message {seq}: got seq {} of {} bytes",
                        piece.seq,
                        piece.payload.len()
                    ));
                }
                seq += 1;
            }
            if seq != 20 {
                return Err(format!("{seq} messages, expected 20"));
            }
            Ok(())
        }
        Pattern::DownloadCancel => {
            let ask = Ask {
                delay_ms: 1,
                count: 1_000_000,
                size: 64,
            };
            let mut stream = client
                .download(ask)
                .timeout(DEADLINE)
                .await
                .map_err(failed)?;
            for seq in 0..3 {
                match stream.message().await.map_err(failed)? {
                    Some(piece) if piece.seq == seq => {}
                    other => return Err(format!("message {seq}: {other:?}")),
                }
            }
            // Dropping the stream cancels the call midway.
            drop(stream);
            Ok(())
        }
        Pattern::DownloadDeadline => {
            let ask = Ask {
                delay_ms: 5,
                count: 1_000,
                size: 64,
            };
            let result = async {
                let mut stream = client.download(ask).timeout(SHORT_DEADLINE).await?;
                while stream.message().await?.is_some() {}
                Ok(())
            }
            .await;
            expect_deadline(result)
        }
        Pattern::Upload => {
            let pieces: Vec<Piece> = (0..16).map(|i| piece(i, 512)).collect();
            let tally = client
                .upload(grpc_core::stream::iter(pieces))
                .timeout(DEADLINE)
                .await
                .map_err(failed)?;
            if tally.count != 16 || tally.bytes != 16 * 512 {
                return Err(format!(
                    "tally {tally:?}, expected 16 messages of 512 bytes"
                ));
            }
            Ok(())
        }
        Pattern::UploadCancel => {
            let (sender, requests) = grpc_core::client::request_channel(4);
            let call = client.upload(requests).timeout(DEADLINE).into_future();
            let writes = async {
                for i in 0..5 {
                    sender.write(piece(i, 512)).await?;
                }
                // Let the pieces reach the server before the call is dropped.
                tokio::time::sleep(Duration::from_millis(5)).await;
                Ok::<_, Status>(())
            };
            tokio::select! {
                result = call => Err(format!("the upload ended before it was cancelled: {result:?}")),
                written = writes => written.map_err(failed),
            }
            // Leaving the select dropped the call: cancelled midway.
        }
        Pattern::Echo => {
            let (sender, requests) = grpc_core::client::request_channel(4);
            let mut replies = client
                .echo(requests)
                .timeout(DEADLINE)
                .await
                .map_err(failed)?;
            for seq in 0..8 {
                sender.write(piece(seq, 128)).await.map_err(failed)?;
                match replies.message().await.map_err(failed)? {
                    Some(reply) if reply.seq == seq && reply.payload.len() == 128 => {}
                    other => return Err(format!("echo {seq}: {other:?}")),
                }
            }
            sender.done_writing();
            match replies.message().await.map_err(failed)? {
                None => Ok(()),
                Some(extra) => Err(format!("an echo nobody sent: {extra:?}")),
            }
        }
        Pattern::EchoCancel => {
            let (sender, requests) = grpc_core::client::request_channel(4);
            let mut replies = client
                .echo(requests)
                .timeout(DEADLINE)
                .await
                .map_err(failed)?;
            sender.write(piece(0, 128)).await.map_err(failed)?;
            sender.write(piece(1, 128)).await.map_err(failed)?;
            match replies.message().await.map_err(failed)? {
                Some(reply) if reply.seq == 0 => {}
                other => return Err(format!("echo 0: {other:?}")),
            }
            // Dropped without done_writing(): the call is cancelled midway.
            drop(sender);
            drop(replies);
            Ok(())
        }
    }
}

async fn unary(client: &SoakClient, n: u32) -> std::result::Result<(), String> {
    let ask = Ask {
        delay_ms: 0,
        count: n,
        size: 64,
    };
    let reply = client
        .fetch(ask)
        .timeout(DEADLINE)
        .await
        .map_err(|s| status_text(&s))?;
    if reply.seq != n || reply.payload.len() != 64 {
        return Err(format!(
            "reply seq {} of {} bytes, expected {n} of 64",
            reply.seq,
            reply.payload.len()
        ));
    }
    Ok(())
}
