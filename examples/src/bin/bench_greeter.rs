//! Run with: cargo build --release -p examples && ./target/release/bench-greeter
//!
//! Options: `--rounds N` (3), `--duration SECS` (5), `--warmup SECS` (1),
//! `--connections C` (4), `--streams M` (concurrent streams per connection, 32),
//! `--idle-wait SECS` (120: how long to wait for other processes to go quiet before each run).
//!
//! Measures unary-call throughput of grpc-core's `greeter-server` against a minimal
//! plain-tonic greeter (`tonic-greeter-server`) under the same load, in the same run:
//!
//! * both servers are the release binaries next to this one; each is started in turn pinned
//!   to CPU 0 (`taskset -c 0`) on `127.0.0.1:0`, so each gets exactly one core (tokio then
//!   runs one worker thread);
//! * one real `SayHello` call through grpc-core's client proves the server answers
//!   `Hello world` (h2load only sees HTTP statuses, and gRPC errors are HTTP 200 too);
//! * `h2load` (nghttp2-client), pinned to CPU 1, warms the server up, then sends
//!   `SayHello{name:"world"}` over `C` connections with `M` concurrent streams each for the
//!   measured duration; every response must carry the 18 data bytes of the reply;
//! * the server's CPU time (utime + stime from `/proc/<pid>/stat`) is read around the
//!   measured run, giving requests per server-CPU-second as well as requests per second;
//!   h2load's own CPU (`h2load%`: near 100% means the load generator is the bottleneck) and
//!   the CPU the rest of the machine used meanwhile (`other%`: noise) are shown too.
//!
//! Rounds alternate (ours, tonic, ours, tonic, ...) so drift hits both sides. Before each run
//! the bench waits for the machine to be idle, and a run disturbed by other processes anyway
//! (`other%` over 15% of a core) is repeated up to twice. Every run is printed, then the
//! median per server and the ratios grpc-core/tonic. It only prints figures: nothing here
//! asserts a speed.

use std::error::Error;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use examples::helloworld::{GreeterClient, HelloRequest};
use grpc_core::Channel;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// gRPC frame (flag 0, length 7) + protobuf `HelloRequest { name: "world" }`.
const REQUEST_BODY: &[u8] = &[0, 0, 0, 0, 7, 0x0a, 5, b'w', b'o', b'r', b'l', b'd'];
/// gRPC frame (5 bytes) + protobuf `HelloReply { message: "Hello world" }` (2 + 11 bytes).
const REPLY_DATA_BYTES: u64 = 18;
/// A run during which other processes used more than this share of a core is run again...
const NOISY: f64 = 0.15;
/// ...up to this many times.
const RETRIES: usize = 2;
const METHOD_PATH: &str = "/helloworld.Greeter/SayHello";

#[derive(Debug, Clone)]
struct Options {
    rounds: usize,
    duration: f64,
    warmup: f64,
    connections: u32,
    streams: u32,
    idle_wait: f64,
}

impl Options {
    fn parse() -> Result<Options> {
        fn num<T: std::str::FromStr>(name: &str, default: T) -> Result<T> {
            match examples::args::value(name) {
                None => Ok(default),
                Some(v) => v
                    .parse()
                    .map_err(|_| format!("{name}: cannot parse {v:?}").into()),
            }
        }
        if std::env::args().any(|a| a == "--help" || a == "-h") {
            println!(
                "usage: bench-greeter [--rounds N] [--duration SECS] [--warmup SECS] \
                 [--connections C] [--streams M] [--idle-wait SECS]"
            );
            std::process::exit(0);
        }
        let options = Options {
            rounds: num("--rounds", 3)?,
            duration: num("--duration", 5.0)?,
            warmup: num("--warmup", 1.0)?,
            connections: num("--connections", 4)?,
            streams: num("--streams", 32)?,
            idle_wait: num("--idle-wait", 120.0)?,
        };
        if options.rounds == 0
            || options.duration <= 0.0
            || options.connections == 0
            || options.streams == 0
        {
            return Err(
                "--rounds, --duration, --connections and --streams must be positive".into(),
            );
        }
        Ok(options)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Ours,
    Tonic,
}

impl Which {
    fn label(self) -> &'static str {
        match self {
            Which::Ours => "grpc-core",
            Which::Tonic => "tonic",
        }
    }
    fn binary(self) -> &'static str {
        match self {
            Which::Ours => "greeter-server",
            Which::Tonic => "tonic-greeter-server",
        }
    }
}

/// One measured run against one server.
#[derive(Debug, Clone)]
struct Sample {
    which: Which,
    round: usize,
    req_per_sec: f64,
    done: u64,
    mean_latency: Option<Duration>,
    p50: Option<Duration>,
    p99: Option<Duration>,
    wall: f64,
    server_cpu: f64,
    loadgen_cpu: f64,
    /// CPU seconds the rest of the machine (not the server, not h2load) used meanwhile.
    other_cpu: f64,
}

impl Sample {
    fn per_cpu(&self) -> f64 {
        if self.server_cpu > 0.0 {
            self.done as f64 / self.server_cpu
        } else {
            f64::NAN
        }
    }
}

/// What the machine offers for pinning.
#[derive(Debug, Clone, Copy)]
struct Pinning {
    taskset: bool,
}

impl Pinning {
    fn command(self, cpu: u32, program: &Path) -> Command {
        if self.taskset {
            let mut command = Command::new("taskset");
            command.arg("-c").arg(cpu.to_string()).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

fn main() {
    if let Err(error) = run() {
        eprintln!("bench-greeter: {error}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let options = Options::parse()?;
    let dir = std::env::current_exe()?
        .parent()
        .ok_or("cannot tell this executable's directory")?
        .to_path_buf();
    let mut binaries = Vec::new();
    for which in [Which::Ours, Which::Tonic] {
        let path = dir.join(which.binary());
        if !path.is_file() {
            return Err(format!(
                "{} not found; build the servers first: cargo build --release -p examples",
                path.display()
            )
            .into());
        }
        binaries.push((which, path));
    }
    if Command::new("h2load")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_err()
    {
        return Err("h2load not found; install it with: apt-get update && apt-get install -y nghttp2-client".into());
    }
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pinning = Pinning {
        taskset: cpus >= 2
            && Command::new("taskset")
                .args(["-c", "0", "true"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success()),
    };
    let clk_tck = clock_ticks();

    let tmp = std::env::temp_dir().join(format!("bench-greeter-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let body = tmp.join("hello-request.bin");
    std::fs::write(&body, REQUEST_BODY)?;
    let log = tmp.join("h2load.log");

    println!("bench-greeter: unary helloworld.Greeter/SayHello, grpc-core vs plain tonic");
    println!(
        "  rounds {} (alternating), warm-up {}s + measured {}s per round, {} connections x {} streams",
        options.rounds, options.warmup, options.duration, options.connections, options.streams
    );
    if pinning.taskset {
        println!("  server pinned to CPU 0, h2load pinned to CPU 1 (taskset); {cpus} CPUs online");
    } else {
        println!("  NOT pinned (taskset unavailable or fewer than 2 CPUs): server and h2load share the CPUs");
    }
    println!(
        "  load: {}",
        shell_line(&h2load_command(
            pinning,
            &options,
            options.duration,
            &body,
            Some(&log),
            0
        ))
    );
    println!();

    let mut samples = Vec::new();
    for round in 1..=options.rounds {
        for (which, path) in &binaries {
            let mut tries = 0;
            let sample = loop {
                wait_for_idle_machine(options.idle_wait, clk_tck)?;
                let sample = measure(*which, path, round, pinning, &options, &body, &log, clk_tck)?;
                tries += 1;
                if sample.other_cpu / sample.wall <= NOISY || tries > RETRIES {
                    break sample;
                }
                print_sample_row(&sample, samples.is_empty() && tries == 1);
                eprintln!("  (other processes were busy during that run: measuring it again)");
            };
            print_sample_row(&sample, samples.is_empty() && tries == 1);
            samples.push(sample);
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);

    println!();
    println!("median over {} rounds:", options.rounds);
    println!(
        "{:<10} {:>10} {:>9} {:>9} {:>9} {:>8} {:>8} {:>13} {:>8} {:>8}",
        "server",
        "req/s",
        "mean",
        "p50",
        "p99",
        "srv CPU",
        "srv CPU%",
        "req/srv-CPU-s",
        "h2load%",
        "other%"
    );
    let mut medians = Vec::new();
    for which in [Which::Ours, Which::Tonic] {
        let mine: Vec<&Sample> = samples.iter().filter(|s| s.which == which).collect();
        let m = |f: &dyn Fn(&Sample) -> f64| median(mine.iter().map(|s| f(s)).collect());
        let md = |f: &dyn Fn(&Sample) -> Option<Duration>| {
            let values: Vec<f64> = mine
                .iter()
                .filter_map(|s| f(s))
                .map(|d| d.as_secs_f64())
                .collect();
            (values.len() == mine.len()).then(|| Duration::from_secs_f64(median(values)))
        };
        let rps = m(&|s| s.req_per_sec);
        let per_cpu = m(&|s| s.per_cpu());
        println!(
            "{:<10} {:>10.0} {:>9} {:>9} {:>9} {:>7.2}s {:>7.0}% {:>13.0} {:>7.0}% {:>7.0}%",
            which.label(),
            rps,
            fmt_latency(md(&|s| s.mean_latency)),
            fmt_latency(md(&|s| s.p50)),
            fmt_latency(md(&|s| s.p99)),
            m(&|s| s.server_cpu),
            100.0 * m(&|s| s.server_cpu / s.wall),
            per_cpu,
            100.0 * m(&|s| s.loadgen_cpu / s.wall),
            100.0 * m(&|s| s.other_cpu / s.wall),
        );
        medians.push((rps, per_cpu));
    }
    let (ours, tonic) = (medians[0], medians[1]);
    let busiest = samples
        .iter()
        .map(|s| s.other_cpu / s.wall)
        .fold(0.0, f64::max);
    if busiest > NOISY {
        println!();
        println!(
            "note: other processes used up to {:.0}% of a core during some rounds (other%); \
             those figures are noisy: rerun on an idle machine",
            100.0 * busiest
        );
    }
    println!();
    println!("ratio grpc-core/tonic req/s = {:.2}x", ours.0 / tonic.0);
    println!("ratio per server CPU = {:.2}x", ours.1 / tonic.1);
    Ok(())
}

fn print_sample_row(sample: &Sample, header: bool) {
    if header {
        println!(
            "{:<5} {:<10} {:>10} {:>9} {:>9} {:>9} {:>8} {:>8} {:>13} {:>8} {:>8}",
            "round",
            "server",
            "req/s",
            "mean",
            "p50",
            "p99",
            "srv CPU",
            "srv CPU%",
            "req/srv-CPU-s",
            "h2load%",
            "other%"
        );
    }
    println!(
        "{:<5} {:<10} {:>10.0} {:>9} {:>9} {:>9} {:>7.2}s {:>7.0}% {:>13.0} {:>7.0}% {:>7.0}%",
        sample.round,
        sample.which.label(),
        sample.req_per_sec,
        fmt_latency(sample.mean_latency),
        fmt_latency(sample.p50),
        fmt_latency(sample.p99),
        sample.server_cpu,
        100.0 * sample.server_cpu / sample.wall,
        sample.per_cpu(),
        100.0 * sample.loadgen_cpu / sample.wall,
        100.0 * sample.other_cpu / sample.wall,
    );
}

/// A running server; killed if dropped before [`ServerProcess::stop`].
struct ServerProcess {
    child: Option<Child>,
    port: u16,
    // Kept open so the server never writes into a closed pipe.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl ServerProcess {
    fn start(path: &Path, pinning: Pinning) -> Result<ServerProcess> {
        let mut child = pinning
            .command(0, path)
            .args(["--addr", "127.0.0.1:0"])
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
                return Err(format!("{} exited without printing PORT", path.display()).into());
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

    fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// SIGTERM, then up to 10 s for a graceful exit before SIGKILL.
    fn stop(mut self) -> Result<()> {
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
                eprintln!("server {} ignored SIGTERM; killing it", child.id());
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

#[allow(clippy::too_many_arguments)]
fn measure(
    which: Which,
    path: &Path,
    round: usize,
    pinning: Pinning,
    options: &Options,
    body: &Path,
    log: &Path,
    clk_tck: f64,
) -> Result<Sample> {
    let server = ServerProcess::start(path, pinning)?;
    check_hello(server.port)
        .map_err(|e| format!("{}: the check call failed: {e}", which.label()))?;

    if options.warmup > 0.0 {
        let output =
            h2load_command(pinning, options, options.warmup, body, None, server.port).output()?;
        if !output.status.success() {
            return Err(format!(
                "h2load warm-up failed:\n{}",
                String::from_utf8_lossy(&output.stdout)
            )
            .into());
        }
    }

    let _ = std::fs::remove_file(log);
    let mut command = h2load_command(
        pinning,
        options,
        options.duration,
        body,
        Some(log),
        server.port,
    );
    let cpu_before = process_cpu_ticks(server.pid())?;
    let children_before = children_cpu_ticks()?;
    let machine_before = machine_busy_ticks()?;
    let started = Instant::now();
    let output = command.output()?;
    let wall = started.elapsed().as_secs_f64();
    let cpu_after = process_cpu_ticks(server.pid())?;
    let children_after = children_cpu_ticks()?;
    let machine_after = machine_busy_ticks()?;
    server.stop()?;

    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "h2load failed ({}):\n{text}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let report = H2loadReport::parse(&text)
        .ok_or_else(|| format!("cannot read h2load's report:\n{text}"))?;
    if report.done == 0 || report.succeeded != report.done || report.status_2xx != report.done {
        return Err(format!("{}: not every request succeeded:\n{text}", which.label()).into());
    }
    if report.data_bytes != report.done * REPLY_DATA_BYTES {
        return Err(format!(
            "{}: {} response data bytes for {} requests, expected {} each (some calls did not \
             return the reply):\n{text}",
            which.label(),
            report.data_bytes,
            report.done,
            REPLY_DATA_BYTES
        )
        .into());
    }
    let (p50, p99) = match latency_percentiles(log) {
        Ok(p) => (Some(p.0), Some(p.1)),
        Err(error) => {
            eprintln!("no latency percentiles: {error}");
            (None, None)
        }
    };
    Ok(Sample {
        which,
        round,
        req_per_sec: report.req_per_sec,
        done: report.done,
        mean_latency: report.mean_latency,
        p50,
        p99,
        wall,
        server_cpu: (cpu_after - cpu_before) as f64 / clk_tck,
        loadgen_cpu: (children_after - children_before) as f64 / clk_tck,
        other_cpu: (machine_after - machine_before)
            .saturating_sub((cpu_after - cpu_before) + (children_after - children_before))
            as f64
            / clk_tck,
    })
}

/// One real call through grpc-core's client: the server must answer `Hello world`.
fn check_hello(port: u16) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = GreeterClient::new(Channel::insecure(&format!("http://127.0.0.1:{port}"))?);
        let reply = client
            .say_hello(HelloRequest {
                name: "world".into(),
            })
            .timeout(Duration::from_secs(5))
            .await?;
        if reply.message != "Hello world" {
            return Err(format!("expected \"Hello world\", got {:?}", reply.message).into());
        }
        Ok(())
    })
}

fn h2load_command(
    pinning: Pinning,
    options: &Options,
    seconds: f64,
    body: &Path,
    log: Option<&Path>,
    port: u16,
) -> Command {
    let mut command = pinning.command(1, Path::new("h2load"));
    command
        .arg("-t1")
        .arg(format!("-c{}", options.connections))
        .arg(format!("-m{}", options.streams))
        .arg(format!("-D{}ms", (seconds * 1000.0).round() as u64))
        .arg("-d")
        .arg(body)
        .args(["-H", "content-type: application/grpc", "-H", "te: trailers"]);
    if let Some(log) = log {
        command.arg(format!("--log-file={}", log.display()));
    }
    command.arg(format!("http://127.0.0.1:{port}{METHOD_PATH}"));
    command
}

fn shell_line(command: &Command) -> String {
    let quote = |s: &str| {
        if s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%".contains(c))
        {
            s.to_owned()
        } else {
            format!("'{s}'")
        }
    };
    let mut parts = vec![quote(&command.get_program().to_string_lossy())];
    parts.extend(command.get_args().map(|a| quote(&a.to_string_lossy())));
    parts.join(" ").replace(":0/", ":PORT/")
}

/// The figures bench-greeter needs from h2load's summary.
#[derive(Debug, Default)]
struct H2loadReport {
    req_per_sec: f64,
    done: u64,
    succeeded: u64,
    status_2xx: u64,
    data_bytes: u64,
    mean_latency: Option<Duration>,
}

impl H2loadReport {
    fn parse(text: &str) -> Option<H2loadReport> {
        let mut report = H2loadReport::default();
        let mut saw = (false, false, false, false);
        for line in text.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("finished in ") {
                // finished in 5.00s, 46908.72 req/s, 2.20MB/s
                let rps = rest.split(", ").find_map(|p| p.strip_suffix(" req/s"))?;
                report.req_per_sec = rps.trim().parse().ok()?;
                saw.0 = true;
            } else if let Some(rest) = line.strip_prefix("requests: ") {
                // requests: 1000 total, 1000 started, 1000 done, 1000 succeeded, 0 failed, ...
                report.done = counter(rest, "done")?;
                report.succeeded = counter(rest, "succeeded")?;
                saw.1 = true;
            } else if let Some(rest) = line.strip_prefix("status codes: ") {
                report.status_2xx = counter(rest, "2xx")?;
                saw.2 = true;
            } else if let Some(rest) = line.strip_prefix("traffic: ") {
                // traffic: 48.05KB (49202) total, 3.00KB (3070) headers (...), 17.58KB (18000) data
                let data = rest.split(", ").find(|p| p.ends_with(" data"))?;
                let inner = data.split('(').nth(1)?.split(')').next()?;
                report.data_bytes = inner.parse().ok()?;
                saw.3 = true;
            } else if let Some(rest) = line.strip_prefix("time for request:") {
                // min max mean sd +/-sd
                report.mean_latency = rest
                    .split_whitespace()
                    .nth(2)
                    .and_then(parse_h2load_duration);
            }
        }
        (saw == (true, true, true, true)).then_some(report)
    }
}

fn counter(text: &str, name: &str) -> Option<u64> {
    text.split(", ").find_map(|p| {
        let (n, label) = p.trim().split_once(' ')?;
        (label == name).then(|| n.parse().ok()).flatten()
    })
}

fn parse_h2load_duration(text: &str) -> Option<Duration> {
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 1e-6)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else {
        return None;
    };
    number
        .parse::<f64>()
        .ok()
        .map(|v| Duration::from_secs_f64(v * scale))
}

/// p50 and p99 from h2load's per-request log (start µs, status, µs to end of response).
fn latency_percentiles(log: &Path) -> Result<(Duration, Duration)> {
    let text = std::fs::read_to_string(log)?;
    let mut micros: Vec<u64> = text
        .lines()
        .filter_map(|line| {
            let mut columns = line.split('\t');
            let status = columns.nth(1)?;
            (status == "200")
                .then(|| columns.next()?.trim().parse().ok())
                .flatten()
        })
        .collect();
    if micros.is_empty() {
        return Err("the h2load log is empty".into());
    }
    micros.sort_unstable();
    let at =
        |q: f64| Duration::from_micros(micros[((micros.len() - 1) as f64 * q).round() as usize]);
    Ok((at(0.50), at(0.99)))
}

fn fmt_latency(latency: Option<Duration>) -> String {
    match latency {
        None => "-".to_owned(),
        Some(d) if d < Duration::from_millis(10) => format!("{}us", d.as_micros()),
        Some(d) => format!("{:.1}ms", d.as_secs_f64() * 1e3),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
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

/// Kernel clock ticks per second (`getconf CLK_TCK`, 100 on Linux if that fails).
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Fields of `/proc/<pid>/stat` after the command name: index 0 is field 3 (state).
fn stat_fields(path: PathBuf) -> Result<Vec<u64>> {
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let rest = text.rsplit_once(')').ok_or("malformed stat")?.1;
    Ok(rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect())
}

/// utime + stime of a process (all its threads), in clock ticks.
fn process_cpu_ticks(pid: u32) -> Result<u64> {
    let fields = stat_fields(PathBuf::from(format!("/proc/{pid}/stat")))?;
    Ok(fields[11] + fields[12])
}

/// Waits (up to `limit` seconds) until the rest of the machine uses under 10% of a core, so
/// a compile running alongside does not skew a round. Goes on anyway after `limit`.
fn wait_for_idle_machine(limit: f64, clk_tck: f64) -> Result<()> {
    let started = Instant::now();
    let mut said = false;
    loop {
        let before = machine_busy_ticks()?;
        let window = Instant::now();
        std::thread::sleep(Duration::from_millis(500));
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

/// Busy time of the whole machine (all CPUs, not idle or iowait), in clock ticks.
fn machine_busy_ticks() -> Result<u64> {
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

/// cutime + cstime of this process: CPU of children already waited for (h2load).
fn children_cpu_ticks() -> Result<u64> {
    let fields = stat_fields(PathBuf::from("/proc/self/stat"))?;
    Ok(fields[13] + fields[14])
}
