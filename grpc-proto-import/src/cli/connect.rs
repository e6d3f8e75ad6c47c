//! Connection options: the channel to the target, TLS, metadata and timeouts.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use grpc_core::metadata::{MetadataMap, MetadataValue};
use grpc_core::tls::ChannelTls;
use grpc_core::Channel;

use super::Failure;

/// The reflection stream's deadline when `--timeout` gives none: a server that accepts the
/// connection but never answers must not hang `list` or `describe`.
const REFLECTION_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Args)]
pub(super) struct ConnectArgs {
    /// Connect without TLS (implied by an http:// target).
    #[arg(long)]
    plaintext: bool,
    /// Trust this CA certificate (PEM) instead of the web PKI roots.
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// Client certificate chain (PEM) for mutual TLS.
    #[arg(long, value_name = "FILE", requires = "key")]
    cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,
    /// Check the server's certificate against this name instead of the target's host.
    #[arg(long, value_name = "NAME")]
    servername: Option<String>,
    /// Request metadata, 'key: value' (repeatable); keys ending in -bin take base64 values.
    /// Sent with reflection requests too.
    #[arg(short = 'H', long = "header", value_name = "'KEY: VALUE'")]
    headers: Vec<String>,
    /// Deadline of each call, in seconds [default: none], and of the reflection stream
    /// [default: 20].
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
    /// How long to try connecting before a call fails UNAVAILABLE, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    connect_timeout: f64,
}

impl ConnectArgs {
    /// A channel to `target`: TLS unless `--plaintext` or an `http://` (or `unix:`) target.
    pub(super) fn channel(&self, target: &str) -> Result<Channel, Failure> {
        let connect_timeout = seconds("--connect-timeout", self.connect_timeout)?;
        let mut builder = Channel::builder(target).connect_timeout(connect_timeout);
        let plaintext = self.plaintext
            || target.starts_with("http://")
            || target.starts_with("unix:")
            || target.starts_with("unix-abstract:");
        if plaintext {
            if target.starts_with("https://") {
                return Err(Failure::Other(format!(
                    "--plaintext with the https:// target {target}"
                )));
            }
            if self.ca.is_some() || self.servername.is_some() || self.cert.is_some() {
                return Err(Failure::Other(
                    "--ca, --cert and --servername need TLS, but the connection is plaintext"
                        .to_owned(),
                ));
            }
        } else {
            let mut tls = ChannelTls::new();
            if let Some(ca) = &self.ca {
                let pem = std::fs::read(ca)
                    .map_err(|e| Failure::Other(format!("reading --ca {}: {e}", ca.display())))?;
                tls = tls.ca_certificate(pem);
            }
            if let (Some(cert), Some(key)) = (&self.cert, &self.key) {
                let read = |flag: &str, path: &PathBuf| {
                    std::fs::read(path).map_err(|e| {
                        Failure::Other(format!("reading {flag} {}: {e}", path.display()))
                    })
                };
                tls = tls.identity(read("--cert", cert)?, read("--key", key)?);
            }
            if let Some(name) = &self.servername {
                tls = tls.server_name_override(name);
            }
            builder = builder.tls(tls);
        }
        Ok(builder.connect_lazy()?)
    }

    /// The `-H` metadata.
    pub(super) fn metadata(&self) -> Result<MetadataMap, Failure> {
        let mut metadata = MetadataMap::new();
        for header in &self.headers {
            let (key, value) = header
                .split_once(':')
                .ok_or_else(|| Failure::Other(format!("-H {header:?} is not 'key: value'")))?;
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            let invalid = |what: &str| Failure::Other(format!("-H {header:?}: {what}"));
            if key.ends_with("-bin") {
                use base64::Engine as _;
                let engine = base64::engine::general_purpose::STANDARD_NO_PAD;
                let bytes = engine
                    .decode(value.trim_end_matches('='))
                    .map_err(|_| invalid("the value of a -bin key must be base64"))?;
                let value = MetadataValue::from_bytes(&bytes);
                metadata
                    .try_append_bin(key.as_str(), value)
                    .map_err(|_| invalid("invalid metadata key"))?;
            } else {
                let value = value
                    .parse()
                    .map_err(|_| invalid("invalid metadata value (printable ASCII only)"))?;
                metadata
                    .try_append(key.as_str(), value)
                    .map_err(|_| invalid("invalid metadata key"))?;
            }
        }
        Ok(metadata)
    }

    /// The `--timeout`, if any.
    pub(super) fn timeout(&self) -> Result<Option<Duration>, Failure> {
        self.timeout.map(|s| seconds("--timeout", s)).transpose()
    }

    /// A reflection client for `channel` with these metadata and timeout.
    pub(super) fn reflection(
        &self,
        channel: Channel,
    ) -> Result<crate::reflection::ReflectionClient, Failure> {
        let timeout = self.timeout()?.unwrap_or(REFLECTION_TIMEOUT);
        Ok(crate::reflection::ReflectionClient::new(channel)
            .with_metadata(self.metadata()?)
            .with_timeout(timeout))
    }
}

fn seconds(flag: &str, value: f64) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| Failure::Other(format!("{flag} {value}: not a number of seconds")))
}
