//! Request and response metadata: ASCII values and binary (`-bin`) values, typed apart.
//!
//! These are tonic's metadata types: a key ending in `-bin` only accepts binary values, which
//! travel base64-encoded; any other key only accepts printable ASCII.
//!
//! ```
//! use grpc_core::metadata::{MetadataMap, MetadataValue};
//!
//! let mut md = MetadataMap::new();
//! md.insert("x-request-id", "42".parse().unwrap());
//! md.insert_bin("trace-bin", MetadataValue::from_bytes(&[0, 1, 2]));
//! assert_eq!(md.get("x-request-id").unwrap(), "42");
//! ```

pub use tonic::metadata::{
    Ascii, AsciiMetadataKey, AsciiMetadataValue, Binary, BinaryMetadataKey, BinaryMetadataValue,
    KeyAndValueRef, MetadataKey, MetadataMap, MetadataValue,
};
