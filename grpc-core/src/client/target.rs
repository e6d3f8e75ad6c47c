//! Target strings (`doc/naming.md`): which resolver a target uses and what it names.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use super::resolver::{Address, DnsResolver, Resolver, StaticResolver};
use crate::error::Error;

/// The port of a target that names none.
const DEFAULT_PORT: u16 = 443;

/// A parsed target.
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) resolver: Arc<dyn Resolver>,
    /// `:authority` of every request, and where the TLS server name comes from.
    pub(crate) authority: String,
    /// `https://`: TLS unless configured otherwise.
    pub(crate) https: bool,
    /// A Unix socket target (TLS over it is refused).
    pub(crate) unix: bool,
}

impl Target {
    /// Parses every target syntax of `doc/naming.md`, plus `http://` and `https://` URLs:
    /// `dns:[//authority/]host[:port]`, `host[:port]`, `ipv4:` and `ipv6:` address lists,
    /// `unix:path`, `unix:///absolute` and `unix-abstract:name`.
    pub(crate) fn parse(target: &str) -> Result<Target, Error> {
        let invalid = |reason: &str| Error::invalid_target(target, reason);
        let unix = |addresses: Vec<Address>| Target {
            resolver: Arc::new(StaticResolver::new(addresses)),
            authority: "localhost".to_owned(),
            https: false,
            unix: true,
        };
        if let Some(name) = target.strip_prefix("unix-abstract:") {
            return Ok(unix(vec![Address::UnixAbstract(name.as_bytes().to_vec())]));
        }
        if let Some(path) = target.strip_prefix("unix:") {
            let path = match path.strip_prefix("//") {
                Some(absolute) if absolute.starts_with('/') => absolute,
                Some(_) => return Err(invalid("unix:// must be followed by an absolute path")),
                None => path,
            };
            if path.is_empty() {
                return Err(invalid("empty socket path"));
            }
            return Ok(unix(vec![Address::Unix(path.into())]));
        }
        for (scheme, v6) in [("ipv4:", false), ("ipv6:", true)] {
            if let Some(list) = target.strip_prefix(scheme) {
                let mut addresses = Vec::new();
                for entry in list.split(',') {
                    let address = parse_ip(entry, v6).ok_or_else(|| {
                        invalid(&format!("{entry:?} is not an {} address", &scheme[..4]))
                    })?;
                    addresses.push(Address::Tcp(address));
                }
                let authority = list.split(',').next().unwrap_or_default().to_owned();
                return Ok(Target {
                    resolver: Arc::new(StaticResolver::new(addresses)),
                    authority,
                    https: false,
                    unix: false,
                });
            }
        }
        let https = target.starts_with("https://");
        let host_port = if let Some(rest) = target.strip_prefix("dns:") {
            match rest.strip_prefix("//") {
                Some(with_authority) => match with_authority.split_once('/') {
                    Some(("", host)) => host,
                    Some((dns_server, _)) => {
                        return Err(invalid(&format!(
                            "asking a particular DNS server ({dns_server}) is not supported; \
                             use dns:///host:port for the system resolver"
                        )))
                    }
                    None => return Err(invalid("dns://authority must be followed by /host")),
                },
                None => rest,
            }
        } else if let Some(rest) = target
            .strip_prefix("http://")
            .or_else(|| target.strip_prefix("https://"))
        {
            rest.trim_end_matches('/')
        } else {
            target
        };
        let (host, port) = split_host_port(host_port).ok_or_else(|| invalid("bad port"))?;
        if host.is_empty() {
            return Err(invalid("no host"));
        }
        let port = port.unwrap_or(DEFAULT_PORT);
        let authority = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        Ok(Target {
            resolver: Arc::new(DnsResolver::new(host, port)),
            authority,
            https,
            unix: false,
        })
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 literal: the host (without
/// brackets) and the port, if any. `None` for a port that is not a number.
fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?.parse().ok()?))),
        };
    }
    match s.rsplit_once(':') {
        // More than one colon and no brackets: a bare IPv6 literal.
        Some((host, _)) if host.contains(':') => Some((s, None)),
        Some((host, port)) => Some((host, Some(port.parse().ok()?))),
        None => Some((s, None)),
    }
}

/// One entry of an `ipv4:` or `ipv6:` list.
fn parse_ip(entry: &str, v6: bool) -> Option<SocketAddr> {
    let (host, port) = split_host_port(entry)?;
    let ip: IpAddr = host.parse().ok()?;
    (ip.is_ipv6() == v6).then(|| SocketAddr::new(ip, port.unwrap_or(DEFAULT_PORT)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(target: &str) -> (Vec<Address>, String) {
        let parsed = Target::parse(target).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let addresses = runtime.block_on(parsed.resolver.resolve()).unwrap();
        (addresses, parsed.authority)
    }

    fn tcp(s: &str) -> Address {
        Address::Tcp(s.parse().unwrap())
    }

    #[test]
    fn dns_targets() {
        for target in [
            "127.0.0.1:50051",
            "dns:127.0.0.1:50051",
            "dns:///127.0.0.1:50051",
            "http://127.0.0.1:50051/",
        ] {
            assert_eq!(
                resolve(target),
                (vec![tcp("127.0.0.1:50051")], "127.0.0.1:50051".into()),
                "{target}"
            );
        }
        assert_eq!(resolve("[::1]:7").0, vec![tcp("[::1]:7")]);
        assert_eq!(resolve("[::1]").1, "[::1]:443");
        assert_eq!(
            Target::parse("example.com").unwrap().authority,
            "example.com:443"
        );
        assert!(Target::parse("https://x:1").unwrap().https);
        let localhost = resolve("localhost:9").0;
        assert!(localhost.contains(&tcp("127.0.0.1:9")), "{localhost:?}");
        assert!(Target::parse("dns://8.8.8.8/example.com:1").is_err());
        assert!(Target::parse("host:port").is_err());
        assert!(Target::parse(":80").is_err());
    }

    #[test]
    fn address_lists() {
        assert_eq!(
            resolve("ipv4:10.0.0.1:1,10.0.0.2"),
            (
                vec![tcp("10.0.0.1:1"), tcp("10.0.0.2:443")],
                "10.0.0.1:1".into()
            )
        );
        assert_eq!(
            resolve("ipv6:[::1]:5,::2").0,
            vec![tcp("[::1]:5"), tcp("[::2]:443")]
        );
        assert!(Target::parse("ipv4:::1").is_err());
        assert!(Target::parse("ipv6:127.0.0.1").is_err());
        assert!(Target::parse("ipv4:10.0.0.1:x").is_err());
    }

    #[test]
    fn unix_targets() {
        let unix = |p: &str| vec![Address::Unix(p.into())];
        assert_eq!(resolve("unix:/tmp/s.sock").0, unix("/tmp/s.sock"));
        assert_eq!(resolve("unix:///tmp/s.sock").0, unix("/tmp/s.sock"));
        assert_eq!(resolve("unix:rel.sock").0, unix("rel.sock"));
        assert_eq!(
            resolve("unix-abstract:grpc").0,
            vec![Address::UnixAbstract(b"grpc".to_vec())]
        );
        assert!(Target::parse("unix:").is_err());
        assert!(Target::parse("unix://relative").is_err());
        assert!(Target::parse("unix:/x").unwrap().unix);
    }
}
