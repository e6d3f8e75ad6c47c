//! All four call patterns over real sockets: TCP (several target spellings) and Unix sockets.

use examples::helloworld::{GreeterClient, HelloRequest};
use examples::routeguide::RouteGuideClient;
use grpc_core::{Channel, Server};
use grpc_tests::servers::TestServer;

#[tokio::test]
async fn four_patterns_over_tcp() {
    let server = TestServer::examples().await;
    let client = RouteGuideClient::new(server.channel.clone());
    let mut out = Vec::new();
    examples::routeguide_tour::run(&client, &mut out)
        .await
        .expect("tour");
    let out = String::from_utf8(out).unwrap();
    assert_eq!(
        out.lines().filter(|l| l.starts_with("ok ")).count(),
        5,
        "{out}"
    );
}

#[tokio::test]
async fn target_spellings_reach_the_same_server() {
    let server = TestServer::examples().await;
    for target in [
        format!("127.0.0.1:{}", server.port),
        format!("http://127.0.0.1:{}", server.port),
        format!("localhost:{}", server.port),
        format!("dns:///localhost:{}", server.port),
    ] {
        let client = GreeterClient::new(Channel::insecure(&target).unwrap());
        let reply = client
            .say_hello(HelloRequest {
                name: target.clone(),
            })
            .await
            .unwrap_or_else(|status| panic!("{target}: {status}"));
        assert_eq!(reply.message, format!("Hello {target}"));
    }
}

#[tokio::test]
async fn four_patterns_over_unix_socket() {
    let dir = std::env::temp_dir().join(format!("grpc-core-uds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rg.sock");
    let _ = std::fs::remove_file(&path);
    let server = Server::builder()
        .add_service(examples::routeguide::RouteGuideServer::new(
            examples::routeguide::RouteGuideService::load(),
        ))
        .build();
    let port = server
        .add_insecure_port(&format!("unix:{}", path.display()))
        .unwrap();
    assert_eq!(port, 0);
    server.start().await.unwrap();

    let channel = Channel::insecure(&format!("unix://{}", path.display())).unwrap();
    let client = RouteGuideClient::new(channel);
    examples::routeguide_tour::run(&client, &mut std::io::sink())
        .await
        .expect("tour over UDS");
    server.stop(None).await;
    assert!(!path.exists(), "the socket file is removed on stop");
}

#[tokio::test]
async fn one_channel_multiplexes_many_concurrent_calls() {
    let server = TestServer::examples().await;
    let client = GreeterClient::new(server.channel.clone());
    let calls = (0..200).map(|i| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .say_hello(HelloRequest {
                    name: i.to_string(),
                })
                .await
                .map(|r| r.message)
        })
    });
    for (i, call) in calls.enumerate() {
        assert_eq!(call.await.unwrap().unwrap(), format!("Hello {i}"));
    }
}

#[tokio::test]
async fn server_reports_peer_and_stops_cleanly() {
    use grpc_tests::probe::{EchoRequest, ProbeClient, ProbeServer, ProbeService};
    let (probe, _observed) = ProbeService::new();
    let server = TestServer::with(ProbeServer::new(probe)).await;
    let reply = ProbeClient::new(server.channel.clone())
        .echo(EchoRequest {
            message: "hi".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(reply.peer.starts_with("ipv4:127.0.0.1:"), "{}", reply.peer);

    server
        .server
        .stop(Some(std::time::Duration::from_secs(1)))
        .await;
    tokio::time::timeout(
        std::time::Duration::from_secs(1),
        server.server.wait_for_termination(),
    )
    .await
    .expect("stopped");
    let after = ProbeClient::new(Channel::insecure(&format!("127.0.0.1:{}", server.port)).unwrap())
        .echo(EchoRequest::default())
        .await
        .unwrap_err();
    assert_eq!(after.code(), grpc_core::Code::Unavailable, "{after:?}");
}

#[tokio::test]
async fn code_first_client_calls_the_server_imported_from_proto() {
    // Same wire, two definitions: the server is written against the trait imported from
    // route_guide.proto at build time; the client is the code-first one.
    let server = TestServer::with(examples::imported::routeguide::RouteGuideServer::new(
        examples::imported::ImportedRouteGuide::load(),
    ))
    .await;
    let client = RouteGuideClient::new(server.channel.clone());
    examples::routeguide_tour::run(&client, &mut std::io::sink())
        .await
        .expect("code-first client against the imported server");
}

/// Large `bytes` fields held as `Bytes` travel shared, not copied, in pieces of their own (see
/// `protocol::encode::Spliced`): every pattern that sends them must still deliver each message
/// whole, byte for byte, to our client and to tonic's.
pub mod large_bytes_fields {
    use bytes::Bytes;
    use grpc_core::{Message, Server, ServerStream, Status, Streaming};

    /// A payload with a small field on each side of it.
    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "largetest")]
    pub struct Blob {
        /// Before the payload.
        pub id: u32,
        /// The large field.
        pub payload: Bytes,
        /// After the payload.
        pub note: String,
    }

    /// Each call pattern, carrying blobs.
    #[grpc_core::service(package = "largetest")]
    pub trait Blobs: Send + Sync + 'static {
        /// Sends the blob back.
        async fn echo(&self, request: Blob) -> Result<Blob, Status>;
        /// Joins the payloads of every blob into one.
        async fn upload(&self, request: Streaming<Blob>) -> Result<Blob, Status>;
        /// Streams `id` blobs, each the request's payload with its index.
        async fn download(&self, request: Blob) -> Result<ServerStream<Blob>, Status>;
    }

    struct Service;

    impl Blobs for Service {
        async fn echo(&self, request: Blob) -> Result<Blob, Status> {
            Ok(request)
        }

        async fn upload(&self, mut request: Streaming<Blob>) -> Result<Blob, Status> {
            let (mut joined, mut count) = (Vec::new(), 0);
            while let Some(blob) = request.message().await? {
                assert_eq!(blob.note, format!("note {}", blob.id));
                joined.extend_from_slice(&blob.payload);
                count += 1;
            }
            Ok(Blob {
                id: count,
                payload: joined.into(),
                note: "joined".into(),
            })
        }

        async fn download(&self, request: Blob) -> Result<ServerStream<Blob>, Status> {
            Ok(ServerStream::iter((0..request.id).map(move |i| Blob {
                id: i,
                payload: request.payload.clone(),
                note: format!("note {i}"),
            })))
        }
    }

    /// Bytes that differ at every offset, so a piece out of place shows.
    fn payload(len: usize) -> Bytes {
        (0..len)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>()
            .into()
    }

    #[tokio::test]
    async fn every_pattern_delivers_large_shared_fields_whole() {
        let server = Server::builder()
            .add_service(BlobsServer::new(Service))
            .build();
        let port = server.add_insecure_port("127.0.0.1:0").unwrap();
        server.start().await.unwrap();
        let channel = grpc_core::Channel::insecure(&format!("127.0.0.1:{port}")).unwrap();
        let client = BlobsClient::new(channel);
        for len in [8 * 1024 - 1, 8 * 1024, 64 * 1024, 1024 * 1024 + 3] {
            let blob = Blob {
                id: 7,
                payload: payload(len),
                note: "note 7".into(),
            };
            assert_eq!(client.echo(blob.clone()).await.unwrap(), blob, "echo {len}");

            // Three, so that the joined reply stays under the 4 MiB receive limit.
            let parts: Vec<Blob> = (0..3)
                .map(|id| Blob {
                    id,
                    payload: payload(len).slice(id as usize..),
                    note: format!("note {id}"),
                })
                .collect();
            let joined = client
                .upload(grpc_core::stream::iter(parts.clone()))
                .await
                .unwrap();
            let expected: Vec<u8> = parts.iter().flat_map(|p| p.payload.to_vec()).collect();
            assert_eq!(
                (joined.id, &joined.payload[..]),
                (3, &expected[..]),
                "upload {len}"
            );

            let mut stream = client.download(blob.clone()).await.unwrap();
            let mut seen = 0;
            while let Some(got) = stream.message().await.unwrap() {
                assert_eq!(got.payload, blob.payload, "download {len}, message {seen}");
                assert_eq!((got.id, got.note), (seen, format!("note {seen}")));
                seen += 1;
            }
            assert_eq!(seen, 7);
        }
        server.stop(None).await;
    }

    /// tonic's client decodes the same stream: the bench's `bench.Streamer`, whose messages
    /// share one payload.
    #[tokio::test]
    async fn tonic_reads_a_stream_of_shared_payloads() {
        use examples::bench::{tonic_baseline, MyStreamer, StreamerServer};
        let server = Server::builder()
            .add_service(StreamerServer::new(MyStreamer))
            .build();
        let port = server.add_insecure_port("127.0.0.1:0").unwrap();
        server.start().await.unwrap();
        let channel = tonic_baseline::channel(port).await.unwrap();
        for size in [100u32, 8 * 1024, 64 * 1024, 300 * 1024] {
            let expected = 1 + prost::length_delimiter_len(size as usize) + size as usize;
            let mut lengths = Vec::new();
            let request = tonic_baseline::StreamRequest { count: 20, size };
            tonic_baseline::drain(channel.clone(), request, |len| lengths.push(len))
                .await
                .unwrap();
            assert_eq!(lengths, vec![expected; 20], "size {size}");
        }
        server.stop(None).await;
    }

    /// The bench's `bench.Streamer/Upload` through tonic's client and through ours: every
    /// chunk counted, on our server and on the tonic baseline the benches compare it with.
    #[tokio::test]
    async fn both_clients_upload_chunks_to_both_bench_servers() {
        use examples::bench::StreamerServer;
        use examples::bench::{payload, tonic_baseline, Chunk, MyStreamer, StreamerClient};
        let server = Server::builder()
            .add_service(StreamerServer::new(MyStreamer))
            .build();
        let ours = server.add_insecure_port("127.0.0.1:0").unwrap();
        server.start().await.unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let theirs = listener.local_addr().unwrap().port();
        let baseline = tokio::spawn(async move {
            let _ = tonic_baseline::serve(listener).await;
        });
        for port in [ours, theirs] {
            let channel = tonic_baseline::channel(port).await.unwrap();
            let client = StreamerClient::new(
                grpc_core::Channel::insecure(&format!("http://127.0.0.1:{port}")).unwrap(),
            );
            for (count, size) in [(0u32, 0u32), (3, 100), (20, 64 * 1024), (2, 300 * 1024)] {
                let expected = (u64::from(count), u64::from(count) * u64::from(size));
                let received = tonic_baseline::upload(channel.clone(), count, size)
                    .await
                    .unwrap();
                assert_eq!(
                    (received.count, received.bytes),
                    expected,
                    "tonic, port {port}"
                );
                let shared = payload(size);
                let chunks = (0..count).map(move |_| Chunk {
                    payload: shared.clone(),
                });
                let received = client
                    .upload(grpc_core::stream::iter(chunks))
                    .await
                    .unwrap();
                assert_eq!(
                    (received.count, received.bytes),
                    expected,
                    "ours, port {port}"
                );
            }
        }
        baseline.abort();
        server.stop(None).await;
    }
}
