//! Renders a [`FileDescriptorProto`] back to `.proto` source text.
//!
//! The output is meant to be accepted by `protoc` and `protox` and to compile
//! back to an equivalent descriptor (modulo `source_code_info`, and with
//! `json_name` filled in the way compilers do). Type references are written
//! fully qualified with a leading dot, map fields are folded back into
//! `map<K, V>` syntax, proto3 `optional` fields are written with their label
//! instead of their synthetic oneof, and proto2 groups are written inline.
//!
//! Rendering never panics: descriptors that could not have come from a
//! compiler (dangling indices, unknown enum numbers, missing names) still
//! produce text, which may then simply fail to compile.

mod comments;
mod literals;
mod options;
mod plan;
mod print;
#[cfg(test)]
mod tests;

use super::json_name;

use prost_types::FileDescriptorProto;

use literals::*;
use options::*;
use plan::*;
use print::*;

/// Renders `file` as `.proto` source text.
///
/// The text starts with the `syntax` line (`proto2` unless the descriptor
/// says `proto3`; `editions` files are rendered best-effort as
/// `edition = "2023"`), followed by the package, imports (with `public` /
/// `weak` markers), file options, messages, top-level `extend` blocks, enums
/// and services. Output is deterministic, indented by two spaces, with one
/// blank line between top-level sections. The leading comments of
/// `source_code_info` are written as `//` lines above what they describe
/// (messages, fields, oneofs, enums, values, services, methods).
pub(crate) fn render_file(file: &FileDescriptorProto) -> String {
    let ctx = Ctx {
        syntax: Syntax::of(file),
        comments: comments::by_name(file),
    };
    let mut sections: Vec<String> = Vec::new();

    sections.push(match ctx.syntax {
        Syntax::Proto2 => "syntax = \"proto2\";\n".to_owned(),
        Syntax::Proto3 => "syntax = \"proto3\";\n".to_owned(),
        Syntax::Editions => "edition = \"2023\";\n".to_owned(),
    });

    if let Some(package) = file.package.as_deref().filter(|p| !p.is_empty()) {
        sections.push(format!("package {package};\n"));
    }

    let mut imports = String::new();
    for (i, dep) in file.dependency.iter().enumerate() {
        let is_index = |&j: &i32| usize::try_from(j) == Ok(i);
        let marker = if file.public_dependency.iter().any(is_index) {
            "public "
        } else if file.weak_dependency.iter().any(is_index) {
            "weak "
        } else {
            ""
        };
        imports.push_str(&format!("import {marker}{};\n", quote_str(dep)));
    }
    if !imports.is_empty() {
        sections.push(imports);
    }

    if let Some(options) = &file.options {
        let mut p = Printer::default();
        for option in file_options(options) {
            p.line(&format!("option {option};"));
        }
        if !p.out.is_empty() {
            sections.push(p.out);
        }
    }

    let full = match file.package.as_deref() {
        Some(package) if !package.is_empty() => format!(".{package}"),
        _ => String::new(),
    };
    let scope = Scope {
        full: &full,
        fields: &[],
        oneofs: &[],
        extensions: &file.extension,
        nested: &file.message_type,
    };
    let plan = plan_scope(&ctx, &scope);
    for item in &plan.items {
        let mut p = Printer::default();
        render_item(&mut p, &ctx, &scope, &plan, item);
        sections.push(p.out);
    }

    for enum_type in &file.enum_type {
        let mut p = Printer::default();
        render_enum(&mut p, &ctx, &full, enum_type);
        sections.push(p.out);
    }

    for service in &file.service {
        let mut p = Printer::default();
        render_service(&mut p, &ctx, &full, service);
        sections.push(p.out);
    }

    sections.join("\n")
}

/// The syntax flavour that decides labels and a few spellings.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Syntax {
    /// `syntax = "proto2"` (also the meaning of an absent syntax).
    Proto2,
    /// `syntax = "proto3"`.
    Proto3,
    /// Editions; rendered best-effort since prost-types has no edition field.
    Editions,
}

impl Syntax {
    /// The syntax a descriptor declares (absent or unknown means proto2).
    fn of(file: &FileDescriptorProto) -> Self {
        match file.syntax.as_deref() {
            Some("proto3") => Syntax::Proto3,
            Some("editions") => Syntax::Editions,
            _ => Syntax::Proto2,
        }
    }
}

/// Rendering context shared by the whole file.
#[derive(Debug)]
struct Ctx {
    /// The file's syntax.
    syntax: Syntax,
    /// Leading comments by full name (see `comments::by_name`).
    comments: std::collections::HashMap<String, String>,
}
