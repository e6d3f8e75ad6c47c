//! Three hosts behind one name, each a network namespace joined to this one by a veth pair.
//! One host's link goes down mid-run: keepalive notices the dead connection, round_robin
//! routes around it, and no call fails once it has been noticed.
//!
//! Needs root and `ip netns`; skips with a message otherwise.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use grpc_core::client::{Address, StaticResolver};
use grpc_core::Channel;
use grpc_tests::backends::{WhoClient, WhoRequest};

/// The namespaces, veth pairs and server processes of one run; removed on drop.
struct Hosts {
    tag: String,
    servers: Vec<Child>,
}

fn ip(args: &[&str]) -> Result<(), String> {
    let output = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

impl Hosts {
    fn namespace(&self, i: usize) -> String {
        format!("{}-{i}", self.tag)
    }

    fn host_link(&self, i: usize) -> String {
        format!("{}h{i}", self.tag)
    }

    fn address(i: usize) -> String {
        format!("10.231.{i}.2")
    }

    /// Creates host `i`: namespace, veth pair, addresses, and a `who-server` inside.
    fn add(&mut self, i: usize) -> Result<(), String> {
        let ns = self.namespace(i);
        let host = self.host_link(i);
        let peer = format!("{}p{i}", self.tag);
        ip(&["netns", "add", &ns])?;
        ip(&["link", "add", &host, "type", "veth", "peer", "name", &peer])?;
        ip(&["link", "set", &peer, "netns", &ns])?;
        ip(&["addr", "add", &format!("10.231.{i}.1/24"), "dev", &host])?;
        ip(&["link", "set", &host, "up"])?;
        ip(&[
            "-n",
            &ns,
            "addr",
            "add",
            &format!("{}/24", Self::address(i)),
            "dev",
            &peer,
        ])?;
        ip(&["-n", &ns, "link", "set", &peer, "up"])?;
        ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        let server = Command::new("ip")
            .args(["netns", "exec", &ns, env!("CARGO_BIN_EXE_who-server")])
            .arg(format!("host{i}"))
            .arg(format!("{}:50051", Self::address(i)))
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting who-server in {ns}: {e}"))?;
        self.servers.push(server);
        Ok(())
    }
}

impl Drop for Hosts {
    fn drop(&mut self) {
        for server in &mut self.servers {
            let _ = server.kill();
            let _ = server.wait();
        }
        for i in 1..=3 {
            let _ = ip(&["link", "del", &self.host_link(i)]);
            let _ = ip(&["netns", "del", &self.namespace(i)]);
        }
    }
}

fn setup() -> Result<Hosts, String> {
    let mut hosts = Hosts {
        tag: format!("gt{}", std::process::id() % 100_000),
        servers: Vec::new(),
    };
    for i in 1..=3 {
        hosts.add(i)?;
    }
    Ok(hosts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_moves_off_a_host_whose_link_went_down() {
    let hosts = match setup() {
        Ok(hosts) => hosts,
        Err(why) => {
            if std::env::var_os("GRPC_TEST_REQUIRE_NETNS").is_some() {
                panic!("network namespaces required but unavailable: {why}");
            }
            eprintln!("SKIPPED: network namespaces unavailable here ({why})");
            return;
        }
    };
    let addresses: Vec<Address> = (1..=3)
        .map(|i| Address::Tcp(format!("{}:50051", Hosts::address(i)).parse().unwrap()))
        .collect();
    let channel = Channel::builder("backends.netns.test:50051")
        .resolver(StaticResolver::new(addresses))
        .load_balancing_policy("round_robin")
        .keepalive_time(Duration::from_millis(300))
        .keepalive_timeout(Duration::from_millis(300))
        .connect_lazy()
        .unwrap();
    let client = WhoClient::new(channel.clone());
    // Wait for all three hosts to serve.
    let started = Instant::now();
    let mut seen = std::collections::HashSet::new();
    while seen.len() < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "hosts never all answered: {seen:?}"
        );
        if let Ok(reply) = client
            .who(WhoRequest { sleep_ms: 0 })
            .wait_for_ready(true)
            .timeout(Duration::from_secs(2))
            .await
        {
            seen.insert(reply.name);
        }
    }
    ip(&["link", "set", &hosts.host_link(2), "down"]).unwrap();
    let down_at = Instant::now();
    // Keepalive needs at most time + timeout (plus a ping period) to notice.
    let detection = Duration::from_millis(1500);
    let (mut early_failures, mut late_failures, mut late_calls) = (0, 0, 0);
    let mut late_hosts = std::collections::HashMap::<String, usize>::new();
    while down_at.elapsed() < detection + Duration::from_secs(2) {
        let result = client
            .who(WhoRequest { sleep_ms: 0 })
            .timeout(Duration::from_secs(3))
            .await;
        let late = down_at.elapsed() > detection;
        match (result, late) {
            (Ok(reply), true) => {
                late_calls += 1;
                *late_hosts.entry(reply.name).or_default() += 1;
            }
            (Ok(_), false) => {}
            (Err(_), false) => early_failures += 1,
            (Err(status), true) => {
                late_failures += 1;
                eprintln!("failed after detection: {status:?}");
            }
        }
    }
    eprintln!(
        "link down: {early_failures} call(s) failed before detection, {late_failures} after; \
         {late_calls} calls after detection went to {late_hosts:?}"
    );
    assert_eq!(late_failures, 0);
    assert!(
        early_failures <= 1,
        "sequential calls: at most the one in flight fails"
    );
    assert!(late_calls > 10);
    assert!(!late_hosts.contains_key("host2"), "{late_hosts:?}");
    assert!(
        late_hosts.contains_key("host1") && late_hosts.contains_key("host3"),
        "{late_hosts:?}"
    );
}
