//! The standard services and rich-error types that grpc-core ships describe themselves exactly
//! as the canonical `.proto` files do (package, names, field numbers, types, oneofs, services):
//! Debian `grpc-proto`'s health and reflection files, and googleapis-common-protos' (in the
//! venv) `google/rpc/status.proto` and `error_details.proto`.

use std::path::Path;

use grpc_core::descriptor::Describe;
use grpc_tests::protos::{assert_renders_back, assert_same, find, parse, GRPC_PROTO_DIR};

fn check<T: Describe>(file: &str, include: &Path) {
    let ours = T::file_descriptor_set();
    let canonical = parse(&[file], &[include]);
    assert_same(find(&ours, file), find(&canonical, file));
    assert_renders_back(&ours, file);
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
