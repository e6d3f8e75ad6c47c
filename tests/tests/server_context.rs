//! `ServerContext` as grpcio's `ServicerContext`, on real sockets, for blocking and async
//! handlers: `send_initial_metadata` puts the headers on the wire before the handler returns
//! (seen on a raw HTTP/2 stream while the handler waits), and initial metadata changed after
//! that is an error; `set_code`/`set_details` for a handler that returns normally; `abort`
//! ending the call while the handler still runs; `invocation_metadata` without reserved
//! headers; `disable_next_message_compression` for a unary response; the step-by-step
//! `CallStream` (grpclib's server `Stream`), driven by the client's `ClientStream`.

use std::time::Duration;

use bytes::Bytes;
use grpc_core::protocol::Compression;
use grpc_core::{Code, Server};
use grpc_tests::raw;
use grpc_tests::servers::TestServer;
use grpc_tests::workshop::{Done, Job, Shop, WorkshopClient, WorkshopServer};
use prost::Message as _;

fn job(act: &str, amount: u64) -> Job {
    Job {
        act: act.to_owned(),
        amount,
    }
}

async fn workshop(builder: grpc_core::server::ServerBuilder) -> (TestServer, Shop, WorkshopClient) {
    let shop = Shop::default();
    let server = TestServer::start(builder.add_service(WorkshopServer::new(shop.clone()))).await;
    let client = WorkshopClient::new(server.channel.clone());
    (server, shop, client)
}

/// Calls `method` on a raw HTTP/2 stream; the response headers must arrive while the handler
/// waits at the gate (which only this function opens, after it has them).
async fn headers_before_the_handler_returns(method: &str) {
    let (server, shop, _client) = workshop(Server::builder()).await;
    let (client, _driver) = raw::connect(server.port).await;
    let mut ready = client.ready().await.unwrap();
    let path = format!("/grpc_tests.workshop.Workshop/{method}");
    let (response, mut stream) = ready
        .send_request(raw::grpc_request(&path, &[]), false)
        .unwrap();
    let body = raw::frame(&job("early", 0).encode_to_vec());
    stream.send_data(Bytes::from(body), true).unwrap();
    let response = tokio::time::timeout(Duration::from_secs(5), response)
        .await
        .expect("the headers did not arrive while the handler ran")
        .unwrap();
    assert_eq!(response.headers()["x-early"], "yes");
    assert!(
        response.headers().get("grpc-status").is_none(),
        "not trailers-only"
    );
    shop.open_gate();
    let mut body = response.into_body();
    let mut data = Vec::new();
    while let Some(chunk) = body.data().await {
        data.extend_from_slice(&chunk.unwrap());
    }
    let trailers = body.trailers().await.unwrap().unwrap();
    assert_eq!(trailers["grpc-status"], "0");
    let done = Done::decode(&data[5..]).unwrap();
    assert_eq!(done.note, "after the gate");
    if method == "Work" {
        // Changing the initial metadata, or sending it again, after it went out is refused.
        assert_eq!(
            trailers["x-after"],
            "FAILED_PRECONDITION,FAILED_PRECONDITION"
        );
    }
}

#[tokio::test]
async fn send_initial_metadata_sends_the_headers_now_from_a_blocking_handler() {
    headers_before_the_handler_returns("Work").await;
}

#[tokio::test]
async fn send_initial_metadata_sends_the_headers_now_from_an_async_handler() {
    headers_before_the_handler_returns("WorkAsync").await;
}

#[tokio::test]
async fn set_code_and_details_end_a_normally_returning_call() {
    let (_server, _shop, client) = workshop(Server::builder()).await;
    for status in [
        client.work(job("code", 0)).await.unwrap_err(),
        client.work_async(job("code", 0)).await.unwrap_err(),
    ] {
        assert_eq!(status.code(), Code::NotFound);
        assert_eq!(status.message(), "no such job");
    }
    // A stream: its messages, then the code set while it ran.
    let mut stream = client.count_async(job("code", 3)).await.unwrap();
    for n in 0..3 {
        assert_eq!(stream.message().await.unwrap().unwrap().count, n);
    }
    let status = stream.message().await.unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::DataLoss, "lost the rest")
    );
}

#[tokio::test]
async fn set_details_with_ok_travels_in_grpc_message() {
    let (server, _shop, _client) = workshop(Server::builder()).await;
    let body = raw::frame(&job("details", 0).encode_to_vec());
    let exchange = raw::exchange(
        server.port,
        "/grpc_tests.workshop.Workshop/Work",
        &[],
        &body,
    )
    .await;
    assert_eq!(exchange.status(), Some("0"));
    assert_eq!(exchange.trailers["grpc-message"], "all good");
    assert_eq!(exchange.frames().len(), 1, "the response is sent");
}

#[tokio::test]
async fn abort_ends_the_call_while_the_handler_still_runs() {
    let (_server, shop, client) = workshop(Server::builder()).await;
    // Blocking: the status arrives while the handler waits at the gate.
    let status = tokio::time::timeout(Duration::from_secs(5), client.work(job("abort", 0)))
        .await
        .expect("the abort did not end the call")
        .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::PermissionDenied, "not yours")
    );
    assert_eq!(status.metadata().get("x-why").unwrap(), "aborted");
    shop.open_gate();
    assert!(
        shop.saw("work: after abort, active=false").await,
        "{:?}",
        shop.log
    );

    // Async: a task aborts while the handler's future is still pending.
    let status = client.work_async(job("abort", 0)).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

    // A stream: a task queues three messages and aborts, leaving the stream open. The abort
    // ends the call at once: queued messages not yet sent are dropped, not sent after it.
    let mut stream = client.count_async(job("abort", 3)).await.unwrap();
    let mut received = 0;
    let status = loop {
        match stream.message().await {
            Ok(Some(done)) => {
                assert_eq!(done.count, received);
                received += 1;
            }
            Ok(None) => panic!("the stream ended cleanly after {received} messages"),
            Err(status) => break status,
        }
    };
    assert!(received <= 3);
    assert_eq!(
        (status.code(), status.message()),
        (Code::Aborted, "stopped by a task")
    );
}

#[tokio::test]
async fn invocation_metadata_leaves_out_reserved_headers() {
    let (_server, _shop, client) = workshop(Server::builder()).await;
    let mut metadata = grpc_core::metadata::MetadataMap::new();
    metadata.insert("x-custom", "1".parse().unwrap());
    for done in [
        client
            .work(job("metadata", 0))
            .metadata(metadata.clone())
            .timeout(Duration::from_secs(10))
            .await
            .unwrap(),
        client
            .work_async(job("metadata", 0))
            .metadata(metadata.clone())
            .timeout(Duration::from_secs(10))
            .compression(Some(Compression::Gzip))
            .await
            .unwrap(),
    ] {
        let keys: Vec<&str> = done.note.split(',').collect();
        assert!(keys.contains(&"x-custom"), "{keys:?}");
        for reserved in [
            "content-type",
            "te",
            "grpc-timeout",
            "grpc-encoding",
            "grpc-accept-encoding",
        ] {
            assert!(!keys.contains(&reserved), "{reserved} in {keys:?}");
        }
        assert!(keys.iter().all(|k| !k.starts_with(':')), "{keys:?}");
    }
}

#[tokio::test]
async fn disable_next_message_compression_applies_to_a_unary_response() {
    let (server, _shop, _client) = workshop(Server::builder().compression(Compression::Gzip)).await;
    let accept = [("grpc-accept-encoding", "gzip")];
    let path = "/grpc_tests.workshop.Workshop/Work";
    let compressed = raw::exchange(
        server.port,
        path,
        &accept,
        &raw::frame(&job("details", 0).encode_to_vec()),
    )
    .await;
    assert_eq!(compressed.headers["grpc-encoding"], "gzip");
    assert_eq!(compressed.frames()[0].0, 1, "the call compresses");
    let plain = raw::exchange(
        server.port,
        path,
        &accept,
        &raw::frame(&job("plain", 0).encode_to_vec()),
    )
    .await;
    assert_eq!(plain.status(), Some("0"));
    assert_eq!(plain.headers["grpc-encoding"], "gzip");
    let frames = plain.frames();
    assert_eq!(frames[0].0, 0, "this one message is not");
    assert_eq!(Done::decode(&frames[0].1[..]).unwrap().note.len(), 2000);
}

mod call_stream {
    use std::time::Duration;

    use grpc_core::client::ClientStream;
    use grpc_core::{Code, Server};
    use grpc_tests::workshop::{Done, Job};

    use super::{job, workshop};

    const STEPS: &str = "/grpc_tests.workshop.Workshop/Steps";

    #[tokio::test]
    async fn each_step_goes_out_when_the_handler_takes_it() {
        let (server, shop, _client) = workshop(Server::builder()).await;
        let mut stream =
            ClientStream::<Job, Done>::new(&server.channel, STEPS).timeout(Duration::from_secs(10));
        stream.send_request().await.unwrap();
        stream.send_message(job("wait", 1), false).await.unwrap();
        // The headers arrive while the handler waits at the gate, before any message.
        let headers = tokio::time::timeout(Duration::from_secs(5), stream.recv_initial_metadata())
            .await
            .expect("the headers came first")
            .unwrap();
        assert_eq!(headers.get("x-step").unwrap(), "headers");
        shop.open_gate();
        assert_eq!(stream.recv_message().await.unwrap().unwrap().count, 1);
        stream.send_message(job("again", 2), true).await.unwrap();
        assert_eq!(stream.recv_message().await.unwrap().unwrap().note, "again");
        assert!(stream.recv_message().await.unwrap().is_none());
        let trailers = stream.recv_trailing_metadata().await.unwrap();
        assert_eq!(trailers.get("x-step").unwrap(), "trailers");
    }

    #[tokio::test]
    async fn steps_out_of_order_are_errors_and_a_failure_or_panic_ends_the_call() {
        let (server, shop, _client) = workshop(Server::builder()).await;
        let mut stream = ClientStream::<Job, Done>::new(&server.channel, STEPS);
        stream.send_request().await.unwrap();
        stream.send_message(job("misuse", 0), true).await.unwrap();
        assert!(stream.recv_message().await.unwrap().is_some());
        assert!(stream.recv_message().await.unwrap().is_none());
        stream.recv_trailing_metadata().await.unwrap();
        for entry in [
            "steps: headers again FAILED_PRECONDITION",
            "steps: message after trailers FAILED_PRECONDITION",
            "steps: trailers again FAILED_PRECONDITION",
        ] {
            assert!(shop.saw(entry).await, "{entry}: {:?}", shop.log);
        }

        let mut stream = ClientStream::<Job, Done>::new(&server.channel, STEPS);
        stream.send_request().await.unwrap();
        stream.send_message(job("fail", 0), true).await.unwrap();
        let status = stream.recv_message().await.unwrap_err();
        assert_eq!((status.code(), status.message()), (Code::DataLoss, "gone"));
        assert_eq!(status.metadata().get("x-step").unwrap(), "failed");

        let mut stream = ClientStream::<Job, Done>::new(&server.channel, STEPS);
        stream.send_request().await.unwrap();
        stream.send_message(job("panic", 0), true).await.unwrap();
        assert!(stream.recv_message().await.unwrap().is_some());
        let status = stream.recv_message().await.unwrap_err();
        assert_eq!(status.code(), Code::Unknown);
        assert!(
            status.message().contains("the steps gave way"),
            "{status:?}"
        );
    }
}
