//! How a call ends on the server, for every way it can end: the handler's request stream
//! never reports a clean end for an abandoned upload, and `ServerContext::add_callback` runs
//! exactly once with the final status (OK, error, cancel, deadline).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use grpc_core::{Code, Message, ServerContext, Status, Streaming};
use grpc_tests::servers::TestServer;
use tokio::sync::mpsc;

/// One uploaded item.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "termination")]
pub struct Item {
    /// Its number.
    pub n: u32,
}

/// A committed batch.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "termination")]
pub struct Batch {
    /// How many items it holds.
    pub count: u32,
}

/// Uploads and calls that end on demand.
#[grpc_core::service(package = "termination")]
pub trait Uploads: Send + Sync + 'static {
    /// All-or-nothing: commits the batch only when the client half-closes.
    async fn upload(&self, ctx: &ServerContext, items: Streaming<Item>) -> Result<Batch, Status>;
    /// Answers with `n` as a status code (0: OK) after `n` milliseconds when `n > 100`.
    async fn finish(&self, ctx: &ServerContext, item: Item) -> Result<Item, Status>;
}

/// What the service saw: committed batches, the statuses its streams failed with, and the
/// statuses its end-of-call callbacks ran with.
#[derive(Clone)]
struct Seen {
    committed: Arc<Mutex<Vec<u32>>>,
    stream_errors: Arc<Mutex<Vec<Code>>>,
    ended: mpsc::UnboundedSender<Code>,
}

struct Service(Seen);

impl Uploads for Service {
    async fn upload(
        &self,
        ctx: &ServerContext,
        mut items: Streaming<Item>,
    ) -> Result<Batch, Status> {
        let ended = self.0.ended.clone();
        ctx.add_callback(move |status| {
            let _ = ended.send(status.code());
        });
        let mut count = 0;
        loop {
            match items.message().await {
                Ok(Some(_)) => count += 1,
                Ok(None) => break,
                Err(status) => {
                    self.0.stream_errors.lock().unwrap().push(status.code());
                    return Err(status);
                }
            }
        }
        self.0.committed.lock().unwrap().push(count);
        Ok(Batch { count })
    }

    async fn finish(&self, ctx: &ServerContext, item: Item) -> Result<Item, Status> {
        let ended = self.0.ended.clone();
        assert!(ctx.add_callback(move |status| {
            let _ = ended.send(status.code());
        }));
        if item.n > 100 {
            tokio::time::sleep(Duration::from_millis(u64::from(item.n))).await;
        }
        match item.n {
            0 | 101.. => Ok(item),
            code => Err(Status::new(Code::from_i32(code as i32), "as asked")),
        }
    }
}

async fn setup() -> (
    TestServer,
    UploadsClient,
    Seen,
    mpsc::UnboundedReceiver<Code>,
) {
    let (ended, ended_rx) = mpsc::unbounded_channel();
    let seen = Seen {
        committed: Arc::default(),
        stream_errors: Arc::default(),
        ended,
    };
    let server = TestServer::with(UploadsServer::new(Service(seen.clone()))).await;
    let client = UploadsClient::new(server.channel.clone());
    (server, client, seen, ended_rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Code>) -> Code {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("the end-of-call callback ran")
        .expect("channel open")
}

#[tokio::test]
async fn a_finished_upload_commits() {
    let (_server, client, seen, mut ended) = setup().await;
    let items = grpc_core::stream::iter((0..3).map(|n| Item { n }));
    assert_eq!(client.upload(items).await.unwrap().count, 3);
    assert_eq!(next(&mut ended).await, Code::Ok);
    assert_eq!(*seen.committed.lock().unwrap(), [3]);
}

#[tokio::test]
async fn an_abandoned_upload_is_cancelled_not_committed() {
    let (_server, client, seen, mut ended) = setup().await;
    let (tx, rx) = mpsc::channel(4);
    let call = tokio::spawn(async move {
        client
            .upload(grpc_core::stream::ReceiverStream::new(rx))
            .await
    });
    tx.send(Item { n: 1 }).await.unwrap();
    tx.send(Item { n: 2 }).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    call.abort(); // the client gives up mid-upload
    assert_eq!(next(&mut ended).await, Code::Cancelled);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        seen.committed.lock().unwrap().is_empty(),
        "nothing committed"
    );
    let errors = seen.stream_errors.lock().unwrap().clone();
    assert!(
        errors.is_empty() || errors == [Code::Cancelled],
        "{errors:?}"
    );
}

#[tokio::test]
async fn an_upload_past_its_deadline_fails_with_deadline_exceeded() {
    let (server, client, seen, mut ended) = setup().await;
    // The client's own deadline: it resets the stream when it passes, racing the server's
    // timer for the same deadline, so the server sees either.
    let (tx, rx) = mpsc::channel(4);
    tx.send(Item { n: 1 }).await.unwrap();
    let status = client
        .upload(grpc_core::stream::ReceiverStream::new(rx))
        .timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded);
    let code = next(&mut ended).await;
    assert!(
        matches!(code, Code::DeadlineExceeded | Code::Cancelled),
        "{code:?}"
    );
    drop(tx);

    // A client that never cancels (raw HTTP/2: one message, no END_STREAM): the server's
    // deadline alone ends the call, with DEADLINE_EXCEEDED on both sides.
    let (h2, _connection) = grpc_tests::raw::connect(server.port).await;
    let request = http::Request::post("http://127.0.0.1/termination.Uploads/Upload")
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("grpc-timeout", "300m")
        .body(())
        .unwrap();
    let mut ready = h2.clone().ready().await.unwrap();
    let (response, mut stream) = ready.send_request(request, false).unwrap();
    let item = grpc_core::Message::encode_to_vec(&Item { n: 7 });
    let frame = grpc_tests::raw::frame(&item);
    stream.send_data(bytes::Bytes::from(frame), false).unwrap();
    let response = tokio::time::timeout(Duration::from_secs(5), response)
        .await
        .expect("answered at the deadline")
        .unwrap();
    let (parts, mut body) = response.into_parts();
    let grpc_status = match parts.headers.get("grpc-status") {
        Some(status) => status.clone(),
        None => {
            while body.data().await.is_some() {}
            body.trailers().await.unwrap().unwrap()["grpc-status"].clone()
        }
    };
    assert_eq!(grpc_status, "4");
    assert_eq!(next(&mut ended).await, Code::DeadlineExceeded);
    assert!(
        seen.committed.lock().unwrap().is_empty(),
        "nothing committed"
    );
    drop(h2);
}

#[tokio::test]
async fn the_callback_runs_once_for_each_ending() {
    let (_server, client, _seen, mut ended) = setup().await;
    client.finish(Item { n: 0 }).await.unwrap();
    assert_eq!(next(&mut ended).await, Code::Ok);

    let status = client.finish(Item { n: 9 }).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(next(&mut ended).await, Code::FailedPrecondition);

    let status = client
        .finish(Item { n: 2_000 })
        .timeout(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded);
    // The client's reset at its deadline races the server's timer (see above).
    let code = next(&mut ended).await;
    assert!(
        matches!(code, Code::DeadlineExceeded | Code::Cancelled),
        "{code:?}"
    );

    let call = tokio::spawn({
        let client = client.clone();
        async move { client.finish(Item { n: 2_000 }).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    call.abort();
    assert_eq!(next(&mut ended).await, Code::Cancelled);

    // Exactly once each: nothing more arrives.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(ended.try_recv().is_err());
}

#[tokio::test]
async fn an_upload_cancelled_by_grpcio_is_cancelled_not_committed() {
    let (server, _client, seen, mut ended) = setup().await;
    let addr = format!("127.0.0.1:{}", server.port);
    let output = grpc_tests::python::run("cancel_upload_client.py", &["--addr", &addr]).await;
    grpc_tests::python::assert_success("cancel_upload_client.py", &output);
    assert_eq!(next(&mut ended).await, Code::Cancelled);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        seen.committed.lock().unwrap().is_empty(),
        "nothing committed"
    );
    let errors = seen.stream_errors.lock().unwrap().clone();
    assert_eq!(errors, [Code::Cancelled], "the handler's stream said why");
}
