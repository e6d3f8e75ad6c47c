//! Connection backoff, as `doc/connection-backoff.md` specifies it.

use std::time::Duration;

/// How reconnection attempts are spaced (`doc/connection-backoff.md`).
///
/// After a failed attempt the next one starts `backoff` after the failed one started; each
/// failure multiplies the backoff by `multiplier` (plus or minus `jitter` of it, at random), up
/// to `max_backoff`. Each attempt may take at least `min_connect_timeout`. A successful
/// connection resets the backoff to `initial_backoff`.
///
/// ```
/// use std::time::Duration;
/// use grpc_core::BackoffConfig;
///
/// let config = BackoffConfig::default();
/// assert_eq!(config.initial_backoff, Duration::from_secs(1));
/// assert_eq!(config.multiplier, 1.6);
/// assert_eq!(config.jitter, 0.2);
/// assert_eq!(config.max_backoff, Duration::from_secs(120));
/// assert_eq!(config.min_connect_timeout, Duration::from_secs(20));
///
/// let fast = BackoffConfig { initial_backoff: Duration::from_millis(100), ..config };
/// # let _ = fast;
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackoffConfig {
    /// The wait after the first failure (default 1 s).
    pub initial_backoff: Duration,
    /// Growth per failure (default 1.6).
    pub multiplier: f64,
    /// Randomisation, as a fraction of the backoff (default 0.2).
    pub jitter: f64,
    /// The longest wait (default 120 s).
    pub max_backoff: Duration,
    /// The least time one attempt is given (default 20 s).
    pub min_connect_timeout: Duration,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        BackoffConfig {
            initial_backoff: Duration::from_secs(1),
            multiplier: 1.6,
            jitter: 0.2,
            max_backoff: Duration::from_secs(120),
            min_connect_timeout: Duration::from_secs(20),
        }
    }
}

/// The backoff state of one subchannel (or of a resolver retrying).
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    config: BackoffConfig,
    /// The backoff before jitter; `None` until the first failure.
    current: Option<Duration>,
}

impl Backoff {
    pub(crate) fn new(config: BackoffConfig) -> Self {
        Backoff {
            config,
            current: None,
        }
    }

    /// After a success: start over from `initial_backoff`.
    pub(crate) fn reset(&mut self) {
        self.current = None;
    }

    /// How long an attempt starting now may take: the current backoff, but at least
    /// `min_connect_timeout`.
    pub(crate) fn connect_timeout(&self) -> Duration {
        self.current
            .unwrap_or(self.config.initial_backoff)
            .max(self.config.min_connect_timeout)
    }

    /// The wait, counted from the start of the attempt that failed, before the next attempt:
    /// `initial_backoff` after the first failure, then the grown backoff with jitter.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let Some(current) = self.current else {
            self.current = Some(self.config.initial_backoff);
            return self.config.initial_backoff;
        };
        let grown = (current.as_secs_f64() * self.config.multiplier)
            .min(self.config.max_backoff.as_secs_f64());
        self.current = Some(Duration::from_secs_f64(grown));
        let jitter = self.config.jitter.clamp(0.0, 1.0);
        let spread = grown * jitter * (fastrand::f64() * 2.0 - 1.0);
        Duration::from_secs_f64((grown + spread).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_with_jitter_to_the_cap() {
        let mut backoff = Backoff::new(BackoffConfig::default());
        assert_eq!(backoff.next_delay(), Duration::from_secs(1));
        let second = backoff.next_delay().as_secs_f64();
        assert!((1.28..=1.92).contains(&second), "{second}");
        for _ in 0..30 {
            backoff.next_delay();
        }
        let capped = backoff.next_delay().as_secs_f64();
        assert!((96.0..=144.0).contains(&capped), "{capped}");
        assert_eq!(backoff.connect_timeout(), Duration::from_secs(120));
        backoff.reset();
        assert_eq!(backoff.next_delay(), Duration::from_secs(1));
    }

    #[test]
    fn no_jitter_is_exact() {
        let config = BackoffConfig {
            jitter: 0.0,
            ..BackoffConfig::default()
        };
        let mut backoff = Backoff::new(config);
        let delays: Vec<f64> = (0..4).map(|_| backoff.next_delay().as_secs_f64()).collect();
        let expected = [1.0, 1.6, 2.56, 4.096];
        for (d, e) in delays.iter().zip(expected) {
            assert!((d - e).abs() < 1e-9, "{delays:?}");
        }
        assert_eq!(backoff.connect_timeout(), Duration::from_secs(20));
    }
}
