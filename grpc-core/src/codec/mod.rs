//! Message framing on the wire: compression (gzip, deflate, zstd) and the length-prefixed
//! frames of the gRPC body, with per-message control over compression.
//!
//! Decoding (including decompression, with the receive limit applied to the decompressed
//! size) is tonic's; encoding is ours so that every message can choose whether it is
//! compressed and so that ready messages share one HTTP/2 DATA frame.

mod compression;
mod encode;
mod inspect;

pub use compression::Compression;
pub(crate) use compression::{accept_encoding_header, negotiate_response, request_encoding};
pub use encode::OutgoingMessage;
pub(crate) use encode::{EncodeBody, EncodedBytes, Outgoing, WireMessage};
pub(crate) use inspect::{Flags, InspectBody};
