//! Connection backoff (`doc/connection-backoff.md`) against a paused tokio clock, observed
//! through a load-balancing policy of our own that records when each attempt starts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use grpc_core::client::lb::{
    ChannelController, FailPicker, LoadBalancer, LoadBalancerBuilder, Subchannel,
};
use grpc_core::client::Address;
use grpc_core::{BackoffConfig, Channel, ConnectivityState, Status};
use tokio::time::Instant;

/// Connects its one subchannel again whenever it is IDLE, noting when each attempt starts.
#[derive(Debug)]
struct Recorder {
    attempts: Arc<Mutex<Vec<Instant>>>,
    subchannels: Vec<Subchannel>,
}

impl LoadBalancer for Recorder {
    fn resolver_update(
        &mut self,
        addresses: Result<Vec<Address>, Status>,
        channel: &mut dyn ChannelController,
    ) {
        for address in addresses.unwrap() {
            let subchannel = channel.new_subchannel(&address);
            subchannel.connect();
            self.subchannels.push(subchannel);
        }
    }

    fn subchannel_update(
        &mut self,
        subchannel: &Subchannel,
        state: ConnectivityState,
        channel: &mut dyn ChannelController,
    ) {
        match state {
            ConnectivityState::Connecting => self.attempts.lock().unwrap().push(Instant::now()),
            ConnectivityState::Idle => subchannel.connect(),
            ConnectivityState::TransientFailure => channel.update_picker(
                state,
                Arc::new(FailPicker(subchannel.last_error().unwrap())),
            ),
            _ => {}
        }
    }

    fn exit_idle(&mut self, _: &mut dyn ChannelController) {}
}

#[derive(Debug)]
struct RecorderBuilder(Arc<Mutex<Vec<Instant>>>);

impl LoadBalancerBuilder for RecorderBuilder {
    fn name(&self) -> &str {
        "recorder"
    }

    fn build(&self, _: &serde_json::Value) -> Result<Box<dyn LoadBalancer>, Status> {
        Ok(Box::new(Recorder {
            attempts: self.0.clone(),
            subchannels: Vec::new(),
        }))
    }
}

/// Attempt start times against a Unix socket path that does not exist (each attempt fails at
/// once, so only the backoff spaces them).
async fn attempt_gaps(backoff: BackoffConfig, attempts: usize) -> Vec<f64> {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let channel = Channel::builder("unix:/nonexistent/grpc-backoff-test.sock")
        .backoff(backoff)
        .register_load_balancer(Arc::new(RecorderBuilder(recorded.clone())))
        .load_balancing_policy("recorder")
        .connect_lazy()
        .unwrap();
    channel.state(true);
    while recorded.lock().unwrap().len() < attempts {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let times = recorded.lock().unwrap().clone();
    times
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn the_default_backoff_is_1s_then_x1_6_with_20_percent_jitter() {
    let gaps = attempt_gaps(BackoffConfig::default(), 8).await;
    // 1 s exactly, then each the previous backoff x 1.6, +-20%.
    assert!((gaps[0] - 1.0).abs() < 0.02, "{gaps:?}");
    let mut backoff = 1.0f64;
    for gap in &gaps[1..] {
        backoff *= 1.6;
        assert!(
            *gap >= backoff * 0.8 - 0.02 && *gap <= backoff * 1.2 + 0.02,
            "gap {gap} for backoff {backoff}: {gaps:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn backoff_is_capped_and_every_knob_applies() {
    let config = BackoffConfig {
        initial_backoff: Duration::from_millis(100),
        multiplier: 3.0,
        jitter: 0.0,
        max_backoff: Duration::from_millis(500),
        min_connect_timeout: Duration::from_secs(1),
    };
    let gaps = attempt_gaps(config, 6).await;
    let expected = [0.1, 0.3, 0.5, 0.5, 0.5];
    for (gap, want) in gaps.iter().zip(expected) {
        assert!((gap - want).abs() < 0.02, "{gaps:?} vs {expected:?}");
    }
}
