//! wait_for_ready (`doc/wait-for-ready.md`) and keepalive (`doc/keepalive.md`) over real
//! sockets: servers that come late, never come, stop answering, or punish pings.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use grpc_core::{Channel, Code, ConnectivityState};
use grpc_tests::backends::{closed_port, fast_backoff, Backend, WhoClient, WhoRequest};
use grpc_tests::frames::{Direction, FrameLog};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn client_for(target: &str, service_config: Option<&str>) -> (Channel, WhoClient) {
    let mut builder = Channel::builder(target).backoff(fast_backoff());
    if let Some(config) = service_config {
        builder = builder.service_config(config);
    }
    let channel = builder.connect_lazy().unwrap();
    (channel.clone(), WhoClient::new(channel))
}

#[tokio::test]
async fn without_wait_for_ready_a_call_fails_fast_in_transient_failure() {
    let (_channel, client) = client_for(&format!("127.0.0.1:{}", closed_port()), None);
    let started = std::time::Instant::now();
    let status = client
        .who(WhoRequest { sleep_ms: 0 })
        .timeout(Duration::from_secs(10))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn with_wait_for_ready_a_call_waits_for_a_server_that_comes_late() {
    let port = closed_port();
    let (channel, client) = client_for(&format!("127.0.0.1:{port}"), None);
    let call = tokio::spawn(async move {
        client
            .who(WhoRequest { sleep_ms: 0 })
            .wait_for_ready(true)
            .timeout(Duration::from_secs(10))
            .await
    });
    let mut states = channel.subscribe();
    states
        .wait_for(|s| *s == ConnectivityState::TransientFailure)
        .await
        .unwrap();
    assert!(!call.is_finished());
    let _late = Backend::start_on("late", port).await;
    let reply = call.await.unwrap().expect("succeeds once the server is up");
    assert_eq!(reply.name, "late");
}

#[tokio::test]
async fn with_wait_for_ready_the_deadline_error_names_the_last_failure() {
    let port = closed_port();
    let (_channel, client) = client_for(&format!("127.0.0.1:{port}"), None);
    let status = client
        .who(WhoRequest { sleep_ms: 0 })
        .wait_for_ready(true)
        .timeout(Duration::from_millis(500))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(
        status.message().contains(&format!("127.0.0.1:{port}")),
        "{status:?}"
    );
    assert!(status.message().contains("refused"), "{status:?}");
}

#[tokio::test]
async fn the_service_config_can_make_a_method_wait_for_ready_and_the_call_can_opt_out() {
    let port = closed_port();
    let config = r#"{"methodConfig": [{"name": [{"service": "backends.Who"}],
                                       "waitForReady": true, "timeout": "0.4s"}]}"#;
    let (_channel, client) = client_for(&format!("127.0.0.1:{port}"), Some(config));
    let waited = client.who(WhoRequest { sleep_ms: 0 }).await.unwrap_err();
    assert_eq!(waited.code(), Code::DeadlineExceeded, "{waited:?}");
    let fast = client
        .who(WhoRequest { sleep_ms: 0 })
        .wait_for_ready(false)
        .await
        .unwrap_err();
    assert_eq!(fast.code(), Code::Unavailable, "{fast:?}");
}

/// A TCP proxy that can stop forwarding anything (a peer that no longer answers, like a
/// host whose link went down).
async fn blackhole_proxy(upstream: u16) -> (u16, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let frozen = Arc::new(AtomicBool::new(false));
    let flag = frozen.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = TcpStream::connect(("127.0.0.1", upstream)).await.unwrap();
            let (client_read, client_write) = client.into_split();
            let (server_read, server_write) = server.into_split();
            tokio::spawn(forward(client_read, server_write, flag.clone()));
            tokio::spawn(forward(server_read, client_write, flag.clone()));
        }
    });
    (port, frozen)
}

async fn forward(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if frozen.load(Ordering::SeqCst) {
            continue; // swallowed
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn keepalive_ends_a_call_on_a_connection_that_stopped_answering() {
    let backend = Backend::start("a").await;
    let (port, frozen) = blackhole_proxy(backend.port).await;
    let channel = Channel::builder(&format!("127.0.0.1:{port}"))
        .keepalive_time(Duration::from_millis(200))
        .keepalive_timeout(Duration::from_millis(300))
        .connect_lazy()
        .unwrap();
    let client = WhoClient::new(channel.clone());
    client.who(WhoRequest { sleep_ms: 0 }).await.unwrap();
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.who(WhoRequest { sleep_ms: 20_000 }).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    frozen.store(true, Ordering::SeqCst);
    let status = tokio::time::timeout(Duration::from_secs(5), call)
        .await
        .expect("keepalive ends the call long before the handler would answer")
        .unwrap()
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert_ne!(channel.state(false), ConnectivityState::Ready);
}

fn client_pings(log: &FrameLog) -> usize {
    log.all()
        .iter()
        .filter(|f| f.direction == Direction::ToServer && f.kind == "PING")
        .count()
}

#[tokio::test]
async fn no_keepalive_pings_without_calls_unless_permitted() {
    let backend = Backend::start("a").await;
    for permit in [false, true] {
        let log = FrameLog::start(backend.port).await;
        let channel = Channel::builder(&format!("127.0.0.1:{}", log.port))
            .keepalive_time(Duration::from_millis(100))
            .keepalive_permit_without_calls(permit)
            .connect_lazy()
            .unwrap();
        let client = WhoClient::new(channel);
        client.who(WhoRequest { sleep_ms: 0 }).await.unwrap();
        let before = client_pings(&log);
        tokio::time::sleep(Duration::from_millis(600)).await;
        let idle_pings = client_pings(&log) - before;
        if permit {
            assert!(idle_pings >= 3, "permitted: {idle_pings} pings");
        } else {
            assert_eq!(idle_pings, 0, "pings while idle");
        }
        // With a call in flight it pings either way.
        let before = client_pings(&log);
        client.who(WhoRequest { sleep_ms: 500 }).await.unwrap();
        assert!(client_pings(&log) - before >= 2, "pings during a call");
    }
}

/// The server end of a hand-written HTTP/2 connection on `socket`: reads the preface, sends
/// empty SETTINGS, acknowledges the client's SETTINGS, and shows every other frame (type,
/// flags) to `answer`. The first frame it answers ends the connection: the answer is written,
/// and the socket closed `linger` later.
async fn fake_h2(
    mut socket: TcpStream,
    mut answer: impl FnMut(u8, u8) -> Option<Vec<u8>>,
    linger: Duration,
) {
    let mut preface = [0u8; 24];
    if socket.read_exact(&mut preface).await.is_err() {
        return;
    }
    let _ = socket.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await;
    loop {
        let mut header = [0u8; 9];
        if socket.read_exact(&mut header).await.is_err() {
            return;
        }
        let len = u32::from_be_bytes([0, header[0], header[1], header[2]]) as usize;
        let mut payload = vec![0u8; len];
        if socket.read_exact(&mut payload).await.is_err() {
            return;
        }
        let (kind, flags) = (header[3], header[4]);
        if kind == 4 && flags & 1 == 0 {
            let _ = socket.write_all(&[0, 0, 0, 4, 1, 0, 0, 0, 0]).await;
        } else if let Some(reply) = answer(kind, flags) {
            let _ = socket.write_all(&reply).await;
            tokio::time::sleep(linger).await;
            return;
        }
    }
}

/// A fake HTTP/2 server that answers the first PING of each connection with GOAWAY
/// ENHANCE_YOUR_CALM "too_many_pings", noting how long after accepting the PING came.
async fn ping_punisher() -> (u16, Arc<Mutex<Vec<Duration>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let delays = Arc::new(Mutex::new(Vec::new()));
    let seen = delays.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let accepted = tokio::time::Instant::now();
                let punish = |kind: u8, flags: u8| {
                    // A PING (not an ack): punish.
                    (kind == 6 && flags & 1 == 0).then(|| {
                        seen.lock().unwrap().push(accepted.elapsed());
                        let debug = b"too_many_pings";
                        let len = (8 + debug.len()) as u8;
                        let mut goaway = vec![0, 0, len, 7, 0, 0, 0, 0, 0];
                        goaway.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0x0b]);
                        goaway.extend_from_slice(debug);
                        goaway
                    })
                };
                fake_h2(socket, punish, Duration::ZERO).await;
            });
        }
    });
    (port, delays)
}

#[tokio::test]
async fn too_many_pings_doubles_the_keepalive_time() {
    let (port, delays) = ping_punisher().await;
    let channel = Channel::builder(&format!("127.0.0.1:{port}"))
        .keepalive_time(Duration::from_millis(150))
        .keepalive_permit_without_calls(true)
        .backoff(fast_backoff())
        .connect_lazy()
        .unwrap();
    let mut states = channel.subscribe();
    for _ in 0..2 {
        channel.state(true);
        states
            .wait_for(|s| *s == ConnectivityState::Ready)
            .await
            .unwrap();
        states
            .wait_for(|s| *s != ConnectivityState::Ready)
            .await
            .unwrap();
    }
    let delays = delays.lock().unwrap().clone();
    assert_eq!(delays.len(), 2, "{delays:?}");
    assert!(delays[0] >= Duration::from_millis(140), "{delays:?}");
    assert!(
        delays[1] >= Duration::from_millis(290),
        "doubled: {delays:?}"
    );
}

/// In front of `upstream`: the first connection gets a fake server that answers the first
/// request HEADERS with GOAWAY(last_stream_id = 0), saying the stream was never processed;
/// later connections are forwarded to the real server.
async fn goaway_first_connection(upstream: u16) -> (u16, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let refused = Arc::new(Mutex::new(0));
    let count = refused.clone();
    tokio::spawn(async move {
        let mut first = true;
        while let Ok((socket, _)) = listener.accept().await {
            if !std::mem::take(&mut first) {
                let server = TcpStream::connect(("127.0.0.1", upstream)).await.unwrap();
                let (client_read, client_write) = socket.into_split();
                let (server_read, server_write) = server.into_split();
                let open = Arc::new(AtomicBool::new(false));
                tokio::spawn(forward(client_read, server_write, open.clone()));
                tokio::spawn(forward(server_read, client_write, open));
                continue;
            }
            let count = count.clone();
            tokio::spawn(async move {
                let refuse = |kind: u8, _flags: u8| {
                    // HEADERS: GOAWAY, last stream 0, NO_ERROR: nothing was processed.
                    (kind == 1).then(|| {
                        *count.lock().unwrap() += 1;
                        vec![0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
                    })
                };
                fake_h2(socket, refuse, Duration::from_millis(200)).await;
            });
        }
    });
    (port, refused)
}

#[tokio::test]
async fn a_call_a_goaway_says_was_never_processed_is_retried_on_a_new_connection() {
    let backend = Backend::start("real").await;
    let (port, refused) = goaway_first_connection(backend.port).await;
    let (_channel, client) = client_for(&format!("127.0.0.1:{port}"), None);
    let reply = client
        .who(WhoRequest { sleep_ms: 0 })
        .timeout(Duration::from_secs(5))
        .await
        .expect("retried transparently");
    assert_eq!(reply.name, "real");
    assert_eq!(
        *refused.lock().unwrap(),
        1,
        "the first attempt did reach the fake"
    );
}
