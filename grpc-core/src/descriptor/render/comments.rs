//! Comments: the leading comments of `source_code_info`, by the full name of what they
//! describe, written as `//` lines above it.

use std::collections::HashMap;

use prost_types::{DescriptorProto, EnumDescriptorProto, FileDescriptorProto};

use super::print::Printer;
use super::Ctx;

/// The leading comment of every described element, by full name with a leading dot
/// (`.pkg.Msg`, `.pkg.Msg.field`, `.pkg.Enum.VALUE`, `.pkg.Svc.Method`).
pub(super) fn by_name(file: &FileDescriptorProto) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Some(info) = &file.source_code_info else {
        return out;
    };
    let root = match file.package() {
        "" => String::new(),
        package => format!(".{package}"),
    };
    for location in &info.location {
        let Some(comment) = location.leading_comments.as_deref() else {
            continue;
        };
        if let Some(name) = name_of(file, &root, &location.path) {
            out.insert(name, comment.to_owned());
        }
    }
    out
}

/// The full name of the element at `path` in `file`.
fn name_of(file: &FileDescriptorProto, root: &str, path: &[i32]) -> Option<String> {
    let at = |i: i32| usize::try_from(i).ok();
    match path {
        [4, i, rest @ ..] => message_member(file.message_type.get(at(*i)?)?, root, rest),
        [5, i, rest @ ..] => enum_member(file.enum_type.get(at(*i)?)?, root, rest),
        [6, i] => Some(format!("{root}.{}", file.service.get(at(*i)?)?.name())),
        [6, i, 2, j] => {
            let service = file.service.get(at(*i)?)?;
            let method = service.method.get(at(*j)?)?;
            Some(format!("{root}.{}.{}", service.name(), method.name()))
        }
        _ => None,
    }
}

fn message_member(message: &DescriptorProto, scope: &str, path: &[i32]) -> Option<String> {
    let full = format!("{scope}.{}", message.name());
    let at = |i: i32| usize::try_from(i).ok();
    match path {
        [] => Some(full),
        [2, j] => Some(format!("{full}.{}", message.field.get(at(*j)?)?.name())),
        [8, j] => Some(format!(
            "{full}.{}",
            message.oneof_decl.get(at(*j)?)?.name()
        )),
        [3, j, rest @ ..] => message_member(message.nested_type.get(at(*j)?)?, &full, rest),
        [4, j, rest @ ..] => enum_member(message.enum_type.get(at(*j)?)?, &full, rest),
        _ => None,
    }
}

fn enum_member(enumeration: &EnumDescriptorProto, scope: &str, path: &[i32]) -> Option<String> {
    let full = format!("{scope}.{}", enumeration.name());
    match path {
        [] => Some(full),
        [2, j] => {
            let value = enumeration.value.get(usize::try_from(*j).ok()?)?;
            Some(format!("{full}.{}", value.name()))
        }
        _ => None,
    }
}

/// Writes the comment of `name`, if any, as `//` lines.
pub(super) fn write(p: &mut Printer, ctx: &Ctx, name: &str) {
    let Some(comment) = ctx.comments.get(name) else {
        return;
    };
    for line in comment.strip_suffix('\n').unwrap_or(comment).split('\n') {
        let line = line.trim_end();
        if line.is_empty() {
            p.line("//");
        } else {
            p.line(&format!("//{line}"));
        }
    }
}
