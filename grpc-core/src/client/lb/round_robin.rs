//! `round_robin`: a connection to every address, calls spread over the READY ones in turn.
//!
//! A subchannel whose connection ends, or whose backoff has passed, reconnects at once. The
//! channel is READY while any subchannel is, CONNECTING while any is trying, and
//! TRANSIENT_FAILURE (naming every address and its error) when all have failed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::{
    failure_status, subchannels_for, ChannelController, FailPicker, LoadBalancer,
    LoadBalancerBuilder, Pick, PickRequest, Picker, QueuePicker, Subchannel,
};
use crate::client::connectivity::ConnectivityState;
use crate::client::resolver::Address;
use crate::status::Status;

/// Builds [`RoundRobin`] (`"round_robin"`).
#[derive(Debug)]
pub struct RoundRobinBuilder;

impl LoadBalancerBuilder for RoundRobinBuilder {
    fn name(&self) -> &str {
        "round_robin"
    }

    fn build(&self, _config: &serde_json::Value) -> Result<Box<dyn LoadBalancer>, Status> {
        Ok(Box::new(RoundRobin::default()))
    }
}

/// The `round_robin` policy.
#[derive(Debug, Default)]
pub struct RoundRobin {
    subchannels: Vec<Subchannel>,
    /// The READY subchannels the current picker holds.
    ready: Vec<Subchannel>,
    reported: Option<ConnectivityState>,
}

#[derive(Debug)]
struct Rotation {
    ready: Vec<Subchannel>,
    next: AtomicUsize,
}

impl Picker for Rotation {
    fn pick(&self, _: &PickRequest<'_>) -> Pick {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        Pick::Ready(self.ready[i % self.ready.len()].clone())
    }
}

impl RoundRobin {
    /// Recomputes the channel's state and picker from the subchannels' states.
    fn update(&mut self, channel: &mut dyn ChannelController) {
        let ready: Vec<Subchannel> = self
            .subchannels
            .iter()
            .filter(|s| s.state() == ConnectivityState::Ready)
            .cloned()
            .collect();
        if !ready.is_empty() {
            if ready != self.ready || self.reported != Some(ConnectivityState::Ready) {
                self.ready = ready.clone();
                self.reported = Some(ConnectivityState::Ready);
                let start = fastrand::usize(..ready.len());
                let picker = Rotation {
                    ready,
                    next: AtomicUsize::new(start),
                };
                channel.update_picker(ConnectivityState::Ready, Arc::new(picker));
            }
            return;
        }
        self.ready.clear();
        let all_failed = !self.subchannels.is_empty()
            && self
                .subchannels
                .iter()
                .all(|s| s.state() == ConnectivityState::TransientFailure);
        if all_failed {
            self.reported = Some(ConnectivityState::TransientFailure);
            let status = failure_status(&self.subchannels);
            channel.update_picker(
                ConnectivityState::TransientFailure,
                Arc::new(FailPicker(status)),
            );
            channel.request_resolution();
        } else if self.reported != Some(ConnectivityState::TransientFailure) {
            // Sticky TRANSIENT_FAILURE: once everything failed, stay there until one connects.
            self.reported = Some(ConnectivityState::Connecting);
            channel.update_picker(ConnectivityState::Connecting, Arc::new(QueuePicker));
        }
    }
}

impl LoadBalancer for RoundRobin {
    fn resolver_update(
        &mut self,
        addresses: Result<Vec<Address>, Status>,
        channel: &mut dyn ChannelController,
    ) {
        let addresses = match addresses {
            Ok(addresses) if !addresses.is_empty() => addresses,
            Ok(_) => Vec::new(),
            Err(status) => {
                if self.ready.is_empty() {
                    channel.update_picker(
                        ConnectivityState::TransientFailure,
                        Arc::new(FailPicker(status)),
                    );
                }
                return;
            }
        };
        if addresses.is_empty() {
            if self.ready.is_empty() {
                let status = Status::unavailable("the resolver returned no addresses");
                channel.update_picker(
                    ConnectivityState::TransientFailure,
                    Arc::new(FailPicker(status)),
                );
            }
            return;
        }
        let old = std::mem::take(&mut self.subchannels);
        self.subchannels = subchannels_for(&addresses, &old, channel);
        for subchannel in &self.subchannels {
            subchannel.connect();
        }
        self.update(channel);
    }

    fn subchannel_update(
        &mut self,
        subchannel: &Subchannel,
        state: ConnectivityState,
        channel: &mut dyn ChannelController,
    ) {
        if !self.subchannels.contains(subchannel) {
            return;
        }
        if state == ConnectivityState::Idle {
            // A lost connection, or a backoff that has passed: reconnect now.
            subchannel.connect();
            if self.ready.contains(subchannel) {
                channel.request_resolution();
            }
        }
        self.update(channel);
    }

    fn exit_idle(&mut self, _channel: &mut dyn ChannelController) {
        for subchannel in &self.subchannels {
            subchannel.connect();
        }
    }
}
