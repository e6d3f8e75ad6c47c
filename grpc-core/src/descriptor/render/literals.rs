//! Literals: quoted strings and bytes, defaults, numeric ranges and reserved names.

use prost_types::{
    descriptor_proto::ReservedRange, enum_descriptor_proto::EnumReservedRange,
    field_descriptor_proto::Type, FieldDescriptorProto,
};

use super::*;

/// Largest field number; `max` in a (non message-set) range means this.
pub(super) const MAX_FIELD_NUMBER: i32 = 536_870_911;

/// The literal for a proto2 `default` value of `field`.
pub(super) fn default_literal(field: &FieldDescriptorProto, default: &str) -> String {
    match field.r#type.and_then(|t| Type::try_from(t).ok()) {
        Some(Type::String) => quote_str(default),
        // Bytes defaults are stored C-escaped; normalise the escaping.
        Some(Type::Bytes) => quote_bytes(&unescape_c(default)),
        Some(Type::Float | Type::Double) => float_literal(default),
        _ => default.to_owned(),
    }
}

/// A float/double default as a token compilers read as a float. Some
/// compilers store e.g. `1e300` as a 301-digit integer string, which would
/// be an out-of-range integer token if written back as is.
pub(super) fn float_literal(default: &str) -> String {
    let digits = default.strip_prefix('-').unwrap_or(default);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        format!("{default}.0")
    } else {
        default.to_owned()
    }
}

/// A message field-number range (end exclusive) as `N`, `N to M` or
/// `N to max`.
pub(super) fn message_range(range: &ReservedRange, message_set: bool) -> String {
    let start = range.start.unwrap_or(0);
    let last = range
        .end
        .unwrap_or(start.saturating_add(1))
        .saturating_sub(1);
    // For message sets `max` means i32::MAX - 1, and compilers reject
    // numbers above MAX_FIELD_NUMBER spelled out.
    let max = if message_set {
        i32::MAX - 1
    } else {
        MAX_FIELD_NUMBER
    };
    if last == start {
        start.to_string()
    } else if last == max {
        format!("{start} to max")
    } else {
        format!("{start} to {last}")
    }
}

/// An enum value range (end inclusive) as `N`, `N to M` or `N to max`.
pub(super) fn enum_range(range: &EnumReservedRange) -> String {
    let start = range.start.unwrap_or(0);
    let end = range.end.unwrap_or(start);
    if end == start {
        start.to_string()
    } else if end == i32::MAX {
        format!("{start} to max")
    } else {
        format!("{start} to {end}")
    }
}

/// Reserved names: quoted strings, or bare identifiers under editions.
pub(super) fn reserved_names(ctx: &Ctx, names: &[String]) -> String {
    let names: Vec<String> = names
        .iter()
        .map(|n| {
            if ctx.syntax == Syntax::Editions {
                n.clone()
            } else {
                quote_str(n)
            }
        })
        .collect();
    names.join(", ")
}

/// A double-quoted string literal for text: quotes, backslashes and control
/// characters are escaped, other characters (including non-ASCII) kept.
pub(super) fn quote_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\{:03o}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A double-quoted string literal for arbitrary bytes: printable ASCII kept,
/// everything else octal-escaped.
pub(super) fn quote_bytes(bytes: &[u8]) -> String {
    grpc_model::options::quote_bytes(bytes)
}

/// Decodes C-style escapes (as protoc stores bytes defaults). Malformed
/// escapes are kept literally.
pub(super) fn unescape_c(s: &str) -> Vec<u8> {
    grpc_model::literals::unescape_c(s)
}
