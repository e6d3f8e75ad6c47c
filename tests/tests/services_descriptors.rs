//! The standard services and rich-error types that grpc-core ships describe themselves exactly
//! as the canonical `.proto` files do (package, names, field numbers, types, oneofs, services):
//! Debian `grpc-proto`'s health and reflection files, and googleapis-common-protos' (in the
//! venv) `google/rpc/status.proto` and `error_details.proto`.

use std::path::{Path, PathBuf};

use grpc_core::descriptor::Describe;
use grpc_tests::protos::{assert_renders_back, assert_same, find, parse, GRPC_PROTO_DIR};

fn check<T: Describe>(file: &str, include: &Path) {
    let ours = T::file_descriptor_set();
    let canonical = parse(&[file], &[include]);
    assert_same(find(&ours, file), find(&canonical, file));
    assert_renders_back(&ours, file);
}

/// googleapis-common-protos' copies of `google/rpc/*.proto`, in the test venv.
fn googleapis_dir() -> PathBuf {
    let lib = grpc_tests::python::workspace_root().join(".venv/lib");
    let python = std::fs::read_dir(&lib)
        .unwrap_or_else(|e| panic!("{}: {e}", lib.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("site-packages"))
        .find(|dir| dir.join("google/rpc/error_details.proto").exists())
        .expect("googleapis-common-protos in the venv (tests/python/requirements.txt)");
    python
}

#[test]
fn health_matches_canonical_health_proto() {
    use grpc_core::services::health::v1::HealthClient;
    check::<HealthClient>("grpc/health/v1/health.proto", Path::new(GRPC_PROTO_DIR));
}

#[test]
fn reflection_v1_matches_canonical_reflection_proto() {
    use grpc_core::services::reflection::v1::ServerReflectionClient;
    check::<ServerReflectionClient>(
        "grpc/reflection/v1/reflection.proto",
        Path::new(GRPC_PROTO_DIR),
    );
}

#[test]
fn reflection_v1alpha_matches_canonical_reflection_proto() {
    use grpc_core::services::reflection::v1alpha::ServerReflectionClient;
    check::<ServerReflectionClient>(
        "grpc/reflection/v1alpha/reflection.proto",
        Path::new(GRPC_PROTO_DIR),
    );
}

#[test]
fn rpc_status_matches_canonical_status_proto() {
    check::<grpc_core::error_details::RpcStatus>("google/rpc/status.proto", &googleapis_dir());
}

#[test]
fn error_details_match_canonical_error_details_proto() {
    use grpc_core::error_details::*;
    let dir = googleapis_dir();
    let canonical = parse(&["google/rpc/error_details.proto"], &[&dir]);
    let ours = grpc_core::error_details::file_descriptor_set();
    assert_same(
        find(&ours, "google/rpc/error_details.proto"),
        find(&canonical, "google/rpc/error_details.proto"),
    );
    assert_renders_back(&ours, "google/rpc/error_details.proto");
    // Every message of the file has its Rust type here.
    let names = [
        ErrorInfo::full_name(),
        RetryInfo::full_name(),
        DebugInfo::full_name(),
        QuotaFailure::full_name(),
        PreconditionFailure::full_name(),
        BadRequest::full_name(),
        RequestInfo::full_name(),
        ResourceInfo::full_name(),
        Help::full_name(),
        LocalizedMessage::full_name(),
    ];
    let file = find(&canonical, "google/rpc/error_details.proto");
    let mut canonical_names: Vec<String> = file
        .message_type
        .iter()
        .map(|m| format!("google.rpc.{}", m.name()))
        .collect();
    canonical_names.sort();
    let mut names = names.to_vec();
    names.sort();
    assert_eq!(names, canonical_names);
}
