//! Shared pieces of the benchmarks (`bench-greeter`, `bench-client`, and the processes they
//! start: `bench-server`, `bench-load`): the `bench.Streamer` service on both sides, runtime
//! flavours, and the process bookkeeping (pinning, CPU time from `/proc`, medians).

pub mod soak;
pub mod tonic_baseline;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use grpc_core::{Message, ServerStream, Status, Streaming};

/// A boxed error for the bench programs.
pub type Error = Box<dyn std::error::Error>;

/// Asks for `count` messages of `size` payload bytes.
#[derive(Message, Clone, PartialEq, Eq, Debug)]
#[grpc(package = "bench")]
pub struct StreamRequest {
    /// How many messages to stream back.
    pub count: u32,
    /// Payload bytes per message.
    pub size: u32,
}

/// One streamed message.
#[derive(Message, Clone, PartialEq, Eq, Debug)]
#[grpc(package = "bench")]
pub struct Chunk {
    /// The payload (shared, not copied, between the messages of a call).
    pub payload: Bytes,
}

/// What an upload delivered: its chunks and their payload bytes.
#[derive(Message, Clone, PartialEq, Eq, Debug)]
#[grpc(package = "bench")]
pub struct Received {
    /// Chunks received.
    pub count: u64,
    /// Payload bytes received, all chunks together.
    pub bytes: u64,
}

/// Server and client streaming for the benchmarks.
#[grpc_core::service(package = "bench")]
pub trait Streamer: Send + Sync + 'static {
    /// Streams `count` chunks of `size` bytes.
    async fn stream(&self, request: StreamRequest) -> Result<ServerStream<Chunk>, Status>;
    /// Takes a stream of chunks and says what arrived.
    async fn upload(&self, chunks: Streaming<Chunk>) -> Result<Received, Status>;
}

/// Streams `count` chunks that all share one payload buffer (as the tonic twin does).
#[derive(Debug, Default, Clone)]
pub struct MyStreamer;

impl Streamer for MyStreamer {
    async fn stream(&self, request: StreamRequest) -> Result<ServerStream<Chunk>, Status> {
        let payload = payload(request.size);
        Ok(ServerStream::iter((0..request.count).map(move |_| Chunk {
            payload: payload.clone(),
        })))
    }

    async fn upload(&self, mut chunks: Streaming<Chunk>) -> Result<Received, Status> {
        let mut received = Received { count: 0, bytes: 0 };
        while let Some(chunk) = chunks.message().await? {
            received.count += 1;
            received.bytes += chunk.payload.len() as u64;
        }
        Ok(received)
    }
}

/// The payload of one call's chunks.
pub fn payload(size: u32) -> Bytes {
    Bytes::from(vec![0xa5; size as usize])
}

/// The tokio runtime flavour a bench process runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// `new_current_thread`.
    Current,
    /// `new_multi_thread` with tokio's default worker count (one per CPU the process may use:
    /// 1 when pinned to one core).
    Multi,
}

impl Flavour {
    /// Both, in the order the benches report them.
    pub const ALL: [Flavour; 2] = [Flavour::Current, Flavour::Multi];

    /// `current` or `multi`.
    pub fn name(self) -> &'static str {
        match self {
            Flavour::Current => "current",
            Flavour::Multi => "multi",
        }
    }

    /// Parses `current` / `multi` (also `current_thread` / `multi_thread`).
    pub fn parse(text: &str) -> Result<Flavour, Error> {
        match text {
            "current" | "current_thread" => Ok(Flavour::Current),
            "multi" | "multi_thread" => Ok(Flavour::Multi),
            other => Err(format!("--runtime: expected current or multi, got {other:?}").into()),
        }
    }

    /// The `--runtime` value on the command line (default multi).
    pub fn from_args() -> Result<Flavour, Error> {
        crate::args::value("--runtime").map_or(Ok(Flavour::Multi), |v| Flavour::parse(&v))
    }

    /// Builds the runtime.
    pub fn runtime(self) -> std::io::Result<tokio::runtime::Runtime> {
        match self {
            Flavour::Current => tokio::runtime::Builder::new_current_thread(),
            Flavour::Multi => tokio::runtime::Builder::new_multi_thread(),
        }
        .enable_all()
        .build()
    }
}

/// Which server implementation a `bench-server` process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implementation {
    /// grpc-core.
    GrpcCore,
    /// Plain tonic 0.14.
    Tonic,
}

impl Implementation {
    /// `grpc-core` or `tonic`.
    pub fn name(self) -> &'static str {
        match self {
            Implementation::GrpcCore => "grpc-core",
            Implementation::Tonic => "tonic",
        }
    }

    /// Parses `grpc-core` / `tonic`.
    pub fn parse(text: &str) -> Result<Implementation, Error> {
        match text {
            "grpc-core" | "ours" => Ok(Implementation::GrpcCore),
            "tonic" => Ok(Implementation::Tonic),
            other => Err(format!("expected grpc-core or tonic, got {other:?}").into()),
        }
    }
}

static NICE: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// Runs the processes [`pinned`] starts at this `nice` level (0: unchanged). A negative level
/// (root only) keeps other work on a shared machine from preempting the server and the load.
pub fn set_nice(level: i32) {
    NICE.store(level, std::sync::atomic::Ordering::Relaxed);
}

/// Runs `program` pinned to `cpu` with `taskset` when `pin` is set, at the [`set_nice`] level.
pub fn pinned(pin: bool, cpu: u32, program: &Path) -> Command {
    let nice = NICE.load(std::sync::atomic::Ordering::Relaxed);
    let mut command = if nice != 0 {
        let mut command = Command::new("nice");
        command.arg("-n").arg(nice.to_string());
        command
    } else if pin {
        Command::new("taskset")
    } else {
        return Command::new(program);
    };
    if nice != 0 && pin {
        command.arg("taskset");
    }
    if pin {
        command.arg("-c").arg(cpu.to_string());
    }
    command.arg(program);
    command
}

/// Whether `taskset` works and there are at least two CPUs to pin to.
pub fn can_pin() -> bool {
    std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2
        && Command::new("taskset")
            .args(["-c", "0", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// A sibling executable of the running one (the bench binaries live side by side).
pub fn sibling(name: &str) -> Result<PathBuf, Error> {
    let path = std::env::current_exe()?
        .parent()
        .ok_or("cannot tell this executable's directory")?
        .join(name);
    if !path.is_file() {
        return Err(format!(
            "{} not found; build everything first: cargo build --release -p examples",
            path.display()
        )
        .into());
    }
    Ok(path)
}

/// A running `bench-server`; killed if dropped before [`ServerProcess::stop`].
#[derive(Debug)]
pub struct ServerProcess {
    child: Option<Child>,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    _stdout: BufReader<std::process::ChildStdout>,
}

impl ServerProcess {
    /// Starts `bench-server --server IMPL --runtime FLAVOUR` on CPU 0 (when `pin`).
    pub fn start(
        pin: bool,
        implementation: Implementation,
        flavour: Flavour,
    ) -> Result<ServerProcess, Error> {
        let path = sibling("bench-server")?;
        let mut child = pinned(pin, 0, &path)
            .args(["--addr", "127.0.0.1:0", "--server", implementation.name()])
            .args(["--runtime", flavour.name()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", path.display()))?;
        let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout pipe")?);
        let mut line = String::new();
        let port = loop {
            line.clear();
            if stdout.read_line(&mut line)? == 0 {
                let _ = child.kill();
                let _ = child.wait();
                return Err("bench-server exited without printing PORT".into());
            }
            if let Some(port) = line.trim().strip_prefix("PORT ") {
                break port.parse::<u16>()?;
            }
        };
        Ok(ServerProcess {
            child: Some(child),
            port,
            _stdout: stdout,
        })
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// SIGTERM, then up to 10 s for a graceful exit before SIGKILL.
    pub fn stop(mut self) -> Result<(), Error> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if child.try_wait()?.is_some() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                child.kill()?;
                child.wait()?;
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Kernel clock ticks per second (`getconf CLK_TCK`, 100 if that fails).
pub fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Fields of `/proc/<pid>/stat` after the command name: index 0 is field 3 (state).
fn stat_fields(path: &str) -> Result<Vec<u64>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let rest = text.rsplit_once(')').ok_or("malformed stat")?.1;
    Ok(rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect())
}

/// utime + stime of a process (all its threads, living or exited), in clock ticks.
pub fn process_cpu_ticks(pid: u32) -> Result<u64, Error> {
    let fields = stat_fields(&format!("/proc/{pid}/stat"))?;
    Ok(fields[11] + fields[12])
}

/// cutime + cstime of this process: CPU of children already waited for.
pub fn children_cpu_ticks() -> Result<u64, Error> {
    let fields = stat_fields("/proc/self/stat")?;
    Ok(fields[13] + fields[14])
}

/// CPU time (user + system) this process has used, from `getrusage(RUSAGE_SELF)`-equivalent
/// `/proc/self/stat`, in seconds.
pub fn self_cpu_seconds(clk_tck: f64) -> Result<f64, Error> {
    let fields = stat_fields("/proc/self/stat")?;
    Ok((fields[11] + fields[12]) as f64 / clk_tck)
}

/// Busy time of the whole machine (all CPUs, not idle or iowait), in clock ticks.
pub fn machine_busy_ticks() -> Result<u64, Error> {
    let text = std::fs::read_to_string("/proc/stat")?;
    let line = text.lines().next().ok_or("empty /proc/stat")?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let total: u64 = ticks.iter().take(8).sum();
    Ok(total - ticks.get(3).copied().unwrap_or(0) - ticks.get(4).copied().unwrap_or(0))
}

/// Waits (up to `limit` seconds) until the machine uses under 10% of a core, so a compile
/// running alongside does not skew a run. Goes on anyway after `limit`.
pub fn wait_for_idle_machine(limit: f64, clk_tck: f64) -> Result<(), Error> {
    let started = Instant::now();
    let mut said = false;
    loop {
        let before = machine_busy_ticks()?;
        let window = Instant::now();
        std::thread::sleep(Duration::from_millis(300));
        let busy =
            (machine_busy_ticks()? - before) as f64 / clk_tck / window.elapsed().as_secs_f64();
        if busy < 0.10 {
            return Ok(());
        }
        if started.elapsed().as_secs_f64() >= limit {
            eprintln!(
                "  (machine still busy: others use {:.0}% of a core; measuring anyway)",
                busy * 100.0
            );
            return Ok(());
        }
        if !said {
            eprintln!(
                "  (waiting for the machine to go idle: others use {:.0}% of a core)",
                busy * 100.0
            );
            said = true;
        }
    }
}

/// The median (NaN for none).
pub fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// A number option `NAME VALUE` from the command line, or `default`.
pub fn num_arg<T: std::str::FromStr>(name: &str, default: T) -> Result<T, Error> {
    match crate::args::value(name) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| format!("{name}: cannot parse {v:?}").into()),
    }
}

/// Ratios measured in pairs (one run of each server per round, back to back), summarised as
/// their geometric mean with a 95% confidence interval (Student's t on the logarithms).
///
/// Pairing cancels the drift of a shared machine between rounds, which moves both runs of a
/// round alike; the interval says whether a target is met, missed, or within the noise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedRatio {
    /// Geometric mean of the ratios.
    pub mean: f64,
    /// Lower end of the 95% interval.
    pub low: f64,
    /// Upper end of the 95% interval.
    pub high: f64,
    /// How many pairs.
    pub pairs: usize,
}

impl PairedRatio {
    /// The summary of `ratios` (positive, finite; others are skipped); `None` for fewer than
    /// two usable pairs, where no interval exists.
    ///
    /// ```
    /// let r = examples::bench::PairedRatio::of(&[0.9, 1.0, 1.1]).unwrap();
    /// assert!((r.mean - 0.9967).abs() < 1e-3);
    /// assert!(r.low < 0.9 && r.high > 1.1);
    /// assert_eq!(r.pairs, 3);
    /// assert!(examples::bench::PairedRatio::of(&[1.0]).is_none());
    /// ```
    pub fn of(ratios: &[f64]) -> Option<PairedRatio> {
        let logs: Vec<f64> = ratios
            .iter()
            .filter(|r| r.is_finite() && **r > 0.0)
            .map(|r| r.ln())
            .collect();
        let n = logs.len();
        if n < 2 {
            return None;
        }
        let mean = logs.iter().sum::<f64>() / n as f64;
        let variance = logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let half_width = student_t_975(n - 1) * (variance / n as f64).sqrt();
        Some(PairedRatio {
            mean: mean.exp(),
            low: (mean - half_width).exp(),
            high: (mean + half_width).exp(),
            pairs: n,
        })
    }

    /// Where the interval lies against a target: `at_least` for a ratio that must reach the
    /// target (throughput), otherwise the ratio must stay at or under it (latency).
    pub fn verdict(&self, target: f64, at_least: bool) -> &'static str {
        let (good, bad) = if at_least {
            (self.low >= target, self.high < target)
        } else {
            (self.high <= target, self.low > target)
        };
        match (good, bad) {
            (true, _) => "met",
            (_, true) => "NOT met",
            _ => "within noise",
        }
    }
}

/// The 97.5% quantile of Student's t distribution with `df` degrees of freedom (two-sided 95%).
fn student_t_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df - 1],
        31..=60 => 2.00,
        _ => 1.96,
    }
}
