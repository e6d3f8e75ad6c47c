//! A service that mixes blocking (`fn`) and async handlers, and exercises the
//! [`ServerContext`] calls a grpcio servicer uses (`send_initial_metadata`, `set_code`,
//! `abort`, `is_active`, ...): for the blocking-server and server-context tests.
//!
//! What a handler does is chosen by the request's `act`; a handler that must wait for the
//! test (to prove the client saw something while the handler still ran) waits on the
//! workshop's gate, which the test opens.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use grpc_core::metadata::MetadataMap;
use grpc_core::server::CallStream;
use grpc_core::{Code, Message, RequestIter, ServerContext, ServerStream, Status, Streaming};
use tokio::sync::Semaphore;

/// A job for the workshop.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "grpc_tests.workshop")]
pub struct Job {
    /// What to do (see each method).
    pub act: String,
    /// How long to work, or how many messages to send.
    pub amount: u64,
}

/// What came of it.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "grpc_tests.workshop")]
pub struct Done {
    /// A count (jobs seen, messages sent).
    pub count: u64,
    /// A note about what happened.
    pub note: String,
}

/// Blocking and async handlers side by side.
#[grpc_core::service(package = "grpc_tests.workshop")]
pub trait Workshop: Send + Sync + 'static {
    /// Blocking: does the request's `act` (listed on `Shop::act`).
    fn work(&self, ctx: &ServerContext, job: Job) -> Result<Done, Status>;
    /// Blocking client stream: counts the jobs; records how the stream ended.
    fn collect(&self, ctx: &ServerContext, jobs: RequestIter<Job>) -> Result<Done, Status>;
    /// Blocking server stream: `amount` messages from an iterator on the worker; with act
    /// `sender`, written through a `ResponseSender` instead, then with `sender-fail` ending
    /// DATA_LOSS, and with `sender-hold` sending until the client has gone (recording
    /// `count: sender stopped`).
    fn count(&self, ctx: &ServerContext, job: Job) -> Result<ServerStream<Done>, Status>;
    /// Blocking bidi: one reply per job, as it arrives.
    fn echo(&self, jobs: RequestIter<Job>) -> Result<ServerStream<Done>, Status>;
    /// Async: does `act` like `work`, on the runtime.
    async fn work_async(&self, ctx: &ServerContext, job: Job) -> Result<Done, Status>;
    /// Async server stream: `amount` messages; then with act `abort` a spawned task aborts
    /// the call instead of ending it, with `code` it ends DATA_LOSS, and with `hold` it waits
    /// (at most 10 s) for the client to cancel, recording `count_async: cancelled`.
    async fn count_async(
        &self,
        ctx: &ServerContext,
        job: Job,
    ) -> Result<ServerStream<Done>, Status>;
    /// Async bidi through the step-by-step `CallStream`, by the first job's act:
    /// - `wait`: headers (`x-step: headers`), then waits at the gate, then echoes each job
    ///   and ends OK with trailer `x-step: trailers`;
    /// - `misuse`: one reply, then tries steps out of order, noting the codes
    ///   (`steps: <step> <CODE>`), and ends OK;
    /// - `fail`: ends with DATA_LOSS and trailer `x-step: failed`, no message;
    /// - `panic`: panics after one reply.
    async fn steps(
        &self,
        ctx: &ServerContext,
        jobs: Streaming<Job>,
    ) -> Result<ServerStream<Done>, Status>;
}

/// The workshop's shared state, for the tests to look at.
#[derive(Debug, Clone)]
pub struct Shop {
    /// Opened by the test to let a waiting handler go on.
    pub gate: Arc<Semaphore>,
    /// Blocking handlers running now, and the most seen at once.
    pub running: Arc<AtomicUsize>,
    /// The most blocking handlers seen running at once.
    pub most_running: Arc<AtomicUsize>,
    /// What handlers noticed (e.g. `collect: Err(Cancelled)`, `work: inactive`).
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Default for Shop {
    fn default() -> Self {
        Shop {
            gate: Arc::new(Semaphore::new(0)),
            running: Arc::default(),
            most_running: Arc::default(),
            log: Arc::default(),
        }
    }
}

impl Shop {
    /// Records `entry` in the log.
    pub fn note(&self, entry: impl Into<String>) {
        self.log.lock().unwrap().push(entry.into());
    }

    /// Waits up to 10 s for the log to hold `entry` `times` times; whether it did. (Async: the
    /// test's runtime may be the server's too.)
    pub async fn saw_times(&self, entry: &str, times: usize) -> bool {
        for _ in 0..1000 {
            if self
                .log
                .lock()
                .unwrap()
                .iter()
                .filter(|e| *e == entry)
                .count()
                >= times
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    }

    /// Waits up to 10 s for the log to hold `entry`.
    pub async fn saw(&self, entry: &str) -> bool {
        self.saw_times(entry, 1).await
    }

    /// Lets one waiting handler go on.
    pub fn open_gate(&self) {
        self.gate.add_permits(1);
    }

    /// Blocks until the test opens the gate (at most 10 s).
    fn wait_at_gate(&self) -> bool {
        let gate = self.gate.clone();
        tokio::runtime::Handle::current().block_on(async move {
            tokio::time::timeout(Duration::from_secs(10), gate.acquire())
                .await
                .map(|permit| permit.map(|p| p.forget()).is_ok())
                .unwrap_or(false)
        })
    }

    /// The acts shared by `work` (blocking) and `work_async` (which runs it on the runtime's
    /// blocking pool, so that its waits do not stall the runtime):
    /// - `sleep`: sleeps `amount` ms, counting how many handlers run at once;
    /// - `early`: sends its headers (`x-early: yes`), then waits at the gate; records whether
    ///   changing the initial metadata afterwards was refused, in the trailers;
    /// - `early-fail`: sends its headers (`x-early: yes`), then fails with ABORTED;
    /// - `hold`: records `<name>: holding`, then waits at the gate;
    /// - `code`: returns a response after `set_code(NOT_FOUND)` and `set_details`;
    /// - `details`: an OK call with `set_details("all good")`;
    /// - `abort`: aborts with PERMISSION_DENIED (and trailing metadata), then waits at the
    ///   gate and returns a response anyway;
    /// - `until-cancelled`: works until the context is no longer active (at most 10 s), and
    ///   records `<name>: inactive`;
    /// - `metadata`: answers with the invocation metadata's keys, sorted;
    /// - `plain`: answers after `disable_next_message_compression()`;
    /// - `panic`: panics.
    fn act(&self, name: &str, ctx: &ServerContext, job: &Job) -> Result<Done, Status> {
        let done = |note: &str| Done {
            count: job.amount,
            note: note.to_owned(),
        };
        match job.act.as_str() {
            "sleep" => {
                let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
                self.most_running.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(job.amount));
                self.running.fetch_sub(1, Ordering::SeqCst);
                Ok(done("slept"))
            }
            "early" => {
                let mut md = MetadataMap::new();
                md.insert("x-early", "yes".parse().unwrap());
                ctx.send_initial_metadata(md)?;
                let refused = match ctx.initial_metadata_mut() {
                    Err(status) => status.code().to_string(),
                    Ok(_) => "allowed".to_owned(),
                };
                let again = match ctx.send_initial_metadata(MetadataMap::new()) {
                    Err(status) => status.code().to_string(),
                    Ok(()) => "allowed".to_owned(),
                };
                ctx.trailing_metadata_mut()
                    .insert("x-after", format!("{refused},{again}").parse().unwrap());
                if !self.wait_at_gate() {
                    return Err(Status::internal("the gate never opened"));
                }
                Ok(done("after the gate"))
            }
            "early-fail" => {
                let mut md = MetadataMap::new();
                md.insert("x-early", "yes".parse().unwrap());
                ctx.send_initial_metadata(md)?;
                Err(Status::aborted("failed after the headers"))
            }
            "hold" => {
                self.note(format!("{name}: holding"));
                self.wait_at_gate();
                Ok(done("held"))
            }
            "code" => {
                ctx.set_code(Code::NotFound);
                ctx.set_details("no such job");
                Ok(done("not sent"))
            }
            "details" => {
                ctx.set_details("all good");
                Ok(done("with details"))
            }
            "abort" => {
                let mut status = Status::permission_denied("not yours");
                status
                    .metadata_mut()
                    .insert("x-why", "aborted".parse().unwrap());
                let _ = ctx.abort_with_status(status);
                self.wait_at_gate();
                self.note(format!("{name}: after abort, active={}", ctx.is_active()));
                Ok(done("not sent"))
            }
            "until-cancelled" => {
                for _ in 0..1000 {
                    if !ctx.is_active() {
                        self.note(format!("{name}: inactive"));
                        return Err(Status::cancelled("noticed"));
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                self.note(format!("{name}: still active after 10 s"));
                Ok(done("never cancelled"))
            }
            "metadata" => {
                let mut keys: Vec<String> = ctx
                    .invocation_metadata()
                    .keys()
                    .map(|key| match key {
                        grpc_core::metadata::KeyRef::Ascii(key) => key.as_str().to_owned(),
                        grpc_core::metadata::KeyRef::Binary(key) => key.as_str().to_owned(),
                    })
                    .collect();
                keys.sort();
                Ok(done(&keys.join(",")))
            }
            "plain" => {
                ctx.disable_next_message_compression();
                Ok(done(&"x".repeat(2000)))
            }
            "panic" => panic!("the workshop burned down"),
            other => Err(Status::invalid_argument(format!("unknown act {other:?}"))),
        }
    }
}

impl Workshop for Shop {
    fn work(&self, ctx: &ServerContext, job: Job) -> Result<Done, Status> {
        let shop = self.clone();
        ctx.add_callback(move |status| shop.note(format!("work ended: {}", status.code())));
        self.act("work", ctx, &job)
    }

    fn collect(&self, ctx: &ServerContext, jobs: RequestIter<Job>) -> Result<Done, Status> {
        let mut count = 0;
        for job in jobs {
            match job {
                Ok(_) => {
                    count += 1;
                    self.note(format!("collect: got {count}"));
                }
                Err(status) => {
                    self.note(format!("collect: Err({:?}) after {count}", status.code()));
                    return Err(status);
                }
            }
        }
        self.note(format!("collect: end after {count}"));
        let _ = ctx;
        Ok(Done {
            count,
            note: "collected".to_owned(),
        })
    }

    fn count(&self, ctx: &ServerContext, job: Job) -> Result<ServerStream<Done>, Status> {
        if job.act == "panic" {
            return Ok(ServerStream::from_blocking_iter((0..job.amount).map(
                |n| -> Result<Done, Status> {
                    if n == 1 {
                        panic!("the counter broke");
                    }
                    Ok(Done {
                        count: n,
                        note: String::new(),
                    })
                },
            )));
        }
        if job.act.starts_with("sender") {
            let shop = self.clone();
            return Ok(ServerStream::from_blocking_fn(move |sender| {
                let done = |n| Done {
                    count: n,
                    note: String::new(),
                };
                for n in 0..job.amount {
                    sender.send(done(n))?;
                }
                match job.act.as_str() {
                    "sender-fail" => Err(Status::data_loss("the rest is lost")),
                    "sender-hold" => {
                        for n in job.amount.. {
                            if sender.send(done(n)).is_err() {
                                shop.note("count: sender stopped");
                                break;
                            }
                            std::thread::sleep(Duration::from_millis(5));
                        }
                        Ok(())
                    }
                    _ => Ok(()),
                }
            }));
        }
        let _ = ctx;
        Ok(ServerStream::from_blocking_iter((0..job.amount).map(|n| {
            Ok(Done {
                count: n,
                note: String::new(),
            })
        })))
    }

    fn echo(&self, jobs: RequestIter<Job>) -> Result<ServerStream<Done>, Status> {
        Ok(ServerStream::from_blocking_iter(jobs.map(|job| {
            job.map(|job| Done {
                count: job.amount,
                note: job.act,
            })
        })))
    }

    async fn work_async(&self, ctx: &ServerContext, job: Job) -> Result<Done, Status> {
        match job.act.as_str() {
            // These two show the async path itself: early headers while the future waits,
            // and an abort that ends the call while the future is still pending.
            "early" => {
                let mut md = MetadataMap::new();
                md.insert("x-early", "yes".parse().unwrap());
                ctx.send_initial_metadata(md)?;
                let _ = self.gate.acquire().await.map(|p| p.forget());
                Ok(Done {
                    count: 0,
                    note: "after the gate".to_owned(),
                })
            }
            "abort" => {
                let ctx = ctx.clone();
                tokio::spawn(async move {
                    let _ = ctx.abort(Code::PermissionDenied, "not yours");
                });
                std::future::pending().await
            }
            _ => {
                let shop = self.clone();
                let ctx = ctx.clone();
                tokio::task::spawn_blocking(move || shop.act("work_async", &ctx, &job))
                    .await
                    .map_err(|e| Status::internal(e.to_string()))?
            }
        }
    }

    async fn steps(
        &self,
        ctx: &ServerContext,
        jobs: Streaming<Job>,
    ) -> Result<ServerStream<Done>, Status> {
        let shop = self.clone();
        CallStream::serve(ctx, jobs, |mut stream| async move {
            let Some(first) = stream.recv_message().await? else {
                return Ok(());
            };
            let reply = |job: &Job| Done {
                count: job.amount,
                note: job.act.clone(),
            };
            let one = |key: &str, value: &str| {
                let mut md = MetadataMap::new();
                md.insert(key.to_owned(), value.parse().unwrap());
                md
            };
            let code = |result: Result<(), Status>| match result {
                Ok(()) => "OK".to_owned(),
                Err(status) => status.code().to_string(),
            };
            match first.act.as_str() {
                "wait" => {
                    stream.send_initial_metadata(one("x-step", "headers"))?;
                    let _ = shop.gate.acquire().await.map(|p| p.forget());
                    stream.send_message(reply(&first)).await?;
                    while let Some(job) = stream.recv_message().await? {
                        stream.send_message(reply(&job)).await?;
                    }
                    stream
                        .send_trailing_metadata(Status::ok(""), one("x-step", "trailers"))
                        .await
                }
                "misuse" => {
                    stream.send_message(reply(&first)).await?;
                    let headers = code(stream.send_initial_metadata(MetadataMap::new()));
                    shop.note(format!("steps: headers again {headers}"));
                    stream
                        .send_trailing_metadata(Status::ok(""), MetadataMap::new())
                        .await?;
                    let message = code(stream.send_message(reply(&first)).await);
                    shop.note(format!("steps: message after trailers {message}"));
                    let trailers = code(
                        stream
                            .send_trailing_metadata(Status::ok(""), MetadataMap::new())
                            .await,
                    );
                    shop.note(format!("steps: trailers again {trailers}"));
                    Ok(())
                }
                "fail" => {
                    stream
                        .send_trailing_metadata(Status::data_loss("gone"), one("x-step", "failed"))
                        .await
                }
                "panic" => {
                    stream.send_message(reply(&first)).await?;
                    panic!("the steps gave way");
                }
                other => Err(Status::invalid_argument(format!("unknown act {other:?}"))),
            }
        })
        .await
    }

    async fn count_async(
        &self,
        ctx: &ServerContext,
        job: Job,
    ) -> Result<ServerStream<Done>, Status> {
        let (tx, stream) = ServerStream::channel(4);
        let ctx = ctx.clone();
        let shop = self.clone();
        tokio::spawn(async move {
            for n in 0..job.amount {
                if tx
                    .send(Ok(Done {
                        count: n,
                        note: String::new(),
                    }))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            if job.act == "abort" {
                let _ = ctx.abort(Code::Aborted, "stopped by a task");
                // Keep the sender open: the abort, not the end of the stream, ends the call.
                tokio::time::sleep(Duration::from_secs(10)).await;
            } else if job.act == "code" {
                ctx.set_code(Code::DataLoss);
                ctx.set_details("lost the rest");
            } else if job.act == "hold" {
                tokio::select! {
                    _ = ctx.cancelled() => shop.note("count_async: cancelled"),
                    _ = tokio::time::sleep(Duration::from_secs(10)) => {
                        shop.note("count_async: never cancelled");
                    }
                }
                drop(tx);
            }
        });
        Ok(stream)
    }
}
