//! Layout planning: how each field is written (plain, map, group) and in what order a
//! scope's fields, oneofs, extend blocks and nested messages go.

use std::collections::HashSet;

use prost_types::{
    field_descriptor_proto::{Label, Type},
    DescriptorProto, FieldDescriptorProto, OneofDescriptorProto,
};

use super::*;

/// How a field is written.
#[derive(Clone, Copy, Debug)]
pub(super) enum Shape {
    /// An ordinary field line.
    Plain,
    /// `map<K, V>`; the index is the map-entry message in the scope.
    Map(usize),
    /// A proto2 group; the index is the group's message in the scope.
    Group(usize),
}

/// Where a field is declared, which decides its label.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Place {
    /// Directly in a message.
    Message,
    /// Inside a `oneof` block (no label).
    Oneof,
    /// Inside an `extend` block.
    Extend,
}

/// A declaration unit that keeps its order relative to others of its kind.
#[derive(Debug)]
pub(super) enum Unit {
    /// One field of the message (index into `field`).
    Field(usize),
    /// A real oneof: its index and the indices of its member fields.
    Oneof(usize, Vec<usize>),
    /// An `extend` block: indices into the scope's extension list.
    Extend(Vec<usize>),
}

/// What to write, in order, for a scope's fields, extensions and messages.
#[derive(Debug)]
pub(super) enum Item {
    /// A field/oneof/extend unit.
    Unit(Unit),
    /// A nested (or top-level) message not folded into a map or group.
    Message(usize),
}

/// The declarations of one scope: a message body, or the file's top level
/// (which has no fields or oneofs).
#[derive(Debug)]
pub(super) struct Scope<'a> {
    /// Fully qualified name with leading dot (empty for a file without
    /// package).
    pub(super) full: &'a str,
    /// The message's fields.
    pub(super) fields: &'a [FieldDescriptorProto],
    /// The message's oneofs.
    pub(super) oneofs: &'a [OneofDescriptorProto],
    /// Extensions declared in the scope.
    pub(super) extensions: &'a [FieldDescriptorProto],
    /// Messages declared in the scope.
    pub(super) nested: &'a [DescriptorProto],
}

/// The rendering plan of one scope (a message body or the file).
#[derive(Debug)]
pub(super) struct Plan {
    /// Items in output order.
    pub(super) items: Vec<Item>,
    /// Shape of each field of the scope's message.
    pub(super) field_shapes: Vec<Shape>,
    /// Shape of each extension declared in the scope.
    pub(super) ext_shapes: Vec<Shape>,
}

/// Works out how each field is written and in what order fields, oneofs,
/// extend blocks and messages go, so that recompiling reproduces the order of
/// `field`, `extension` and `nested_type` (map entries and group messages are
/// generated where their field is declared).
pub(super) fn plan_scope(ctx: &Ctx, scope: &Scope<'_>) -> Plan {
    let (fields, oneofs, extensions, nested) =
        (scope.fields, scope.oneofs, scope.extensions, scope.nested);
    let field_shapes: Vec<Shape> = fields
        .iter()
        .map(|f| field_shape(ctx, scope.full, f, nested, true))
        .collect();
    let ext_shapes: Vec<Shape> = extensions
        .iter()
        .map(|f| field_shape(ctx, scope.full, f, nested, false))
        .collect();

    let mut consumed = vec![false; nested.len()];
    for shape in field_shapes.iter().chain(ext_shapes.iter()) {
        if let Shape::Map(i) | Shape::Group(i) = *shape {
            if let Some(c) = consumed.get_mut(i) {
                *c = true;
            }
        }
    }

    // Oneofs rendered as blocks: those with at least one member that is not
    // a proto3 `optional` field (the others are synthetic).
    let real_oneof = |f: &FieldDescriptorProto| -> Option<usize> {
        if f.proto3_optional == Some(true) {
            return None;
        }
        let index = usize::try_from(f.oneof_index?).ok()?;
        (index < oneofs.len()).then_some(index)
    };

    let mut field_units: Vec<Unit> = Vec::new();
    let mut seen_oneofs: HashSet<usize> = HashSet::new();
    for (i, f) in fields.iter().enumerate() {
        match real_oneof(f) {
            Some(o) => {
                if seen_oneofs.insert(o) {
                    let members = fields
                        .iter()
                        .enumerate()
                        .filter(|(_, g)| real_oneof(g) == Some(o))
                        .map(|(j, _)| j)
                        .collect();
                    field_units.push(Unit::Oneof(o, members));
                }
            }
            None => field_units.push(Unit::Field(i)),
        }
    }

    let mut ext_units: Vec<Unit> = Vec::new();
    let mut current: Option<(&str, Vec<usize>)> = None;
    for (i, e) in extensions.iter().enumerate() {
        let extendee = e.extendee.as_deref().unwrap_or("");
        match &mut current {
            Some((name, members)) if *name == extendee => members.push(i),
            _ => {
                if let Some((_, members)) = current.take() {
                    ext_units.push(Unit::Extend(members));
                }
                current = Some((extendee, vec![i]));
            }
        }
    }
    if let Some((_, members)) = current {
        ext_units.push(Unit::Extend(members));
    }

    let anchors = |unit: &Unit| -> Vec<usize> {
        let (shapes, members): (&[Shape], Vec<usize>) = match unit {
            Unit::Field(i) => (&field_shapes, vec![*i]),
            Unit::Oneof(_, m) => (&field_shapes, m.clone()),
            Unit::Extend(m) => (&ext_shapes, m.clone()),
        };
        members
            .iter()
            .filter_map(|&m| match shapes.get(m) {
                Some(Shape::Map(n)) | Some(Shape::Group(n)) => Some(*n),
                _ => None,
            })
            .collect()
    };

    // Merge the three ordered sequences. A unit that generates nested
    // messages may only be written once every earlier message is written.
    let mut emitted = vec![false; nested.len()];
    let mut items = Vec::new();
    let mut field_units = field_units.into_iter().peekable();
    let mut ext_units = ext_units.into_iter().peekable();
    loop {
        let ready = |unit: &Unit, emitted: &[bool]| {
            let a = anchors(unit);
            match a.iter().max() {
                None => true,
                Some(&max) => (0..max).all(|j| emitted[j] || a.contains(&j)),
            }
        };
        let low = emitted.iter().position(|e| !e);
        let next = if field_units.peek().is_some_and(|u| ready(u, &emitted)) {
            field_units.next()
        } else if ext_units.peek().is_some_and(|u| ready(u, &emitted)) {
            ext_units.next()
        } else if let Some(low) = low.filter(|&l| !consumed[l]) {
            emitted[low] = true;
            items.push(Item::Message(low));
            continue;
        } else if field_units.peek().is_some() {
            // Inconsistent ordering in the input: write the next field anyway.
            field_units.next()
        } else if ext_units.peek().is_some() {
            ext_units.next()
        } else if let Some(low) = low {
            // Generated message whose field is gone: nothing left to write it.
            emitted[low] = true;
            continue;
        } else {
            break;
        };
        if let Some(unit) = next {
            for a in anchors(&unit) {
                if let Some(e) = emitted.get_mut(a) {
                    *e = true;
                }
            }
            items.push(Item::Unit(unit));
        }
    }

    Plan {
        items,
        field_shapes,
        ext_shapes,
    }
}

/// Index of the message in `nested` that `type_name` refers to, given that
/// the nested messages live in `scope` (a fully qualified name with leading
/// dot, or empty for the root).
pub(super) fn nested_index(
    scope: &str,
    type_name: &str,
    nested: &[DescriptorProto],
) -> Option<usize> {
    nested.iter().position(|m| {
        let name = m.name();
        if type_name.starts_with('.') {
            type_name.len() == scope.len() + 1 + name.len()
                && type_name.starts_with(scope)
                && type_name[scope.len()..].starts_with('.')
                && type_name.ends_with(name)
        } else {
            type_name == name
        }
    })
}

/// Decides whether a field is written as a map, a group, or a plain field.
pub(super) fn field_shape(
    ctx: &Ctx,
    scope: &str,
    field: &FieldDescriptorProto,
    nested: &[DescriptorProto],
    may_be_map: bool,
) -> Shape {
    let Some(type_name) = field.type_name.as_deref() else {
        return Shape::Plain;
    };
    let ty = field.r#type.and_then(|t| Type::try_from(t).ok());
    let Some(index) = nested_index(scope, type_name, nested) else {
        return Shape::Plain;
    };
    let target = &nested[index];
    match ty {
        Some(Type::Message) | None
            if may_be_map
                && field.label == Some(Label::Repeated as i32)
                && is_map_entry(target) =>
        {
            Shape::Map(index)
        }
        Some(Type::Group)
            if ctx.syntax != Syntax::Editions
                && !target.name().is_empty()
                && target.name().to_ascii_lowercase() == field.name() =>
        {
            Shape::Group(index)
        }
        _ => Shape::Plain,
    }
}

/// Whether `message` is a well-formed map entry (`map_entry` option set and
/// key/value fields numbered 1 and 2).
pub(super) fn is_map_entry(message: &DescriptorProto) -> bool {
    let flagged = message
        .options
        .as_ref()
        .and_then(|o| o.map_entry)
        .unwrap_or(false);
    flagged && map_entry_field(message, 1).is_some() && map_entry_field(message, 2).is_some()
}

/// The key (1) or value (2) field of a map entry.
pub(super) fn map_entry_field(
    message: &DescriptorProto,
    number: i32,
) -> Option<&FieldDescriptorProto> {
    message.field.iter().find(|f| f.number == Some(number))
}
