//! The outcome of a call: a [`Code`], a message, optional binary details and metadata.
//!
//! On the wire a status travels as `grpc-status`, a percent-encoded `grpc-message` (any Unicode
//! survives the trip) and `grpc-status-details-bin`; its metadata becomes trailing metadata.
//!
//! ```
//! use grpc_core::{Code, Status};
//!
//! let status = Status::not_found("no feature at (0, 0)");
//! assert_eq!(status.code(), Code::NotFound);
//! assert_eq!(status.message(), "no feature at (0, 0)");
//! assert_eq!(Code::from_i32(5), Code::NotFound);
//! ```

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use crate::metadata::MetadataMap;

/// A gRPC status code (grpc/grpc `doc/statuscodes.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(i32)]
pub enum Code {
    /// Not an error.
    Ok = 0,
    /// The operation was cancelled, typically by the caller.
    Cancelled = 1,
    /// An error from an unknown error space, or one without enough information.
    Unknown = 2,
    /// The client gave an invalid argument.
    InvalidArgument = 3,
    /// The deadline expired before the operation completed.
    DeadlineExceeded = 4,
    /// A requested entity was not found.
    NotFound = 5,
    /// The entity the client tried to create already exists.
    AlreadyExists = 6,
    /// The caller may not do this.
    PermissionDenied = 7,
    /// A resource (quota, message size, ...) ran out.
    ResourceExhausted = 8,
    /// The system is not in a state required for the operation.
    FailedPrecondition = 9,
    /// The operation was aborted, e.g. by a concurrency conflict.
    Aborted = 10,
    /// The operation went past the valid range.
    OutOfRange = 11,
    /// The method is not implemented or not supported.
    Unimplemented = 12,
    /// An invariant the system relies on is broken.
    Internal = 13,
    /// The service is currently unavailable; retrying may help.
    Unavailable = 14,
    /// Unrecoverable data loss or corruption.
    DataLoss = 15,
    /// The request lacks valid authentication credentials.
    Unauthenticated = 16,
}

impl Code {
    const ALL: [Code; 17] = [
        Code::Ok,
        Code::Cancelled,
        Code::Unknown,
        Code::InvalidArgument,
        Code::DeadlineExceeded,
        Code::NotFound,
        Code::AlreadyExists,
        Code::PermissionDenied,
        Code::ResourceExhausted,
        Code::FailedPrecondition,
        Code::Aborted,
        Code::OutOfRange,
        Code::Unimplemented,
        Code::Internal,
        Code::Unavailable,
        Code::DataLoss,
        Code::Unauthenticated,
    ];

    /// The code with this number; UNKNOWN for numbers outside 0..=16, as gRPC specifies.
    pub fn from_i32(value: i32) -> Code {
        usize::try_from(value)
            .ok()
            .and_then(|i| Code::ALL.get(i).copied())
            .unwrap_or(Code::Unknown)
    }

    /// The code's number.
    pub fn to_i32(self) -> i32 {
        self as i32
    }

    /// The canonical name, e.g. `DEADLINE_EXCEEDED`.
    pub fn name(self) -> &'static str {
        match self {
            Code::Ok => "OK",
            Code::Cancelled => "CANCELLED",
            Code::Unknown => "UNKNOWN",
            Code::InvalidArgument => "INVALID_ARGUMENT",
            Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
            Code::NotFound => "NOT_FOUND",
            Code::AlreadyExists => "ALREADY_EXISTS",
            Code::PermissionDenied => "PERMISSION_DENIED",
            Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
            Code::FailedPrecondition => "FAILED_PRECONDITION",
            Code::Aborted => "ABORTED",
            Code::OutOfRange => "OUT_OF_RANGE",
            Code::Unimplemented => "UNIMPLEMENTED",
            Code::Internal => "INTERNAL",
            Code::Unavailable => "UNAVAILABLE",
            Code::DataLoss => "DATA_LOSS",
            Code::Unauthenticated => "UNAUTHENTICATED",
        }
    }
}

impl From<i32> for Code {
    fn from(value: i32) -> Code {
        Code::from_i32(value)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A gRPC status: what every failed call returns, and how a handler reports failure.
///
/// The status is one pointer wide, so `Result<T, Status>` stays small. A status made from a
/// local failure (a refused connection, a broken stream) keeps that failure as its
/// [`source`](std::error::Error::source).
///
/// ```
/// use grpc_core::{Code, Status};
/// use grpc_core::metadata::MetadataMap;
///
/// let mut metadata = MetadataMap::new();
/// metadata.insert("retry-after", "5".parse().unwrap());
/// let status = Status::with_metadata(Code::Unavailable, "overloaded", metadata);
/// assert_eq!(status.metadata().get("retry-after").unwrap(), "5");
/// assert_eq!(status.to_string(), "UNAVAILABLE: overloaded");
/// ```
#[derive(Clone)]
pub struct Status(Box<Inner>);

#[derive(Clone)]
struct Inner {
    code: Code,
    message: String,
    details: Bytes,
    metadata: MetadataMap,
    source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

macro_rules! constructors {
    ($($(#[$doc:meta])* $name:ident => $code:ident;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(message: impl Into<String>) -> Status {
                Status::new(Code::$code, message)
            }
        )*
    };
}

impl Status {
    /// A status with the given code and message.
    pub fn new(code: Code, message: impl Into<String>) -> Status {
        Status(Box::new(Inner {
            code,
            message: message.into(),
            details: Bytes::new(),
            metadata: MetadataMap::new(),
            source: None,
        }))
    }

    /// A status with binary details, sent as `grpc-status-details-bin` (usually an encoded
    /// `google.rpc.Status`).
    pub fn with_details(code: Code, message: impl Into<String>, details: Bytes) -> Status {
        let mut status = Status::new(code, message);
        status.0.details = details;
        status
    }

    /// A status carrying metadata, sent as trailing metadata.
    pub fn with_metadata(code: Code, message: impl Into<String>, metadata: MetadataMap) -> Status {
        let mut status = Status::new(code, message);
        status.0.metadata = metadata;
        status
    }

    /// This status with `source` as its cause (see [`std::error::Error::source`]).
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Status {
        self.0.source = Some(Arc::from(source.into()));
        self
    }

    constructors! {
        /// `OK`: not an error; used for completeness.
        ok => Ok;
        /// `CANCELLED`: the operation was cancelled, typically by the caller.
        cancelled => Cancelled;
        /// `UNKNOWN`: an error from an unknown error space, or a handler that panicked.
        unknown => Unknown;
        /// `INVALID_ARGUMENT`: the client gave an invalid argument.
        invalid_argument => InvalidArgument;
        /// `DEADLINE_EXCEEDED`: the deadline expired before the operation completed.
        deadline_exceeded => DeadlineExceeded;
        /// `NOT_FOUND`: a requested entity was not found.
        not_found => NotFound;
        /// `ALREADY_EXISTS`: the entity the client tried to create already exists.
        already_exists => AlreadyExists;
        /// `PERMISSION_DENIED`: the caller may not do this.
        permission_denied => PermissionDenied;
        /// `RESOURCE_EXHAUSTED`: a resource (quota, message size, ...) ran out.
        resource_exhausted => ResourceExhausted;
        /// `FAILED_PRECONDITION`: the system is not in a state required for the operation.
        failed_precondition => FailedPrecondition;
        /// `ABORTED`: the operation was aborted, e.g. by a concurrency conflict.
        aborted => Aborted;
        /// `OUT_OF_RANGE`: the operation went past the valid range.
        out_of_range => OutOfRange;
        /// `UNIMPLEMENTED`: the method is not implemented or not supported.
        unimplemented => Unimplemented;
        /// `INTERNAL`: an invariant the system relies on is broken.
        internal => Internal;
        /// `UNAVAILABLE`: the service is currently unavailable; retrying may help.
        unavailable => Unavailable;
        /// `DATA_LOSS`: unrecoverable data loss or corruption.
        data_loss => DataLoss;
        /// `UNAUTHENTICATED`: the request lacks valid authentication credentials.
        unauthenticated => Unauthenticated;
    }

    /// The status code.
    pub fn code(&self) -> Code {
        self.0.code
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The binary details (`grpc-status-details-bin`); empty when there are none.
    pub fn details(&self) -> &[u8] {
        &self.0.details
    }

    /// The binary details as shared bytes.
    pub fn details_bytes(&self) -> Bytes {
        self.0.details.clone()
    }

    /// The metadata: on a received status, the trailing metadata of the call.
    pub fn metadata(&self) -> &MetadataMap {
        &self.0.metadata
    }

    /// Mutable access to the metadata, sent as trailing metadata.
    pub fn metadata_mut(&mut self) -> &mut MetadataMap {
        &mut self.0.metadata
    }

    /// Replaces the binary details (for the rich-error builders in `error_details`).
    pub(crate) fn set_details(&mut self, details: Bytes) {
        self.0.details = details;
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Status");
        s.field("code", &self.code())
            .field("message", &self.message());
        if !self.details().is_empty() {
            s.field("details", &self.0.details);
        }
        if !self.metadata().is_empty() {
            s.field("metadata", self.metadata());
        }
        if let Some(source) = &self.0.source {
            s.field("source", source);
        }
        s.finish()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for Status {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_is_one_pointer() {
        assert_eq!(std::mem::size_of::<Status>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn constructors_set_codes() {
        assert_eq!(Status::unavailable("x").code(), Code::Unavailable);
        assert_eq!(Status::data_loss("x").code(), Code::DataLoss);
        let s = Status::with_details(Code::Aborted, "m", Bytes::from_static(b"\x01"));
        assert_eq!(s.details(), b"\x01");
    }

    #[test]
    fn codes_round_trip_and_unknown_numbers_are_unknown() {
        for code in Code::ALL {
            assert_eq!(Code::from_i32(code.to_i32()), code);
        }
        assert_eq!(Code::from_i32(17), Code::Unknown);
        assert_eq!(Code::from_i32(-1), Code::Unknown);
    }

    #[test]
    fn source_is_kept() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let status = Status::unavailable("connect failed").with_source(io);
        let source = std::error::Error::source(&status).unwrap();
        assert_eq!(source.to_string(), "refused");
    }
}
