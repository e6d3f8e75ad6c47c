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
