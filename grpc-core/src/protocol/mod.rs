//! The gRPC wire rules, with no I/O: what both the client and the server speak.
//!
//! - [`framing`](self): length-prefixed messages, each with its compressed flag, encoded and
//!   decoded under the size limits (checked before allocating; decompression is bounded by the
//!   receive limit);
//! - compression names and negotiation (`grpc-encoding`, `grpc-accept-encoding`);
//! - the status codec: `grpc-status`, percent-encoded `grpc-message`, `grpc-status-details-bin`,
//!   and the mapping of HTTP/2 reset reasons and HTTP statuses to gRPC codes;
//! - `grpc-timeout`, parsed and formatted;
//! - header names.
//!
//! This module depends on no other module of the crate but the public value types
//! ([`Status`](crate::Status), [`MetadataMap`](crate::metadata::MetadataMap)); `client`,
//! `server` and `transport` build on it.
//!
//! ```
//! use grpc_core::protocol::{Compression, OutgoingMessage};
//!
//! assert_eq!(Compression::from_name("gzip"), Some(Compression::Gzip));
//! let message = OutgoingMessage::uncompressed(7u32);
//! assert!(!message.compress);
//! ```

mod compression;
mod encode;
pub(crate) mod framing;
pub(crate) mod headers;
pub(crate) mod status_codec;
pub(crate) mod timeout;

pub use compression::Compression;
pub(crate) use compression::{accept_encoding_header, encoding_in, CompressionSet};
pub use encode::OutgoingMessage;
pub(crate) use encode::{EncodedBytes, FrameEncoder, Spliced, WireMessage};
pub(crate) use framing::{decode_message, FrameDecoder};
