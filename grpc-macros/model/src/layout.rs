//! Where things go: the `.proto` file a package's types are described in, and the Rust file
//! the importer writes for a package.

/// The largest protobuf field number (`max` in a message's `reserved` list).
pub const MAX_FIELD_NUMBER: u32 = (1 << 29) - 1;

/// The default `.proto` file of a package: `a.b` -> `a/b.proto`; no package ->
/// `default.proto`.
pub fn default_proto_file(package: &str) -> String {
    if package.is_empty() {
        "default.proto".to_owned()
    } else {
        format!("{}.proto", package.replace('.', "/"))
    }
}

/// The Rust file the importer writes for a package: `a.b` -> `a.b.rs`; no package -> `_.rs`.
pub fn rust_module_file(package: &str) -> String {
    if package.is_empty() {
        "_.rs".to_owned()
    } else {
        format!("{package}.rs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files() {
        assert_eq!(default_proto_file("grpc.testing"), "grpc/testing.proto");
        assert_eq!(default_proto_file(""), "default.proto");
        assert_eq!(rust_module_file("grpc.testing"), "grpc.testing.rs");
        assert_eq!(rust_module_file(""), "_.rs");
    }
}
