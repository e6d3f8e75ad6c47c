//! Health checking: `grpc.health.v1.Health` (`Check` and `Watch`), as Kubernetes' gRPC probes,
//! load balancers, grpcio's `grpc_health` and `grpc-health-probe` ask it.
//!
//! One line on the builder serves it, with `""` (the whole server) and every registered
//! service SERVING; the application changes a status through the [`HealthReporter`]:
//!
//! ```
//! use grpc_core::services::health::ServingStatus;
//! use grpc_core::Server;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
//! let server = Server::builder().with_health().build();
//! let health = server.health().expect("with_health() was called");
//! assert_eq!(health.status(""), Some(ServingStatus::Serving));
//!
//! health.set_not_serving("helloworld.Greeter"); // e.g. while a backend is down
//! assert_eq!(health.status("helloworld.Greeter"), Some(ServingStatus::NotServing));
//!
//! server.add_insecure_port("127.0.0.1:0")?;
//! server.start().await?;
//! server.stop(None).await; // every service turns NOT_SERVING first
//! assert_eq!(health.status(""), Some(ServingStatus::NotServing));
//! # Ok(()) }
//! ```
//!
//! As the protocol says: `Check` of a service with no status is NOT_FOUND; `Watch` sends the
//! current status at once (SERVICE_UNKNOWN for a service with no status, and the call stays
//! open), then one message per change, until the client goes away. On
//! [`Server::stop`](crate::Server::stop) every status turns NOT_SERVING before the drain and
//! later changes are ignored (grpc-go's `Shutdown`), so load balancers move away while calls
//! in flight finish.
//!
//! To serve health on a server without the builder line, add
//! [`HealthReporter::service`] with [`ServerBuilder::add_service`].

#[allow(missing_docs)]
pub mod v1;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::broadcast;

use crate::server::{Server, ServerBuilder};
use crate::{ServerContext, ServerStream, Status};
pub use v1::health_check_response::ServingStatus;
use v1::{HealthCheckRequest, HealthCheckResponse, HealthServer};

/// How many status changes a slow `Watch` call may fall behind before it skips to the current
/// status (it then sends that status, once); [`HealthReporter::with_watch_backlog`] changes it.
pub const DEFAULT_WATCH_BACKLOG: usize = 64;

/// Sets the serving status of each service, as the health service reports it. Cheap to clone;
/// clones share the statuses.
#[derive(Clone)]
pub struct HealthReporter {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    /// Every change, as (service, new status); `None` is a cleared status.
    changes: broadcast::Sender<(Arc<str>, Option<ServingStatus>)>,
}

#[derive(Default)]
struct State {
    statuses: HashMap<String, ServingStatus>,
    /// After [`HealthReporter::shutdown`]: changes are ignored until `resume`.
    shut_down: bool,
}

impl fmt::Debug for HealthReporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("HealthReporter")
            .field("statuses", &state.statuses)
            .field("shut_down", &state.shut_down)
            .finish()
    }
}

impl Default for HealthReporter {
    fn default() -> Self {
        HealthReporter::new()
    }
}

impl HealthReporter {
    /// A reporter with no statuses (even `""` is unknown until set).
    pub fn new() -> HealthReporter {
        HealthReporter::with_watch_backlog(DEFAULT_WATCH_BACKLOG)
    }

    /// A reporter whose `Watch` calls may each fall `changes` status changes behind (at least
    /// 1; default [`DEFAULT_WATCH_BACKLOG`]) before skipping to the current status. Every
    /// change is kept once for all watchers, so this bounds the memory of a burst of changes.
    pub fn with_watch_backlog(changes: usize) -> HealthReporter {
        HealthReporter {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                changes: broadcast::channel(changes.max(1)).0,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sets `service`'s status (`""` for the whole server); `Watch` calls on it hear of a
    /// change. Ignored after [`HealthReporter::shutdown`].
    pub fn set_status(&self, service: &str, status: ServingStatus) {
        let mut state = self.state();
        if state.shut_down {
            tracing::debug!(
                service,
                ?status,
                "health is shut down; status change ignored"
            );
            return;
        }
        if state.statuses.get(service) == Some(&status) {
            return;
        }
        state.statuses.insert(service.to_owned(), status);
        // Sent under the lock, so that watchers see changes in the order they were made.
        let _ = self.shared.changes.send((service.into(), Some(status)));
    }

    /// Sets `service` SERVING.
    pub fn set_serving(&self, service: &str) {
        self.set_status(service, ServingStatus::Serving);
    }

    /// Sets `service` NOT_SERVING.
    pub fn set_not_serving(&self, service: &str) {
        self.set_status(service, ServingStatus::NotServing);
    }

    /// Forgets `service`'s status: `Check` answers NOT_FOUND and `Watch` SERVICE_UNKNOWN.
    /// Ignored after [`HealthReporter::shutdown`].
    pub fn clear_status(&self, service: &str) {
        let mut state = self.state();
        if state.shut_down || state.statuses.remove(service).is_none() {
            return;
        }
        let _ = self.shared.changes.send((service.into(), None));
    }

    /// `service`'s status, if it has one.
    pub fn status(&self, service: &str) -> Option<ServingStatus> {
        self.state().statuses.get(service).copied()
    }

    /// Sets every service NOT_SERVING and ignores later changes until
    /// [`HealthReporter::resume`]. [`Server::stop`] calls it for the server's own reporter.
    pub fn shutdown(&self) {
        let mut state = self.state();
        state.shut_down = true;
        let State { statuses, .. } = &mut *state;
        for (service, status) in statuses.iter_mut() {
            if *status != ServingStatus::NotServing {
                *status = ServingStatus::NotServing;
                let _ = self
                    .shared
                    .changes
                    .send((service.as_str().into(), Some(*status)));
            }
        }
    }

    /// Accepts status changes again after [`HealthReporter::shutdown`] (statuses stay as they
    /// are until set).
    pub fn resume(&self) {
        self.state().shut_down = false;
    }

    /// The `grpc.health.v1.Health` service answering from this reporter, to add with
    /// [`ServerBuilder::add_service`] (what [`ServerBuilder::with_health`] does).
    pub fn service(&self) -> HealthServer<HealthService> {
        HealthServer::new(HealthService {
            reporter: self.clone(),
        })
    }
}

/// The `grpc.health.v1.Health` implementation: see [`HealthReporter::service`].
#[derive(Debug, Clone)]
pub struct HealthService {
    reporter: HealthReporter,
}

fn response(status: ServingStatus) -> HealthCheckResponse {
    HealthCheckResponse { status }
}

impl v1::Health for HealthService {
    async fn check(
        &self,
        _ctx: &ServerContext,
        request: HealthCheckRequest,
    ) -> Result<HealthCheckResponse, Status> {
        match self.reporter.status(&request.service) {
            Some(status) => Ok(response(status)),
            None => Err(Status::not_found(format!(
                "unknown service {:?}",
                request.service
            ))),
        }
    }

    async fn watch(
        &self,
        _ctx: &ServerContext,
        request: HealthCheckRequest,
    ) -> Result<ServerStream<HealthCheckResponse>, Status> {
        let service: Arc<str> = request.service.into();
        // Subscribed before reading the current status, so no change falls in between.
        let changes = self.reporter.shared.changes.subscribe();
        let current = self
            .reporter
            .status(&service)
            .unwrap_or(ServingStatus::ServiceUnknown);
        let watch = Watch {
            reporter: self.reporter.clone(),
            service,
            changes,
            last: None,
            pending: Some(current),
        };
        Ok(ServerStream::new(futures_util::stream::unfold(
            watch,
            |mut watch| async move {
                let status = watch.next().await?;
                Some((Ok(response(status)), watch))
            },
        )))
    }
}

/// One `Watch` call's view of the changes.
struct Watch {
    reporter: HealthReporter,
    service: Arc<str>,
    changes: broadcast::Receiver<(Arc<str>, Option<ServingStatus>)>,
    /// The status last sent.
    last: Option<ServingStatus>,
    /// The status to send next.
    pending: Option<ServingStatus>,
}

impl Watch {
    /// The next status to send: the first at once, then each change of this service.
    async fn next(&mut self) -> Option<ServingStatus> {
        loop {
            if let Some(status) = self.pending.take() {
                if self.last != Some(status) {
                    self.last = Some(status);
                    return Some(status);
                }
            }
            match self.changes.recv().await {
                Ok((service, status)) if service == self.service => {
                    self.pending = Some(status.unwrap_or(ServingStatus::ServiceUnknown));
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let current = self.reporter.status(&self.service);
                    self.pending = Some(current.unwrap_or(ServingStatus::ServiceUnknown));
                }
                // The reporter is gone (not while the service holds it): end the stream.
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

impl ServerBuilder {
    /// Serves `grpc.health.v1.Health`, with `""` and every service registered by
    /// [`ServerBuilder::build`] time SERVING; [`Server::health`] gives the reporter to change
    /// them, and [`Server::stop`] turns them NOT_SERVING first. See [`crate::services::health`].
    pub fn with_health(self) -> Self {
        self.with_health_reporter(HealthReporter::new())
    }

    /// Like [`ServerBuilder::with_health`], answering from `reporter` (made beforehand, e.g.
    /// to hand to the services); statuses already set in it are kept.
    pub fn with_health_reporter(mut self, reporter: HealthReporter) -> Self {
        self = self.add_service(reporter.service());
        self.extensions_mut().insert(reporter.clone());
        let on_stop = reporter.clone();
        self.on_stop(move || on_stop.shutdown());
        self.on_build(move |builder| {
            let names: Vec<&'static str> = std::iter::once("")
                .chain(builder.services().map(|service| service.name()))
                .collect();
            for name in names {
                if reporter.status(name).is_none() {
                    reporter.set_serving(name);
                }
            }
        });
        self
    }
}

impl Server {
    /// The health reporter of a server built [`with_health`](ServerBuilder::with_health).
    pub fn health(&self) -> Option<HealthReporter> {
        self.extension::<HealthReporter>().cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn watch_sends_the_current_status_then_each_change() {
        let reporter = HealthReporter::new();
        reporter.set_serving("a");
        let mut watch = Watch {
            reporter: reporter.clone(),
            service: "a".into(),
            changes: reporter.shared.changes.subscribe(),
            last: None,
            pending: Some(ServingStatus::Serving),
        };
        assert_eq!(watch.next().await, Some(ServingStatus::Serving));
        reporter.set_serving("b");
        reporter.set_not_serving("a");
        reporter.set_serving("a");
        reporter.clear_status("a");
        assert_eq!(watch.next().await, Some(ServingStatus::NotServing));
        assert_eq!(watch.next().await, Some(ServingStatus::Serving));
        assert_eq!(watch.next().await, Some(ServingStatus::ServiceUnknown));
    }

    #[tokio::test]
    async fn a_lagging_watch_skips_to_the_current_status() {
        let reporter = HealthReporter::new();
        let mut watch = Watch {
            reporter: reporter.clone(),
            service: "a".into(),
            changes: reporter.shared.changes.subscribe(),
            last: Some(ServingStatus::ServiceUnknown),
            pending: None,
        };
        for i in 0..DEFAULT_WATCH_BACKLOG * 2 {
            reporter.set_status(
                "a",
                [ServingStatus::Serving, ServingStatus::NotServing][i % 2],
            );
        }
        // The backlog overflowed: the first message is the status now.
        assert_eq!(watch.next().await, Some(ServingStatus::NotServing));

        let small = HealthReporter::with_watch_backlog(2);
        let mut watch = Watch {
            reporter: small.clone(),
            service: "a".into(),
            changes: small.shared.changes.subscribe(),
            last: Some(ServingStatus::ServiceUnknown),
            pending: None,
        };
        small.set_serving("a");
        small.set_not_serving("a");
        // Within the backlog: both changes arrive.
        assert_eq!(watch.next().await, Some(ServingStatus::Serving));
        assert_eq!(watch.next().await, Some(ServingStatus::NotServing));
    }

    #[test]
    fn shutdown_sets_everything_not_serving_and_freezes() {
        let reporter = HealthReporter::new();
        reporter.set_serving("");
        reporter.set_serving("a");
        reporter.shutdown();
        assert_eq!(reporter.status(""), Some(ServingStatus::NotServing));
        assert_eq!(reporter.status("a"), Some(ServingStatus::NotServing));
        reporter.set_serving("a");
        reporter.clear_status("a");
        assert_eq!(reporter.status("a"), Some(ServingStatus::NotServing));
        reporter.resume();
        reporter.set_serving("a");
        assert_eq!(reporter.status("a"), Some(ServingStatus::Serving));
    }
}
