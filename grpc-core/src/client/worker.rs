//! The channel's control task: runs the resolver, the subchannels' connection attempts and
//! backoff, and the load-balancing policy, and publishes the picker calls use.
//!
//! Everything that changes the channel's state happens here, one event at a time, so neither
//! the policy nor the subchannel bookkeeping needs locks beyond the snapshots calls read.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::backoff::{Backoff, BackoffConfig};
use super::connectivity::ConnectivityState;
use super::lb::{
    ChannelController, FailPicker, LoadBalancer, LoadBalancerBuilder, Picker, QueuePicker,
    Subchannel, SubchannelInner, SubchannelStatus,
};
use super::resolver::{Address, Resolver};
use crate::status::Status;
use crate::transport::connect::{connect, ConnectSettings, Connection};
use crate::transport::usage::Activity;

/// What the control task reacts to.
#[derive(Debug)]
pub(crate) enum Event {
    /// A call or `state(true)` wants the channel out of IDLE.
    ExitIdle,
    /// The policy asked subchannel `id` to connect.
    Connect(u64),
    Resolved(Result<Vec<Address>, Status>),
    /// The minimum interval before the next resolution has passed.
    ResolveDue,
    Connected {
        id: u64,
        attempt: u64,
        connection: Connection,
    },
    ConnectFailed {
        id: u64,
        attempt: u64,
        status: Status,
    },
    /// The connection of attempt `attempt` takes no more streams.
    ConnectionLost {
        id: u64,
        attempt: u64,
    },
    BackoffDone {
        id: u64,
        attempt: u64,
    },
    /// The last clone of subchannel `id` is gone.
    Dropped(u64),
    /// `close()`: fail every call in flight. `abort: false` is the last handle dropped:
    /// calls in flight finish.
    Shutdown {
        abort: bool,
    },
}

/// The current picker and the state it was published with.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub(crate) state: ConnectivityState,
    pub(crate) picker: Arc<dyn Picker>,
}

/// What calls and the channel handle share with the control task.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) events: mpsc::UnboundedSender<Event>,
    pub(crate) picker: watch::Sender<Arc<Snapshot>>,
    pub(crate) state: watch::Sender<ConnectivityState>,
    pub(crate) activity: Arc<Activity>,
}

/// How the control task behaves.
#[derive(Debug, Clone)]
pub(crate) struct WorkerSettings {
    pub(crate) connect: ConnectSettings,
    pub(crate) backoff: BackoffConfig,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) min_resolution_interval: Duration,
    /// The load-balancing policy, and its configuration (checked when the channel was built).
    pub(crate) policy: (Arc<dyn LoadBalancerBuilder>, serde_json::Value),
}

/// Starts the control task of a new channel, IDLE, on `runtime`.
pub(crate) fn spawn(
    runtime: &tokio::runtime::Handle,
    resolver: Arc<dyn Resolver>,
    settings: WorkerSettings,
) -> Arc<Shared> {
    let (events, receiver) = mpsc::unbounded_channel();
    let idle = Arc::new(Snapshot {
        state: ConnectivityState::Idle,
        picker: Arc::new(QueuePicker),
    });
    let shared = Arc::new(Shared {
        events: events.clone(),
        picker: watch::Sender::new(idle),
        state: watch::Sender::new(ConnectivityState::Idle),
        activity: Arc::new(Activity {
            in_flight: AtomicUsize::new(0),
            last_ms: AtomicU64::new(0),
            epoch: Instant::now(),
        }),
    });
    let worker = Worker {
        picker: shared.picker.clone(),
        state: shared.state.clone(),
        activity: shared.activity.clone(),
        events,
        resolver,
        resolver_backoff: Backoff::new(settings.backoff),
        settings,
        policy: None,
        subchannels: HashMap::new(),
        next_id: 0,
        resolving: false,
        resolve_pending: false,
        last_resolution: None,
    };
    runtime.spawn(worker.run(receiver));
    shared
}

struct Worker {
    picker: watch::Sender<Arc<Snapshot>>,
    state: watch::Sender<ConnectivityState>,
    activity: Arc<Activity>,
    events: mpsc::UnboundedSender<Event>,
    resolver: Arc<dyn Resolver>,
    resolver_backoff: Backoff,
    settings: WorkerSettings,
    /// `None` while the channel is IDLE (or shut down).
    policy: Option<Box<dyn LoadBalancer>>,
    subchannels: HashMap<u64, Entry>,
    next_id: u64,
    resolving: bool,
    /// A resolution was asked for and waits for the minimum interval.
    resolve_pending: bool,
    last_resolution: Option<Instant>,
}

/// The control task's record of one subchannel.
struct Entry {
    subchannel: Weak<SubchannelInner>,
    backoff: Backoff,
    /// Counts attempts, so that events of an earlier attempt are recognised as stale.
    attempt: u64,
    attempt_started: Instant,
    task: Option<tokio::task::AbortHandle>,
}

impl Drop for Entry {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Worker {
    async fn run(mut self, mut events: mpsc::UnboundedReceiver<Event>) {
        loop {
            let idle_check = self.idle_deadline();
            let event = tokio::select! {
                event = events.recv() => event,
                _ = sleep_until(idle_check) => {
                    self.check_idle();
                    continue;
                }
            };
            let Some(event) = event else { return };
            if let Event::Shutdown { abort } = event {
                self.shutdown(abort);
                return;
            }
            self.handle(event);
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::ExitIdle => self.exit_idle(),
            Event::Connect(id) => self.start_attempt(id),
            Event::Resolved(result) => {
                self.resolving = false;
                self.last_resolution = Some(Instant::now());
                let failed = match &result {
                    Ok(addresses) => addresses.is_empty(),
                    Err(_) => true,
                };
                if failed {
                    // Retry with backoff, whether or not the policy asks.
                    let delay = self.resolver_backoff.next_delay();
                    self.schedule(delay, Event::ResolveDue);
                    self.resolve_pending = true;
                } else {
                    self.resolver_backoff.reset();
                }
                if let Err(status) = &result {
                    tracing::debug!(%status, "name resolution failed");
                }
                self.with_policy(|policy, channel| policy.resolver_update(result, channel));
            }
            Event::ResolveDue => {
                self.resolve_pending = false;
                if self.policy.is_some() {
                    self.resolve_now();
                }
            }
            Event::Connected {
                id,
                attempt,
                connection,
            } => {
                let events = self.events.clone();
                let Some((subchannel, entry)) = self.current(id, attempt) else {
                    return;
                };
                entry.backoff.reset();
                let closed = connection.closed.clone();
                entry.task = Some(
                    tokio::spawn(async move {
                        closed.cancelled().await;
                        let _ = events.send(Event::ConnectionLost { id, attempt });
                    })
                    .abort_handle(),
                );
                {
                    let mut status = subchannel.inner.lock();
                    status.state = ConnectivityState::Ready;
                    status.connection = Some(connection);
                    status.last_error = None;
                }
                self.notify(&subchannel, ConnectivityState::Ready);
            }
            Event::ConnectFailed {
                id,
                attempt,
                status,
            } => {
                let events = self.events.clone();
                let Some((subchannel, entry)) = self.current(id, attempt) else {
                    return;
                };
                tracing::debug!(address = %subchannel.address(), %status, "connection attempt failed");
                let next = entry.attempt_started + entry.backoff.next_delay();
                entry.task = Some(
                    tokio::spawn(async move {
                        tokio::time::sleep_until(next).await;
                        let _ = events.send(Event::BackoffDone { id, attempt });
                    })
                    .abort_handle(),
                );
                {
                    let mut current = subchannel.inner.lock();
                    current.state = ConnectivityState::TransientFailure;
                    current.last_error = Some(status);
                }
                self.notify(&subchannel, ConnectivityState::TransientFailure);
            }
            Event::BackoffDone { id, attempt } => {
                let Some((subchannel, entry)) = self.current(id, attempt) else {
                    return;
                };
                entry.task = None;
                subchannel.inner.lock().state = ConnectivityState::Idle;
                self.notify(&subchannel, ConnectivityState::Idle);
            }
            Event::ConnectionLost { id, attempt } => {
                let Some((subchannel, entry)) = self.current(id, attempt) else {
                    return;
                };
                entry.task = None;
                {
                    let mut status = subchannel.inner.lock();
                    if status.state != ConnectivityState::Ready {
                        return;
                    }
                    status.state = ConnectivityState::Idle;
                    status.connection = None;
                }
                tracing::debug!(address = %subchannel.address(), "connection ended");
                self.notify(&subchannel, ConnectivityState::Idle);
            }
            Event::Dropped(id) => {
                self.subchannels.remove(&id);
            }
            Event::Shutdown { .. } => unreachable!("handled by run"),
        }
    }

    /// The subchannel and its entry, if `attempt` is its current attempt.
    fn current(&mut self, id: u64, attempt: u64) -> Option<(Subchannel, &mut Entry)> {
        let entry = self.subchannels.get_mut(&id)?;
        if entry.attempt != attempt {
            return None;
        }
        let inner = entry.subchannel.upgrade()?;
        Some((Subchannel { inner }, entry))
    }

    fn exit_idle(&mut self) {
        if self.policy.is_none() {
            let (builder, config) = &self.settings.policy;
            match builder.build(config) {
                Ok(policy) => self.policy = Some(policy),
                Err(status) => {
                    return self.publish(
                        ConnectivityState::TransientFailure,
                        Arc::new(FailPicker(status)),
                    )
                }
            }
            self.activity.touch();
            self.publish(ConnectivityState::Connecting, Arc::new(QueuePicker));
            self.resolve_now();
        } else {
            self.with_policy(|policy, channel| policy.exit_idle(channel));
        }
    }

    fn start_attempt(&mut self, id: u64) {
        let Some(entry) = self.subchannels.get_mut(&id) else {
            return;
        };
        let Some(inner) = entry.subchannel.upgrade() else {
            return;
        };
        let subchannel = Subchannel { inner };
        {
            let mut status = subchannel.inner.lock();
            if status.state != ConnectivityState::Idle {
                return;
            }
            status.state = ConnectivityState::Connecting;
        }
        entry.attempt += 1;
        entry.attempt_started = Instant::now();
        let attempt = entry.attempt;
        let timeout = entry.backoff.connect_timeout();
        let address = subchannel.address().clone();
        let settings = self.settings.connect.clone();
        let events = self.events.clone();
        entry.task = Some(
            tokio::spawn(async move {
                let event = match connect(&address, &settings, timeout).await {
                    Ok(connection) => Event::Connected {
                        id,
                        attempt,
                        connection,
                    },
                    Err(status) => Event::ConnectFailed {
                        id,
                        attempt,
                        status,
                    },
                };
                let _ = events.send(event);
            })
            .abort_handle(),
        );
        self.notify(&subchannel, ConnectivityState::Connecting);
    }

    fn notify(&mut self, subchannel: &Subchannel, state: ConnectivityState) {
        self.with_policy(|policy, channel| policy.subchannel_update(subchannel, state, channel));
    }

    fn with_policy(&mut self, f: impl FnOnce(&mut dyn LoadBalancer, &mut dyn ChannelController)) {
        if let Some(mut policy) = self.policy.take() {
            f(policy.as_mut(), self);
            if self.policy.is_none() && *self.state.borrow() != ConnectivityState::Shutdown {
                self.policy = Some(policy);
            }
        }
    }

    fn publish(&mut self, state: ConnectivityState, picker: Arc<dyn Picker>) {
        self.picker
            .send_replace(Arc::new(Snapshot { state, picker }));
        self.state.send_if_modified(|current| {
            let changed = *current != state;
            *current = state;
            changed
        });
    }

    fn resolve_now(&mut self) {
        if self.resolving {
            return;
        }
        self.resolving = true;
        let resolver = self.resolver.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let result = resolver.resolve().await;
            let _ = events.send(Event::Resolved(result));
        });
    }

    fn schedule(&self, delay: Duration, event: Event) {
        let events = self.events.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = events.send(event);
        });
    }

    /// When the idle timeout could next expire, while the channel is active.
    fn idle_deadline(&self) -> Option<Instant> {
        let timeout = self.settings.idle_timeout?;
        self.policy.as_ref()?;
        let last = Duration::from_millis(self.activity.last_ms.load(Ordering::Relaxed));
        Some(self.activity.epoch + last + timeout)
    }

    fn check_idle(&mut self) {
        let busy = self.activity.in_flight.load(Ordering::Relaxed) > 0;
        if busy {
            // Count the idle time from when the last call ends.
            self.activity.touch();
            return;
        }
        let Some(deadline) = self.idle_deadline() else {
            return;
        };
        if Instant::now() < deadline {
            return;
        }
        tracing::debug!("channel idle: dropping its connections");
        self.policy = None;
        self.publish(ConnectivityState::Idle, Arc::new(QueuePicker));
        // The policy's subchannels are gone with it; entries still listed are dropped here.
        self.subchannels.clear();
    }

    fn shutdown(&mut self, abort: bool) {
        if abort {
            let status = Status::cancelled("the channel was closed");
            for entry in self.subchannels.values() {
                if let Some(inner) = entry.subchannel.upgrade() {
                    if let Some(connection) = inner.lock().connection.take() {
                        connection.abort(status.clone());
                    }
                }
            }
        }
        self.policy = None;
        self.subchannels.clear();
        self.publish(
            ConnectivityState::Shutdown,
            Arc::new(FailPicker(Status::cancelled("the channel was closed"))),
        );
    }
}

impl ChannelController for Worker {
    fn new_subchannel(&mut self, address: &Address) -> Subchannel {
        self.next_id += 1;
        let id = self.next_id;
        let inner = Arc::new(SubchannelInner {
            id,
            address: Arc::new(address.clone()),
            status: Mutex::new(SubchannelStatus {
                state: ConnectivityState::Idle,
                connection: None,
                last_error: None,
            }),
            events: self.events.clone(),
        });
        self.subchannels.insert(
            id,
            Entry {
                subchannel: Arc::downgrade(&inner),
                backoff: Backoff::new(self.settings.backoff),
                attempt: 0,
                attempt_started: Instant::now(),
                task: None,
            },
        );
        Subchannel { inner }
    }

    fn update_picker(&mut self, state: ConnectivityState, picker: Arc<dyn Picker>) {
        self.publish(state, picker);
    }

    fn request_resolution(&mut self) {
        if self.resolving || self.resolve_pending {
            return;
        }
        let earliest = self
            .last_resolution
            .map(|last| last + self.settings.min_resolution_interval);
        match earliest {
            Some(earliest) if earliest > Instant::now() => {
                self.resolve_pending = true;
                self.schedule(earliest - Instant::now(), Event::ResolveDue);
            }
            _ => self.resolve_now(),
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
