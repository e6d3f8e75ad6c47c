//! `pick_first`, the default policy: try the addresses in order, stick to the first that
//! connects.
//!
//! While no address is connected it tries each in turn; when every one has failed, the channel
//! is in TRANSIENT_FAILURE (the failure names each address and its error) and each address is
//! retried as its backoff ends, the first to connect winning. When the chosen connection ends,
//! the policy goes IDLE and asks for re-resolution; the next call starts over from the first
//! address.

use std::sync::Arc;

use super::{
    failure_status, subchannels_for, ChannelController, FailPicker, LoadBalancer,
    LoadBalancerBuilder, Pick, PickRequest, Picker, QueuePicker, Subchannel,
};
use crate::client::connectivity::ConnectivityState;
use crate::client::resolver::Address;
use crate::status::Status;

/// Builds [`PickFirst`] (`"pick_first"`).
#[derive(Debug)]
pub struct PickFirstBuilder;

impl LoadBalancerBuilder for PickFirstBuilder {
    fn name(&self) -> &str {
        "pick_first"
    }

    fn build(&self, _config: &serde_json::Value) -> Result<Box<dyn LoadBalancer>, Status> {
        Ok(Box::new(PickFirst::default()))
    }
}

/// The `pick_first` policy.
#[derive(Debug, Default)]
pub struct PickFirst {
    addresses: Vec<Address>,
    subchannels: Vec<Subchannel>,
    /// The subchannel being tried in the first pass over the list.
    trying: Option<usize>,
    /// The connected subchannel calls go to.
    selected: Option<Subchannel>,
    idle: bool,
}

#[derive(Debug)]
struct Selected(Subchannel);

impl Picker for Selected {
    fn pick(&self, _: &PickRequest<'_>) -> Pick {
        Pick::Ready(self.0.clone())
    }
}

impl PickFirst {
    /// Starts a pass over the addresses from the first.
    fn start(&mut self, channel: &mut dyn ChannelController) {
        self.idle = false;
        self.selected = None;
        self.rebuild(channel);
        if self.subchannels.is_empty() {
            return;
        }
        channel.update_picker(ConnectivityState::Connecting, Arc::new(QueuePicker));
        self.try_from(0, channel);
    }

    /// Tries the subchannels from `index` on; when all have failed, reports TRANSIENT_FAILURE.
    fn try_from(&mut self, index: usize, channel: &mut dyn ChannelController) {
        for (i, subchannel) in self.subchannels.iter().enumerate().skip(index) {
            match subchannel.state() {
                ConnectivityState::Idle | ConnectivityState::Connecting => {
                    self.trying = Some(i);
                    subchannel.connect();
                    return;
                }
                ConnectivityState::Ready => {
                    self.trying = Some(i);
                    let subchannel = subchannel.clone();
                    self.select(subchannel, channel);
                    return;
                }
                _ => {}
            }
        }
        self.trying = None;
        channel.update_picker(
            ConnectivityState::TransientFailure,
            Arc::new(FailPicker(failure_status(&self.subchannels))),
        );
        channel.request_resolution();
    }

    /// One subchannel per address, in order, reusing those that exist.
    fn rebuild(&mut self, channel: &mut dyn ChannelController) {
        let old = std::mem::take(&mut self.subchannels);
        self.subchannels = subchannels_for(&self.addresses, &old, channel);
    }

    fn select(&mut self, subchannel: Subchannel, channel: &mut dyn ChannelController) {
        self.trying = None;
        self.selected = Some(subchannel.clone());
        channel.update_picker(
            ConnectivityState::Ready,
            Arc::new(Selected(subchannel.clone())),
        );
        // Only the chosen one is kept: the others' connections (and attempts) end.
        self.subchannels.retain(|s| *s == subchannel);
    }
}

impl LoadBalancer for PickFirst {
    fn resolver_update(
        &mut self,
        addresses: Result<Vec<Address>, Status>,
        channel: &mut dyn ChannelController,
    ) {
        let addresses = match addresses {
            Ok(addresses) if !addresses.is_empty() => addresses,
            Ok(_) => {
                let status = Status::unavailable("the resolver returned no addresses");
                return self.resolver_failed(status, channel);
            }
            Err(status) => return self.resolver_failed(status, channel),
        };
        if addresses == self.addresses {
            return;
        }
        self.addresses = addresses;
        let selected = self.selected.clone();
        self.rebuild(channel);
        match selected {
            Some(s) if self.subchannels.contains(&s) => {}
            _ if self.idle => {}
            _ => self.start(channel),
        }
    }

    fn subchannel_update(
        &mut self,
        subchannel: &Subchannel,
        state: ConnectivityState,
        channel: &mut dyn ChannelController,
    ) {
        let Some(index) = self.subchannels.iter().position(|s| s == subchannel) else {
            return;
        };
        if self.selected.as_ref() == Some(subchannel) {
            if state != ConnectivityState::Ready {
                // The chosen connection ended: go IDLE until a call needs one.
                self.selected = None;
                self.idle = true;
                channel.update_picker(ConnectivityState::Idle, Arc::new(QueuePicker));
                channel.request_resolution();
            }
            return;
        }
        if self.selected.is_some() || self.idle {
            return;
        }
        match state {
            ConnectivityState::Ready => self.select(subchannel.clone(), channel),
            ConnectivityState::TransientFailure if self.trying == Some(index) => {
                self.try_from(index + 1, channel)
            }
            ConnectivityState::TransientFailure if self.trying.is_none() => {
                // Every address has failed: keep the failure current.
                channel.update_picker(
                    ConnectivityState::TransientFailure,
                    Arc::new(FailPicker(failure_status(&self.subchannels))),
                );
            }
            // After the first pass, each address is retried once its backoff ends.
            ConnectivityState::Idle if self.trying.is_none() => subchannel.connect(),
            _ => {}
        }
    }

    fn exit_idle(&mut self, channel: &mut dyn ChannelController) {
        if self.idle {
            self.start(channel);
        }
    }
}

impl PickFirst {
    fn resolver_failed(&mut self, status: Status, channel: &mut dyn ChannelController) {
        // With a working connection, a failed re-resolution changes nothing.
        if self.selected.is_none() {
            self.idle = false;
            channel.update_picker(
                ConnectivityState::TransientFailure,
                Arc::new(FailPicker(status)),
            );
        }
    }
}
