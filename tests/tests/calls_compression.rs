//! Compression: gzip, deflate and zstd negotiated with `grpc-encoding` and
//! `grpc-accept-encoding`; channel-wide and per-call on the client, server-wide and per-call on
//! the server, per message on server streams; unsupported encodings are UNIMPLEMENTED; the
//! receive limit applies to the decompressed size.

use std::io::Write;

use grpc_core::{Channel, Compression, Server};
use grpc_tests::probe::{EchoRequest, ProbeClient, ProbeServer, ProbeService, Sleep};
use grpc_tests::raw;
use grpc_tests::servers::TestServer;

async fn probe(builder: grpc_core::server::ServerBuilder) -> TestServer {
    let (probe, _observed) = ProbeService::new();
    TestServer::start(builder.add_service(ProbeServer::new(probe))).await
}

fn echo_frame(request: &EchoRequest) -> Vec<u8> {
    raw::frame(&prost::Message::encode_to_vec(request))
}

#[tokio::test]
async fn client_compresses_requests_channel_wide_and_per_call() {
    let server = probe(Server::builder()).await;
    for compression in Compression::ALL {
        let channel = Channel::builder(&format!("127.0.0.1:{}", server.port))
            .compression(compression)
            .connect_lazy()
            .unwrap();
        let client = ProbeClient::new(channel);
        let reply = client
            .echo(EchoRequest {
                message: "x".repeat(1000),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(reply.request_compression, compression.name());
        assert_eq!(reply.message.len(), 1000);
        let reply = client
            .echo(EchoRequest::default())
            .compression(None)
            .await
            .unwrap();
        assert_eq!(reply.request_compression, "", "per-call override wins");
    }
    let plain = ProbeClient::new(server.channel.clone());
    let reply = plain
        .echo(EchoRequest::default())
        .compression(Some(Compression::Zstd))
        .await
        .unwrap();
    assert_eq!(reply.request_compression, "zstd");
}

#[tokio::test]
async fn server_compresses_responses_by_default_and_per_call() {
    let server = probe(Server::builder().compression(Compression::Gzip)).await;
    let request = EchoRequest {
        reply_size: 2000,
        ..Default::default()
    };
    let accepts = [("grpc-accept-encoding", "gzip,deflate,zstd")];

    let exchange = raw::exchange(
        server.port,
        "/probe.Probe/Echo",
        &accepts,
        &echo_frame(&request),
    )
    .await;
    assert_eq!(exchange.status(), Some("0"));
    assert_eq!(exchange.headers.get("grpc-encoding").unwrap(), "gzip");
    let frames = exchange.frames();
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].0, 1, "compressed flag");
    assert!(
        frames[0].1.len() < 500,
        "2000 bytes of padding compress well"
    );

    // Per call: the handler picks zstd, or none.
    for (choice, header, flag) in [("zstd", Some("zstd"), 1), ("none", None, 0)] {
        let request = EchoRequest {
            reply_size: 2000,
            response_compression: choice.into(),
            ..Default::default()
        };
        let exchange = raw::exchange(
            server.port,
            "/probe.Probe/Echo",
            &accepts,
            &echo_frame(&request),
        )
        .await;
        assert_eq!(
            exchange
                .headers
                .get("grpc-encoding")
                .map(|v| v.to_str().unwrap()),
            header,
            "{choice}"
        );
        assert_eq!(exchange.frames()[0].0, flag, "{choice}");
    }

    // A client that does not accept gzip gets it uncompressed.
    let exchange =
        raw::exchange(server.port, "/probe.Probe/Echo", &[], &echo_frame(&request)).await;
    assert!(exchange.headers.get("grpc-encoding").is_none());
    assert_eq!(exchange.frames()[0].0, 0);

    // And the typed client reads compressed responses transparently.
    let reply = ProbeClient::new(server.channel.clone())
        .echo(request)
        .await
        .unwrap();
    assert_eq!(reply.padding.len(), 2000);
}

#[tokio::test]
async fn server_streams_choose_compression_per_message() {
    let server = probe(Server::builder()).await;
    let exchange = raw::exchange(
        server.port,
        "/probe.Probe/Alternate",
        &[("grpc-accept-encoding", "gzip")],
        &raw::frame(&prost::Message::encode_to_vec(&Sleep { millis: 4 })),
    )
    .await;
    assert_eq!(exchange.status(), Some("0"));
    let flags: Vec<u8> = exchange.frames().iter().map(|(flag, _)| *flag).collect();
    assert_eq!(flags, [1, 0, 1, 0]);

    let mut ticks = ProbeClient::new(server.channel.clone())
        .alternate(Sleep { millis: 4 })
        .await
        .unwrap();
    let mut seen = Vec::new();
    while let Some(tick) = ticks.message().await.unwrap() {
        seen.push(tick.n);
    }
    assert_eq!(seen, [0, 1, 2, 3]);
}

#[tokio::test]
async fn unsupported_encoding_is_unimplemented_with_the_supported_list() {
    let server = probe(Server::builder().accept_compression(&[Compression::Gzip])).await;
    let body = [1, 0, 0, 0, 1, 0];
    for encoding in ["snappy", "zstd"] {
        let exchange = raw::exchange(
            server.port,
            "/probe.Probe/Echo",
            &[("grpc-encoding", encoding)],
            &body,
        )
        .await;
        assert_eq!(exchange.status(), Some("12"), "{encoding}");
        let message = exchange
            .headers
            .get("grpc-message")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(message.contains("gzip"), "{message}");
        assert_eq!(
            exchange.headers.get("grpc-accept-encoding").unwrap(),
            "gzip"
        );
    }
}

#[tokio::test]
async fn decompressed_size_counts_against_the_receive_limit() {
    // 5 MiB of '0's gzip to a few KiB: a small frame that inflates past the 4 MiB limit.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let message = EchoRequest {
        message: "0".repeat(5 << 20),
        ..Default::default()
    };
    encoder
        .write_all(&prost::Message::encode_to_vec(&message))
        .unwrap();
    let compressed = encoder.finish().unwrap();
    assert!(compressed.len() < 64 * 1024);
    let mut body = vec![1];
    body.extend_from_slice(&(compressed.len() as u32).to_be_bytes());
    body.extend_from_slice(&compressed);

    let server = probe(Server::builder()).await;
    let exchange = raw::exchange(
        server.port,
        "/probe.Probe/Echo",
        &[("grpc-encoding", "gzip")],
        &body,
    )
    .await;
    assert_eq!(
        exchange.status(),
        Some("8"),
        "RESOURCE_EXHAUSTED: {:?}",
        exchange.headers
    );
}

#[tokio::test]
async fn compressed_calls_work_for_every_pattern() {
    let server = TestServer::start(
        Server::builder()
            .compression(Compression::Deflate)
            .add_service(examples::routeguide::RouteGuideServer::new(
                examples::routeguide::RouteGuideService::load(),
            )),
    )
    .await;
    let channel = Channel::builder(&format!("127.0.0.1:{}", server.port))
        .compression(Compression::Zstd)
        .connect_lazy()
        .unwrap();
    examples::routeguide_tour::run(
        &examples::routeguide::RouteGuideClient::new(channel),
        &mut std::io::sink(),
    )
    .await
    .expect("tour with compression both ways");
}
