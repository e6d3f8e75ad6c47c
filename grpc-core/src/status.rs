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
//! ```

use std::fmt;

use bytes::Bytes;

use crate::metadata::MetadataMap;

pub use tonic::Code;

/// A gRPC status: what every failed call returns, and how a handler reports failure.
///
/// The status is one pointer wide, so `Result<T, Status>` stays small.
#[derive(Clone)]
pub struct Status(Box<tonic::Status>);

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
        Status(Box::new(tonic::Status::new(code, message)))
    }

    /// A status with binary details, sent as `grpc-status-details-bin` (usually an encoded
    /// `google.rpc.Status`).
    pub fn with_details(code: Code, message: impl Into<String>, details: Bytes) -> Status {
        Status(Box::new(tonic::Status::with_details(
            code, message, details,
        )))
    }

    /// A status carrying metadata, sent as trailing metadata.
    pub fn with_metadata(code: Code, message: impl Into<String>, metadata: MetadataMap) -> Status {
        Status(Box::new(tonic::Status::with_metadata(
            code, message, metadata,
        )))
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
        self.0.code()
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        self.0.message()
    }

    /// The binary details (`grpc-status-details-bin`); empty when there are none.
    pub fn details(&self) -> &[u8] {
        self.0.details()
    }

    /// The metadata: on a received status, the trailing metadata of the call.
    pub fn metadata(&self) -> &MetadataMap {
        self.0.metadata()
    }

    /// Mutable access to the metadata, sent as trailing metadata.
    pub fn metadata_mut(&mut self) -> &mut MetadataMap {
        self.0.metadata_mut()
    }

    /// Converts into the tonic status this one wraps.
    pub fn into_tonic(self) -> tonic::Status {
        *self.0
    }
}

impl From<tonic::Status> for Status {
    fn from(status: tonic::Status) -> Self {
        Status(Box::new(status))
    }
}

impl From<Status> for tonic::Status {
    fn from(status: Status) -> Self {
        *status.0
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Status");
        s.field("code", &self.code())
            .field("message", &self.message());
        if !self.details().is_empty() {
            s.field("details", &Bytes::copy_from_slice(self.details()));
        }
        if !self.metadata().is_empty() {
            s.field("metadata", self.metadata());
        }
        s.finish()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code(), self.message())
    }
}

impl std::error::Error for Status {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
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
}
