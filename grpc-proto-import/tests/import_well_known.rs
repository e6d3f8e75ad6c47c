//! Importing protobuf's own files by name says what they map to: grpc-core's
//! `grpc_core::well_known` types, or an error for files it has no types for. Never an empty
//! output.

use grpc_proto_import::Builder;

fn out_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("grpc-import-wkt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_provided_well_known_file_names_grpc_cores_types() {
    let dir = out_dir("provided");
    let written = Builder::new()
        .out_dir(&dir)
        .compile(&[
            "google/protobuf/timestamp.proto",
            "google/protobuf/struct.proto",
            "google/protobuf/empty.proto",
        ])
        .expect("imports");
    assert_eq!(written, vec![dir.join("google.protobuf.rs")]);
    let code = std::fs::read_to_string(&written[0]).unwrap();
    for line in [
        "pub use ::grpc_core::well_known::Timestamp;",
        "pub use ::grpc_core::well_known::Struct;",
        "pub use ::grpc_core::well_known::Value;",
        "pub use ::grpc_core::well_known::ListValue;",
        "pub type Empty = ();",
    ] {
        assert!(code.contains(line), "{line} missing from:\n{code}");
    }
    assert!(code.contains("grpc_core::well_known"), "{code}");
    syn::parse_file(&code).expect("valid Rust");
}

#[test]
fn every_well_known_file_is_provided_nested_types_by_module() {
    let dir = out_dir("all");
    let written = Builder::new()
        .out_dir(&dir)
        .compile(&[
            "google/protobuf/api.proto",
            "google/protobuf/type.proto",
            "google/protobuf/wrappers.proto",
            "google/protobuf/descriptor.proto",
        ])
        .expect("imports");
    let code = std::fs::read_to_string(&written[0]).unwrap();
    for line in [
        "pub use ::grpc_core::well_known::Api;",
        "pub use ::grpc_core::well_known::Type;",
        "pub use ::grpc_core::well_known::field;",
        "pub use ::grpc_core::well_known::Int64Value;",
        "pub use ::grpc_core::well_known::FileDescriptorProto;",
        "pub use ::grpc_core::well_known::field_descriptor_proto;",
    ] {
        assert!(code.contains(line), "{line} missing from:\n{code}");
    }
    assert!(
        !code.contains("::Kind;"),
        "nested types only by module:\n{code}"
    );
    syn::parse_file(&code).expect("valid Rust");
}

#[test]
fn a_well_known_file_without_types_in_grpc_core_is_an_error() {
    let error = Builder::new()
        .out_dir(out_dir("missing"))
        .compile(&["google/protobuf/compiler/plugin.proto"])
        .expect_err("nothing to map plugin.proto to");
    let message = error.to_string();
    assert!(
        message.starts_with("google/protobuf/compiler/plugin.proto: "),
        "{message}"
    );
    assert!(message.contains("does not provide"), "{message}");
    assert!(
        message.contains("google/protobuf/timestamp.proto"),
        "{message}"
    );
}

#[test]
fn well_known_imports_of_other_files_are_not_generated() {
    let dir = out_dir("dependency");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("uses.proto"),
        "syntax = \"proto3\";\npackage uses;\nimport \"google/protobuf/timestamp.proto\";\nmessage At { google.protobuf.Timestamp at = 1; }\n",
    )
    .unwrap();
    let written = Builder::new()
        .include(&dir)
        .out_dir(dir.join("out"))
        .compile(&["uses.proto"])
        .expect("imports");
    assert_eq!(written, vec![dir.join("out").join("uses.rs")]);
}
