//! Run with: cargo build --release -p examples && ./target/release/bench-greeter
//!
//! Options: `--rounds N` (5), `--duration SECS` (3), `--warmup SECS` (1),
//! `--runtime current|multi|both` (both), `--only NAME,NAME` (scenarios, default all:
//! `unary-1x100,unary-50x20,latency-1x1,stream-64B,stream-64KiB,upload-64KiB,short-conn`), `--nice N` (0: run the server and the load under `nice -n N`, e.g. -10 as root on a
//! shared machine), `--idle-wait SECS` (5: how
//! long to wait for other processes to go quiet before each run).
//!
//! Measures grpc-core's server against plain tonic 0.14 in the same run, like for like: both
//! are `bench-server` (one binary, one release profile) with `--server grpc-core|tonic`, on the
//! same tokio runtime flavour (`--runtime current|multi`), pinned to CPU 0 with `taskset`,
//! while the load runs pinned to CPU 1. Per runtime flavour and scenario:
//!
//! * `unary-1x100`, `unary-50x20`: h2load sends `SayHello{name:"world"}` over 1 connection x 100
//!   concurrent streams, or 50 x 20; every response must carry the 18 data bytes of the reply;
//! * `latency-1x1`: h2load with 1 connection and 1 stream in flight; its mean request time is
//!   the latency figure;
//! * `stream-64B`, `stream-64KiB`: `bench-load stream` (a tonic client, the same against both
//!   servers) drains `bench.Streamer/Stream` on 4 concurrent streams over one connection,
//!   counting messages of 64 B or 64 KiB payload;
//! * `upload-64KiB`: `bench-load upload` (the same tonic client against both servers) makes
//!   client-streaming `bench.Streamer/Upload` calls of 100 chunks of 64 KiB on 4 concurrent
//!   streams over one connection, counting the chunks each reply confirms (no issue sets a
//!   target for it: it shows the server's receive path for large messages);
//! * `short-conn`: `bench-load short` (h2's client, the same against both servers) on 4
//!   concurrent tasks, each opening a TCP connection, doing the HTTP/2 handshake, one unary
//!   `SayHello` call and closing the connection, again and again. The figure is connections per
//!   server CPU-second, also printed as microseconds of server CPU per connection (h2load cannot
//!   do this: its `-n` requests are spread over `-c` connections that stay open).
//!
//! The figure compared is operations (calls or messages) per server CPU-second: the server's
//! utime + stime (`/proc/<pid>/stat`, all threads) over the measured window, so a load
//! generator that cannot saturate the server, or a busy machine, moves it less than wall-clock
//! throughput. Each run starts a fresh server; rounds alternate the order (grpc-core first in
//! odd rounds, tonic first in even ones). Every run is printed (`load%` is the load generator's
//! CPU, `other%` what the rest of the machine used meanwhile: a run with `other%` over 15% is
//! repeated up to `--retries N` times, default 2), then medians and ratios grpc-core/tonic with the targets
//! next to them. Beside the ratio of medians stands the paired ratio: the geometric mean of
//! each round's ratio (its two runs were back to back, so the machine's drift between rounds
//! cancels) with a 95% confidence interval; a target counts as met there only when the whole
//! interval meets it, and as "within noise" when the interval straddles it. It only prints
//! figures: nothing here asserts a speed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use examples::bench::{self, num_arg, Flavour, Implementation, ServerProcess};
use examples::helloworld::{GreeterClient, HelloRequest};

type Result<T> = std::result::Result<T, bench::Error>;

/// gRPC frame (flag 0, length 7) + protobuf `HelloRequest { name: "world" }`.
const REQUEST_BODY: &[u8] = &[0, 0, 0, 0, 7, 0x0a, 5, b'w', b'o', b'r', b'l', b'd'];
/// gRPC frame (5 bytes) + protobuf `HelloReply { message: "Hello world" }` (2 + 11 bytes).
const REPLY_DATA_BYTES: u64 = 18;
/// A run during which other processes used more than this share of a core is run again...
const NOISY: f64 = 0.15;
const METHOD_PATH: &str = "/helloworld.Greeter/SayHello";
const SERVERS: [Implementation; 2] = [Implementation::GrpcCore, Implementation::Tonic];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Scenario {
    /// h2load unary load: connections x streams.
    Unary { connections: u32, streams: u32 },
    /// h2load, one stream in flight: mean latency.
    Latency,
    /// bench-load stream with this payload size.
    Stream { size: u32, count: u32 },
    /// bench-load upload: `count` chunks of `size` bytes per client-streaming call.
    Upload { size: u32, count: u32 },
    /// bench-load short: connect, one unary call, close, on `concurrency` tasks.
    ShortConn { concurrency: u32 },
}

const SCENARIOS: [(&str, Scenario); 7] = [
    (
        "unary-1x100",
        Scenario::Unary {
            connections: 1,
            streams: 100,
        },
    ),
    (
        "unary-50x20",
        Scenario::Unary {
            connections: 50,
            streams: 20,
        },
    ),
    ("latency-1x1", Scenario::Latency),
    (
        "stream-64B",
        Scenario::Stream {
            size: 64,
            count: 10_000,
        },
    ),
    (
        "stream-64KiB",
        Scenario::Stream {
            size: 64 * 1024,
            count: 100,
        },
    ),
    (
        "upload-64KiB",
        Scenario::Upload {
            size: 64 * 1024,
            count: 100,
        },
    ),
    ("short-conn", Scenario::ShortConn { concurrency: 4 }),
];

impl Scenario {
    fn unit(self) -> &'static str {
        match self {
            Scenario::Stream { .. } | Scenario::Upload { .. } => "msg",
            Scenario::ShortConn { .. } => "conn",
            _ => "req",
        }
    }

    /// The target for the ratio grpc-core/tonic: per server CPU-second at least this
    /// (`false`), or mean latency at most this (`true`); `None` where no issue set one.
    fn target(self) -> Option<(f64, bool)> {
        match self {
            Scenario::Unary { .. } => Some((1.2, false)),
            Scenario::Latency => Some((0.9, true)),
            Scenario::Stream { size, .. } if size >= 1024 => Some((1.5, false)),
            Scenario::Stream { .. } => Some((1.3, false)),
            Scenario::Upload { .. } => None,
            // The hardening issue: no more server CPU per connection than tonic's.
            Scenario::ShortConn { .. } => Some((1.0, false)),
        }
    }
}

#[derive(Debug, Clone)]
struct Options {
    rounds: usize,
    duration: f64,
    warmup: f64,
    flavours: Vec<Flavour>,
    scenarios: Vec<(&'static str, Scenario)>,
    idle_wait: f64,
    retries: usize,
}

impl Options {
    fn parse() -> Result<Options> {
        if std::env::args().any(|a| a == "--help" || a == "-h") {
            println!(
                "usage: bench-greeter [--rounds N] [--duration SECS] [--warmup SECS] \
                 [--runtime current|multi|both] [--only SCENARIO,...] [--nice N] [--idle-wait SECS] [--retries N]\n\
                 scenarios: {}",
                SCENARIOS.map(|s| s.0).join(",")
            );
            std::process::exit(0);
        }
        let flavours = match examples::args::value("--runtime").as_deref() {
            None | Some("both") => Flavour::ALL.to_vec(),
            Some(one) => vec![Flavour::parse(one)?],
        };
        let scenarios = match examples::args::value("--only") {
            None => SCENARIOS.to_vec(),
            Some(list) => {
                let mut picked = Vec::new();
                for name in list.split(',') {
                    let found = SCENARIOS
                        .iter()
                        .find(|s| s.0.eq_ignore_ascii_case(name.trim()))
                        .ok_or_else(|| format!("--only: unknown scenario {name:?}"))?;
                    picked.push(*found);
                }
                picked
            }
        };
        let options = Options {
            rounds: num_arg("--rounds", 5)?,
            duration: num_arg("--duration", 3.0)?,
            warmup: num_arg("--warmup", 1.0)?,
            flavours,
            scenarios,
            idle_wait: num_arg("--idle-wait", 5.0)?,
            retries: num_arg("--retries", 2)?,
        };
        if options.rounds == 0 || options.duration <= 0.0 {
            return Err("--rounds and --duration must be positive".into());
        }
        Ok(options)
    }
}

/// One measured run against one server.
#[derive(Debug, Clone)]
struct Sample {
    flavour: Flavour,
    scenario: &'static str,
    server: Implementation,
    round: usize,
    ops: u64,
    wall: f64,
    mean_latency: Option<Duration>,
    server_cpu: f64,
    load_cpu: f64,
    /// CPU seconds the rest of the machine (not the server, not the load) used meanwhile.
    other_cpu: f64,
}

impl Sample {
    fn per_cpu(&self) -> f64 {
        if self.server_cpu > 0.0 {
            self.ops as f64 / self.server_cpu
        } else {
            f64::NAN
        }
    }
}

struct Env {
    pin: bool,
    clk_tck: f64,
    body: PathBuf,
    load: PathBuf,
}

fn main() {
    if let Err(error) = run() {
        eprintln!("bench-greeter: {error}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let options = Options::parse()?;
    bench::sibling("bench-server")?;
    let load = bench::sibling("bench-load")?;
    if Command::new("h2load")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_err()
    {
        return Err("h2load not found; install it with: apt-get update && apt-get install -y nghttp2-client".into());
    }
    let pin = bench::can_pin();
    let nice: i32 = num_arg("--nice", 0)?;
    bench::set_nice(nice);
    let tmp = std::env::temp_dir().join(format!("bench-greeter-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let body = tmp.join("hello-request.bin");
    std::fs::write(&body, REQUEST_BODY)?;
    let env = Env {
        pin,
        clk_tck: bench::clock_ticks(),
        body,
        load,
    };

    println!("bench-greeter: grpc-core server vs plain tonic 0.14 server, same binary and profile");
    println!(
        "  {} rounds (alternating order), warm-up {}s + measured {}s per run, fresh server per run",
        options.rounds, options.warmup, options.duration
    );
    if pin {
        println!("  server pinned to CPU 0, load pinned to CPU 1 (taskset)");
    } else {
        println!("  NOT pinned (taskset unavailable or fewer than 2 CPUs): figures are noisy");
    }
    if nice != 0 {
        println!("  server and load run under nice -n {nice}");
    }
    println!("  figure: operations per server CPU-second (utime+stime of the server process)");
    println!();

    let mut samples = Vec::new();
    let header = format!(
        "{:<7} {:<13} {:<5} {:<10} {:>9} {:>10} {:>8} {:>8} {:>13} {:>9} {:>6} {:>6}",
        "runtime",
        "scenario",
        "round",
        "server",
        "ops",
        "ops/s",
        "srv CPU",
        "srv CPU%",
        "ops/srv-CPU-s",
        "mean",
        "load%",
        "other%"
    );
    println!("{header}");
    for &flavour in &options.flavours {
        for &(name, scenario) in &options.scenarios {
            for round in 1..=options.rounds {
                let order = if round % 2 == 1 {
                    SERVERS
                } else {
                    [SERVERS[1], SERVERS[0]]
                };
                for server in order {
                    let mut tries = 0;
                    let sample = loop {
                        bench::wait_for_idle_machine(options.idle_wait, env.clk_tck)?;
                        let sample =
                            measure(&env, &options, flavour, name, scenario, server, round)?;
                        tries += 1;
                        if sample.other_cpu / sample.wall <= NOISY || tries > options.retries {
                            break sample;
                        }
                        print_row(&sample, "(noisy: again)");
                    };
                    print_row(&sample, "");
                    samples.push(sample);
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);

    println!();
    println!(
        "medians over {} rounds (ratio = grpc-core / tonic; paired: the geometric mean of each \
         round's ratio with its 95% interval, and whether the whole interval meets the target):",
        options.rounds
    );
    println!(
        "{:<7} {:<13} {:>16} {:>16} {:>7} {:>10} {:>10} {:>7}  target",
        "runtime",
        "scenario",
        "grpc-core/CPU-s",
        "tonic/CPU-s",
        "ratio",
        "grpc mean",
        "tonic mean",
        "ratio",
    );
    for &flavour in &options.flavours {
        for &(name, scenario) in &options.scenarios {
            let pick = |server| -> Vec<&Sample> {
                samples
                    .iter()
                    .filter(|s| s.flavour == flavour && s.scenario == name && s.server == server)
                    .collect()
            };
            let (ours, tonic) = (pick(Implementation::GrpcCore), pick(Implementation::Tonic));
            let per_cpu = |v: &[&Sample]| bench::median(v.iter().map(|s| s.per_cpu()).collect());
            let latency = |v: &[&Sample]| {
                let values: Vec<f64> = v
                    .iter()
                    .filter_map(|s| s.mean_latency)
                    .map(|d| d.as_secs_f64())
                    .collect();
                (values.len() == v.len() && !values.is_empty()).then(|| bench::median(values))
            };
            let (ours_cpu, tonic_cpu) = (per_cpu(&ours), per_cpu(&tonic));
            let cpu_ratio = ours_cpu / tonic_cpu;
            let (ours_lat, tonic_lat) = (latency(&ours), latency(&tonic));
            let lat_ratio = match (ours_lat, tonic_lat) {
                (Some(a), Some(b)) => Some(a / b),
                _ => None,
            };
            let is_latency = scenario == Scenario::Latency;
            // The figure compared, per round: each round ran both servers back to back.
            let figure = |s: &Sample| {
                if is_latency {
                    s.mean_latency.map_or(f64::NAN, |d| d.as_secs_f64())
                } else {
                    s.per_cpu()
                }
            };
            let paired: Vec<f64> = ours
                .iter()
                .filter_map(|o| {
                    let t = tonic.iter().find(|t| t.round == o.round)?;
                    Some(figure(o) / figure(t))
                })
                .collect();
            let paired = bench::PairedRatio::of(&paired);
            let verdict = verdict(scenario, lat_ratio, cpu_ratio, paired);
            let fmt_lat = |v: Option<f64>| v.map_or("-".into(), |s| format!("{:.0}us", s * 1e6));
            println!(
                "{:<7} {:<13} {:>16.0} {:>16.0} {:>6.2}x {:>10} {:>10} {:>7}  {}",
                flavour.name(),
                name,
                ours_cpu,
                tonic_cpu,
                cpu_ratio,
                fmt_lat(ours_lat),
                fmt_lat(tonic_lat),
                lat_ratio.map_or("-".into(), |r| format!("{r:.2}x")),
                verdict
            );
            if let Scenario::ShortConn { .. } = scenario {
                println!(
                    "{:<7} {:<13} server CPU per connection: grpc-core {:.1}us, tonic {:.1}us \
                     (ratio {:.2}x)",
                    flavour.name(),
                    name,
                    1e6 / ours_cpu,
                    1e6 / tonic_cpu,
                    tonic_cpu / ours_cpu
                );
            }
        }
    }
    let busiest = samples
        .iter()
        .map(|s| s.other_cpu / s.wall)
        .fold(0.0, f64::max);
    if busiest > NOISY {
        println!();
        println!(
            "note: other processes used up to {:.0}% of a core during some runs (other%); \
             those figures are noisy: rerun on an idle machine",
            100.0 * busiest
        );
    }
    Ok(())
}

/// The target column: the target and whether the ratio of medians and the paired
/// interval meet it; only the paired ratio for a scenario no issue set a target for.
fn verdict(
    scenario: Scenario,
    lat_ratio: Option<f64>,
    cpu_ratio: f64,
    paired: Option<bench::PairedRatio>,
) -> String {
    let interval = |p: &bench::PairedRatio| format!("{:.2}x [{:.2}, {:.2}]", p.mean, p.low, p.high);
    let Some((target, is_latency)) = scenario.target() else {
        let paired = paired.as_ref().map_or_else(|| "-".to_string(), interval);
        return format!("no target; paired {paired}");
    };
    let (label, median_met) = if is_latency {
        (
            "mean latency <=".to_string(),
            lat_ratio.is_some_and(|r| r <= target),
        )
    } else {
        (format!("{}/CPU-s >=", scenario.unit()), cpu_ratio >= target)
    };
    let paired = paired.map_or_else(
        || "-".to_string(),
        |p| format!("{} {}", interval(&p), p.verdict(target, !is_latency)),
    );
    format!(
        "{label} {target}x: medians {}, paired {paired}",
        if median_met { "met" } else { "NOT met" }
    )
}

fn print_row(s: &Sample, note: &str) {
    let mean = s
        .mean_latency
        .map_or("-".into(), |d| format!("{}us", d.as_micros()));
    println!(
        "{:<7} {:<13} {:<5} {:<10} {:>9} {:>10.0} {:>7.2}s {:>7.0}% {:>13.0} {:>9} {:>5.0}% {:>5.0}% {}",
        s.flavour.name(),
        s.scenario,
        s.round,
        s.server.name(),
        s.ops,
        s.ops as f64 / s.wall,
        s.server_cpu,
        100.0 * s.server_cpu / s.wall,
        s.per_cpu(),
        mean,
        100.0 * s.load_cpu / s.wall,
        100.0 * s.other_cpu / s.wall,
        note
    );
}

fn measure(
    env: &Env,
    options: &Options,
    flavour: Flavour,
    name: &'static str,
    scenario: Scenario,
    server_impl: Implementation,
    round: usize,
) -> Result<Sample> {
    let server = ServerProcess::start(env.pin, server_impl, flavour)?;
    check_hello(server.port)
        .map_err(|e| format!("{}: the check call failed: {e}", server_impl.name()))?;
    let children_before = bench::children_cpu_ticks()?;
    let machine_before = bench::machine_busy_ticks()?;
    let cpu_before = bench::process_cpu_ticks(server.pid())?;
    let started = Instant::now();
    let (ops, mean_latency, server_cpu, wall) = match scenario {
        Scenario::Unary {
            connections,
            streams,
        } => h2load_run(env, options, &server, connections, streams)?,
        Scenario::Latency => h2load_run(env, options, &server, 1, 1)?,
        Scenario::Stream { size, count } => load_run(env, options, &server, "stream", size, count)?,
        Scenario::Upload { size, count } => load_run(env, options, &server, "upload", size, count)?,
        Scenario::ShortConn { concurrency } => short_run(env, options, &server, concurrency)?,
    };
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = bench::process_cpu_ticks(server.pid())?;
    let children = (bench::children_cpu_ticks()? - children_before) as f64 / env.clk_tck;
    let machine = (bench::machine_busy_ticks()? - machine_before) as f64 / env.clk_tck;
    let server_total = (cpu_after - cpu_before) as f64 / env.clk_tck;
    server.stop()?;
    // The load's CPU and the rest of the machine's, over the whole run (warm-up included),
    // scaled to the measured window.
    let scale = wall / elapsed;
    Ok(Sample {
        flavour,
        scenario: name,
        server: server_impl,
        round,
        ops,
        wall,
        mean_latency,
        server_cpu,
        load_cpu: children * scale,
        other_cpu: (machine - server_total - children).max(0.0) * scale,
    })
}

/// Warm-up, then the measured h2load run; returns (requests, mean latency, server CPU, wall).
fn h2load_run(
    env: &Env,
    options: &Options,
    server: &ServerProcess,
    connections: u32,
    streams: u32,
) -> Result<(u64, Option<Duration>, f64, f64)> {
    if options.warmup > 0.0 {
        let output =
            h2load_command(env, connections, streams, options.warmup, server.port).output()?;
        if !output.status.success() {
            return Err(format!(
                "h2load warm-up failed:\n{}",
                String::from_utf8_lossy(&output.stdout)
            )
            .into());
        }
    }
    let mut command = h2load_command(env, connections, streams, options.duration, server.port);
    let before = bench::process_cpu_ticks(server.pid())?;
    let started = Instant::now();
    let output = command.output()?;
    let wall = started.elapsed().as_secs_f64();
    let after = bench::process_cpu_ticks(server.pid())?;
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
        return Err(format!("not every request succeeded:\n{text}").into());
    }
    if report.data_bytes != report.done * REPLY_DATA_BYTES {
        return Err(format!(
            "{} response data bytes for {} requests, expected {} each:\n{text}",
            report.data_bytes, report.done, REPLY_DATA_BYTES
        )
        .into());
    }
    Ok((
        report.done,
        report.mean_latency,
        (after - before) as f64 / env.clk_tck,
        wall,
    ))
}

/// `bench-load stream` or `bench-load upload` (`mode`) on CPU 1; returns (messages, None,
/// server CPU, wall).
fn load_run(
    env: &Env,
    options: &Options,
    server: &ServerProcess,
    mode: &str,
    size: u32,
    count: u32,
) -> Result<(u64, Option<Duration>, f64, f64)> {
    let output = bench::pinned(env.pin, 1, &env.load)
        .arg(mode)
        .args(["--port", &server.port.to_string()])
        .args(["--server-pid", &server.pid().to_string()])
        .args(["--size", &size.to_string(), "--count", &count.to_string()])
        .args(["--streams", "4"])
        .args(["--warmup", &options.warmup.to_string()])
        .args(["--duration", &options.duration.to_string()])
        .stderr(Stdio::inherit())
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("bench-load {mode} failed ({}): {text}", output.status).into());
    }
    let result = parse_result(&text)?;
    if result("wrong")? != 0.0 || result("failed")? != 0.0 {
        return Err(format!("bench-load {mode} saw failures: {text}").into());
    }
    Ok((
        result("ops")? as u64,
        None,
        result("server_cpu")?,
        result("secs")?,
    ))
}

/// `bench-load short` on CPU 1; returns (connections, None, server CPU, wall).
fn short_run(
    env: &Env,
    options: &Options,
    server: &ServerProcess,
    concurrency: u32,
) -> Result<(u64, Option<Duration>, f64, f64)> {
    let output = bench::pinned(env.pin, 1, &env.load)
        .arg("short")
        .args(["--port", &server.port.to_string()])
        .args(["--server-pid", &server.pid().to_string()])
        .args(["--concurrency", &concurrency.to_string()])
        .args(["--warmup", &options.warmup.to_string()])
        .args(["--duration", &options.duration.to_string()])
        .stderr(Stdio::inherit())
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("bench-load short failed ({}): {text}", output.status).into());
    }
    let result = parse_result(&text)?;
    if result("failed")? != 0.0 {
        return Err(format!("bench-load short saw failures: {text}").into());
    }
    Ok((
        result("ops")? as u64,
        None,
        result("server_cpu")?,
        result("secs")?,
    ))
}

/// The `key=value` figures of a `RESULT ...` line.
fn parse_result(text: &str) -> Result<impl Fn(&str) -> Result<f64> + '_> {
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .ok_or_else(|| format!("no RESULT line in {text:?}"))?;
    Ok(move |key: &str| -> Result<f64> {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
            .ok_or_else(|| format!("no {key} in {line:?}"))?
            .parse::<f64>()
            .map_err(|e| format!("{key}: {e}").into())
    })
}

/// One real call through grpc-core's client: the server must answer `Hello world`.
fn check_hello(port: u16) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = GreeterClient::new(grpc_core::Channel::insecure(&format!(
            "http://127.0.0.1:{port}"
        ))?);
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

fn h2load_command(env: &Env, connections: u32, streams: u32, seconds: f64, port: u16) -> Command {
    let mut command = bench::pinned(env.pin, 1, Path::new("h2load"));
    command
        .arg("-t1")
        .arg(format!("-c{connections}"))
        .arg(format!("-m{streams}"))
        .arg(format!("-D{}ms", (seconds * 1000.0).round() as u64))
        .arg("-d")
        .arg(&env.body)
        .args(["-H", "content-type: application/grpc", "-H", "te: trailers"])
        .arg(format!("http://127.0.0.1:{port}{METHOD_PATH}"));
    command
}

/// The figures bench-greeter needs from h2load's summary.
#[derive(Debug, Default)]
struct H2loadReport {
    done: u64,
    succeeded: u64,
    status_2xx: u64,
    data_bytes: u64,
    mean_latency: Option<Duration>,
}

impl H2loadReport {
    fn parse(text: &str) -> Option<H2loadReport> {
        let mut report = H2loadReport::default();
        let mut saw = (false, false, false);
        for line in text.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("requests: ") {
                // requests: 1000 total, 1000 started, 1000 done, 1000 succeeded, 0 failed, ...
                report.done = counter(rest, "done")?;
                report.succeeded = counter(rest, "succeeded")?;
                saw.0 = true;
            } else if let Some(rest) = line.strip_prefix("status codes: ") {
                report.status_2xx = counter(rest, "2xx")?;
                saw.1 = true;
            } else if let Some(rest) = line.strip_prefix("traffic: ") {
                // traffic: 48.05KB (49202) total, 3.00KB (3070) headers (...), 17.58KB (18000) data
                let data = rest.split(", ").find(|p| p.ends_with(" data"))?;
                let inner = data.split('(').nth(1)?.split(')').next()?;
                report.data_bytes = inner.parse().ok()?;
                saw.2 = true;
            } else if let Some(rest) = line.strip_prefix("time for request:") {
                // min max mean sd +/-sd
                report.mean_latency = rest
                    .split_whitespace()
                    .nth(2)
                    .and_then(parse_h2load_duration);
            }
        }
        (saw == (true, true, true)).then_some(report)
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
