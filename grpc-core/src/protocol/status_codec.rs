//! Statuses on the wire: `grpc-status`, percent-encoded `grpc-message` and
//! `grpc-status-details-bin` in trailers (or in the headers of a trailers-only response), and
//! the codes that HTTP statuses and HTTP/2 reset reasons stand for.

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue};
use percent_encoding::{percent_decode, utf8_percent_encode, AsciiSet, CONTROLS};

use super::headers::name::{GRPC_MESSAGE, GRPC_STATUS, GRPC_STATUS_DETAILS};
use crate::metadata::MetadataMap;
use crate::status::{Code, Status};

/// What `grpc-message` escapes: everything outside printable ASCII, and `%` itself.
const MESSAGE_ESCAPES: &AsciiSet = &CONTROLS.add(b'%');

/// The trailers of a bare OK status. Nearly every call ends so: a copy of ready-made
/// trailers costs less than building them (no hashing, no probing).
pub(crate) fn ok_trailers() -> HeaderMap {
    static OK: std::sync::LazyLock<HeaderMap> = std::sync::LazyLock::new(|| {
        let mut headers = HeaderMap::with_capacity(1);
        headers.insert(GRPC_STATUS, code_value(Code::Ok));
        headers
    });
    OK.clone()
}

/// The trailers that carry `status`: its metadata, then the status headers (which win over
/// metadata of the same name). Also the headers of a trailers-only response.
pub(crate) fn encode(status: &Status) -> HeaderMap {
    if status.code() == Code::Ok
        && status.message().is_empty()
        && status.details().is_empty()
        && status.metadata().is_empty()
    {
        return ok_trailers();
    }
    let mut headers = status.metadata().clone().into_headers();
    super::headers::strip_reserved(&mut headers);
    headers.insert(GRPC_STATUS, code_value(status.code()));
    if !status.message().is_empty() {
        let message = utf8_percent_encode(status.message(), MESSAGE_ESCAPES).to_string();
        // Percent-encoded text is always a valid header value.
        if let Ok(value) = HeaderValue::from_str(&message) {
            headers.insert(GRPC_MESSAGE, value);
        }
    }
    if !status.details().is_empty() {
        let details = base64::engine::general_purpose::STANDARD_NO_PAD.encode(status.details());
        if let Ok(value) = HeaderValue::from_str(&details) {
            headers.insert(GRPC_STATUS_DETAILS, value);
        }
    }
    headers
}

fn code_value(code: Code) -> HeaderValue {
    const VALUES: [&str; 17] = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
    ];
    HeaderValue::from_static(VALUES[code.to_i32() as usize])
}

/// The status in `headers`, if they carry `grpc-status`; the other (non-reserved) headers become
/// its metadata. A malformed `grpc-status` is UNKNOWN, as gRPC specifies.
pub(crate) fn decode(headers: HeaderMap) -> Option<Status> {
    let value = headers.get(&GRPC_STATUS)?;
    let code = std::str::from_utf8(value.as_bytes())
        .ok()
        .and_then(|text| text.parse::<i32>().ok())
        .map_or(Code::Unknown, Code::from_i32);
    if headers.len() == 1 {
        // `grpc-status` alone (the usual OK trailers): no message, details or metadata.
        return Some(Status::new(code, ""));
    }
    let message = headers
        .get(&GRPC_MESSAGE)
        .map(|value| {
            percent_decode(value.as_bytes())
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    let details = headers
        .get(&GRPC_STATUS_DETAILS)
        .and_then(|value| decode_base64(value.as_bytes()))
        .unwrap_or_default();
    let metadata = MetadataMap::from_headers(headers);
    let mut status = Status::with_details(code, message, details);
    *status.metadata_mut() = metadata;
    Some(status)
}

/// Base64, padded or not (gRPC peers send either).
pub(crate) fn decode_base64(value: &[u8]) -> Option<Bytes> {
    let trimmed = value
        .strip_suffix(b"==")
        .or_else(|| value.strip_suffix(b"="));
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed.unwrap_or(value))
        .ok()
        .map(Bytes::from)
}

/// The code a non-200 HTTP status stands for when the response carries no `grpc-status`
/// (grpc/grpc `doc/http-grpc-status-mapping.md`).
pub(crate) fn code_for_http_status(status: http::StatusCode) -> Code {
    match status.as_u16() {
        400 => Code::Internal,
        401 => Code::Unauthenticated,
        403 => Code::PermissionDenied,
        404 => Code::Unimplemented,
        429 | 502 | 503 | 504 => Code::Unavailable,
        _ => Code::Unknown,
    }
}

/// The code an HTTP/2 RST_STREAM or GOAWAY reason stands for (`doc/PROTOCOL-HTTP2.md`,
/// "Errors").
pub(crate) fn code_for_reason(reason: h2::Reason) -> Code {
    match reason {
        h2::Reason::REFUSED_STREAM => Code::Unavailable,
        h2::Reason::CANCEL => Code::Cancelled,
        h2::Reason::ENHANCE_YOUR_CALM => Code::ResourceExhausted,
        h2::Reason::INADEQUATE_SECURITY => Code::PermissionDenied,
        _ => Code::Internal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_unicode_messages_details_and_metadata() {
        let mut status = Status::with_details(
            Code::FailedPrecondition,
            "100% \t\u{1F600} fin\r\n",
            Bytes::from_static(b"\x00\x01\xff"),
        );
        status
            .metadata_mut()
            .insert("x-reason", "quota".parse().unwrap());
        let headers = encode(&status);
        assert_eq!(headers["grpc-status"], "9");
        assert_eq!(headers["grpc-message"], "100%25 %09%F0%9F%98%80 fin%0D%0A");
        assert_eq!(headers["grpc-status-details-bin"], "AAH/");
        let back = decode(headers).unwrap();
        assert_eq!(back.code(), Code::FailedPrecondition);
        assert_eq!(back.message(), status.message());
        assert_eq!(back.details(), status.details());
        assert_eq!(back.metadata().get("x-reason").unwrap(), "quota");
        assert!(back.metadata().get("grpc-status").is_none());
    }

    #[test]
    fn malformed_fields_degrade_as_specified() {
        let mut headers = HeaderMap::new();
        headers.insert("grpc-status", HeaderValue::from_static("banana"));
        headers.insert("grpc-message", HeaderValue::from_static("bad %zz %E2%82"));
        headers.insert("grpc-status-details-bin", HeaderValue::from_static("!!!"));
        let status = decode(headers).unwrap();
        assert_eq!(status.code(), Code::Unknown);
        assert_eq!(status.message(), "bad %zz \u{FFFD}");
        assert!(status.details().is_empty());
        assert!(decode(HeaderMap::new()).is_none());
    }

    #[test]
    fn base64_padded_or_not() {
        assert_eq!(decode_base64(b"AAH/").unwrap(), &b"\x00\x01\xff"[..]);
        assert_eq!(decode_base64(b"AAE=").unwrap(), &b"\x00\x01"[..]);
        assert_eq!(decode_base64(b"AAE").unwrap(), &b"\x00\x01"[..]);
        assert_eq!(decode_base64(b"AA==").unwrap(), &b"\x00"[..]);
        assert!(decode_base64(b"A").is_none());
    }

    #[test]
    fn user_metadata_cannot_forge_the_status() {
        let mut metadata = MetadataMap::new();
        metadata.insert("grpc-status", "0".parse().unwrap());
        let status = Status::with_metadata(Code::Internal, "", metadata);
        let headers = encode(&status);
        assert_eq!(headers.get_all("grpc-status").iter().count(), 1);
        assert_eq!(headers["grpc-status"], "13");
    }
}
