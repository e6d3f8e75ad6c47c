//! Parsing `.proto` files with protox and comparing descriptors, for the descriptor and
//! importer round-trip tests.
//!
//! Normalisation before comparing: source info, file options and `json_name` are cleared;
//! imports, messages, enums, nested types and services are sorted by name (code-first files
//! list types in registration order, not declaration order). Empty method options are cleared
//! too: protox leaves them unset for a method declared with a `{ }` body, where protoc (and
//! so the importer) sets them; the import corpus test compares with protoc itself.

use std::path::{Path, PathBuf};

use grpc_core::descriptor::{render_proto, FileDescriptorProto, FileDescriptorSet};
use prost_types::DescriptorProto;

/// The project's copies of the canonical protos (and `wiretest.proto`).
pub fn protos_dir() -> PathBuf {
    crate::python::workspace_root().join("tests/python/protos")
}

/// Debian's `grpc-proto` package: grpc/testing, health, reflection.
pub const GRPC_PROTO_DIR: &str = "/usr/share/grpc-proto";

/// Parses `files` with protox, imports included.
pub fn parse(files: &[&str], includes: &[&Path]) -> FileDescriptorSet {
    let mut compiler = protox::Compiler::new(includes.iter().copied()).expect("compiler");
    compiler.include_imports(true);
    compiler.open_files(files).expect("parse protos");
    compiler.file_descriptor_set()
}

/// The descriptor comparison normal form (see the module docs).
pub fn normalize(mut file: FileDescriptorProto) -> FileDescriptorProto {
    file.source_code_info = None;
    file.options = None;
    file.dependency.sort();
    file.message_type.sort_by(|a, b| a.name.cmp(&b.name));
    file.enum_type.sort_by(|a, b| a.name.cmp(&b.name));
    file.service.sort_by(|a, b| a.name.cmp(&b.name));
    for method in file.service.iter_mut().flat_map(|s| &mut s.method) {
        if method.options == Some(Default::default()) {
            method.options = None;
        }
    }
    for message in &mut file.message_type {
        normalize_message(message);
    }
    file
}

fn normalize_message(message: &mut DescriptorProto) {
    for field in &mut message.field {
        field.json_name = None;
    }
    message.nested_type.sort_by(|a, b| a.name.cmp(&b.name));
    message.enum_type.sort_by(|a, b| a.name.cmp(&b.name));
    for nested in &mut message.nested_type {
        normalize_message(nested);
    }
}

/// The file named `name` in `set`.
pub fn find(set: &FileDescriptorSet, name: &str) -> FileDescriptorProto {
    set.file
        .iter()
        .find(|f| f.name() == name)
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "{name} not in {:?}",
                set.file.iter().map(|f| f.name()).collect::<Vec<_>>()
            )
        })
}

/// Asserts two files are equal in normal form, showing both as `.proto` text otherwise.
pub fn assert_same(ours: FileDescriptorProto, theirs: FileDescriptorProto) {
    let (ours, theirs) = (normalize(ours), normalize(theirs));
    assert_eq!(
        ours,
        theirs,
        "\nours:\n{}\ntheirs:\n{}",
        render_proto(&ours),
        render_proto(&theirs)
    );
}

/// Renders every non-well-known file of `set`, parses `name` back with protox, and checks it
/// comes back the same.
pub fn assert_renders_back(set: &FileDescriptorSet, name: &str) {
    let dir = std::env::temp_dir().join(format!(
        "grpc-core-render-{}-{}",
        std::process::id(),
        name.replace('/', "_")
    ));
    for file in &set.file {
        if file.name().starts_with("google/protobuf/") {
            continue; // protox brings its own copies of the well-known types
        }
        let path = dir.join(file.name());
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, render_proto(file)).expect("write");
    }
    let reparsed = parse(&[name], &[&dir]);
    assert_same(find(set, name), find(&reparsed, name));
}
