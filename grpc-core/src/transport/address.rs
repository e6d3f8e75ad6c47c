//! [`Address`]: one endpoint a connection can be made to.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// One endpoint a channel can connect to: what a [`Resolver`](crate::client::Resolver)
/// produces for a target.
///
/// ```
/// use grpc_core::client::Address;
/// let address = Address::Tcp("127.0.0.1:50051".parse().unwrap());
/// assert_eq!(address.to_string(), "127.0.0.1:50051");
/// assert_eq!(Address::Unix("/tmp/s.sock".into()).to_string(), "unix:/tmp/s.sock");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Address {
    /// An IPv4 or IPv6 socket address.
    Tcp(SocketAddr),
    /// A Unix domain socket path.
    Unix(PathBuf),
    /// A Linux abstract Unix socket name (no leading NUL).
    UnixAbstract(Vec<u8>),
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp(address) => write!(f, "{address}"),
            Address::Unix(path) => write!(f, "unix:{}", path.display()),
            Address::UnixAbstract(name) => {
                write!(f, "unix-abstract:{}", String::from_utf8_lossy(name))
            }
        }
    }
}
