//! Options: file, message, field and uninterpreted options as `name = value`.

use super::json_name;

use prost_types::{
    field_options::{CType, JsType},
    file_options::OptimizeMode,
    FieldDescriptorProto, FieldOptions, FileOptions, MessageOptions, UninterpretedOption,
};

use super::*;

/// The bracketed options of a field (`default`, `json_name`, standard
/// options and uninterpreted options), each as `name = value`. `json_name`
/// is left out for extensions, where compilers reject it.
pub(super) fn field_options(ctx: &Ctx, field: &FieldDescriptorProto, place: Place) -> Vec<String> {
    let mut out = Vec::new();
    if ctx.syntax != Syntax::Proto3 {
        if let Some(default) = &field.default_value {
            out.push(format!("default = {}", default_literal(field, default)));
        }
    }
    if let Some(json) = field.json_name.as_ref().filter(|_| place != Place::Extend) {
        if *json != json_name(field.name()) {
            out.push(format!("json_name = {}", quote_str(json)));
        }
    }
    if let Some(options) = &field.options {
        out.extend(standard_field_options(options));
    }
    out
}

/// Standard `FieldOptions` that are set, as `name = value`.
pub(super) fn standard_field_options(o: &FieldOptions) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(ctype) = o.ctype.and_then(|c| CType::try_from(c).ok()) {
        out.push(format!("ctype = {}", ctype.as_str_name()));
    }
    push_bool(&mut out, "packed", o.packed);
    if let Some(jstype) = o.jstype.and_then(|j| JsType::try_from(j).ok()) {
        out.push(format!("jstype = {}", jstype.as_str_name()));
    }
    push_bool(&mut out, "lazy", o.lazy);
    push_bool(&mut out, "deprecated", o.deprecated);
    push_bool(&mut out, "weak", o.weak);
    out.extend(o.uninterpreted_option.iter().map(uninterpreted));
    out
}

/// Appends `name = true|false` when `value` is set.
pub(super) fn push_bool(out: &mut Vec<String>, name: &str, value: Option<bool>) {
    if let Some(v) = value {
        out.push(format!("{name} = {v}"));
    }
}

/// File options that are set, as `name = value`.
pub(super) fn file_options(o: &FileOptions) -> Vec<String> {
    let mut out = Vec::new();
    let mut push_str = |name: &str, value: &Option<String>| {
        if let Some(v) = value {
            out.push(format!("{name} = {}", quote_str(v)));
        }
    };
    push_str("java_package", &o.java_package);
    push_str("java_outer_classname", &o.java_outer_classname);
    push_str("go_package", &o.go_package);
    push_str("objc_class_prefix", &o.objc_class_prefix);
    push_str("csharp_namespace", &o.csharp_namespace);
    push_str("swift_prefix", &o.swift_prefix);
    push_str("php_class_prefix", &o.php_class_prefix);
    push_str("php_namespace", &o.php_namespace);
    push_str("php_metadata_namespace", &o.php_metadata_namespace);
    push_str("ruby_package", &o.ruby_package);
    push_bool(&mut out, "java_multiple_files", o.java_multiple_files);
    // Deprecated upstream, but still a standard option protoc accepts.
    #[allow(deprecated)]
    let equals_and_hash = o.java_generate_equals_and_hash;
    push_bool(&mut out, "java_generate_equals_and_hash", equals_and_hash);
    push_bool(&mut out, "java_string_check_utf8", o.java_string_check_utf8);
    if let Some(mode) = o.optimize_for.and_then(|m| OptimizeMode::try_from(m).ok()) {
        out.push(format!("optimize_for = {}", mode.as_str_name()));
    }
    push_bool(&mut out, "cc_generic_services", o.cc_generic_services);
    push_bool(&mut out, "java_generic_services", o.java_generic_services);
    push_bool(&mut out, "py_generic_services", o.py_generic_services);
    push_bool(&mut out, "php_generic_services", o.php_generic_services);
    push_bool(&mut out, "deprecated", o.deprecated);
    push_bool(&mut out, "cc_enable_arenas", o.cc_enable_arenas);
    out.extend(o.uninterpreted_option.iter().map(uninterpreted));
    out
}

/// Message options that are set, as `name = value`. `map_entry` is never
/// written: compilers reject it and map entries are folded into `map<>`.
pub(super) fn message_options(o: &MessageOptions) -> Vec<String> {
    let mut out = Vec::new();
    push_bool(
        &mut out,
        "message_set_wire_format",
        o.message_set_wire_format,
    );
    push_bool(
        &mut out,
        "no_standard_descriptor_accessor",
        o.no_standard_descriptor_accessor,
    );
    push_bool(&mut out, "deprecated", o.deprecated);
    out.extend(o.uninterpreted_option.iter().map(uninterpreted));
    out
}

/// An uninterpreted option as `name = value` (custom options appear this way
/// only in unlinked descriptors).
pub(super) fn uninterpreted(option: &UninterpretedOption) -> String {
    grpc_model::options::render(&crate::descriptor::custom_options::from_uninterpreted(
        option,
    ))
}
