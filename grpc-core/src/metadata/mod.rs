//! Request and response metadata: ASCII values and binary (`-bin`) values, typed apart.
//!
//! A key ending in `-bin` only accepts binary values, which travel base64-encoded; any other key
//! only accepts printable ASCII. The two are told apart by the type system: [`MetadataMap::insert`]
//! takes a [`MetadataValue<Ascii>`], [`MetadataMap::insert_bin`] a [`MetadataValue<Binary>`], and
//! a key of the wrong kind is refused (see [`MetadataMap::try_insert`]).
//!
//! ```
//! use grpc_core::metadata::{MetadataMap, MetadataValue};
//!
//! let mut md = MetadataMap::new();
//! md.insert("x-request-id", "42".parse().unwrap());
//! md.insert_bin("trace-bin", MetadataValue::from_bytes(&[0, 1, 2]));
//! assert_eq!(md.get("x-request-id").unwrap(), "42");
//! ```
//!
//! # Keys
//!
//! gRPC metadata keys are made of `0-9`, `a-z`, `-`, `_` and `.`, and HTTP/2 sends them in
//! lowercase. Keys parsed at run time (`&str`, `String`, [`str::parse`],
//! [`MetadataKey::from_bytes`]) are lowercased, so `"X-Request-Id"` and `"x-request-id"` are the
//! same key; [`MetadataKey::from_static`] requires the key to be written in lowercase already,
//! and panics otherwise. Lookups ([`MetadataMap::get`] and friends) are case-insensitive.
//!
//! # Binary values
//!
//! Binary values are sent base64-encoded with the standard alphabet and without padding, as
//! grpc-go and gRPC C-core do; received values are accepted padded or unpadded. A received
//! `-bin` header whose values were joined with `,` (which HTTP allows) reads as the separate
//! values.
//!
//! # Reserved headers
//!
//! Headers that the gRPC protocol itself owns (`content-type`, `te`, `grpc-status`,
//! `grpc-timeout`, ...) are not shown as metadata of received calls, responses or statuses, and
//! are not sent from user metadata: the protocol sets them itself.

mod key;
mod map;
mod value;
pub(crate) use value::check_received_value;

#[cfg(test)]
mod tests;

use std::fmt::Debug;
use std::hash::Hash;

use http::{HeaderMap, HeaderName};

pub use key::{
    AsMetadataKey, AsciiMetadataKey, BinaryMetadataKey, InvalidMetadataKey, MetadataKey,
};
pub use map::{GetAll, Iter, KeyAndValueRef, KeyRef, Keys, MetadataMap, ValueRef, Values};
pub use value::{
    AsciiMetadataValue, BinaryMetadataValue, InvalidMetadataValue, InvalidMetadataValueBytes,
    MetadataValue, ToStrError,
};

/// The kind of a metadata key or value: [`Ascii`] or [`Binary`]. Sealed: only these two exist.
///
/// ```
/// use grpc_core::metadata::{Ascii, Binary, MetadataKey, ValueEncoding};
///
/// fn key_of<VE: ValueEncoding>(key: &MetadataKey<VE>) -> &str {
///     key.as_str()
/// }
/// assert_eq!(key_of(&MetadataKey::<Ascii>::from_static("x-id")), "x-id");
/// assert_eq!(key_of(&MetadataKey::<Binary>::from_static("x-id-bin")), "x-id-bin");
/// ```
pub trait ValueEncoding:
    sealed::Encoding + Clone + Copy + Debug + Eq + Hash + Send + Sync + 'static
{
}

/// Marks ASCII metadata: a key that does not end in `-bin`, and a value of printable ASCII
/// (`0x20..=0x7E`) sent as is.
///
/// ```
/// use grpc_core::metadata::{Ascii, MetadataValue};
///
/// let value: MetadataValue<Ascii> = "hello world".parse().unwrap();
/// assert_eq!(value.to_str().unwrap(), "hello world");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ascii {}

/// Marks binary metadata: a key that ends in `-bin`, and a value of arbitrary bytes sent
/// base64-encoded.
///
/// ```
/// use grpc_core::metadata::{Binary, MetadataValue};
///
/// let value: MetadataValue<Binary> = MetadataValue::from_bytes(&[0xff, 0x00]);
/// assert_eq!(value.to_bytes().unwrap().as_ref(), &[0xff, 0x00]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Binary {}

impl sealed::Encoding for Ascii {
    const IS_BINARY: bool = false;
}
impl ValueEncoding for Ascii {}

impl sealed::Encoding for Binary {
    const IS_BINARY: bool = true;
}
impl ValueEncoding for Binary {}

/// [`RESERVED`] and [`is_reserved_lowercase`] from one list, so the two cannot drift.
macro_rules! reserved_headers {
    ($($name:literal,)*) => {
        /// Headers that the gRPC protocol (or HTTP/2 itself) owns. [`MetadataMap::from_headers`]
        /// drops them from received headers and trailers, and the protocol layer strips them
        /// from user metadata before sending (it sets them itself). `user-agent` is not among
        /// them: it stays visible to handlers. HTTP/2 pseudo-headers (`:path`, `:authority`,
        /// ...) never appear in an [`http::HeaderMap`] at all.
        pub(crate) const RESERVED: &[&str] = &[$($name,)*];

        /// Whether `name`, a lowercase header name (every [`http::HeaderName`] is), is one of
        /// the [`RESERVED`] headers. Runs on every header of every call: a `match` is a switch
        /// on the length and a comparison or two, where scanning [`RESERVED`] is up to 15.
        pub(crate) fn is_reserved_lowercase(name: &str) -> bool {
            matches!(name, $($name)|*)
        }
    };
}

reserved_headers! {
    // gRPC's own headers (doc/PROTOCOL-HTTP2.md).
    "te",
    "content-type",
    "grpc-status",
    "grpc-message",
    "grpc-status-details-bin",
    "grpc-timeout",
    "grpc-encoding",
    "grpc-accept-encoding",
    "grpc-message-type",
    // Connection-specific headers, which HTTP/2 forbids (RFC 9113, section 8.2.2), and `host`,
    // which HTTP/2 replaces with `:authority`.
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "host",
}

/// Removes every [`RESERVED`] header from `headers`.
///
/// Runs on every call (request headers, response metadata, trailers), so it scans the keys
/// present instead of looking up every reserved name: header names are already lowercase, so
/// an exact comparison is enough, and an empty map (the usual response metadata) costs nothing.
pub(crate) fn strip_reserved(headers: &mut HeaderMap) {
    if headers.is_empty() {
        return;
    }
    let mut found: [Option<HeaderName>; 8] = Default::default();
    let mut n = 0;
    let mut keys = 0;
    let mut overflow = false;
    for name in headers.keys() {
        keys += 1;
        if is_reserved_lowercase(name.as_str()) {
            if n == found.len() {
                overflow = true;
                break;
            }
            found[n] = Some(name.clone());
            n += 1;
        }
    }
    if !overflow && n == keys {
        // Nothing but reserved headers (the usual response headers and trailers): removing
        // them one by one would rehash each.
        headers.clear();
    } else if overflow {
        for name in RESERVED {
            headers.remove(*name);
        }
    } else {
        for name in found.iter().flatten() {
            headers.remove(name);
        }
    }
    debug_assert!(headers
        .keys()
        .all(|name| !is_reserved_lowercase(name.as_str())));
}

/// Whether a key names binary metadata: it ends in `-bin` (ASCII case-insensitively).
const fn is_binary_key(name: &[u8]) -> bool {
    let n = name.len();
    n >= 4
        && name[n - 4] == b'-'
        && name[n - 3].eq_ignore_ascii_case(&b'b')
        && name[n - 2].eq_ignore_ascii_case(&b'i')
        && name[n - 1].eq_ignore_ascii_case(&b'n')
}

/// Sealed supertraits: nameable (and implementable) only inside this crate.
mod sealed {
    /// What tells [`Ascii`](super::Ascii) and [`Binary`](super::Binary) apart.
    pub trait Encoding {
        /// Whether keys end in `-bin` and values are base64-encoded.
        const IS_BINARY: bool;
    }

    /// What a key argument of [`MetadataMap`](super::MetadataMap) methods can do.
    pub trait KeyArg<VE: super::ValueEncoding> {
        /// The key as given, for lookups (which are case-insensitive and never fail).
        fn name(&self) -> &str;
        /// The validated key, for insertions.
        fn into_key(self) -> Result<super::MetadataKey<VE>, super::InvalidMetadataKey>;
    }
}
