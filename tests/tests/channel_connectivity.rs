//! Connectivity state (`doc/connectivity-semantics-and-api.md`), driven by starting and
//! stopping real servers: transitions, waiting for a change, the readiness future,
//! subscriptions, idle, and close.

use std::time::Duration;

use grpc_core::{Channel, Code, ConnectivityState};
use grpc_tests::backends::{closed_port, fast_backoff, who, Backend, WhoClient, WhoRequest};

use ConnectivityState::*;

async fn wait_for(channel: &Channel, state: ConnectivityState) {
    let mut states = channel.subscribe();
    tokio::time::timeout(Duration::from_secs(10), states.wait_for(|s| *s == state))
        .await
        .unwrap_or_else(|_| panic!("never {state}; now {}", channel.state(false)))
        .expect("channel task alive");
}

#[tokio::test]
async fn idle_connecting_ready_idle_failure_ready_again() {
    let backend = Backend::start("a").await;
    let port = backend.port;
    let channel = Channel::builder(&backend.target())
        .backoff(fast_backoff())
        .connect_lazy()
        .unwrap();
    let mut states = channel.subscribe();
    // Lazy: nothing happens until asked.
    assert_eq!(channel.state(false), Idle);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(channel.state(false), Idle);
    // Asked to connect: CONNECTING, then READY.
    assert_eq!(channel.state(true), Idle);
    states.changed().await.unwrap();
    assert!(
        matches!(*states.borrow(), Connecting | Ready),
        "{}",
        *states.borrow()
    );
    wait_for(&channel, Ready).await;
    // The server goes away: the connection ends and the channel goes IDLE (pick_first).
    backend.kill().await;
    wait_for(&channel, Idle).await;
    // Asked again with nothing listening: TRANSIENT_FAILURE.
    channel.state(true);
    wait_for(&channel, TransientFailure).await;
    // The server comes back on the same port: backoff retries reach it.
    let _back = Backend::start_on("a", port).await;
    wait_for(&channel, Ready).await;
    let client = WhoClient::new(channel.clone());
    assert_eq!(who(&client).await.unwrap(), "a");
}

#[tokio::test]
async fn wait_for_state_change_returns_the_new_state_or_times_out() {
    let channel = Channel::builder(&format!("127.0.0.1:{}", closed_port()))
        .backoff(fast_backoff())
        .connect_lazy()
        .unwrap();
    assert_eq!(
        channel
            .wait_for_state_change(Idle, Duration::from_millis(200))
            .await,
        None,
        "a lazy channel stays IDLE"
    );
    channel.state(true);
    let next = channel
        .wait_for_state_change(Idle, Duration::from_secs(5))
        .await;
    assert!(
        matches!(next, Some(Connecting | TransientFailure)),
        "{next:?}"
    );
}

#[tokio::test]
async fn the_ready_future_connects_and_resolves_once_ready() {
    let port = closed_port();
    let channel = Channel::builder(&format!("127.0.0.1:{port}"))
        .backoff(fast_backoff())
        .connect_lazy()
        .unwrap();
    let ready = tokio::spawn({
        let channel = channel.clone();
        async move { channel.ready().await }
    });
    // Failures do not end the wait.
    wait_for(&channel, TransientFailure).await;
    assert!(!ready.is_finished());
    let _backend = Backend::start_on("late", port).await;
    tokio::time::timeout(Duration::from_secs(10), ready)
        .await
        .expect("ready in time")
        .unwrap()
        .unwrap();
    assert_eq!(channel.state(false), Ready);
}

#[tokio::test]
async fn a_dropped_subscription_unsubscribes() {
    let backend = Backend::start("a").await;
    let channel = Channel::insecure(&backend.target()).unwrap();
    let states = channel.subscribe();
    drop(states);
    // Nothing blocks or fails for lack of a reader.
    channel.ready().await.unwrap();
}

#[tokio::test]
async fn idle_timeout_drops_the_connection_and_the_next_call_reconnects() {
    let backend = Backend::start("a").await;
    let channel = Channel::builder(&backend.target())
        .idle_timeout(Some(Duration::from_millis(300)))
        .connect_lazy()
        .unwrap();
    let client = WhoClient::new(channel.clone());
    assert_eq!(who(&client).await.unwrap(), "a");
    assert_eq!(channel.state(false), Ready);
    // A call longer than the idle timeout keeps the channel busy, so not idle.
    client
        .who(WhoRequest { sleep_ms: 600 })
        .await
        .expect("long call");
    assert_eq!(
        channel.state(false),
        Ready,
        "not idle while a call was in flight"
    );
    wait_for(&channel, Idle).await;
    assert_eq!(who(&client).await.unwrap(), "a");
    assert_eq!(channel.state(false), Ready);
}

#[tokio::test]
async fn close_cancels_calls_in_flight_and_fails_later_calls_at_once() {
    let backend = Backend::start("a").await;
    let channel = Channel::insecure(&backend.target()).unwrap();
    let client = WhoClient::new(channel.clone());
    assert_eq!(who(&client).await.unwrap(), "a");
    let in_flight = tokio::spawn({
        let client = client.clone();
        async move { client.who(WhoRequest { sleep_ms: 10_000 }).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    channel.close();
    let status = tokio::time::timeout(Duration::from_secs(5), in_flight)
        .await
        .expect("the call in flight ends")
        .unwrap()
        .unwrap_err();
    assert_eq!(status.code(), Code::Cancelled, "{status:?}");
    assert_eq!(channel.state(false), Shutdown);
    let started = std::time::Instant::now();
    let later = who(&client).await.unwrap_err();
    assert_eq!(later.code(), Code::Cancelled, "{later:?}");
    assert!(started.elapsed() < Duration::from_secs(1));
    // A clone sees the same.
    assert_eq!(channel.clone().state(true), Shutdown);
}

#[tokio::test]
async fn dropping_the_last_clone_lets_calls_in_flight_finish() {
    let backend = Backend::start("a").await;
    let channel = Channel::insecure(&backend.target()).unwrap();
    let client = WhoClient::new(channel);
    let call = client.who(WhoRequest { sleep_ms: 300 });
    let in_flight = tokio::spawn(async move { call.await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(client);
    let reply = in_flight
        .await
        .unwrap()
        .expect("finishes after the channel is dropped");
    assert_eq!(reply.name, "a");
}
