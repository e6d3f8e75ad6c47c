//! Keepalive enforcement (grpc/grpc `doc/keepalive.md`, grpc-go's server): pings too close
//! together are strikes, the third gets GOAWAY ENHANCE_YOUR_CALM `too_many_pings`; PING and
//! SETTINGS floods are bounded; the server's own keepalive pings drop a peer that does not
//! answer. Checked with raw frames and against grpc-go's client keepalive.

use std::time::Duration;

use grpc_core::Server;
use grpc_tests::attack::{self, kind, RawConnection, ENHANCE_YOUR_CALM};
use grpc_tests::servers::{greeter, TestServer};

fn ping(data: u8) -> Vec<u8> {
    attack::frame(kind::PING, 0, 0, &[data; 8])
}

#[tokio::test]
async fn ping_flood_gets_goaway_too_many_pings() {
    let server = TestServer::start(greeter()).await;
    let before = attack::rss_kib();
    let flood: Vec<u8> = (0..10_000u32).flat_map(|i| ping(i as u8)).collect();
    let goaway = attack::flood_until_goaway(server.port, &flood).await;
    assert_eq!(
        goaway,
        Some((ENHANCE_YOUR_CALM, "too_many_pings".to_owned()))
    );
    attack::assert_rss_bounded(before, 64 * 1024, "PING flood");
}

#[tokio::test]
async fn pings_within_the_policy_are_answered() {
    let server =
        TestServer::start(greeter().keepalive_enforcement(Duration::from_millis(20), true)).await;
    let mut peer = RawConnection::handshake(server.port).await;
    for i in 0..6u8 {
        peer.send(&ping(i)).await.unwrap();
        // Read up to this ping's ACK; no GOAWAY on the way.
        loop {
            let frame = peer
                .next_frame(Duration::from_secs(5))
                .await
                .expect("the connection stays open");
            assert_ne!(frame.kind, kind::GOAWAY, "{frame:?}");
            if frame.kind == kind::PING && frame.flags & 1 == 1 {
                assert_eq!(frame.payload, [i; 8]);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
}

#[tokio::test]
async fn idle_pings_need_permit_without_calls() {
    // Pings 60 ms apart are within a 20 ms minimum, but with no call in flight and
    // permit_without_calls off, each after the first is a strike.
    let server =
        TestServer::start(greeter().keepalive_enforcement(Duration::from_millis(20), false)).await;
    let mut peer = RawConnection::handshake(server.port).await;
    for i in 0..4u8 {
        if peer.send(&ping(i)).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    let goaway = peer.until_goaway(Duration::from_secs(5)).await;
    assert_eq!(
        goaway,
        Some((ENHANCE_YOUR_CALM, "too_many_pings".to_owned()))
    );
}

#[tokio::test]
async fn settings_flood_gets_goaway() {
    let server = TestServer::start(greeter()).await;
    let before = attack::rss_kib();
    let flood: Vec<u8> = (0..10_000)
        .flat_map(|_| attack::frame(kind::SETTINGS, 0, 0, &[]))
        .collect();
    let goaway = attack::flood_until_goaway(server.port, &flood).await;
    assert_eq!(
        goaway,
        Some((ENHANCE_YOUR_CALM, "too_many_control_frames".to_owned()))
    );
    attack::assert_rss_bounded(before, 64 * 1024, "SETTINGS flood");
}

#[tokio::test]
async fn ping_flood_is_bounded_even_when_pings_are_allowed() {
    let server = TestServer::start(
        greeter()
            .keepalive_enforcement(Duration::ZERO, true)
            .max_control_frames_per_second(50),
    )
    .await;
    let flood: Vec<u8> = (0..10_000u32).flat_map(|i| ping(i as u8)).collect();
    let goaway = attack::flood_until_goaway(server.port, &flood).await;
    assert_eq!(
        goaway,
        Some((ENHANCE_YOUR_CALM, "too_many_control_frames".to_owned()))
    );
}

#[tokio::test]
async fn server_keepalive_drops_a_peer_that_does_not_answer() {
    let server = TestServer::start(
        greeter().http2_keepalive(Duration::from_millis(200), Duration::from_millis(300)),
    )
    .await;
    let mut peer = RawConnection::handshake(server.port).await;
    // The peer reads but never answers: the server pings, then closes.
    let mut pinged = false;
    while let Some(frame) = peer.next_frame(Duration::from_secs(10)).await {
        pinged |= frame.kind == kind::PING && frame.flags & 1 == 0;
    }
    assert!(pinged, "the server sent a keepalive ping");
    // And a peer that answers stays.
    let mut peer = RawConnection::handshake(server.port).await;
    let stay = tokio::time::Instant::now() + Duration::from_millis(1500);
    while tokio::time::Instant::now() < stay {
        let left = stay - tokio::time::Instant::now();
        let Some(frame) = peer.next_frame(left).await else {
            break;
        };
        if frame.kind == kind::PING && frame.flags & 1 == 0 {
            peer.send(&attack::frame(kind::PING, 1, 0, &frame.payload))
                .await
                .expect("the connection is open");
        }
    }
    peer.send(&ping(9)).await.expect("still open");
    assert!(!peer.closed_within(Duration::from_millis(100)).await);
}

/// grpc-go's client keepalive every 10 s (its minimum) on a quiet stream: the default policy
/// (5 min) strikes it out with GOAWAY `too_many_pings`, which grpc-go reports as UNAVAILABLE;
/// a server allowing pings every 5 s keeps the call.
#[tokio::test]
async fn grpc_go_client_keepalive_against_the_policy() {
    use grpc_tests::interop::server::{InteropService, TestServiceServer};
    let Some(go) = grpc_tests::go::interop() else {
        return;
    };
    let strict =
        TestServer::start(Server::builder().add_service(TestServiceServer::new(InteropService)))
            .await;
    let relaxed = TestServer::start(
        Server::builder()
            .add_service(TestServiceServer::new(InteropService))
            .keepalive_enforcement(Duration::from_secs(5), false),
    )
    .await;
    let run = |port: u16| {
        let mut command = std::process::Command::new(&go.client);
        command.args([
            "--server_host",
            "127.0.0.1",
            "--server_port",
            &port.to_string(),
            "--test_case",
            "keepalive_hold",
            "--keepalive_time",
            "10s",
            "--hold",
            "45s",
        ]);
        async move {
            tokio::task::spawn_blocking(move || command.output().expect("run the grpc-go client"))
                .await
                .expect("join")
        }
    };
    let (strict_out, relaxed_out) = tokio::join!(run(strict.port), run(relaxed.port));
    let strict_text = String::from_utf8_lossy(&strict_out.stdout);
    let relaxed_text = String::from_utf8_lossy(&relaxed_out.stdout);
    assert!(
        strict_text.contains("FAIL keepalive_hold") && strict_text.contains("Unavailable"),
        "{strict_text}{}",
        String::from_utf8_lossy(&strict_out.stderr)
    );
    assert!(
        relaxed_text.contains("PASS keepalive_hold"),
        "{relaxed_text}{}",
        String::from_utf8_lossy(&relaxed_out.stderr)
    );
}
