//! Doc comments from Rust code, put where protoc puts comments: `source_code_info` locations
//! (path plus leading comment), so reflection clients and `.proto` export show them.

use std::collections::HashMap;

use prost_types::source_code_info::Location;
use prost_types::{DescriptorProto, EnumDescriptorProto, FileDescriptorProto, SourceCodeInfo};

/// Adds a location with a leading comment for every element of `file` that `docs` (by full
/// name with a leading dot) documents. Spans are not known and are written as `[0, 0, 0]`.
pub(super) fn attach(file: &mut FileDescriptorProto, docs: &HashMap<String, String>) {
    let root = match file.package() {
        "" => String::new(),
        package => format!(".{package}"),
    };
    let mut out = Vec::new();
    for (i, message) in file.message_type.iter().enumerate() {
        walk_message(message, &root, vec![4, i as i32], docs, &mut out);
    }
    for (i, enumeration) in file.enum_type.iter().enumerate() {
        walk_enum(enumeration, &root, vec![5, i as i32], docs, &mut out);
    }
    for (i, service) in file.service.iter().enumerate() {
        let full = format!("{root}.{}", service.name());
        push(&mut out, docs, &full, vec![6, i as i32]);
        for (j, method) in service.method.iter().enumerate() {
            let name = format!("{full}.{}", method.name());
            push(&mut out, docs, &name, vec![6, i as i32, 2, j as i32]);
        }
    }
    if !out.is_empty() {
        file.source_code_info
            .get_or_insert_with(SourceCodeInfo::default)
            .location
            .extend(out);
    }
}

fn push(out: &mut Vec<Location>, docs: &HashMap<String, String>, name: &str, path: Vec<i32>) {
    if let Some(text) = docs.get(name) {
        out.push(Location {
            path,
            span: vec![0, 0, 0],
            leading_comments: Some(text.clone()),
            trailing_comments: None,
            leading_detached_comments: Vec::new(),
        });
    }
}

fn walk_message(
    message: &DescriptorProto,
    scope: &str,
    path: Vec<i32>,
    docs: &HashMap<String, String>,
    out: &mut Vec<Location>,
) {
    let full = format!("{scope}.{}", message.name());
    push(out, docs, &full, path.clone());
    let at = |kind: i32, i: usize| [path.as_slice(), &[kind, i as i32]].concat();
    for (i, field) in message.field.iter().enumerate() {
        push(out, docs, &format!("{full}.{}", field.name()), at(2, i));
    }
    for (i, oneof) in message.oneof_decl.iter().enumerate() {
        push(out, docs, &format!("{full}.{}", oneof.name()), at(8, i));
    }
    for (i, nested) in message.nested_type.iter().enumerate() {
        walk_message(nested, &full, at(3, i), docs, out);
    }
    for (i, enumeration) in message.enum_type.iter().enumerate() {
        walk_enum(enumeration, &full, at(4, i), docs, out);
    }
}

fn walk_enum(
    enumeration: &EnumDescriptorProto,
    scope: &str,
    path: Vec<i32>,
    docs: &HashMap<String, String>,
    out: &mut Vec<Location>,
) {
    let full = format!("{scope}.{}", enumeration.name());
    push(out, docs, &full, path.clone());
    for (i, value) in enumeration.value.iter().enumerate() {
        let name = format!("{full}.{}", value.name());
        push(out, docs, &name, [path.as_slice(), &[2, i as i32]].concat());
    }
}
