//! Run with: cargo build --release -p examples && ./target/release/bench-client
//!
//! Options: `--rounds N` (5), `--duration SECS` (3), `--warmup SECS` (1),
//! `--concurrency N` (100), `--connections N` (1: grpc-core's channel round_robins over N
//! connections to the server), `--runtime current|multi|both` (both), `--nice N` (0: run the server and the load under `nice -n N`, e.g. -10 as root on a
//! shared machine), `--idle-wait SECS` (5), `--server grpc-core|tonic` (grpc-core: which
//! multi_thread server both clients call), `--mode unary|upload` (unary).
//!
//! The server is the fixture, so it must have headroom: a saturated server hands each client
//! wake-up fewer replies, which raises both clients' CPU per call by the same fixed per-wake-up
//! cost and pulls the ratio toward 1. The `srv CPU%` column shows the server's load, and the
//! medians are flagged when it was 90% or more. tonic's server saturates at this load on this
//! machine (two cores), grpc-core's does not, so grpc-core's is the default.
//!
//! Measures grpc-core's client against tonic 0.14's client: one channel, `--concurrency` tasks
//! each making unary `SayHello` calls back to back. The server is fixed: by default
//! `bench-server --server grpc-core --runtime multi`, pinned to CPU 0, fresh per run. The client
//! is a separate `bench-load unary --client grpc-core|tonic --runtime current|multi` process
//! pinned to CPU 1; the figure is calls per client CPU-second, the client process's own
//! utime + stime (all its threads, `/proc/self/stat`) over the measured window. grpc-core's
//! side uses only the public API: `Channel::insecure(target)` and the generated
//! `GreeterClient`. With `--mode upload`, each of `--concurrency` tasks (4 by default) makes
//! client-streaming `bench.Streamer/Upload` calls of 100 chunks of 64 KiB instead
//! (`bench-load upload --client ...`, grpc-core's side through the generated
//! `StreamerClient`), and the figure is chunks per client CPU-second. Rounds alternate the
//! order; every run is printed, then medians and the ratio grpc-core/tonic. It only prints
//! figures.

use std::process::Stdio;

use examples::bench::{self, num_arg, Flavour, Implementation, ServerProcess};

type Result<T> = std::result::Result<T, bench::Error>;

const CLIENTS: [Implementation; 2] = [Implementation::GrpcCore, Implementation::Tonic];

#[derive(Debug)]
struct Sample {
    flavour: Flavour,
    client: Implementation,
    calls: u64,
    secs: f64,
    client_cpu: f64,
    server_cpu: f64,
}

impl Sample {
    fn per_cpu(&self) -> f64 {
        self.calls as f64 / self.client_cpu
    }
}

fn main() {
    if let Err(error) = run() {
        eprintln!("bench-client: {error}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    if std::env::args().any(|a| a == "--help" || a == "-h") {
        println!(
            "usage: bench-client [--rounds N] [--duration SECS] [--warmup SECS] \
             [--concurrency N] [--connections N] [--runtime current|multi|both] [--nice N] \
             [--idle-wait SECS] [--server grpc-core|tonic] [--mode unary|upload]"
        );
        return Ok(());
    }
    let rounds: usize = num_arg("--rounds", 5)?;
    let duration: f64 = num_arg("--duration", 3.0)?;
    let warmup: f64 = num_arg("--warmup", 1.0)?;
    let upload = match examples::args::value("--mode").as_deref() {
        None | Some("unary") => false,
        Some("upload") => true,
        Some(other) => {
            return Err(format!("--mode: expected unary or upload, got {other:?}").into())
        }
    };
    // An upload's chunks count when its reply comes: few calls in flight keep that edge small.
    let concurrency: usize = num_arg("--concurrency", if upload { 4 } else { 100 })?;
    let (mode, unit) = if upload {
        ("upload", "chunks")
    } else {
        ("unary", "calls")
    };
    let idle_wait: f64 = num_arg("--idle-wait", 5.0)?;
    let connections: usize = num_arg("--connections", 1)?;
    let flavours = match examples::args::value("--runtime").as_deref() {
        None | Some("both") => Flavour::ALL.to_vec(),
        Some(one) => vec![Flavour::parse(one)?],
    };
    let server_impl = match examples::args::value("--server") {
        None => Implementation::GrpcCore,
        Some(name) => Implementation::parse(&name)?,
    };
    let load = bench::sibling("bench-load")?;
    let pin = bench::can_pin();
    let nice: i32 = num_arg("--nice", 0)?;
    bench::set_nice(nice);
    let clk_tck = bench::clock_ticks();

    if upload {
        println!(
            "bench-client: grpc-core client vs tonic 0.14 client, client-streaming \
             bench.Streamer/Upload, 100 chunks of 64 KiB per call"
        );
    } else {
        println!("bench-client: grpc-core client vs tonic 0.14 client, unary SayHello");
    }
    println!(
        "  one channel, {concurrency} concurrent calls; fixed server: {server}, multi_thread; \
         {rounds} rounds, warm-up {warmup}s + measured {duration}s",
        server = server_impl.name()
    );
    if pin {
        println!("  server pinned to CPU 0, client process pinned to CPU 1 (taskset)");
    } else {
        println!("  NOT pinned (taskset unavailable or fewer than 2 CPUs): figures are noisy");
    }
    if nice != 0 {
        println!("  server and client run under nice -n {nice}");
    }
    if connections > 1 {
        println!("  grpc-core: round_robin over {connections} connections; tonic: one connection");
    }
    println!("  figure: {unit} per client CPU-second (utime+stime of the client process)");
    println!();
    println!(
        "{:<7} {:<5} {:<10} {:>9} {:>9} {:>8} {:>8} {:>15} {:>8}",
        "runtime",
        "round",
        "client",
        unit,
        format!("{unit}/s"),
        "cli CPU",
        "cli CPU%",
        format!("{unit}/cli-CPU-s"),
        "srv CPU%"
    );
    let mut samples = Vec::new();
    for &flavour in &flavours {
        for round in 1..=rounds {
            let order = if round % 2 == 1 {
                CLIENTS
            } else {
                [CLIENTS[1], CLIENTS[0]]
            };
            for client in order {
                bench::wait_for_idle_machine(idle_wait, clk_tck)?;
                let server = ServerProcess::start(pin, server_impl, Flavour::Multi)?;
                let server_before = bench::process_cpu_ticks(server.pid())?;
                let output = bench::pinned(pin, 1, &load)
                    .arg(mode)
                    .args(["--port", &server.port.to_string()])
                    .args(["--client", client.name(), "--runtime", flavour.name()])
                    .args(["--concurrency", &concurrency.to_string()])
                    .args(["--streams", &concurrency.to_string()])
                    .args(["--connections", &connections.to_string()])
                    .args(["--warmup", &warmup.to_string()])
                    .args(["--duration", &duration.to_string()])
                    .stderr(Stdio::inherit())
                    .output()?;
                let server_ticks = bench::process_cpu_ticks(server.pid())? - server_before;
                server.stop()?;
                let text = String::from_utf8_lossy(&output.stdout);
                if !output.status.success() {
                    return Err(
                        format!("bench-load {mode} failed ({}): {text}", output.status).into(),
                    );
                }
                let line = text
                    .lines()
                    .find_map(|l| l.strip_prefix("RESULT "))
                    .ok_or_else(|| format!("no RESULT line in {text:?}"))?;
                let get = |key: &str| -> Result<f64> {
                    line.split_whitespace()
                        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
                        .ok_or_else(|| format!("no {key} in {line:?}"))?
                        .parse::<f64>()
                        .map_err(|e| format!("{key}: {e}").into())
                };
                if get("failed")? != 0.0 || (line.contains("wrong=") && get("wrong")? != 0.0) {
                    return Err(format!("{}: calls failed: {line}", client.name()).into());
                }
                let sample = Sample {
                    flavour,
                    client,
                    calls: get("ops")? as u64,
                    secs: get("secs")?,
                    client_cpu: get("self_cpu")?,
                    // Over the whole client run (warm-up included).
                    server_cpu: server_ticks as f64 / clk_tck / (warmup + duration),
                };
                println!(
                    "{:<7} {:<5} {:<10} {:>9} {:>9.0} {:>7.2}s {:>7.0}% {:>15.0} {:>7.0}%",
                    flavour.name(),
                    round,
                    client.name(),
                    sample.calls,
                    sample.calls as f64 / sample.secs,
                    sample.client_cpu,
                    100.0 * sample.client_cpu / sample.secs,
                    sample.per_cpu(),
                    100.0 * sample.server_cpu,
                );
                samples.push(sample);
            }
        }
    }
    println!();
    println!("medians over {rounds} rounds (ratio = grpc-core / tonic):");
    println!(
        "{:<7} {:>20} {:>20} {:>7} {:>12} {:>12} {:>7}",
        "runtime",
        format!("grpc-core {unit}/CPU-s"),
        format!("tonic {unit}/CPU-s"),
        "ratio",
        format!("grpc {unit}/s"),
        format!("tonic {unit}/s"),
        "ratio"
    );
    for &flavour in &flavours {
        let of = |client: Implementation, f: &dyn Fn(&Sample) -> f64| {
            bench::median(
                samples
                    .iter()
                    .filter(|s| s.flavour == flavour && s.client == client)
                    .map(f)
                    .collect(),
            )
        };
        let ours = of(Implementation::GrpcCore, &Sample::per_cpu);
        let tonic = of(Implementation::Tonic, &Sample::per_cpu);
        let ours_rate = of(Implementation::GrpcCore, &|s| s.calls as f64 / s.secs);
        let tonic_rate = of(Implementation::Tonic, &|s| s.calls as f64 / s.secs);
        println!(
            "{:<7} {:>20.0} {:>20.0} {:>6.2}x {:>12.0} {:>12.0} {:>6.2}x",
            flavour.name(),
            ours,
            tonic,
            ours / tonic,
            ours_rate,
            tonic_rate,
            ours_rate / tonic_rate
        );
        let busiest = samples
            .iter()
            .filter(|s| s.flavour == flavour)
            .map(|s| s.server_cpu)
            .fold(0.0, f64::max);
        if busiest >= 0.9 {
            println!(
                "  ({}: the server reached {:.0}% CPU: it, not the client, set the pace, and \
                 the ratio understates the difference between the clients)",
                flavour.name(),
                100.0 * busiest
            );
        }
    }
    Ok(())
}
