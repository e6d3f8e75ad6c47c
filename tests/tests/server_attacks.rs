//! The attack suite: raw HTTP/2 against the example server, one test per attack. Each asserts
//! what the attacker gets, that a legitimate call on another connection is served during the
//! attack, and that the process's memory stays bounded. (Keepalive floods are in
//! `server_keepalive.rs`, slowloris and lifetimes in `server_lifetimes.rs`, slow readers and
//! server-wide limits in `server_limits.rs`, file-descriptor exhaustion in
//! `server_fd_exhaustion.rs`.)

use std::io::Write as _;
use std::time::Duration;

use grpc_tests::attack::{self, flags, kind, RawConnection, ENHANCE_YOUR_CALM};
use grpc_tests::raw;
use grpc_tests::servers::{greeter, TestServer};

const SAY_HELLO: &str = "/helloworld.Greeter/SayHello";
const REFUSED_STREAM: u32 = 0x7;
const CANCEL: u32 = 0x8;
const STREAM_CLOSED: u32 = 0x5;

/// Memory may grow by this much during an attack (the test binary's other tests included).
const RSS_BOUND_KIB: u64 = 128 * 1024;

fn assert_rss_bounded(before: u64, what: &str) {
    attack::assert_rss_bounded(before, RSS_BOUND_KIB, what);
}

#[tokio::test]
async fn rapid_reset_gets_goaway() {
    let server = TestServer::examples().await;
    let before = attack::rss_kib();
    let block = attack::request_block(SAY_HELLO);
    let mut flood = Vec::new();
    for i in 0..20_000u32 {
        let stream = 2 * i + 1;
        flood.extend(attack::frame(
            kind::HEADERS,
            flags::END_HEADERS,
            stream,
            &block,
        ));
        flood.extend(attack::frame(
            kind::RST_STREAM,
            0,
            stream,
            &CANCEL.to_be_bytes(),
        ));
    }
    let goaway = attack::flood_until_goaway(server.port, &flood).await;
    assert_eq!(goaway.map(|(code, _)| code), Some(ENHANCE_YOUR_CALM));
    assert_rss_bounded(before, "rapid reset");
}

#[tokio::test]
async fn continuation_flood_gets_goaway() {
    let server = TestServer::examples().await;
    let before = attack::rss_kib();
    let mut peer = RawConnection::handshake(server.port).await;
    let block = attack::request_block(SAY_HELLO);
    let _ = peer.send(&attack::frame(kind::HEADERS, 0, 1, &block)).await;
    // Endless CONTINUATION frames, never END_HEADERS: 64 MiB of header block.
    let mut piece = Vec::new();
    attack::hpack_literal(&mut piece, b"x-pad", &[b'a'; 1000]);
    let frame = attack::frame(kind::CONTINUATION, 0, 1, &piece);
    let batch: Vec<u8> = frame.repeat(64);
    let mut closed = false;
    for _ in 0..1000 {
        if peer.send(&batch).await.is_err() {
            closed = true;
            break;
        }
    }
    attack::greeter_still_serves(server.port).await;
    if !closed {
        let goaway = peer.until_goaway(Duration::from_secs(10)).await;
        assert!(
            goaway.is_some(),
            "the flood ends in GOAWAY or a closed connection"
        );
    }
    assert!(peer.closed_within(Duration::from_secs(10)).await);
    assert_rss_bounded(before, "CONTINUATION flood");
}

#[tokio::test]
async fn hpack_bomb_is_refused() {
    let server = TestServer::examples().await;
    let before = attack::rss_kib();
    let mut peer = RawConnection::handshake(server.port).await;
    // A 4 KiB entry in the dynamic table, then 4,000 one-byte references to it: 16 MiB of
    // decoded headers from 8 KiB on the wire.
    for stream in [1u32, 3, 5] {
        let mut block = attack::request_block(SAY_HELLO);
        attack::hpack_indexed_literal(&mut block, b"x-bomb", &[b'b'; 4000]);
        for _ in 0..4000 {
            attack::hpack_indexed(&mut block, 62);
        }
        let mut headers = Vec::new();
        for (i, chunk) in block.chunks(16_000).enumerate() {
            let (kind, last) = (
                if i == 0 {
                    kind::HEADERS
                } else {
                    kind::CONTINUATION
                },
                (i + 1) * 16_000 >= block.len(),
            );
            let flags = if last { flags::END_HEADERS } else { 0 };
            headers.extend(attack::frame(kind, flags, stream, chunk));
        }
        if peer.send(&headers).await.is_err() {
            break;
        }
    }
    attack::greeter_still_serves(server.port).await;
    // Never served: each stream is refused (431 or a reset) or the connection goes away.
    loop {
        let Some(frame) = peer.next_frame(Duration::from_secs(5)).await else {
            break;
        };
        if frame.kind == kind::HEADERS {
            assert!(
                !frame.payload.windows(3).any(|w| w == b"200")
                    && frame.payload.first() != Some(&0x88),
                "a bomb was answered 200: {frame:?}"
            );
        }
        if frame.kind == kind::GOAWAY {
            break;
        }
    }
    assert_rss_bounded(before, "HPACK bomb");
}

#[tokio::test]
async fn stream_flood_is_refused_beyond_max_concurrent_streams() {
    let server = TestServer::examples().await;
    let before = attack::rss_kib();
    let mut peer = RawConnection::handshake(server.port).await;
    let block = attack::request_block(SAY_HELLO);
    // 2,000 calls that never send their message: they wait, holding their streams.
    let mut flood = Vec::new();
    for i in 0..2_000u32 {
        flood.extend(attack::frame(
            kind::HEADERS,
            flags::END_HEADERS,
            2 * i + 1,
            &block,
        ));
    }
    peer.send(&flood).await.unwrap();
    attack::greeter_still_serves(server.port).await;
    let mut refused = 0;
    let mut goaway = None;
    while let Some(frame) = peer.next_frame(Duration::from_secs(2)).await {
        if frame.kind == kind::RST_STREAM && frame.payload == REFUSED_STREAM.to_be_bytes() {
            refused += 1;
        }
        if let Some(away) = frame.goaway() {
            goaway = Some(away);
            break;
        }
    }
    // Streams beyond the 100 are refused; after 1,024 refusals h2 ends the connection with
    // ENHANCE_YOUR_CALM (its bound on locally reset streams).
    assert!(
        refused >= 1_000,
        "{refused} streams refused beyond the 100 allowed"
    );
    assert!(
        refused >= 1_900
            || goaway
                .as_ref()
                .is_some_and(|(code, _)| *code == ENHANCE_YOUR_CALM),
        "{refused} refused, then {goaway:?}"
    );
    assert_rss_bounded(before, "stream flood");
}

#[tokio::test]
async fn oversized_messages_are_resource_exhausted_before_they_are_read() {
    let server = TestServer::examples().await;
    let before = attack::rss_kib();
    // Declares 4 GiB - 1, sends 8 MiB of it.
    let mut body = vec![0, 0xff, 0xff, 0xff, 0xff];
    body.extend(vec![0x0a; 8 << 20]);
    let (connection, _driver) = raw::connect(server.port).await;
    let mut connection = connection;
    let attack = raw::send_checked(&mut connection, SAY_HELLO, &[], &body);
    let (status, _) = tokio::join!(attack, attack::greeter_still_serves(server.port));
    assert_eq!(status.ok().flatten().as_deref(), Some("8"));
    assert_rss_bounded(before, "oversized message");
}

#[tokio::test]
async fn compression_bombs_are_resource_exhausted() {
    let server = TestServer::examples().await;
    let before = attack::rss_kib();
    // 256 MiB of zeros in a protobuf string field, gzipped to about 256 KiB.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&[0x0a, 0x80, 0x80, 0x80, 0x80, 0x01]).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        gz.write_all(&zeros).unwrap();
    }
    let compressed = gz.finish().unwrap();
    let mut body = vec![1];
    body.extend_from_slice(&(compressed.len() as u32).to_be_bytes());
    body.extend_from_slice(&compressed);
    let (mut connection, _driver) = raw::connect(server.port).await;
    let bomb = raw::send_checked(
        &mut connection,
        SAY_HELLO,
        &[("grpc-encoding", "gzip")],
        &body,
    );
    let (status, _) = tokio::join!(bomb, attack::greeter_still_serves(server.port));
    assert_eq!(status.ok().flatten().as_deref(), Some("8"));
    assert_rss_bounded(before, "compression bomb");
}

/// DATA on streams the server has closed and forgotten: each is a stream error h2 answers with
/// RST_STREAM(STREAM_CLOSED) and counts over the connection's life; past
/// `max_local_error_reset_streams` the connection gets GOAWAY `too_many_internal_resets`.
#[tokio::test]
async fn stream_errors_past_the_bound_get_goaway() {
    const BOUND: usize = 5;
    const STREAMS: u32 = 8;
    let server = TestServer::start(greeter().max_local_error_reset_streams(Some(BOUND))).await;
    let mut peer = RawConnection::handshake(server.port).await;
    // Calls to a method that does not exist, each answered trailers-only, which closes it.
    let block = attack::request_block("/helloworld.Greeter/NoSuchMethod");
    let open_and_close = flags::END_HEADERS | flags::END_STREAM;
    for i in 0..STREAMS {
        let stream = 2 * i + 1;
        let headers = attack::frame(kind::HEADERS, open_and_close, stream, &block);
        peer.send(&headers).await.expect("send HEADERS");
    }
    let mut answered = 0;
    while answered < STREAMS {
        let frame = peer
            .next_frame(Duration::from_secs(5))
            .await
            .expect("an answer to every call");
        if frame.kind == kind::HEADERS && frame.flags & flags::END_STREAM != 0 {
            answered += 1;
        }
    }
    // Let the server's stream tasks end, so that h2 forgets the streams.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let late_data = |i: u32| attack::frame(kind::DATA, 0, 2 * i + 1, b"late");
    // Up to the bound: each late DATA gets its RST_STREAM, the connection stays.
    for i in 0..BOUND as u32 {
        peer.send(&late_data(i)).await.expect("send DATA");
    }
    let mut resets = 0;
    while resets < BOUND {
        let frame = peer
            .next_frame(Duration::from_secs(5))
            .await
            .expect("one RST_STREAM per late DATA");
        assert_eq!(frame.goaway(), None, "no GOAWAY within the bound");
        if frame.kind == kind::RST_STREAM {
            assert_eq!(frame.payload, STREAM_CLOSED.to_be_bytes(), "{frame:?}");
            resets += 1;
        }
    }
    // One more: GOAWAY.
    peer.send(&late_data(BOUND as u32))
        .await
        .expect("send DATA");
    let goaway = peer.until_goaway(Duration::from_secs(5)).await;
    assert_eq!(
        goaway,
        Some((ENHANCE_YOUR_CALM, "too_many_internal_resets".to_owned()))
    );
    attack::greeter_still_serves(server.port).await;
}
