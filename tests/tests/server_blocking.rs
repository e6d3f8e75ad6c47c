//! Blocking handlers (service methods written as plain `fn`s) on real sockets: all four
//! patterns beside an async method in the same trait, `max_workers` saturation (further calls
//! wait, none is lost), cancellation seen through the context, an upload cut short seen as an
//! error (never a clean end), and panics.

use std::sync::atomic::Ordering;
use std::time::Duration;

use grpc_core::client::request_channel;
use grpc_core::{Code, Server};
use grpc_tests::servers::TestServer;
use grpc_tests::workshop::{Job, Shop, WorkshopClient, WorkshopServer};

fn job(act: &str, amount: u64) -> Job {
    Job {
        act: act.to_owned(),
        amount,
    }
}

async fn workshop(max_workers: usize) -> (TestServer, Shop, WorkshopClient) {
    let shop = Shop::default();
    let server = TestServer::start(
        Server::builder()
            .max_workers(max_workers)
            .add_service(WorkshopServer::new(shop.clone())),
    )
    .await;
    let client = WorkshopClient::new(server.channel.clone());
    (server, shop, client)
}

#[tokio::test]
async fn blocking_methods_serve_all_four_patterns_beside_async_ones() {
    let (_server, _shop, client) = workshop(4).await;
    let done = client.work(job("sleep", 1)).await.unwrap();
    assert_eq!(done.note, "slept");

    let (sender, requests) = request_channel(4);
    let collected = tokio::spawn({
        let client = client.clone();
        async move { client.collect(requests).await }
    });
    for n in 0..5 {
        sender.write(job("x", n)).await.unwrap();
    }
    sender.done_writing();
    assert_eq!(collected.await.unwrap().unwrap().count, 5);

    let mut counted = client.count(job("x", 50)).await.unwrap();
    let mut seen = Vec::new();
    while let Some(done) = counted.message().await.unwrap() {
        seen.push(done.count);
    }
    assert_eq!(seen, (0..50).collect::<Vec<_>>());

    // Bidi: each reply comes back before the next request is written.
    let (sender, requests) = request_channel(1);
    let mut replies = client.echo(requests).await.unwrap();
    for n in 0..3 {
        sender.write(job("echo", n)).await.unwrap();
        let reply = replies.message().await.unwrap().expect("a reply per job");
        assert_eq!((reply.count, reply.note.as_str()), (n, "echo"));
    }
    sender.done_writing();
    assert!(replies.message().await.unwrap().is_none());

    assert_eq!(
        client.work_async(job("sleep", 1)).await.unwrap().note,
        "slept"
    );
}

#[tokio::test]
async fn a_blocking_handler_writes_its_responses_through_a_sender() {
    let (_server, shop, client) = workshop(1).await;
    let read_all = |mut stream: grpc_core::Streaming<grpc_tests::workshop::Done>| async move {
        let mut seen = Vec::new();
        loop {
            match stream.message().await {
                Ok(Some(done)) => seen.push(done.count),
                Ok(None) => return (seen, Code::Ok),
                Err(status) => return (seen, status.code()),
            }
        }
    };
    let stream = client.count(job("sender", 20)).await.unwrap();
    assert_eq!(read_all(stream).await, ((0..20).collect(), Code::Ok));
    let stream = client.count(job("sender-fail", 2)).await.unwrap();
    assert_eq!(read_all(stream).await, (vec![0, 1], Code::DataLoss));

    // A client that goes away stops the producer: its next send fails, and the one worker
    // is free again for the calls after it.
    let mut stream = client.count(job("sender-hold", 1)).await.unwrap();
    assert!(stream.message().await.unwrap().is_some());
    drop(stream);
    assert!(shop.saw("count: sender stopped").await, "{:?}", shop.log);
    for _ in 0..3 {
        let call = client
            .count(job("sender", 1))
            .timeout(Duration::from_secs(10));
        let stream = call.await.unwrap();
        assert_eq!(read_all(stream).await, (vec![0], Code::Ok));
    }
}

#[tokio::test]
async fn calls_beyond_max_workers_wait_and_none_is_lost() {
    let (_server, shop, client) = workshop(2).await;
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.work(job("sleep", 200)).await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().note, "slept");
    }
    assert_eq!(shop.most_running.load(Ordering::SeqCst), 2);

    // Both workers held: a blocking call waits for one (here past its deadline), while an
    // async handler, which takes no worker, is served.
    let held: Vec<_> = (0..2)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.work(job("hold", 0)).await })
        })
        .collect();
    assert!(shop.saw_times("work: holding", 2).await, "{:?}", shop.log);
    let waited = client
        .work(job("sleep", 1))
        .timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert_eq!(waited.code(), Code::DeadlineExceeded);
    let metadata = client.work_async(job("metadata", 0)).await.unwrap();
    assert!(!metadata.note.is_empty());
    shop.open_gate();
    shop.open_gate();
    for call in held {
        assert_eq!(call.await.unwrap().unwrap().note, "held");
    }
}

#[tokio::test]
async fn a_blocking_handler_sees_the_deadline_and_the_cancel_through_its_context() {
    // A raw client that sends `grpc-timeout` but does not reset the stream itself: the
    // deadline is the server's to see (our client would reset at its own deadline, which can
    // reach the server first and make the call a cancel there).
    let (server, shop, _client) = workshop(4).await;
    let body = grpc_tests::raw::frame(&prost::Message::encode_to_vec(&job("until-cancelled", 0)));
    let exchange = grpc_tests::raw::exchange(
        server.port,
        "/grpc_tests.workshop.Workshop/Work",
        &[("grpc-timeout", "300m")],
        &body,
    )
    .await;
    assert_eq!(exchange.status(), Some("4"), "DEADLINE_EXCEEDED");
    assert!(shop.saw("work: inactive").await, "{:?}", shop.log);
    assert!(
        shop.saw("work ended: DEADLINE_EXCEEDED").await,
        "{:?}",
        shop.log
    );

    // A client that drops its call: the handler is told through `is_active()`.
    let (_server, shop, client) = workshop(4).await;
    let call = tokio::spawn(async move { client.work(job("until-cancelled", 0)).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    call.abort();
    assert!(shop.saw("work: inactive").await, "{:?}", shop.log);
    assert!(shop.saw("work ended: CANCELLED").await, "{:?}", shop.log);
}

#[tokio::test]
async fn an_upload_cut_short_is_an_error_in_the_request_iterator() {
    let (_server, shop, client) = workshop(4).await;
    let (sender, requests) = request_channel(4);
    let call = tokio::spawn(async move { client.collect(requests).await });
    sender.write(job("x", 1)).await.unwrap();
    sender.write(job("x", 2)).await.unwrap();
    assert!(shop.saw("collect: got 2").await, "{:?}", shop.log);
    // Dropped without done_writing(): the call is cancelled, not completed.
    drop(sender);
    let status = call.await.unwrap().unwrap_err();
    assert_eq!(status.code(), Code::Cancelled);
    assert!(
        shop.saw("collect: Err(Cancelled) after 2").await,
        "{:?}",
        shop.log
    );
    assert!(!shop
        .log
        .lock()
        .unwrap()
        .iter()
        .any(|e| e.starts_with("collect: end")));
}

#[tokio::test]
async fn a_panicking_blocking_handler_or_iterator_is_unknown() {
    let (_server, _shop, client) = workshop(1).await;
    let status = client.work(job("panic", 0)).await.unwrap_err();
    assert_eq!(status.code(), Code::Unknown);
    assert!(
        status.message().contains("the workshop burned down"),
        "{status:?}"
    );

    let mut counted = client.count(job("panic", 5)).await.unwrap();
    assert_eq!(counted.message().await.unwrap().unwrap().count, 0);
    let status = counted.message().await.unwrap_err();
    assert_eq!(status.code(), Code::Unknown);
    assert!(status.message().contains("the counter broke"), "{status:?}");
    // The one worker is free again.
    assert_eq!(client.work(job("sleep", 1)).await.unwrap().note, "slept");
}
