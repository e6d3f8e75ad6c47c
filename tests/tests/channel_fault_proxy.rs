//! Faults over real sockets, through a fault-injecting TCP proxy (`grpc_tests::fault_proxy`)
//! and a server process killed with SIGKILL: nothing is lost, and every call that fails says
//! why.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use grpc_core::{Channel, Code, Server};
use grpc_tests::backends::fast_backoff;
use grpc_tests::fault_proxy::FaultProxy;
use grpc_tests::imported::grpc::testing::{
    ResponseParameters, SimpleRequest, StreamingOutputCallRequest, TestServiceClient,
};
use grpc_tests::probe::{ProbeClient, ProbeServer, ProbeService, Sleep};
use grpc_tests::servers::TestServer;

/// The Rust interop server as a process of its own, on `port` (0: any).
fn interop_server(port: u16) -> (Child, u16) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_interop-server"));
    command.args(["--port", &port.to_string()]);
    grpc_tests::interop::spawn_announcing_port(&mut command)
}

#[tokio::test]
async fn a_killed_server_is_unavailable_at_once_and_the_channel_reconnects() {
    let (mut child, port) = interop_server(0);
    let channel = Channel::builder(&format!("127.0.0.1:{port}"))
        .backoff(fast_backoff())
        .connect_lazy()
        .unwrap();
    let client = TestServiceClient::new(channel.clone());
    // A stream of 1,000 responses, one every 10 ms: killed in the middle.
    let request = StreamingOutputCallRequest {
        response_parameters: (0..1000)
            .map(|_| ResponseParameters {
                size: 10,
                interval_us: 10_000,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let mut stream = client.streaming_output_call(request).await.unwrap();
    for _ in 0..5 {
        stream.message().await.unwrap().expect("a response");
    }
    child.kill().unwrap();
    let killed = Instant::now();
    let status = loop {
        match stream.message().await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the stream ended cleanly after SIGKILL"),
            Err(status) => break status,
        }
    };
    let _ = child.wait();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    eprintln!("UNAVAILABLE {:?} after SIGKILL", killed.elapsed());
    assert!(killed.elapsed() < Duration::from_secs(5), "not at once");

    // The server comes back on the same port: the channel reconnects (with backoff), and a
    // wait_for_ready call made while it is down succeeds.
    let call = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .unary_call(SimpleRequest {
                    response_size: 3,
                    ..Default::default()
                })
                .wait_for_ready(true)
                .timeout(Duration::from_secs(20))
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (mut child, _) = interop_server(port);
    let reply = call.await.unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let reply = reply.expect("served after the server came back");
    assert_eq!(reply.payload.map(|p| p.body.len()), Some(3));
}

#[tokio::test]
async fn a_partition_is_detected_by_client_keepalive() {
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::start(
        Server::builder()
            .add_service(ProbeServer::new(probe))
            .keepalive_enforcement(Duration::ZERO, true),
    )
    .await;
    let proxy = FaultProxy::start(server.port).await;
    let (time, timeout) = (Duration::from_millis(300), Duration::from_millis(500));
    let channel = Channel::builder(&format!("127.0.0.1:{}", proxy.port))
        .keepalive_time(time)
        .keepalive_timeout(timeout)
        .backoff(fast_backoff())
        .connect_lazy()
        .unwrap();
    let client = ProbeClient::new(channel);
    let mut ticks = client.ticks(Sleep { millis: 50 }).await.unwrap();
    ticks.message().await.unwrap().expect("a tick");
    // The network goes silent: no FIN, no RST.
    proxy.set_stalled(true);
    let cut = Instant::now();
    let status = loop {
        match tokio::time::timeout(Duration::from_secs(20), ticks.message()).await {
            Ok(Ok(Some(_))) => continue,
            Ok(Ok(None)) => panic!("the stream ended cleanly"),
            Ok(Err(status)) => break status,
            Err(_) => panic!("the partition was never detected"),
        }
    };
    let detected = cut.elapsed();
    eprintln!("partition detected after {detected:?} (keepalive {time:?} + {timeout:?})");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    // Within keepalive_time + keepalive_timeout, plus the ticks already in flight and
    // scheduling slack.
    assert!(
        detected < time + timeout + Duration::from_secs(2),
        "{detected:?}"
    );
    proxy.set_stalled(false);
}

#[tokio::test]
async fn calls_complete_under_delay_and_loss() {
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::with(ProbeServer::new(probe)).await;
    let proxy = FaultProxy::start(server.port).await;
    proxy.set_delay(Duration::from_millis(50)); // 100 ms round trip
    proxy.set_loss(0.05);
    let channel = Channel::insecure(&format!("127.0.0.1:{}", proxy.port)).unwrap();
    let client = ProbeClient::new(channel.clone());
    let unary = async {
        for i in 0..20u64 {
            let reply = client
                .sleep(Sleep { millis: i })
                .timeout(Duration::from_secs(20))
                .await
                .expect("unary under delay and loss");
            assert_eq!(reply.millis, i);
        }
    };
    let streaming = async {
        let interop = TestServiceClient::new(channel.clone());
        let _ = interop; // the probe server has no TestService: stream ticks instead
        let mut ticks = client.ticks(Sleep { millis: 5 }).await.unwrap();
        for expected in 0..50u32 {
            let tick = ticks.message().await.expect("tick").expect("more ticks");
            assert_eq!(tick.n, expected, "in order, none lost");
        }
    };
    tokio::join!(unary, streaming);
}

#[tokio::test]
async fn stop_with_grace_under_load_ends_every_call_with_its_response_or_a_status() {
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::with(ProbeServer::new(probe)).await;
    let mut calls = Vec::new();
    for i in 0..60u64 {
        let channel = server.channel.clone();
        calls.push(tokio::spawn(async move {
            let client = ProbeClient::new(channel);
            // A third finish within the grace, a third after it, a third are streams.
            match i % 3 {
                0 => client
                    .sleep(Sleep { millis: 100 })
                    .await
                    .map(|r| (0, r.millis)),
                1 => client
                    .sleep(Sleep { millis: 5_000 })
                    .await
                    .map(|r| (1, r.millis)),
                _ => {
                    let mut ticks = client.ticks(Sleep { millis: 20 }).await?;
                    let mut n = 0;
                    loop {
                        match ticks.message().await {
                            Ok(Some(_)) => n += 1,
                            Ok(None) => break Ok((2, n)),
                            Err(status) => break Err(status),
                        }
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    server.server.stop(Some(Duration::from_millis(800))).await;
    let mut ok_short = 0;
    for call in calls {
        let outcome = tokio::time::timeout(Duration::from_secs(10), call)
            .await
            .expect("no call vanishes: each ends")
            .unwrap();
        match outcome {
            Ok((0, millis)) => {
                assert_eq!(millis, 100, "the full response");
                ok_short += 1;
            }
            Ok(other) => panic!("a call outlasting the grace succeeded: {other:?}"),
            Err(status) => {
                // In-flight calls get their trailers: UNAVAILABLE from the server itself, not
                // a broken connection.
                assert_eq!(status.code(), Code::Unavailable, "{status:?}");
                assert_eq!(
                    status.message(),
                    "the server is shutting down",
                    "{status:?}"
                );
            }
        }
    }
    assert_eq!(ok_short, 20, "every call that fits in the grace completes");
}

#[tokio::test]
async fn a_reset_connection_fails_its_calls_as_unavailable_and_the_channel_recovers() {
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::with(ProbeServer::new(probe)).await;
    let proxy = FaultProxy::start(server.port).await;
    let channel = Channel::builder(&format!("127.0.0.1:{}", proxy.port))
        .backoff(fast_backoff())
        .connect_lazy()
        .unwrap();
    let client = ProbeClient::new(channel);
    let slow = tokio::spawn({
        let client = client.clone();
        async move { client.sleep(Sleep { millis: 3_000 }).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.reset_all();
    let status = slow.await.unwrap().unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    client
        .sleep(Sleep { millis: 1 })
        .wait_for_ready(true)
        .timeout(Duration::from_secs(10))
        .await
        .expect("a new connection serves");
    assert!(proxy.connections() >= 2);
}
