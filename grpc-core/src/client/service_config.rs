//! The service config (`doc/service_config.md`), as JSON given to the channel builder: the
//! load-balancing policy and per-method defaults (`waitForReady`, `timeout`, message limits).
//! Retry and hedging policies are parsed and checked so configs that carry them are accepted;
//! they are not applied yet.

use std::collections::HashMap;
use std::time::Duration;

use serde::Deserialize;

use crate::error::Error;

/// A parsed service config.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServiceConfig {
    /// `loadBalancingConfig` entries in order of preference: policy name and its config.
    pub(crate) load_balancing: Vec<(String, serde_json::Value)>,
    /// Method defaults by `/service/method`, `/service/` (every method of the service) or ``
    /// (every method).
    methods: HashMap<String, MethodConfig>,
}

/// Per-method defaults from `methodConfig`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MethodConfig {
    pub(crate) wait_for_ready: Option<bool>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_request_message_bytes: Option<usize>,
    pub(crate) max_response_message_bytes: Option<usize>,
    /// Parsed for later use (retries are not implemented yet).
    #[allow(dead_code)]
    pub(crate) retry_policy: Option<RetryPolicy>,
}

/// `retryPolicy`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RetryPolicy {
    pub(crate) max_attempts: u32,
    #[serde(deserialize_with = "duration")]
    pub(crate) initial_backoff: Duration,
    #[serde(deserialize_with = "duration")]
    pub(crate) max_backoff: Duration,
    pub(crate) backoff_multiplier: f64,
    pub(crate) retryable_status_codes: Vec<serde_json::Value>,
    #[serde(default)]
    pub(crate) per_attempt_recv_timeout: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    #[serde(default)]
    load_balancing_config: Vec<HashMap<String, serde_json::Value>>,
    #[serde(default)]
    load_balancing_policy: Option<String>,
    #[serde(default)]
    method_config: Vec<RawMethod>,
    #[serde(default)]
    #[allow(dead_code)]
    retry_throttling: Option<serde_json::Value>,
    #[serde(default)]
    #[allow(dead_code)]
    health_check_config: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMethod {
    #[serde(default)]
    name: Vec<RawName>,
    #[serde(default)]
    wait_for_ready: Option<bool>,
    #[serde(default, deserialize_with = "optional_duration")]
    timeout: Option<Duration>,
    #[serde(default, deserialize_with = "optional_size")]
    max_request_message_bytes: Option<usize>,
    #[serde(default, deserialize_with = "optional_size")]
    max_response_message_bytes: Option<usize>,
    #[serde(default)]
    retry_policy: Option<RetryPolicy>,
    #[serde(default)]
    #[allow(dead_code)]
    hedging_policy: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawName {
    #[serde(default)]
    service: String,
    #[serde(default)]
    method: String,
}

impl ServiceConfig {
    /// Parses service-config JSON.
    pub(crate) fn parse(json: &str) -> Result<ServiceConfig, Error> {
        let raw: Raw = serde_json::from_str(json)
            .map_err(|e| Error::invalid_config(format!("invalid service config: {e}")))?;
        let mut load_balancing = Vec::new();
        for entry in raw.load_balancing_config {
            if entry.len() != 1 {
                return Err(Error::invalid_config(
                    "invalid service config: each loadBalancingConfig entry names one policy",
                ));
            }
            load_balancing.extend(entry);
        }
        if let Some(policy) = raw.load_balancing_policy {
            // The deprecated field names the policy in upper snake case.
            load_balancing.push((policy.to_ascii_lowercase(), serde_json::json!({})));
        }
        let mut methods = HashMap::new();
        for method in raw.method_config {
            let config = MethodConfig {
                wait_for_ready: method.wait_for_ready,
                timeout: method.timeout,
                max_request_message_bytes: method.max_request_message_bytes,
                max_response_message_bytes: method.max_response_message_bytes,
                retry_policy: method.retry_policy,
            };
            for name in method.name {
                if name.service.is_empty() && !name.method.is_empty() {
                    return Err(Error::invalid_config(
                        "invalid service config: a method name needs its service",
                    ));
                }
                let key = match (name.service.as_str(), name.method.as_str()) {
                    ("", _) => String::new(),
                    (service, method) => format!("/{service}/{method}"),
                };
                if methods.insert(key.clone(), config.clone()).is_some() {
                    return Err(Error::invalid_config(format!(
                        "invalid service config: method name {key:?} appears twice"
                    )));
                }
            }
        }
        Ok(ServiceConfig {
            load_balancing,
            methods,
        })
    }

    /// The defaults for `path` (`/package.Service/Method`): the method's own entry, else its
    /// service's, else the config-wide default.
    pub(crate) fn method(&self, path: &str) -> Option<&MethodConfig> {
        if self.methods.is_empty() {
            return None;
        }
        let service_end = path.rfind('/').map_or(0, |i| i + 1);
        self.methods
            .get(path)
            .or_else(|| self.methods.get(&path[..service_end]))
            .or_else(|| self.methods.get(""))
    }
}

/// A protobuf JSON duration: `"1.5s"`.
fn parse_duration(text: &str) -> Option<Duration> {
    let seconds: f64 = text.strip_suffix('s')?.parse().ok()?;
    (seconds >= 0.0 && seconds.is_finite()).then(|| Duration::from_secs_f64(seconds))
}

fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    parse_duration(&text).ok_or_else(|| {
        serde::de::Error::custom(format!("{text:?} is not a duration like \"1.5s\""))
    })
}

fn optional_duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    duration(d).map(Some)
}

/// A uint64 in protobuf JSON: a number or a decimal string.
fn optional_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .map(|n| Some(usize::try_from(n).unwrap_or(usize::MAX)))
    .ok_or_else(|| serde::de::Error::custom("expected a byte count"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_policies_and_method_defaults() {
        let config = ServiceConfig::parse(
            r#"{
              "loadBalancingConfig": [{"weird_policy": {"x": 1}}, {"round_robin": {}}],
              "methodConfig": [
                {"name": [{"service": "helloworld.Greeter", "method": "SayHello"}],
                 "waitForReady": true, "timeout": "1.5s", "maxResponseMessageBytes": "1024"},
                {"name": [{"service": "helloworld.Greeter"}], "timeout": "2s"},
                {"name": [{}], "waitForReady": false,
                 "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s",
                                 "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}
              ]
            }"#,
        )
        .unwrap();
        let names: Vec<&str> = config
            .load_balancing
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(names, ["weird_policy", "round_robin"]);
        let say_hello = config.method("/helloworld.Greeter/SayHello").unwrap();
        assert_eq!(say_hello.wait_for_ready, Some(true));
        assert_eq!(say_hello.timeout, Some(Duration::from_millis(1500)));
        assert_eq!(say_hello.max_response_message_bytes, Some(1024));
        let other = config.method("/helloworld.Greeter/Other").unwrap();
        assert_eq!(other.timeout, Some(Duration::from_secs(2)));
        let default = config.method("/x.Y/Z").unwrap();
        assert_eq!(default.wait_for_ready, Some(false));
        assert_eq!(default.retry_policy.as_ref().unwrap().max_attempts, 3);
    }

    #[test]
    fn refuses_bad_configs() {
        for bad in [
            "not json",
            r#"{"loadBalancingConfig": [{"a": {}, "b": {}}]}"#,
            r#"{"methodConfig": [{"name": [{"method": "M"}]}]}"#,
            r#"{"methodConfig": [{"name": [{}], "timeout": "soon"}]}"#,
            r#"{"methodConfig": [{"name": [{}]}, {"name": [{}]}]}"#,
        ] {
            assert!(ServiceConfig::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            ServiceConfig::parse(r#"{"loadBalancingPolicy": "ROUND_ROBIN"}"#)
                .unwrap()
                .load_balancing[0]
                .0,
            "round_robin"
        );
    }
}
