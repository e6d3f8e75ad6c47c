//! Name resolution (`doc/naming.md`): what a target names, as a list of [`Address`]es.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use crate::status::Status;
pub use crate::transport::address::Address;

/// The future a [`Resolver`] returns.
pub type ResolveFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<Address>, Status>> + Send + 'a>>;

/// Turns a target into addresses. The channel resolves when it first connects, again when a
/// connection fails or ends (no more often than
/// [`ChannelBuilder::min_resolution_interval`](crate::client::ChannelBuilder::min_resolution_interval)),
/// and hands every new list to its load-balancing policy.
///
/// Plug in your own (service discovery, a static list) with
/// [`ChannelBuilder::resolver`](crate::client::ChannelBuilder::resolver):
///
/// ```
/// use grpc_core::client::{Address, ResolveFuture, Resolver};
///
/// #[derive(Debug)]
/// struct Fixed(Vec<Address>);
///
/// impl Resolver for Fixed {
///     fn resolve(&self) -> ResolveFuture<'_> {
///         Box::pin(async move { Ok(self.0.clone()) })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), grpc_core::Error> {
/// let backends = Fixed(vec![Address::Tcp("127.0.0.1:50051".parse().unwrap())]);
/// let channel = grpc_core::Channel::builder("my-service").resolver(backends).connect_lazy()?;
/// # let _ = channel; Ok(()) }
/// ```
pub trait Resolver: Send + Sync + fmt::Debug + 'static {
    /// The current addresses. An error, or an empty list, leaves the channel in
    /// TRANSIENT_FAILURE (with the error) until a later resolution succeeds.
    fn resolve(&self) -> ResolveFuture<'_>;
}

/// Resolves `host:port` through the system resolver (`getaddrinfo`): every IPv4 and IPv6
/// address, in the order the system gives them.
#[derive(Debug, Clone)]
pub struct DnsResolver {
    host: String,
    port: u16,
}

impl DnsResolver {
    /// A resolver for `host` (a name or an IP literal, without brackets) and `port`.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        DnsResolver {
            host: host.into(),
            port,
        }
    }
}

impl Resolver for DnsResolver {
    fn resolve(&self) -> ResolveFuture<'_> {
        Box::pin(async move {
            let found = tokio::net::lookup_host((self.host.as_str(), self.port))
                .await
                .map_err(|e| {
                    Status::unavailable(format!("resolving {}: {e}", self.host)).with_source(e)
                })?;
            let mut addresses: Vec<Address> = Vec::new();
            for address in found {
                let address = Address::Tcp(address);
                if !addresses.contains(&address) {
                    addresses.push(address);
                }
            }
            Ok(addresses)
        })
    }
}

/// A fixed list of addresses, which can be replaced at any time (the next resolution sees the
/// new list). What `ipv4:`, `ipv6:` and `unix:` targets use; handy in tests.
///
/// ```
/// use grpc_core::client::{Address, StaticResolver};
/// let resolver = StaticResolver::new(vec![Address::Unix("/tmp/a.sock".into())]);
/// resolver.set(vec![Address::Unix("/tmp/b.sock".into())]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct StaticResolver {
    addresses: Arc<Mutex<Vec<Address>>>,
}

impl StaticResolver {
    /// A resolver that answers `addresses`.
    pub fn new(addresses: Vec<Address>) -> Self {
        StaticResolver {
            addresses: Arc::new(Mutex::new(addresses)),
        }
    }

    /// Replaces the list (shared by clones of this resolver).
    pub fn set(&self, addresses: Vec<Address>) {
        *self.addresses.lock().unwrap_or_else(|p| p.into_inner()) = addresses;
    }
}

impl Resolver for StaticResolver {
    fn resolve(&self) -> ResolveFuture<'_> {
        let addresses = self
            .addresses
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        Box::pin(async move { Ok(addresses) })
    }
}

impl<R: Resolver> Resolver for Arc<R> {
    fn resolve(&self) -> ResolveFuture<'_> {
        (**self).resolve()
    }
}
