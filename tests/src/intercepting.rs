//! Recording interceptors for the interceptor tests: each writes what it saw, with its name,
//! to a shared log.

use std::sync::{Arc, Mutex};

use grpc_core::intercept::{BoxFuture, CallObserver, DynMessage};
use grpc_core::{Code, ServerContext, Status};

/// A shared, ordered log of events (`"A start /probe.Probe/Echo"`, `"B request"`, ...).
#[derive(Clone, Debug, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    /// Appends an event.
    pub fn push(&self, event: String) {
        self.0.lock().unwrap().push(event);
    }

    /// Every event so far.
    pub fn events(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    /// The events that end with `suffix`-less `kind` (e.g. `"start"`), as `"<name>"`s, in order.
    pub fn who(&self, kind: &str) -> Vec<String> {
        self.events()
            .iter()
            .filter_map(|event| {
                let mut words = event.split(' ');
                let name = words.next()?;
                (words.next()? == kind).then(|| name.to_owned())
            })
            .collect()
    }

    /// The end codes logged by interceptor `name`.
    pub fn ends(&self, name: &str) -> Vec<Code> {
        self.events()
            .iter()
            .filter_map(|event| {
                let rest = event.strip_prefix(&format!("{name} end "))?;
                Some(Code::from(rest.parse::<i32>().ok()?))
            })
            .collect()
    }

    /// Waits (a bounded number of short sleeps) until interceptor `name` logged its end.
    pub async fn wait_end(&self, name: &str) -> Vec<Code> {
        for _ in 0..200 {
            let ends = self.ends(name);
            if !ends.is_empty() {
                return ends;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        self.ends(name)
    }
}

/// An observer logging each message and the end under `name`.
#[derive(Debug)]
pub struct Recorder {
    /// Its name in the log.
    pub name: &'static str,
    /// The log.
    pub log: Log,
}

impl CallObserver for Recorder {
    fn on_request(&self, message: &mut dyn DynMessage) {
        self.log
            .push(format!("{} request {}", self.name, message.type_name()));
    }

    fn on_response(&self, message: &mut dyn DynMessage) {
        self.log
            .push(format!("{} response {}", self.name, message.type_name()));
    }

    fn on_end(&self, status: &Status) {
        self.log
            .push(format!("{} end {}", self.name, status.code() as i32));
    }
}

/// A server interceptor: logs the call's start and observes it; copies request metadata
/// `x-client` into response metadata `x-seen-by-<name>`; rejects with PERMISSION_DENIED when
/// the request carries `x-reject: <name>`.
#[derive(Debug, Clone)]
pub struct ServerRecorder {
    /// Its name in the log.
    pub name: &'static str,
    /// The log.
    pub log: Log,
}

impl grpc_core::server::Interceptor for ServerRecorder {
    fn intercept<'a>(
        &'a self,
        ctx: &'a ServerContext,
    ) -> BoxFuture<'a, Result<Option<Box<dyn CallObserver>>, Status>> {
        Box::pin(async move {
            // A real await point: interceptors are async.
            tokio::task::yield_now().await;
            self.log.push(format!(
                "{} start {} {}",
                self.name,
                ctx.method(),
                ctx.auth_context().security_type().as_str()
            ));
            if let Some(value) = ctx.request_metadata().get("x-client") {
                let key = format!("x-seen-by-{}", self.name.to_lowercase());
                ctx.initial_metadata_mut()?
                    .insert(key.as_str(), value.clone());
            }
            let reject = ctx
                .request_metadata()
                .get("x-reject")
                .is_some_and(|v| v.as_bytes() == self.name.as_bytes());
            if reject {
                return Err(Status::permission_denied(format!("{} says no", self.name)));
            }
            Ok(Some(Box::new(Recorder {
                name: self.name,
                log: self.log.clone(),
            }) as Box<dyn CallObserver>))
        })
    }
}

/// Request metadata from `(key, value)` pairs.
pub fn metadata(pairs: &[(&str, &str)]) -> grpc_core::metadata::MetadataMap {
    let mut metadata = grpc_core::metadata::MetadataMap::new();
    for (key, value) in pairs {
        metadata.insert(*key, value.parse().unwrap());
    }
    metadata
}

/// A probe echo request for `message`.
pub fn echo(message: &str) -> crate::probe::EchoRequest {
    crate::probe::EchoRequest {
        message: message.into(),
        code: 0,
        details: vec![],
        reply_size: 0,
        response_compression: String::new(),
    }
}

/// Ticks `0..n` as a request stream.
pub fn ticks(n: u32) -> impl grpc_core::stream::Stream<Item = crate::probe::Tick> + Send + 'static {
    grpc_core::stream::iter((0..n).map(|n| crate::probe::Tick { n }))
}

/// Reads a response stream to its (successful) end: how many messages it had.
pub async fn drain<T>(responses: &mut grpc_core::Streaming<T>) -> usize {
    let mut n = 0;
    while responses.message().await.unwrap().is_some() {
        n += 1;
    }
    n
}
