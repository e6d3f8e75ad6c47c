//! The well-known types (`google/protobuf/*.proto`) grpc-core provides in
//! `grpc_core::well_known`, and how they appear in Rust.

/// One well-known message type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WellKnown {
    /// Full protobuf name without a leading dot: `google.protobuf.Timestamp`.
    pub full_name: &'static str,
    /// The file that defines it: `google/protobuf/timestamp.proto`.
    pub file: &'static str,
    /// The Rust type, as a path from the root of a crate depending on `grpc_core`:
    /// `::grpc_core::well_known::Timestamp` (`()` for `Empty`).
    pub rust: &'static str,
}

const fn wkt(full_name: &'static str, file: &'static str, rust: &'static str) -> WellKnown {
    WellKnown {
        full_name,
        file,
        rust,
    }
}

/// Every well-known type grpc-core provides.
pub const TYPES: &[WellKnown] = &[
    wkt("google.protobuf.Empty", "google/protobuf/empty.proto", "()"),
    wkt(
        "google.protobuf.Timestamp",
        "google/protobuf/timestamp.proto",
        "::grpc_core::well_known::Timestamp",
    ),
    wkt(
        "google.protobuf.Duration",
        "google/protobuf/duration.proto",
        "::grpc_core::well_known::Duration",
    ),
    wkt(
        "google.protobuf.Any",
        "google/protobuf/any.proto",
        "::grpc_core::well_known::Any",
    ),
    wkt(
        "google.protobuf.Struct",
        "google/protobuf/struct.proto",
        "::grpc_core::well_known::Struct",
    ),
    wkt(
        "google.protobuf.Value",
        "google/protobuf/struct.proto",
        "::grpc_core::well_known::Value",
    ),
    wkt(
        "google.protobuf.ListValue",
        "google/protobuf/struct.proto",
        "::grpc_core::well_known::ListValue",
    ),
    wkt(
        "google.protobuf.FieldMask",
        "google/protobuf/field_mask.proto",
        "::grpc_core::well_known::FieldMask",
    ),
];

/// The well-known type named `full_name` (with or without a leading dot).
pub fn lookup(full_name: &str) -> Option<&'static WellKnown> {
    let name = full_name.strip_prefix('.').unwrap_or(full_name);
    TYPES.iter().find(|t| t.full_name == name)
}

/// Whether `file` is one of protobuf's own files (`google/protobuf/...`), which grpc-core
/// describes itself and the importer never generates.
pub fn is_well_known_file(file: &str) -> bool {
    file.starts_with("google/protobuf/")
}

/// The types grpc-core provides for the well-known file `file`.
pub fn types_in(file: &str) -> impl Iterator<Item = &'static WellKnown> + '_ {
    TYPES.iter().filter(move |t| t.file == file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert_eq!(lookup(".google.protobuf.Empty").unwrap().rust, "()");
        assert!(lookup("google.protobuf.Api").is_none());
        assert_eq!(types_in("google/protobuf/struct.proto").count(), 3);
        assert!(is_well_known_file("google/protobuf/any.proto"));
    }
}
