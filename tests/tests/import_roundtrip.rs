//! The importer's round trip over the corpus: `.proto` -> `grpc-proto-import` -> the checked-in
//! Rust in `tests/src/imported` -> the macros' descriptors, which must equal protox's
//! descriptors for the same files (normalised as described in `grpc_tests::protos`); and the
//! `.proto` text rendered from those descriptors parses back to the same again.

use std::path::Path;

use grpc_core::descriptor::FileDescriptorSet;
use grpc_tests::imported;
use grpc_tests::protos::{
    assert_renders_back, assert_same, find, parse, protos_dir, GRPC_PROTO_DIR,
};

fn check(ours: FileDescriptorSet, files: &[&str]) {
    let canonical = parse(files, &[&protos_dir(), Path::new(GRPC_PROTO_DIR)]);
    for file in files {
        assert_same(find(&ours, file), find(&canonical, file));
        assert_renders_back(&ours, file);
    }
}

#[test]
fn helloworld() {
    check(
        imported::helloworld::file_descriptor_set(),
        &["helloworld.proto"],
    );
}

#[test]
fn route_guide() {
    check(
        imported::routeguide::file_descriptor_set(),
        &["route_guide.proto"],
    );
}

#[test]
fn well_known_types_and_every_field_kind() {
    check(
        imported::wiretest::file_descriptor_set(),
        &["wiretest.proto"],
    );
}

#[test]
fn grpc_testing() {
    check(
        imported::grpc::testing::file_descriptor_set(),
        &[
            "grpc/testing/empty.proto",
            "grpc/testing/messages.proto",
            "grpc/testing/test.proto",
        ],
    );
}

#[test]
fn health() {
    check(
        imported::grpc::health::v1::file_descriptor_set(),
        &["grpc/health/v1/health.proto"],
    );
}

#[test]
fn reflection() {
    check(
        imported::grpc::reflection::v1::file_descriptor_set(),
        &["grpc/reflection/v1/reflection.proto"],
    );
}

#[test]
fn imported_and_code_first_types_read_each_other() {
    use grpc_core::Message;
    let reference = grpc_tests::wiretest::reference();
    let imported =
        imported::wiretest::Everything::decode(&reference.encode_to_vec()[..]).expect("decode");
    // The importer maps `map<>` to HashMap (iteration order varies), the code-first type uses
    // BTreeMap: compare values, not bytes.
    let back =
        grpc_tests::wiretest::Everything::decode(&imported.encode_to_vec()[..]).expect("decode");
    assert_eq!(back, reference);
    assert_eq!(imported.map_si.len(), 2);
}
