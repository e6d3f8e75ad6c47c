//! Header names and values of the gRPC protocol (`doc/PROTOCOL-HTTP2.md`).

use std::borrow::Cow;

pub(crate) const GRPC_STATUS: &str = "grpc-status";
pub(crate) const GRPC_MESSAGE: &str = "grpc-message";
pub(crate) const GRPC_STATUS_DETAILS: &str = "grpc-status-details-bin";
pub(crate) const GRPC_TIMEOUT: &str = "grpc-timeout";
pub(crate) const GRPC_ENCODING: &str = "grpc-encoding";
pub(crate) const GRPC_ACCEPT_ENCODING: &str = "grpc-accept-encoding";

/// The same names as typed [`HeaderName`]s: looking a header up by `&str` parses the name on
/// every call, a typed name does not.
pub(crate) mod name {
    use http::HeaderName;

    pub(crate) const GRPC_STATUS: HeaderName = HeaderName::from_static(super::GRPC_STATUS);
    pub(crate) const GRPC_MESSAGE: HeaderName = HeaderName::from_static(super::GRPC_MESSAGE);
    pub(crate) const GRPC_STATUS_DETAILS: HeaderName =
        HeaderName::from_static(super::GRPC_STATUS_DETAILS);
    pub(crate) const GRPC_TIMEOUT: HeaderName = HeaderName::from_static(super::GRPC_TIMEOUT);
    pub(crate) const GRPC_ENCODING: HeaderName = HeaderName::from_static(super::GRPC_ENCODING);
    pub(crate) const GRPC_ACCEPT_ENCODING: HeaderName =
        HeaderName::from_static(super::GRPC_ACCEPT_ENCODING);
}

/// The `content-type` of every gRPC message (`application/grpc+proto` is the same).
pub(crate) const CONTENT_TYPE_GRPC: &str = "application/grpc";

/// Headers the protocol owns, never taken from user metadata nor shown as metadata: one list,
/// kept with the metadata types.
pub(crate) use crate::metadata::strip_reserved;

/// Whether a `content-type` is gRPC's: `application/grpc`, optionally followed by `+format`
/// or `;parameters` (so `application/grpcfoo` is not).
pub(crate) fn is_grpc_content_type(value: &[u8]) -> bool {
    match value.strip_prefix(CONTENT_TYPE_GRPC.as_bytes()) {
        Some(rest) => rest.is_empty() || rest[0] == b'+' || rest[0] == b';',
        None => false,
    }
}

/// The codec of a gRPC `content-type`: `proto` for `application/grpc` (and
/// `application/grpc;params`), the `+codec` part otherwise (lowercased). `None` when the
/// content-type is not gRPC's.
pub(crate) fn content_subtype(value: &[u8]) -> Option<Cow<'_, str>> {
    if !is_grpc_content_type(value) {
        return None;
    }
    let rest = &value[CONTENT_TYPE_GRPC.len()..];
    let Some(codec) = rest.strip_prefix(b"+") else {
        return Some(Cow::Borrowed("proto"));
    };
    let end = codec.iter().position(|b| *b == b';').unwrap_or(codec.len());
    let codec = codec[..end].trim_ascii();
    // Borrowed in the usual case (already lower case); a copy only to fold case.
    match std::str::from_utf8(codec) {
        Ok(codec) if !codec.bytes().any(|b| b.is_ascii_uppercase()) => Some(Cow::Borrowed(codec)),
        _ => Some(Cow::Owned(
            String::from_utf8_lossy(codec).to_ascii_lowercase(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_subtypes() {
        assert_eq!(
            content_subtype(b"application/grpc").as_deref(),
            Some("proto")
        );
        assert_eq!(
            content_subtype(b"application/grpc;x=y").as_deref(),
            Some("proto")
        );
        assert_eq!(
            content_subtype(b"application/grpc+proto").as_deref(),
            Some("proto")
        );
        assert_eq!(
            content_subtype(b"application/grpc+PROTO;a=b").as_deref(),
            Some("proto")
        );
        assert_eq!(
            content_subtype(b"application/grpc+json").as_deref(),
            Some("json")
        );
        assert_eq!(content_subtype(b"application/grpcfoo"), None);
    }

    #[test]
    fn grpc_content_types() {
        for ok in [
            &b"application/grpc"[..],
            b"application/grpc+proto",
            b"application/grpc;charset=utf-8",
        ] {
            assert!(is_grpc_content_type(ok), "{ok:?}");
        }
        for bad in [
            &b"application/grpcfoo"[..],
            b"application/json",
            b"",
            b"application/grp",
        ] {
            assert!(!is_grpc_content_type(bad), "{bad:?}");
        }
    }
}
