//! Rich errors: the `google.rpc.Status` model ([`RpcStatus`]) and every type of
//! `google/rpc/error_details.proto`, attached to a [`Status`] and read back from one.
//!
//! A status with details carries an encoded `google.rpc.Status` (the same code and message,
//! plus a list of `Any`) in `grpc-status-details-bin`, which is what grpc-go's
//! `status.WithDetails`, grpcio-status' `rpc_status.to_status` / `from_call` and tonic-types
//! read and write.
//!
//! ```
//! use std::time::Duration;
//!
//! use grpc_core::error_details::{BadRequest, ErrorInfo, RetryInfo};
//! use grpc_core::{Code, Status};
//!
//! // A handler fails with details...
//! let status = Status::invalid_argument("bad point")
//!     .with_bad_request(BadRequest::new([("latitude", "must be within ±90°")]))
//!     .with_error_info(ErrorInfo::new("OUT_OF_RANGE", "routeguide.example").with_metadata("max", "90"))
//!     .with_retry_info(RetryInfo::after(Duration::from_millis(1500)));
//!
//! // ...and a client reads them from the status it got.
//! let details = status.error_details();
//! let bad_request = details.bad_request().expect("a BadRequest");
//! assert_eq!(bad_request.field_violations[0].field, "latitude");
//! assert_eq!(details.error_info().unwrap().metadata["max"], "90");
//! assert_eq!(details.retry_info().unwrap().delay(), Some(Duration::from_millis(1500)));
//! assert!(details.debug_info().is_none());
//!
//! // The google.rpc.Status itself, as it went on the wire.
//! let rpc = status.rpc_status().expect("details were attached");
//! assert_eq!(rpc.code, Code::InvalidArgument as i32);
//! assert_eq!(rpc.details.len(), 3);
//! assert_eq!(rpc.details[0].type_url, "type.googleapis.com/google.rpc.BadRequest");
//! ```
//!
//! Detail types of your own work too: any `#[derive(Message)]` type goes in with
//! [`Status::with_error_detail`] and comes out with [`ErrorDetails::get`], under the type URL
//! `type.googleapis.com/<full name>`. Server reflection serves every type of this module, so
//! that reflection clients (grpcurl) print a status' details; describe your own detail types
//! with [`ServerBuilder::describe`](crate::server::ServerBuilder::describe).

#[allow(missing_docs)]
mod types;

pub(crate) use types::register_all;
pub use types::*;

use bytes::Bytes;
use prost::Message as _;

use crate::descriptor::Describe;
use crate::well_known::Any;
use crate::{Code, Status};

/// A detail type: a message that packs into `google.protobuf.Any` under
/// `type.googleapis.com/<full name>`. Every `#[derive(Message)]` type is one.
pub trait ErrorDetail: prost::Message + Default + Describe {}

impl<T: prost::Message + Default + Describe> ErrorDetail for T {}

/// The type URL of `T`: `type.googleapis.com/<full name>`.
pub fn type_url<T: ErrorDetail>() -> String {
    format!("type.googleapis.com/{}", T::full_name())
}

/// Packs `detail` into an `Any`.
pub fn pack<T: ErrorDetail>(detail: &T) -> Any {
    Any {
        type_url: type_url::<T>(),
        value: detail.encode_to_vec(),
    }
}

/// Unpacks `any` as a `T`: `None` when it holds another type or does not decode.
pub fn unpack<T: ErrorDetail>(any: &Any) -> Option<T> {
    // The part after the last '/' is the full name, whatever the host part says.
    let name = any.type_url.rsplit('/').next().unwrap_or_default();
    if name != T::full_name() {
        return None;
    }
    T::decode(any.value.as_slice()).ok()
}

/// The details of a `google.rpc.Status`, in order, with typed accessors.
///
/// Made with [`ErrorDetails::new`] and [`ErrorDetails::with`] (then
/// [`Status::with_error_details`]), or read with [`Status::error_details`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorDetails {
    details: Vec<Any>,
}

macro_rules! typed_details {
    ($($(#[$doc:meta])* $getter:ident, $builder:ident => $ty:ty;)*) => {
        impl ErrorDetails {
            $(
                $(#[$doc])*
                /// The first such detail; `None` when there is none.
                pub fn $getter(&self) -> Option<$ty> {
                    self.get::<$ty>()
                }
            )*
        }

        impl Status {
            $(
                $(#[$doc])*
                /// Attaches it to this status (after any details already attached).
                pub fn $builder(self, detail: $ty) -> Status {
                    self.with_error_detail(detail)
                }
            )*
        }
    };
}

typed_details! {
    /// `google.rpc.ErrorInfo`: the reason, its domain and metadata.
    error_info, with_error_info => ErrorInfo;
    /// `google.rpc.RetryInfo`: when the client may retry.
    retry_info, with_retry_info => RetryInfo;
    /// `google.rpc.DebugInfo`: a stack trace and detail for debugging.
    debug_info, with_debug_info => DebugInfo;
    /// `google.rpc.QuotaFailure`: which quota checks failed.
    quota_failure, with_quota_failure => QuotaFailure;
    /// `google.rpc.PreconditionFailure`: which preconditions failed.
    precondition_failure, with_precondition_failure => PreconditionFailure;
    /// `google.rpc.BadRequest`: which request fields were wrong, and why.
    bad_request, with_bad_request => BadRequest;
    /// `google.rpc.RequestInfo`: the request's id, for a bug report.
    request_info, with_request_info => RequestInfo;
    /// `google.rpc.ResourceInfo`: the resource that was being accessed.
    resource_info, with_resource_info => ResourceInfo;
    /// `google.rpc.Help`: links to documentation.
    help, with_help => Help;
    /// `google.rpc.LocalizedMessage`: a message for the user, in a locale.
    localized_message, with_localized_message => LocalizedMessage;
}

impl ErrorDetails {
    /// No details.
    pub fn new() -> ErrorDetails {
        ErrorDetails::default()
    }

    /// These details and `detail` after them.
    pub fn with<T: ErrorDetail>(mut self, detail: T) -> ErrorDetails {
        self.push(&detail);
        self
    }

    /// Adds `detail` at the end.
    pub fn push<T: ErrorDetail>(&mut self, detail: &T) {
        self.details.push(pack(detail));
    }

    /// The first detail of type `T` (one that decodes); `None` when there is none.
    pub fn get<T: ErrorDetail>(&self) -> Option<T> {
        self.details.iter().find_map(unpack)
    }

    /// Every detail of type `T`, in order.
    pub fn get_all<T: ErrorDetail>(&self) -> Vec<T> {
        self.details.iter().filter_map(unpack).collect()
    }

    /// Every detail as sent, whatever its type.
    pub fn iter(&self) -> std::slice::Iter<'_, Any> {
        self.details.iter()
    }

    /// How many details there are.
    pub fn len(&self) -> usize {
        self.details.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.details.is_empty()
    }
}

impl From<Vec<Any>> for ErrorDetails {
    fn from(details: Vec<Any>) -> ErrorDetails {
        ErrorDetails { details }
    }
}

impl From<ErrorDetails> for Vec<Any> {
    fn from(details: ErrorDetails) -> Vec<Any> {
        details.details
    }
}

impl<'a> IntoIterator for &'a ErrorDetails {
    type Item = &'a Any;
    type IntoIter = std::slice::Iter<'a, Any>;

    fn into_iter(self) -> Self::IntoIter {
        self.details.iter()
    }
}

fn encode(code: Code, message: &str, details: Vec<Any>) -> Bytes {
    RpcStatus {
        code: code as i32,
        message: message.to_owned(),
        details,
    }
    .encode_to_vec()
    .into()
}

impl Status {
    /// A status with rich `details`, sent as an encoded `google.rpc.Status` with the same code
    /// and message in `grpc-status-details-bin`.
    pub fn with_error_details(
        code: Code,
        message: impl Into<String>,
        details: ErrorDetails,
    ) -> Status {
        let message = message.into();
        let bytes = encode(code, &message, details.details);
        Status::with_details(code, message, bytes)
    }

    /// Attaches `detail` (any detail type, your own included) after the details already
    /// attached. Binary details that are not a `google.rpc.Status` are replaced.
    pub fn with_error_detail<T: ErrorDetail>(mut self, detail: T) -> Status {
        let mut details = self.rpc_status().map(|s| s.details).unwrap_or_default();
        details.push(pack(&detail));
        let bytes = encode(self.code(), self.message(), details);
        self.set_details(bytes);
        self
    }

    /// The `google.rpc.Status` in this status' binary details; `None` when there are no
    /// details or they are not one.
    pub fn rpc_status(&self) -> Option<RpcStatus> {
        if self.details().is_empty() {
            return None;
        }
        RpcStatus::decode(self.details()).ok()
    }

    /// The rich details of this status (empty when it has none): see [`ErrorDetails`].
    pub fn error_details(&self) -> ErrorDetails {
        self.rpc_status()
            .map(|status| ErrorDetails::from(status.details))
            .unwrap_or_default()
    }
}

impl ErrorInfo {
    /// An `ErrorInfo` with a reason (`UPPER_SNAKE_CASE`) and the domain it belongs to.
    pub fn new(reason: impl Into<String>, domain: impl Into<String>) -> ErrorInfo {
        ErrorInfo {
            reason: reason.into(),
            domain: domain.into(),
            metadata: Default::default(),
        }
    }

    /// Adds a metadata entry.
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }
}

impl RetryInfo {
    /// Retry after `delay`.
    pub fn after(delay: std::time::Duration) -> RetryInfo {
        RetryInfo {
            retry_delay: Some(crate::well_known::Duration {
                seconds: i64::try_from(delay.as_secs()).unwrap_or(i64::MAX),
                nanos: i32::try_from(delay.subsec_nanos()).unwrap_or(0),
            }),
        }
    }

    /// The delay, when it is set and not negative.
    pub fn delay(&self) -> Option<std::time::Duration> {
        let delay = self.retry_delay.as_ref()?;
        let seconds = u64::try_from(delay.seconds).ok()?;
        let nanos = u32::try_from(delay.nanos).ok()?;
        Some(std::time::Duration::new(seconds, 0) + std::time::Duration::from_nanos(nanos.into()))
    }
}

impl DebugInfo {
    /// A `DebugInfo` with stack entries and a detail.
    pub fn new<S: Into<String>>(
        stack_entries: impl IntoIterator<Item = S>,
        detail: impl Into<String>,
    ) -> DebugInfo {
        DebugInfo {
            stack_entries: stack_entries.into_iter().map(Into::into).collect(),
            detail: detail.into(),
        }
    }
}

impl QuotaFailure {
    /// A `QuotaFailure` with `(subject, description)` violations.
    pub fn new<S: Into<String>, D: Into<String>>(
        violations: impl IntoIterator<Item = (S, D)>,
    ) -> QuotaFailure {
        QuotaFailure {
            violations: violations
                .into_iter()
                .map(|(subject, description)| quota_failure::Violation {
                    subject: subject.into(),
                    description: description.into(),
                    ..Default::default()
                })
                .collect(),
        }
    }
}

impl PreconditionFailure {
    /// A `PreconditionFailure` with `(type, subject, description)` violations.
    pub fn new<T: Into<String>, S: Into<String>, D: Into<String>>(
        violations: impl IntoIterator<Item = (T, S, D)>,
    ) -> PreconditionFailure {
        PreconditionFailure {
            violations: violations
                .into_iter()
                .map(
                    |(kind, subject, description)| precondition_failure::Violation {
                        r#type: kind.into(),
                        subject: subject.into(),
                        description: description.into(),
                    },
                )
                .collect(),
        }
    }
}

impl BadRequest {
    /// A `BadRequest` with `(field, description)` violations.
    pub fn new<F: Into<String>, D: Into<String>>(
        violations: impl IntoIterator<Item = (F, D)>,
    ) -> BadRequest {
        BadRequest {
            field_violations: violations
                .into_iter()
                .map(|(field, description)| bad_request::FieldViolation {
                    field: field.into(),
                    description: description.into(),
                    ..Default::default()
                })
                .collect(),
        }
    }
}

impl RequestInfo {
    /// A `RequestInfo` with the request's id and serving data.
    pub fn new(request_id: impl Into<String>, serving_data: impl Into<String>) -> RequestInfo {
        RequestInfo {
            request_id: request_id.into(),
            serving_data: serving_data.into(),
        }
    }
}

impl ResourceInfo {
    /// A `ResourceInfo` for a resource of a type and name, its owner and what went wrong.
    pub fn new(
        resource_type: impl Into<String>,
        resource_name: impl Into<String>,
        owner: impl Into<String>,
        description: impl Into<String>,
    ) -> ResourceInfo {
        ResourceInfo {
            resource_type: resource_type.into(),
            resource_name: resource_name.into(),
            owner: owner.into(),
            description: description.into(),
        }
    }
}

impl Help {
    /// A `Help` with `(description, url)` links.
    pub fn new<D: Into<String>, U: Into<String>>(links: impl IntoIterator<Item = (D, U)>) -> Help {
        Help {
            links: links
                .into_iter()
                .map(|(description, url)| help::Link {
                    description: description.into(),
                    url: url.into(),
                })
                .collect(),
        }
    }
}

impl LocalizedMessage {
    /// A message for the user in `locale` (e.g. `en-US`).
    pub fn new(locale: impl Into<String>, message: impl Into<String>) -> LocalizedMessage {
        LocalizedMessage {
            locale: locale.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_round_trip_through_the_status_bytes() {
        let status = Status::not_found("no such thing")
            .with_error_info(ErrorInfo::new("GONE", "example.com"))
            .with_resource_info(ResourceInfo::new(
                "book",
                "shelves/1/books/2",
                "",
                "deleted",
            ))
            .with_resource_info(ResourceInfo::new("shelf", "shelves/1", "", ""))
            .with_localized_message(LocalizedMessage::new("fr-FR", "introuvable"));
        let rpc = status.rpc_status().unwrap();
        assert_eq!(rpc.code, Code::NotFound as i32);
        assert_eq!(rpc.message, "no such thing");
        let details = status.error_details();
        assert_eq!(details.len(), 4);
        assert_eq!(details.error_info().unwrap().reason, "GONE");
        let resources = details.get_all::<ResourceInfo>();
        assert_eq!(resources.len(), 2);
        assert_eq!(resources[1].resource_name, "shelves/1");
        assert_eq!(details.localized_message().unwrap().message, "introuvable");
        assert!(details.help().is_none());
    }

    #[test]
    fn statuses_without_rich_details_have_none() {
        assert!(Status::internal("x").error_details().is_empty());
        assert!(Status::internal("x").rpc_status().is_none());
        let opaque = Status::with_details(Code::Internal, "x", Bytes::from_static(b"\xff\xff"));
        assert!(opaque.rpc_status().is_none());
        assert!(opaque.error_details().is_empty());
        // Attaching to opaque details replaces them with a google.rpc.Status.
        let replaced = opaque.with_debug_info(DebugInfo::new(["at main"], "boom"));
        assert_eq!(
            replaced.error_details().debug_info().unwrap().detail,
            "boom"
        );
    }

    #[test]
    fn unpack_checks_the_type_url_and_the_bytes() {
        let info = pack(&ErrorInfo::new("R", "d"));
        assert_eq!(info.type_url, "type.googleapis.com/google.rpc.ErrorInfo");
        assert!(unpack::<RetryInfo>(&info).is_none());
        let other_host = Any {
            type_url: "example.com/google.rpc.ErrorInfo".into(),
            value: info.value.clone(),
        };
        assert_eq!(unpack::<ErrorInfo>(&other_host).unwrap().reason, "R");
        let broken = Any {
            type_url: info.type_url.clone(),
            value: vec![0xff],
        };
        assert!(unpack::<ErrorInfo>(&broken).is_none());
    }

    #[test]
    fn retry_delays_convert_both_ways() {
        let retry = RetryInfo::after(std::time::Duration::new(3, 250));
        assert_eq!(retry.retry_delay.unwrap().nanos, 250);
        assert_eq!(retry.delay(), Some(std::time::Duration::new(3, 250)));
        let negative = RetryInfo {
            retry_delay: Some(crate::well_known::Duration {
                seconds: -1,
                nanos: 0,
            }),
        };
        assert_eq!(negative.delay(), None);
    }

    #[test]
    fn built_details_make_the_same_status_as_chained_builders() {
        let details = ErrorDetails::new()
            .with(BadRequest::new([("a", "b")]))
            .with(Help::new([("docs", "https://example.com")]));
        let built = Status::with_error_details(Code::InvalidArgument, "m", details.clone());
        let chained = Status::invalid_argument("m")
            .with_bad_request(BadRequest::new([("a", "b")]))
            .with_help(Help::new([("docs", "https://example.com")]));
        assert_eq!(built.details(), chained.details());
        assert_eq!(built.error_details(), details);
    }
}
