//! [`ConnectivityState`]: where a channel or a subchannel stands, as
//! `doc/connectivity-semantics-and-api.md` defines it.

use std::fmt;

/// The connectivity state of a channel or of one of its subchannels.
///
/// A channel starts IDLE and connects when a call needs it or when asked to
/// ([`Channel::state(true)`](crate::Channel::state)). It goes back to IDLE when its connection
/// ends or after its idle timeout, and to SHUTDOWN, for good, when closed.
///
/// ```
/// use grpc_core::ConnectivityState;
/// assert_eq!(ConnectivityState::TransientFailure.to_string(), "TRANSIENT_FAILURE");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectivityState {
    /// No connection and no attempt under way; the next call or `state(true)` starts one.
    Idle,
    /// A connection attempt (name resolution, TCP, TLS or the HTTP/2 handshake) is under way.
    Connecting,
    /// Connected: calls go out at once.
    Ready,
    /// The last attempt failed; the channel retries after a backoff. Calls without
    /// `wait_for_ready` fail fast with UNAVAILABLE.
    TransientFailure,
    /// Closed; every call fails. A channel never leaves this state.
    Shutdown,
}

impl fmt::Display for ConnectivityState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConnectivityState::Idle => "IDLE",
            ConnectivityState::Connecting => "CONNECTING",
            ConnectivityState::Ready => "READY",
            ConnectivityState::TransientFailure => "TRANSIENT_FAILURE",
            ConnectivityState::Shutdown => "SHUTDOWN",
        })
    }
}
