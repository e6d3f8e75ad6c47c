//! `CallFuture` (grpcio's `grpc.Future`): waiting with a timeout before the call is done,
//! cancelling a running call (the server sees it), callbacks before and after done, and the
//! same handle awaited from async code.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use grpc_core::client::FutureError;
use grpc_core::{Code, Server};
use grpc_tests::servers::TestServer;
use grpc_tests::sleeper::{Nap, Napper, SleeperBlockingClient, SleeperClient, SleeperServer};

/// A server on its own runtime, so the test thread is a plain thread (blocking waits are
/// refused inside a runtime).
fn serve(napper: &Napper) -> (tokio::runtime::Runtime, TestServer) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(TestServer::start(
        Server::builder().add_service(SleeperServer::new(napper.clone())),
    ));
    (runtime, server)
}

#[test]
fn result_with_a_timeout_before_the_call_is_done_is_a_timeout_not_a_status() {
    let napper = Napper::default();
    let (_runtime, server) = serve(&napper);
    let client = SleeperBlockingClient::new(server.channel.clone());
    let call = client.sleep(Nap { millis: 400 }).future();
    assert!(call.is_running());
    assert!(!call.is_done());
    match call.result(Some(Duration::from_millis(20))) {
        Err(FutureError::Timeout) => {}
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(
        call.is_running(),
        "a timed-out wait leaves the call running"
    );
    let woke = call.result(None).expect("the call finishes");
    assert_eq!(woke.millis, 400);
    assert!(call.is_done());
    assert!(!call.is_cancelled());
    assert!(call.error(None).unwrap().is_none());
    // Done: cancel no longer does anything.
    assert!(!call.cancel());
    assert!(!call.is_cancelled());
}

#[test]
fn cancel_of_a_running_call_reaches_the_server() {
    let napper = Napper::default();
    let (_runtime, server) = serve(&napper);
    let client = SleeperBlockingClient::new(server.channel.clone());
    let call = client.sleep(Nap { millis: 10_000 }).future();
    // Let the call reach the handler.
    std::thread::sleep(Duration::from_millis(200));
    assert!(call.cancel(), "a running call is cancelled");
    assert!(call.is_cancelled());
    assert!(matches!(
        call.result(Some(Duration::from_secs(5))),
        Err(FutureError::Cancelled)
    ));
    assert_eq!(
        call.error(None).unwrap().map(|s| s.code()),
        Some(Code::Cancelled)
    );
    assert!(napper.saw_cancelled(1), "the handler was not cancelled");
}

#[test]
fn done_callbacks_run_once_whether_added_before_or_after_done() {
    let napper = Napper::default();
    let (_runtime, server) = serve(&napper);
    let client = SleeperBlockingClient::new(server.channel.clone());
    let call = client.sleep(Nap { millis: 100 }).future();
    let (sender, before) = mpsc::channel();
    call.add_done_callback(move |outcome| {
        sender
            .send(outcome.as_ref().map(|woke| woke.millis).ok())
            .unwrap()
    });
    assert_eq!(
        before.recv_timeout(Duration::from_secs(5)).unwrap(),
        Some(100)
    );
    call.wait(None).unwrap();
    // After done, a callback runs at once on this thread.
    let ran = Arc::new(AtomicUsize::new(0));
    let seen = ran.clone();
    let here = std::thread::current().id();
    call.add_done_callback(move |outcome| {
        assert!(outcome.is_ok());
        assert_eq!(std::thread::current().id(), here);
        seen.fetch_add(1, Ordering::SeqCst);
    });
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    assert!(before.try_recv().is_err(), "the first callback ran twice");
}

#[test]
fn a_failed_call_gives_its_status() {
    // Nothing listens on the port: UNAVAILABLE.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let channel = grpc_core::Channel::insecure(&format!("127.0.0.1:{port}")).unwrap();
    let call = SleeperBlockingClient::new(channel)
        .sleep(Nap { millis: 1 })
        .future();
    match call.result(Some(Duration::from_secs(10))) {
        Err(FutureError::Failed(status)) => assert_eq!(status.code(), Code::Unavailable),
        other => panic!("expected UNAVAILABLE, got {other:?}"),
    }
}

#[tokio::test]
async fn a_spawned_call_is_awaited_from_async_code_and_refuses_blocking_waits() {
    let napper = Napper::default();
    let server = TestServer::start(Server::builder().add_service(SleeperServer::new(napper))).await;
    let client = SleeperClient::new(server.channel.clone());
    let call = client.sleep(Nap { millis: 50 }).spawn();
    // Blocking here would hold up this runtime's only thread.
    assert!(matches!(
        call.wait(Some(Duration::from_secs(1))),
        Err(FutureError::InsideRuntime)
    ));
    let outcome = call.finished().await;
    assert_eq!(outcome.as_ref().unwrap().millis, 50);
    assert!(call.is_done());
    // Once done, the outcome is there without blocking, even here.
    assert_eq!(call.result(None).unwrap().millis, 50);
}

mod call_objects {
    //! The `CallFuture` of a unary call as grpcio's call object: the response headers before
    //! the response, then code, details and trailing metadata; `time_remaining`, `is_active`.

    use std::time::Duration;

    use grpc_core::{Code, Server};
    use grpc_tests::servers::TestServer;
    use grpc_tests::workshop::{Job, Shop, WorkshopBlockingClient, WorkshopClient, WorkshopServer};

    fn job(act: &str) -> Job {
        Job {
            act: act.to_owned(),
            amount: 0,
        }
    }

    fn serve(shop: &Shop) -> (tokio::runtime::Runtime, TestServer) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = runtime.block_on(TestServer::start(
            Server::builder().add_service(WorkshopServer::new(shop.clone())),
        ));
        (runtime, server)
    }

    #[tokio::test]
    async fn initial_metadata_arrives_before_the_response() {
        let shop = Shop::default();
        let server =
            TestServer::start(Server::builder().add_service(WorkshopServer::new(shop.clone())))
                .await;
        let client = WorkshopClient::new(server.channel.clone());
        // The handler sends its headers, then waits at the gate until the test saw them.
        let call = client
            .work_async(job("early"))
            .timeout(Duration::from_secs(30))
            .spawn();
        let headers = tokio::time::timeout(Duration::from_secs(5), call.headers())
            .await
            .expect("the headers came before the response")
            .expect("headers");
        assert_eq!(headers.get("x-early").unwrap(), "yes");
        assert!(call.is_active());
        assert_eq!(call.code(), None, "not done yet");
        let left = call.time_remaining().unwrap();
        assert!(
            left > Duration::from_secs(1) && left <= Duration::from_secs(30),
            "{left:?}"
        );
        shop.open_gate();
        let done = call.finished().await.as_ref().unwrap();
        assert_eq!(done.note, "after the gate");
        assert!(!call.is_active());
        assert_eq!((call.code(), call.details()), (Some(Code::Ok), Some("")));
        assert!(call.trailing_metadata().is_some());
    }

    #[tokio::test]
    async fn a_failed_call_has_its_code_details_and_trailers() {
        let shop = Shop::default();
        let server =
            TestServer::start(Server::builder().add_service(WorkshopServer::new(shop.clone())))
                .await;
        let client = WorkshopClient::new(server.channel.clone());
        let call = client.work(job("abort")).spawn();
        let _ = call.finished().await;
        shop.open_gate();
        assert_eq!(call.code(), Some(Code::PermissionDenied));
        assert_eq!(call.details(), Some("not yours"));
        assert_eq!(
            call.trailing_metadata().unwrap().get("x-why").unwrap(),
            "aborted"
        );
        // A trailers-only answer has no headers.
        assert!(call.initial_metadata().is_none());

        // One that failed after its headers keeps them.
        let call = client.work(job("early-fail")).spawn();
        let _ = call.finished().await;
        assert_eq!(call.code(), Some(Code::Aborted));
        assert_eq!(
            call.initial_metadata().unwrap().get("x-early").unwrap(),
            "yes"
        );
    }

    #[tokio::test]
    async fn with_call_and_the_future_keep_the_details_sent_with_ok() {
        let shop = Shop::default();
        let server =
            TestServer::start(Server::builder().add_service(WorkshopServer::new(shop.clone())))
                .await;
        let client = WorkshopClient::new(server.channel.clone());
        let (reply, details) = client.work(job("details")).with_call().await.unwrap();
        assert_eq!(reply.note, "with details");
        assert_eq!((details.code(), details.details()), (Code::Ok, "all good"));
        let call = client.work_async(job("details")).spawn();
        let _ = call.finished().await;
        assert_eq!(
            (call.code(), call.details()),
            (Some(Code::Ok), Some("all good"))
        );
        let (_, details) = client.work(job("sleep")).with_call().await.unwrap();
        assert_eq!(details.details(), "");
    }

    #[test]
    fn a_blocking_future_waits_for_the_headers() {
        let shop = Shop::default();
        let (_runtime, server) = serve(&shop);
        let client = WorkshopBlockingClient::new(server.channel.clone());
        let call = client.work(job("early")).future();
        let headers = call
            .wait_headers(Some(Duration::from_secs(5)))
            .expect("the headers came before the response")
            .expect("headers");
        assert_eq!(headers.get("x-early").unwrap(), "yes");
        assert!(call.is_active());
        shop.open_gate();
        assert_eq!(call.result(None).unwrap().note, "after the gate");
        assert_eq!(call.code(), Some(Code::Ok));
    }
}

mod stream_objects {
    //! Server-streaming and bidirectional calls as call objects, async (`Streaming`) and
    //! blocking (`BlockingStreaming`): `cancel` (the server sees it), `is_active`,
    //! `time_remaining`, code / details / trailing metadata once over, and done callbacks that
    //! run once on every end (OK, failure, cancel, deadline, drop).

    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use grpc_core::{Code, Server, Status};
    use grpc_tests::servers::TestServer;
    use grpc_tests::workshop::{Job, Shop, WorkshopBlockingClient, WorkshopClient, WorkshopServer};

    fn job(act: &str, amount: u64) -> Job {
        Job {
            act: act.to_owned(),
            amount,
        }
    }

    async fn workshop() -> (TestServer, Shop, WorkshopClient) {
        let shop = Shop::default();
        let server =
            TestServer::start(Server::builder().add_service(WorkshopServer::new(shop.clone())))
                .await;
        let client = WorkshopClient::new(server.channel.clone());
        (server, shop, client)
    }

    /// A done callback that records the code it was called with.
    type Callback = Box<dyn FnOnce(&Status) + Send>;

    /// Where done callbacks record the codes they were called with, and a maker of them.
    fn recorder() -> (Arc<Mutex<Vec<Code>>>, impl Fn() -> Callback) {
        let seen: Arc<Mutex<Vec<Code>>> = Arc::default();
        let make = {
            let seen = seen.clone();
            move || -> Callback {
                let seen = seen.clone();
                Box::new(move |status: &Status| seen.lock().unwrap().push(status.code()))
            }
        };
        (seen, make)
    }

    #[tokio::test]
    async fn cancel_of_a_running_server_stream_reaches_the_server_and_runs_the_callback_once() {
        let (server, shop, client) = workshop().await;
        let (seen, callback) = recorder();
        let mut stream = client
            .count_async(job("hold", 2))
            .timeout(Duration::from_secs(30))
            .await
            .unwrap();
        stream.add_done_callback(callback());
        assert_eq!(stream.message().await.unwrap().unwrap().count, 0);
        assert_eq!(stream.message().await.unwrap().unwrap().count, 1);
        assert!(stream.is_active());
        let peer = grpc_core::client::Address::Tcp(([127, 0, 0, 1], server.port).into());
        assert_eq!(stream.peer(), Some(&peer));
        assert_eq!(stream.code(), None, "not over yet");
        let left = stream.time_remaining().unwrap();
        assert!(left > Duration::from_secs(1) && left <= Duration::from_secs(30));

        assert!(stream.cancel());
        assert!(!stream.cancel(), "cancelled once");
        assert!(stream.is_cancelled() && !stream.is_active());
        assert_eq!(stream.message().await.unwrap_err().code(), Code::Cancelled);
        assert_eq!(stream.code(), Some(Code::Cancelled));
        assert!(shop.saw("count_async: cancelled").await, "{:?}", shop.log);
        drop(stream);
        assert_eq!(*seen.lock().unwrap(), [Code::Cancelled]);
    }

    #[tokio::test]
    async fn an_ended_stream_has_its_code_details_and_trailers_and_late_callbacks_run_at_once() {
        let (_server, _shop, client) = workshop().await;
        let (seen, callback) = recorder();
        let mut stream = client.count_async(job("count", 3)).await.unwrap();
        stream.add_done_callback(callback());
        let mut count = 0;
        while stream.message().await.unwrap().is_some() {
            count += 1;
        }
        assert_eq!(count, 3);
        assert_eq!(
            (stream.code(), stream.details()),
            (Some(Code::Ok), Some(""))
        );
        assert!(stream.trailing_metadata().is_some());
        assert!(!stream.is_active() && !stream.cancel() && !stream.is_cancelled());
        stream.add_done_callback(callback());
        assert_eq!(*seen.lock().unwrap(), [Code::Ok, Code::Ok]);
        drop(stream);
        assert_eq!(
            seen.lock().unwrap().len(),
            2,
            "a drop after the end is no second end"
        );

        // A failure: the status set by the handler.
        let mut stream = client.count_async(job("code", 1)).await.unwrap();
        stream.add_done_callback(callback());
        assert!(stream.message().await.unwrap().is_some());
        assert_eq!(stream.message().await.unwrap_err().code(), Code::DataLoss);
        assert_eq!(
            (stream.code(), stream.details()),
            (Some(Code::DataLoss), Some("lost the rest"))
        );
        assert_eq!(seen.lock().unwrap().last(), Some(&Code::DataLoss));
    }

    #[tokio::test]
    async fn a_deadline_or_a_drop_ends_the_call_for_the_callbacks() {
        let (_server, shop, client) = workshop().await;
        let (seen, callback) = recorder();
        let mut stream = client
            .count_async(job("hold", 1))
            .timeout(Duration::from_millis(300))
            .await
            .unwrap();
        stream.add_done_callback(callback());
        assert!(stream.message().await.unwrap().is_some());
        assert_eq!(
            stream.message().await.unwrap_err().code(),
            Code::DeadlineExceeded
        );
        assert_eq!(stream.code(), Some(Code::DeadlineExceeded));
        assert_eq!(stream.time_remaining(), Some(Duration::ZERO));

        let mut stream = client.count_async(job("hold", 1)).await.unwrap();
        stream.add_done_callback(callback());
        assert!(stream.message().await.unwrap().is_some());
        drop(stream);
        assert!(shop.saw("count_async: cancelled").await);
        assert_eq!(
            *seen.lock().unwrap(),
            [Code::DeadlineExceeded, Code::Cancelled]
        );
    }

    #[tokio::test]
    async fn a_bidi_call_is_a_call_object_while_it_starts() {
        let (_server, shop, client) = workshop().await;
        let (seen, callback) = recorder();
        let (sender, requests) = grpc_core::client::request_channel::<Job>(4);
        let mut stream = client
            .steps(requests)
            .timeout(Duration::from_secs(30))
            .await
            .unwrap();
        // The call is still starting (the server holds its headers until the first job):
        // it already has its deadline and takes callbacks.
        assert!(stream.time_remaining().unwrap() > Duration::from_secs(1));
        stream.add_done_callback(callback());
        assert!(stream.is_active());
        sender.write(job("wait", 7)).await.unwrap();
        let headers = stream.headers().await.unwrap();
        assert_eq!(headers.get("x-step").unwrap(), "headers");
        shop.open_gate();
        assert_eq!(stream.message().await.unwrap().unwrap().count, 7);
        sender.done_writing();
        assert!(stream.message().await.unwrap().is_none());
        assert_eq!(stream.code(), Some(Code::Ok));
        assert_eq!(
            stream.trailing_metadata().unwrap().get("x-step").unwrap(),
            "trailers"
        );

        // Cancelled before it started: no headers ever, and the callback hears CANCELLED.
        let (_sender, requests) = grpc_core::client::request_channel::<Job>(4);
        let mut stream = client.steps(requests).await.unwrap();
        stream.add_done_callback(callback());
        assert!(stream.cancel());
        assert_eq!(stream.headers().await.unwrap_err().code(), Code::Cancelled);
        assert_eq!(*seen.lock().unwrap(), [Code::Ok, Code::Cancelled]);
    }

    fn serve(shop: &Shop) -> (tokio::runtime::Runtime, TestServer) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = runtime.block_on(TestServer::start(
            Server::builder().add_service(WorkshopServer::new(shop.clone())),
        ));
        (runtime, server)
    }

    /// Waits (at most 10 s) for `entry` in the shop's log, from a plain thread.
    fn saw(runtime: &tokio::runtime::Runtime, shop: &Shop, entry: &str) -> bool {
        runtime.block_on(shop.saw(entry))
    }

    #[test]
    fn a_blocking_stream_is_a_call_object() {
        let shop = Shop::default();
        let (runtime, server) = serve(&shop);
        let client = WorkshopBlockingClient::new(server.channel.clone());
        let (seen, callback) = recorder();

        let mut stream = client
            .count_async(job("hold", 2))
            .timeout(Duration::from_secs(30))
            .call()
            .unwrap();
        stream.add_done_callback(callback());
        assert_eq!(stream.next().unwrap().unwrap().count, 0);
        assert!(stream.is_active() && stream.code().is_none());
        assert!(stream.time_remaining().unwrap() > Duration::from_secs(1));
        assert!(stream.cancel());
        assert!(!stream.cancel());
        assert!(stream.is_cancelled() && !stream.is_active());
        assert_eq!(stream.next().unwrap().unwrap_err().code(), Code::Cancelled);
        assert!(stream.next().is_none());
        assert_eq!(stream.code(), Some(Code::Cancelled));
        assert!(saw(&runtime, &shop, "count_async: cancelled"));

        // To the end: OK, with trailers; a callback added after runs at once.
        let mut stream = client.count_async(job("count", 3)).call().unwrap();
        assert_eq!(stream.by_ref().map(|r| r.unwrap().count).sum::<u64>(), 3);
        assert_eq!(
            (stream.code(), stream.details()),
            (Some(Code::Ok), Some(""))
        );
        assert!(stream.trailing_metadata().is_some());
        stream.add_done_callback(callback());

        // Dropped while the server holds the stream open: the server sees the cancel.
        let mut stream = client.count_async(job("hold", 1)).call().unwrap();
        stream.add_done_callback(callback());
        assert!(stream.next().unwrap().is_ok());
        drop(stream);
        assert!(runtime.block_on(shop.saw_times("count_async: cancelled", 2)));
        let codes = seen.lock().unwrap().clone();
        assert_eq!(codes, [Code::Cancelled, Code::Ok, Code::Cancelled]);
    }

    #[test]
    fn a_blocking_bidi_call_waits_for_its_headers() {
        let shop = Shop::default();
        let (_runtime, server) = serve(&shop);
        let client = WorkshopBlockingClient::new(server.channel.clone());
        let (requests, jobs) = std::sync::mpsc::channel::<Job>();
        let mut stream = client.steps(jobs).call().unwrap();
        requests.send(job("wait", 5)).unwrap();
        // The handler sent its headers and waits at the gate: they are here before any
        // response.
        assert_eq!(stream.initial_metadata().get("x-step").unwrap(), "headers");
        assert!(stream.is_active());
        shop.open_gate();
        assert_eq!(stream.next().unwrap().unwrap().count, 5);
        drop(requests);
        assert!(stream.next().is_none());
        assert_eq!(stream.code(), Some(Code::Ok));
        assert_eq!(
            stream.trailing_metadata().unwrap().get("x-step").unwrap(),
            "trailers"
        );
    }
}
