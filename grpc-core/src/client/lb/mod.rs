//! Load balancing: a policy turns the resolver's addresses into subchannels, connects the ones
//! it wants, and gives the channel a [`Picker`] that chooses a subchannel for each call.
//!
//! Built in: [`pick_first`] (the default) and [`round_robin`]. Choose one with
//! [`ChannelBuilder::load_balancing_policy`](crate::client::ChannelBuilder::load_balancing_policy)
//! or a service config's `loadBalancingConfig`; add your own with
//! [`ChannelBuilder::register_load_balancer`](crate::client::ChannelBuilder::register_load_balancer).
//!
//! The shape is grpc-go's balancer API: the channel calls the policy from one task, so a policy
//! needs no locking, and pickers are immutable snapshots shared with the calls.

pub mod pick_first;
pub mod round_robin;

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

use super::connectivity::ConnectivityState;
use super::resolver::Address;
use super::worker::Event;
use crate::status::Status;
use crate::transport::connect::Connection;

/// A load-balancing policy. The channel calls it from its control task, one call at a time.
///
/// A policy that spreads calls over every address, connecting to each:
///
/// ```
/// use std::sync::Arc;
/// use grpc_core::client::lb::{ChannelController, LoadBalancer, Pick, PickRequest, Picker, Subchannel};
/// use grpc_core::client::Address;
/// use grpc_core::{ConnectivityState, Status};
///
/// #[derive(Debug, Default)]
/// struct FirstReady { subchannels: Vec<Subchannel> }
///
/// #[derive(Debug)]
/// struct Ready(Subchannel);
/// impl Picker for Ready {
///     fn pick(&self, _: &PickRequest<'_>) -> Pick { Pick::Ready(self.0.clone()) }
/// }
///
/// impl LoadBalancer for FirstReady {
///     fn resolver_update(&mut self, addresses: Result<Vec<Address>, Status>,
///                        channel: &mut dyn ChannelController) {
///         let Ok(addresses) = addresses else { return };
///         self.subchannels = addresses.iter().map(|a| channel.new_subchannel(a)).collect();
///         self.subchannels.iter().for_each(Subchannel::connect);
///     }
///     fn subchannel_update(&mut self, subchannel: &Subchannel, state: ConnectivityState,
///                          channel: &mut dyn ChannelController) {
///         match state {
///             ConnectivityState::Ready => channel
///                 .update_picker(ConnectivityState::Ready, Arc::new(Ready(subchannel.clone()))),
///             ConnectivityState::Idle => subchannel.connect(),
///             _ => {}
///         }
///     }
///     fn exit_idle(&mut self, _: &mut dyn ChannelController) {}
/// }
/// ```
pub trait LoadBalancer: Send + fmt::Debug + 'static {
    /// The resolver produced addresses (or failed). The first update follows the channel
    /// leaving IDLE.
    fn resolver_update(
        &mut self,
        addresses: Result<Vec<Address>, Status>,
        channel: &mut dyn ChannelController,
    );

    /// A subchannel this policy made changed state. A subchannel in TRANSIENT_FAILURE goes
    /// back to IDLE by itself once its backoff has passed; it connects again only when asked.
    fn subchannel_update(
        &mut self,
        subchannel: &Subchannel,
        state: ConnectivityState,
        channel: &mut dyn ChannelController,
    );

    /// A call (or [`Channel::state(true)`](crate::Channel::state)) wants a connection while
    /// this policy reported IDLE.
    fn exit_idle(&mut self, channel: &mut dyn ChannelController);
}

/// What a [`LoadBalancer`] can ask of its channel.
pub trait ChannelController {
    /// A new subchannel for `address`, IDLE. It lives as long as a clone of it does.
    fn new_subchannel(&mut self, address: &Address) -> Subchannel;
    /// Sets the channel's state and the picker that calls use from now on.
    fn update_picker(&mut self, state: ConnectivityState, picker: Arc<dyn Picker>);
    /// Asks the resolver for fresh addresses (no more often than the channel's minimum
    /// resolution interval).
    fn request_resolution(&mut self);
}

/// Makes a [`LoadBalancer`] from its service-config JSON (`{"round_robin": {}}` gives
/// `round_robin` the `{}`).
pub trait LoadBalancerBuilder: Send + Sync + fmt::Debug + 'static {
    /// The policy's name in `loadBalancingConfig`.
    fn name(&self) -> &str;
    /// A new policy instance.
    fn build(&self, config: &serde_json::Value) -> Result<Box<dyn LoadBalancer>, Status>;
}

/// Chooses a subchannel for each call. Pickers are immutable: a policy makes a new one whenever
/// what it would pick changes.
pub trait Picker: Send + Sync + fmt::Debug + 'static {
    /// The choice for one call.
    fn pick(&self, request: &PickRequest<'_>) -> Pick;
}

/// What a [`Picker`] knows about the call.
#[derive(Debug)]
#[non_exhaustive]
pub struct PickRequest<'a> {
    /// `/package.Service/Method`.
    pub path: &'a str,
}

impl<'a> PickRequest<'a> {
    pub(crate) fn new(path: &'a str) -> Self {
        PickRequest { path }
    }
}

/// A [`Picker`]'s answer.
#[derive(Debug)]
pub enum Pick {
    /// Use this subchannel (it should be READY; if it is not, the call waits for a new picker).
    Ready(Subchannel),
    /// Wait for the next picker.
    Queue,
    /// Fail the call with this status, unless it is `wait_for_ready`, which then waits.
    Fail(Status),
}

/// A picker that queues every call: while connecting, or IDLE.
#[derive(Debug)]
pub struct QueuePicker;

impl Picker for QueuePicker {
    fn pick(&self, _: &PickRequest<'_>) -> Pick {
        Pick::Queue
    }
}

/// A picker that fails every call with one status (TRANSIENT_FAILURE, SHUTDOWN).
#[derive(Debug)]
pub struct FailPicker(pub Status);

impl Picker for FailPicker {
    fn pick(&self, _: &PickRequest<'_>) -> Pick {
        Pick::Fail(self.0.clone())
    }
}

/// One address's connection, as a load-balancing policy sees it: its state, and a way to ask it
/// to connect. Clones share the subchannel; it shuts down when the last clone is dropped.
#[derive(Clone)]
pub struct Subchannel {
    pub(crate) inner: Arc<SubchannelInner>,
}

pub(crate) struct SubchannelInner {
    pub(crate) id: u64,
    /// Shared with the calls made on it, which report it as their peer.
    pub(crate) address: Arc<Address>,
    pub(crate) status: Mutex<SubchannelStatus>,
    pub(crate) events: UnboundedSender<Event>,
}

#[derive(Debug)]
pub(crate) struct SubchannelStatus {
    pub(crate) state: ConnectivityState,
    pub(crate) connection: Option<Connection>,
    pub(crate) last_error: Option<Status>,
}

impl Subchannel {
    /// The address it connects to.
    pub fn address(&self) -> &Address {
        &self.inner.address
    }

    /// Its connectivity state.
    pub fn state(&self) -> ConnectivityState {
        self.inner.lock().state
    }

    /// Why the last connection attempt failed, if it did.
    pub fn last_error(&self) -> Option<Status> {
        self.inner.lock().last_error.clone()
    }

    /// Starts connecting if IDLE; does nothing otherwise.
    pub fn connect(&self) {
        let _ = self.inner.events.send(Event::Connect(self.inner.id));
    }

    /// The address, shared (a call's peer).
    pub(crate) fn shared_address(&self) -> Arc<Address> {
        self.inner.address.clone()
    }

    /// The connection, when READY and still taking streams.
    pub(crate) fn connection(&self) -> Option<Connection> {
        self.inner
            .lock()
            .connection
            .clone()
            .filter(|c| !c.closed.is_cancelled())
    }
}

impl SubchannelInner {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, SubchannelStatus> {
        self.status.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for SubchannelInner {
    fn drop(&mut self) {
        let _ = self.events.send(Event::Dropped(self.id));
    }
}

impl PartialEq for Subchannel {
    fn eq(&self, other: &Self) -> bool {
        self.inner.id == other.inner.id
    }
}

impl Eq for Subchannel {}

impl Hash for Subchannel {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.inner.id.hash(state)
    }
}

impl fmt::Debug for Subchannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subchannel")
            .field("address", &self.inner.address)
            .field("state", &self.state())
            .finish()
    }
}

/// "no usable address" with each address and why it failed, for TRANSIENT_FAILURE pickers.
pub(crate) fn failure_status(subchannels: &[Subchannel]) -> Status {
    let reasons: Vec<String> = subchannels
        .iter()
        .map(|s| match s.last_error() {
            Some(error) => format!("{}: {}", s.address(), error.message()),
            None => format!("{}: not connected", s.address()),
        })
        .collect();
    Status::unavailable(format!(
        "no address could be connected to ({})",
        reasons.join("; ")
    ))
}

/// One subchannel per address, in order: the one in `old` for that address if there is one,
/// else a new one.
pub(crate) fn subchannels_for(
    addresses: &[Address],
    old: &[Subchannel],
    channel: &mut dyn ChannelController,
) -> Vec<Subchannel> {
    addresses
        .iter()
        .map(
            |address| match old.iter().find(|s| s.address() == address) {
                Some(existing) => existing.clone(),
                None => channel.new_subchannel(address),
            },
        )
        .collect()
}

/// The built-in policies.
pub(crate) fn builtin() -> Vec<Arc<dyn LoadBalancerBuilder>> {
    vec![
        Arc::new(pick_first::PickFirstBuilder),
        Arc::new(round_robin::RoundRobinBuilder),
    ]
}
