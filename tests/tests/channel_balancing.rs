//! Load balancing over real servers: pick_first sticks to the first address that connects,
//! round_robin spreads calls over every READY backend, and neither fails a call once a dead
//! backend has been noticed. Also name re-resolution with a test resolver, and GOAWAY.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use grpc_core::client::{Address, ResolveFuture, Resolver, StaticResolver};
use grpc_core::{Channel, ConnectivityState};
use grpc_tests::backends::{closed_port, fast_backoff, who, Backend, WhoClient, WhoRequest};

async fn three() -> Vec<Backend> {
    vec![
        Backend::start("a").await,
        Backend::start("b").await,
        Backend::start("c").await,
    ]
}

fn channel_to(backends: &[Backend], service_config: Option<&str>) -> Channel {
    let addresses: Vec<Address> = backends.iter().map(Backend::address).collect();
    let mut builder = Channel::builder("backends.test:443")
        .resolver(StaticResolver::new(addresses))
        .backoff(fast_backoff())
        .min_resolution_interval(Duration::from_millis(50));
    if let Some(config) = service_config {
        builder = builder.service_config(config);
    }
    builder.connect_lazy().unwrap()
}

async fn count(client: &WhoClient, calls: usize) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for i in 0..calls {
        let name = who(client)
            .await
            .unwrap_or_else(|e| panic!("call {i} failed: {e:?}"));
        *seen.entry(name).or_default() += 1;
    }
    seen
}

/// Waits until the channel has noticed that its connection is gone (it leaves READY, or a
/// round_robin picker stops choosing the dead backend).
async fn until(mut condition: impl FnMut() -> bool) {
    for _ in 0..200 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("condition never held");
}

#[tokio::test]
async fn pick_first_sticks_to_the_first_and_moves_on_when_it_dies() {
    let backends = three().await;
    let channel = channel_to(&backends, None);
    let client = WhoClient::new(channel.clone());
    assert_eq!(count(&client, 20).await, HashMap::from([("a".into(), 20)]));
    backends[0].kill().await;
    until(|| channel.state(false) != ConnectivityState::Ready).await;
    // From detection on, no call fails: the next one reconnects, to b.
    assert_eq!(count(&client, 20).await, HashMap::from([("b".into(), 20)]));
}

#[tokio::test]
async fn pick_first_skips_addresses_that_refuse() {
    let b = Backend::start("b").await;
    let dead = Address::Tcp(([127, 0, 0, 1], closed_port()).into());
    let channel = Channel::builder("backends.test:443")
        .resolver(StaticResolver::new(vec![dead, b.address()]))
        .connect_lazy()
        .unwrap();
    let client = WhoClient::new(channel);
    assert_eq!(who(&client).await.unwrap(), "b");
}

#[tokio::test]
async fn all_addresses_down_fails_fast_naming_each_address_and_its_error() {
    let ports = [closed_port(), closed_port()];
    let addresses: Vec<Address> = ports
        .iter()
        .map(|p| Address::Tcp(([127, 0, 0, 1], *p).into()))
        .collect();
    let channel = Channel::builder("backends.test:443")
        .resolver(StaticResolver::new(addresses))
        .connect_lazy()
        .unwrap();
    let client = WhoClient::new(channel);
    let status = who(&client).await.unwrap_err();
    assert_eq!(status.code(), grpc_core::Code::Unavailable, "{status:?}");
    for port in ports {
        assert!(
            status.message().contains(&format!("127.0.0.1:{port}")),
            "{status:?}"
        );
    }
    assert!(status.message().contains("refused"), "{status:?}");
}

#[tokio::test]
async fn round_robin_spreads_calls_and_routes_around_a_dead_backend() {
    let backends = three().await;
    let channel = channel_to(
        &backends,
        Some(r#"{"loadBalancingConfig": [{"round_robin": {}}]}"#),
    );
    let client = WhoClient::new(channel.clone());
    channel.ready().await.unwrap();
    // Give every subchannel time to connect, then every backend gets its share.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let seen = count(&client, 30).await;
    assert_eq!(seen.len(), 3, "{seen:?}");
    for (name, calls) in &seen {
        assert_eq!(*calls, 10, "{name}: {seen:?}");
    }
    backends[1].kill().await;
    // The closed connection is noticed at once (its driver ends); from then on no call fails
    // and a and c share them.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = count(&client, 40).await;
    assert_eq!(seen.keys().filter(|k| *k == "b").count(), 0, "{seen:?}");
    assert_eq!(seen.get("a"), Some(&20), "{seen:?}");
    assert_eq!(seen.get("c"), Some(&20), "{seen:?}");
}

#[tokio::test]
async fn concurrent_calls_survive_a_backend_dying_under_round_robin() {
    let backends = three().await;
    let channel = channel_to(&backends, Some(r#"{"loadBalancingPolicy": "ROUND_ROBIN"}"#));
    let client = WhoClient::new(channel.clone());
    channel.ready().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Graceful stop of one backend while calls are in flight: it sends GOAWAY, finishes what
    // it accepted, and new calls go to the others. No call fails.
    let calls: Vec<_> = (0..60)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(5 * i)).await;
                client.who(WhoRequest { sleep_ms: 100 }).await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    backends[2].server.stop(Some(Duration::from_secs(5))).await;
    for call in calls {
        call.await
            .unwrap()
            .expect("no call fails during a graceful stop");
    }
}

/// A resolver whose answer can change, counting how often it is asked.
#[derive(Debug, Clone)]
struct Dns {
    addresses: StaticResolver,
    asked: Arc<AtomicUsize>,
}

impl Resolver for Dns {
    fn resolve(&self) -> ResolveFuture<'_> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        self.addresses.resolve()
    }
}

#[tokio::test]
async fn a_dns_change_is_picked_up_when_the_old_address_fails() {
    let old = Backend::start("old").await;
    let new = Backend::start("new").await;
    let dns = Dns {
        addresses: StaticResolver::new(vec![old.address()]),
        asked: Arc::new(AtomicUsize::new(0)),
    };
    let channel = Channel::builder("service.test:443")
        .resolver(dns.clone())
        .backoff(fast_backoff())
        .min_resolution_interval(Duration::from_millis(100))
        .connect_lazy()
        .unwrap();
    let client = WhoClient::new(channel.clone());
    assert_eq!(who(&client).await.unwrap(), "old");
    assert_eq!(dns.asked.load(Ordering::SeqCst), 1);
    // The name now points at the new backend, and the old one goes away.
    dns.addresses.set(vec![new.address()]);
    old.kill().await;
    until(|| channel.state(false) != ConnectivityState::Ready).await;
    let answer = client
        .who(WhoRequest { sleep_ms: 0 })
        .wait_for_ready(true)
        .timeout(Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(answer.name, "new");
    assert!(dns.asked.load(Ordering::SeqCst) >= 2);
}

#[tokio::test]
async fn resolution_is_not_repeated_faster_than_the_minimum_interval() {
    let dns = Dns {
        addresses: StaticResolver::new(vec![Address::Tcp(([127, 0, 0, 1], closed_port()).into())]),
        asked: Arc::new(AtomicUsize::new(0)),
    };
    let channel = Channel::builder("service.test:443")
        .resolver(dns.clone())
        .backoff(fast_backoff())
        .min_resolution_interval(Duration::from_millis(400))
        .connect_lazy()
        .unwrap();
    channel.state(true);
    // Failures keep asking for re-resolution; in 1 s at most 1 + 1000/400 resolutions.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let asked = dns.asked.load(Ordering::SeqCst);
    assert!((2..=4).contains(&asked), "{asked}");
}
