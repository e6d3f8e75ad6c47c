//! Connection lifetimes (gRFC A9): the HTTP/2 preface timeout, `max_connection_idle`,
//! `max_connection_age` with its grace, and a channel that reconnects through them without
//! failing a call.

use std::time::Duration;

use grpc_tests::attack::{self, RawConnection, PREFACE};
use grpc_tests::probe::{ProbeClient, Sleep};
use grpc_tests::raw;
use grpc_tests::servers::{greeter, with_probe, TestServer};

fn sleep_body(millis: u64) -> Vec<u8> {
    raw::frame(&prost::Message::encode_to_vec(&Sleep { millis }))
}

const NO_ERROR: u32 = 0;

#[tokio::test]
async fn connections_without_a_preface_are_closed() {
    let server = TestServer::start(greeter().handshake_timeout(Duration::from_millis(300))).await;
    // Nothing at all, half the preface, the preface but no SETTINGS.
    for sent in [&b""[..], &PREFACE[..10], PREFACE] {
        let mut peer = RawConnection::connect(server.port).await;
        peer.send(sent).await.unwrap();
        attack::greeter_still_serves(server.port).await;
        assert!(
            peer.closed_within(Duration::from_secs(10)).await,
            "{} bytes of preface",
            sent.len()
        );
    }
    // A connection that finished its handshake stays past the timeout.
    let mut peer = RawConnection::handshake(server.port).await;
    assert!(!peer.closed_within(Duration::from_millis(800)).await);
}

#[tokio::test]
async fn slowloris_connections_do_not_hold_memory_or_block_others() {
    let server = TestServer::start(greeter().handshake_timeout(Duration::from_millis(500))).await;
    let before = attack::rss_kib();
    let mut peers = Vec::new();
    for _ in 0..200 {
        let mut peer = RawConnection::connect(server.port).await;
        peer.send(&PREFACE[..5]).await.unwrap();
        peers.push(peer);
    }
    attack::greeter_still_serves(server.port).await;
    for peer in &mut peers {
        assert!(peer.closed_within(Duration::from_secs(10)).await);
    }
    let grown = attack::rss_kib().saturating_sub(before);
    assert!(grown < 64 * 1024, "RSS grew by {grown} KiB");
}

#[tokio::test]
async fn idle_connections_get_goaway() {
    let server = TestServer::start(with_probe(
        greeter().max_connection_idle(Duration::from_millis(300)),
    ))
    .await;
    let mut peer = RawConnection::handshake(server.port).await;
    let goaway = peer.until_goaway(Duration::from_secs(10)).await;
    assert_eq!(goaway.map(|(code, _)| code), Some(NO_ERROR));
    assert!(peer.closed_within(Duration::from_secs(10)).await);

    // A connection with a call in flight is not idle, however long the call takes.
    let client = ProbeClient::new(server.channel.clone());
    client
        .sleep(Sleep { millis: 1_000 })
        .await
        .expect("a call longer than max_connection_idle completes");
}

#[tokio::test]
async fn old_connections_get_goaway_and_are_closed_after_the_grace() {
    let server = TestServer::start(with_probe(
        greeter().max_connection_age(Duration::from_millis(300), Some(Duration::from_millis(300))),
    ))
    .await;
    let (mut connection, _driver) = raw::connect(server.port).await;
    // A call that would take 20 s is cut when the grace runs out.
    let started = std::time::Instant::now();
    let outcome = tokio::time::timeout(
        Duration::from_secs(10),
        raw::send_checked(
            &mut connection,
            "/probe.Probe/Sleep",
            &[],
            &sleep_body(20_000),
        ),
    )
    .await
    .expect("the connection is closed after max_connection_age + grace");
    assert!(outcome.is_err(), "the call cannot finish: {outcome:?}");
    eprintln!("closed after {:?}", started.elapsed());
}

#[tokio::test]
async fn calls_in_flight_finish_within_the_grace() {
    let server = TestServer::start(with_probe(
        greeter().max_connection_age(Duration::from_millis(200), Some(Duration::from_secs(5))),
    ))
    .await;
    let (mut connection, _driver) = raw::connect(server.port).await;
    let (status, _) = raw::send(&mut connection, "/probe.Probe/Sleep", &[], &sleep_body(800)).await;
    assert_eq!(
        status.as_deref(),
        Some("0"),
        "the call ran past the age, within the grace"
    );
    // The connection got GOAWAY: a new call on it is refused.
    let refused =
        raw::send_checked(&mut connection, "/probe.Probe/Sleep", &[], &sleep_body(1)).await;
    assert!(refused.is_err(), "{refused:?}");
}

#[tokio::test]
async fn the_channel_reconnects_through_max_connection_age_without_failing_a_call() {
    let server = TestServer::start(
        greeter().max_connection_age(Duration::from_millis(150), Some(Duration::from_secs(2))),
    )
    .await;
    let client = examples::helloworld::GreeterClient::new(server.channel.clone());
    let started = std::time::Instant::now();
    let mut calls = 0;
    while started.elapsed() < Duration::from_secs(2) {
        let reply = client
            .say_hello(examples::helloworld::HelloRequest {
                name: format!("n{calls}"),
            })
            .await
            .unwrap_or_else(|status| panic!("call {calls} failed: {status:?}"));
        assert_eq!(reply.message, format!("Hello n{calls}"));
        calls += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(calls > 20, "{calls} calls");
}
