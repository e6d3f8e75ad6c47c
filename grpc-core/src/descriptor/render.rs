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

use super::json_name;
use std::collections::HashSet;

use prost_types::{
    descriptor_proto::{ExtensionRange, ReservedRange},
    enum_descriptor_proto::EnumReservedRange,
    field_descriptor_proto::{Label, Type},
    field_options::{CType, JsType},
    file_options::OptimizeMode,
    method_options::IdempotencyLevel,
    uninterpreted_option::NamePart,
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FieldOptions, FileDescriptorProto,
    FileOptions, MessageOptions, MethodDescriptorProto, OneofDescriptorProto,
    ServiceDescriptorProto, UninterpretedOption,
};

/// Largest field number; `max` in a (non message-set) range means this.
const MAX_FIELD_NUMBER: i32 = 536_870_911;

/// Renders `file` as `.proto` source text.
///
/// The text starts with the `syntax` line (`proto2` unless the descriptor
/// says `proto3`; `editions` files are rendered best-effort as
/// `edition = "2023"`), followed by the package, imports (with `public` /
/// `weak` markers), file options, messages, top-level `extend` blocks, enums
/// and services. Output is deterministic, indented by two spaces, with one
/// blank line between top-level sections. Comments from `source_code_info`
/// are not rendered.
pub(crate) fn render_file(file: &FileDescriptorProto) -> String {
    let ctx = Ctx {
        syntax: Syntax::of(file),
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
        render_enum(&mut p, &ctx, enum_type);
        sections.push(p.out);
    }

    for service in &file.service {
        let mut p = Printer::default();
        render_service(&mut p, service);
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
}

/// Accumulates indented lines.
#[derive(Default, Debug)]
struct Printer {
    /// Text so far.
    out: String,
    /// Current indentation depth (two spaces per level).
    indent: usize,
}

impl Printer {
    /// Writes one indented line.
    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// Writes `head {` and indents.
    fn open(&mut self, head: &str) {
        self.line(&format!("{head} {{"));
        self.indent += 1;
    }

    /// Dedents and writes `}`.
    fn close(&mut self) {
        self.indent = self.indent.saturating_sub(1);
        self.line("}");
    }
}

/// How a field is written.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// An ordinary field line.
    Plain,
    /// `map<K, V>`; the index is the map-entry message in the scope.
    Map(usize),
    /// A proto2 group; the index is the group's message in the scope.
    Group(usize),
}

/// Where a field is declared, which decides its label.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Place {
    /// Directly in a message.
    Message,
    /// Inside a `oneof` block (no label).
    Oneof,
    /// Inside an `extend` block.
    Extend,
}

/// A declaration unit that keeps its order relative to others of its kind.
#[derive(Debug)]
enum Unit {
    /// One field of the message (index into `field`).
    Field(usize),
    /// A real oneof: its index and the indices of its member fields.
    Oneof(usize, Vec<usize>),
    /// An `extend` block: indices into the scope's extension list.
    Extend(Vec<usize>),
}

/// What to write, in order, for a scope's fields, extensions and messages.
#[derive(Debug)]
enum Item {
    /// A field/oneof/extend unit.
    Unit(Unit),
    /// A nested (or top-level) message not folded into a map or group.
    Message(usize),
}

/// The declarations of one scope: a message body, or the file's top level
/// (which has no fields or oneofs).
#[derive(Debug)]
struct Scope<'a> {
    /// Fully qualified name with leading dot (empty for a file without
    /// package).
    full: &'a str,
    /// The message's fields.
    fields: &'a [FieldDescriptorProto],
    /// The message's oneofs.
    oneofs: &'a [OneofDescriptorProto],
    /// Extensions declared in the scope.
    extensions: &'a [FieldDescriptorProto],
    /// Messages declared in the scope.
    nested: &'a [DescriptorProto],
}

/// The rendering plan of one scope (a message body or the file).
#[derive(Debug)]
struct Plan {
    /// Items in output order.
    items: Vec<Item>,
    /// Shape of each field of the scope's message.
    field_shapes: Vec<Shape>,
    /// Shape of each extension declared in the scope.
    ext_shapes: Vec<Shape>,
}

/// Works out how each field is written and in what order fields, oneofs,
/// extend blocks and messages go, so that recompiling reproduces the order of
/// `field`, `extension` and `nested_type` (map entries and group messages are
/// generated where their field is declared).
fn plan_scope(ctx: &Ctx, scope: &Scope<'_>) -> Plan {
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
fn nested_index(scope: &str, type_name: &str, nested: &[DescriptorProto]) -> Option<usize> {
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
fn field_shape(
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
fn is_map_entry(message: &DescriptorProto) -> bool {
    let flagged = message
        .options
        .as_ref()
        .and_then(|o| o.map_entry)
        .unwrap_or(false);
    flagged && map_entry_field(message, 1).is_some() && map_entry_field(message, 2).is_some()
}

/// The key (1) or value (2) field of a map entry.
fn map_entry_field(message: &DescriptorProto, number: i32) -> Option<&FieldDescriptorProto> {
    message.field.iter().find(|f| f.number == Some(number))
}

/// Writes one planned item of a scope.
fn render_item(p: &mut Printer, ctx: &Ctx, scope: &Scope<'_>, plan: &Plan, item: &Item) {
    match item {
        Item::Message(i) => {
            if let Some(m) = scope.nested.get(*i) {
                render_message(p, ctx, scope.full, m);
            }
        }
        Item::Unit(Unit::Field(i)) => {
            if let (Some(f), Some(shape)) = (scope.fields.get(*i), plan.field_shapes.get(*i)) {
                render_field(p, ctx, scope, f, *shape, Place::Message);
            }
        }
        Item::Unit(Unit::Oneof(o, members)) => {
            let oneof = scope.oneofs.get(*o);
            let name = oneof.and_then(|o| o.name.as_deref()).unwrap_or("");
            p.open(&format!("oneof {name}"));
            if let Some(options) = oneof.and_then(|o| o.options.as_ref()) {
                for option in &options.uninterpreted_option {
                    p.line(&format!("option {};", uninterpreted(option)));
                }
            }
            for i in members {
                if let (Some(f), Some(shape)) = (scope.fields.get(*i), plan.field_shapes.get(*i)) {
                    render_field(p, ctx, scope, f, *shape, Place::Oneof);
                }
            }
            p.close();
        }
        Item::Unit(Unit::Extend(members)) => {
            let extendee = members
                .first()
                .and_then(|&i| scope.extensions.get(i))
                .and_then(|e| e.extendee.as_deref())
                .unwrap_or("");
            p.open(&format!("extend {extendee}"));
            for &i in members {
                if let (Some(f), Some(shape)) = (scope.extensions.get(i), plan.ext_shapes.get(i)) {
                    render_field(p, ctx, scope, f, *shape, Place::Extend);
                }
            }
            p.close();
        }
    }
}

/// Writes a message definition (`scope` is the enclosing scope's full name).
fn render_message(p: &mut Printer, ctx: &Ctx, scope: &str, message: &DescriptorProto) {
    let full = format!("{scope}.{}", message.name());
    if is_empty_message(message) {
        p.line(&format!("message {} {{}}", message.name()));
        return;
    }
    p.open(&format!("message {}", message.name()));
    render_message_body(p, ctx, &full, message);
    p.close();
}

/// Whether a message body would be empty.
fn is_empty_message(message: &DescriptorProto) -> bool {
    message.field.is_empty()
        && message.extension.is_empty()
        && message.nested_type.is_empty()
        && message.enum_type.is_empty()
        && message.extension_range.is_empty()
        && message.reserved_range.is_empty()
        && message.reserved_name.is_empty()
        && message
            .options
            .as_ref()
            .is_none_or(|o| message_options(o).is_empty())
}

/// Writes the inside of a message (or group) whose full name is `full`.
fn render_message_body(p: &mut Printer, ctx: &Ctx, full: &str, message: &DescriptorProto) {
    let message_set = message
        .options
        .as_ref()
        .and_then(|o| o.message_set_wire_format)
        .unwrap_or(false);

    if let Some(options) = &message.options {
        for option in message_options(options) {
            p.line(&format!("option {option};"));
        }
    }

    let scope = Scope {
        full,
        fields: &message.field,
        oneofs: &message.oneof_decl,
        extensions: &message.extension,
        nested: &message.nested_type,
    };
    let plan = plan_scope(ctx, &scope);
    for item in &plan.items {
        render_item(p, ctx, &scope, &plan, item);
    }

    for enum_type in &message.enum_type {
        render_enum(p, ctx, enum_type);
    }

    for range in &message.extension_range {
        render_extension_range(p, range, message_set);
    }

    if !message.reserved_range.is_empty() {
        let ranges: Vec<String> = message
            .reserved_range
            .iter()
            .map(|r| message_range(r, message_set))
            .collect();
        p.line(&format!("reserved {};", ranges.join(", ")));
    }
    if !message.reserved_name.is_empty() {
        p.line(&format!(
            "reserved {};",
            reserved_names(ctx, &message.reserved_name)
        ));
    }
}

/// Writes one field declaration (plain, map or group).
fn render_field(
    p: &mut Printer,
    ctx: &Ctx,
    scope: &Scope<'_>,
    field: &FieldDescriptorProto,
    shape: Shape,
    place: Place,
) {
    let nested = scope.nested;
    let number = field.number.unwrap_or(0);
    let options = field_options(ctx, field, place);
    let options = if options.is_empty() {
        String::new()
    } else {
        format!(" [{}]", options.join(", "))
    };
    match shape {
        Shape::Map(i) => {
            let (key, value) = match nested.get(i) {
                Some(entry) => (
                    map_entry_field(entry, 1).map(type_str).unwrap_or_default(),
                    map_entry_field(entry, 2).map(type_str).unwrap_or_default(),
                ),
                None => (String::new(), String::new()),
            };
            p.line(&format!(
                "map<{key}, {value}> {} = {number}{options};",
                field.name()
            ));
        }
        Shape::Group(i) => {
            let label = label_str(ctx, field, place);
            match nested.get(i) {
                Some(group) => {
                    let head = format!("{label}group {} = {number}{options}", group.name());
                    let full = format!("{}.{}", scope.full, group.name());
                    if is_empty_message(group) {
                        p.line(&format!("{head} {{}}"));
                    } else {
                        p.open(&head);
                        render_message_body(p, ctx, &full, group);
                        p.close();
                    }
                }
                None => p.line(&format!(
                    "{label}{} {} = {number}{options};",
                    type_str(field),
                    field.name()
                )),
            }
        }
        Shape::Plain => {
            let label = label_str(ctx, field, place);
            p.line(&format!(
                "{label}{} {} = {number}{options};",
                type_str(field),
                field.name()
            ));
        }
    }
}

/// The label keyword (with trailing space) for a field, or an empty string.
fn label_str(ctx: &Ctx, field: &FieldDescriptorProto, place: Place) -> &'static str {
    if place == Place::Oneof {
        return "";
    }
    if field.proto3_optional == Some(true) {
        return "optional ";
    }
    let label = field.label.and_then(|l| Label::try_from(l).ok());
    match (label, ctx.syntax) {
        (Some(Label::Repeated), _) => "repeated ",
        (_, Syntax::Editions) => "",
        (Some(Label::Required), _) => "required ",
        (_, Syntax::Proto2) => "optional ",
        (_, Syntax::Proto3) => "",
    }
}

/// The type of a field as written in source: a scalar keyword or the
/// (normally fully qualified) type name.
fn type_str(field: &FieldDescriptorProto) -> String {
    let scalar = match field.r#type.and_then(|t| Type::try_from(t).ok()) {
        Some(Type::Double) => "double",
        Some(Type::Float) => "float",
        Some(Type::Int64) => "int64",
        Some(Type::Uint64) => "uint64",
        Some(Type::Int32) => "int32",
        Some(Type::Fixed64) => "fixed64",
        Some(Type::Fixed32) => "fixed32",
        Some(Type::Bool) => "bool",
        Some(Type::String) => "string",
        Some(Type::Bytes) => "bytes",
        Some(Type::Uint32) => "uint32",
        Some(Type::Sfixed32) => "sfixed32",
        Some(Type::Sfixed64) => "sfixed64",
        Some(Type::Sint32) => "sint32",
        Some(Type::Sint64) => "sint64",
        Some(Type::Message | Type::Enum | Type::Group) | None => {
            return field
                .type_name
                .clone()
                .unwrap_or_else(|| "bytes".to_owned());
        }
    };
    scalar.to_owned()
}

/// The bracketed options of a field (`default`, `json_name`, standard
/// options and uninterpreted options), each as `name = value`. `json_name`
/// is left out for extensions, where compilers reject it.
fn field_options(ctx: &Ctx, field: &FieldDescriptorProto, place: Place) -> Vec<String> {
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
fn standard_field_options(o: &FieldOptions) -> Vec<String> {
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

/// The literal for a proto2 `default` value of `field`.
fn default_literal(field: &FieldDescriptorProto, default: &str) -> String {
    match field.r#type.and_then(|t| Type::try_from(t).ok()) {
        Some(Type::String) => quote_str(default),
        // Bytes defaults are stored C-escaped; normalise the escaping.
        Some(Type::Bytes) => quote_bytes(&unescape_c(default)),
        Some(Type::Float | Type::Double) => float_literal(default),
        _ => default.to_owned(),
    }
}

/// A float/double default as a token compilers read as a float. Some
/// compilers store e.g. `1e300` as a 301-digit integer string, which would
/// be an out-of-range integer token if written back as is.
fn float_literal(default: &str) -> String {
    let digits = default.strip_prefix('-').unwrap_or(default);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        format!("{default}.0")
    } else {
        default.to_owned()
    }
}

/// Appends `name = true|false` when `value` is set.
fn push_bool(out: &mut Vec<String>, name: &str, value: Option<bool>) {
    if let Some(v) = value {
        out.push(format!("{name} = {v}"));
    }
}

/// File options that are set, as `name = value`.
fn file_options(o: &FileOptions) -> Vec<String> {
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
fn message_options(o: &MessageOptions) -> Vec<String> {
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

/// Writes an `extensions` statement.
fn render_extension_range(p: &mut Printer, range: &ExtensionRange, message_set: bool) {
    let text = message_range(
        &ReservedRange {
            start: range.start,
            end: range.end,
        },
        message_set,
    );
    let options: Vec<String> = range
        .options
        .iter()
        .flat_map(|o| o.uninterpreted_option.iter().map(uninterpreted))
        .collect();
    if options.is_empty() {
        p.line(&format!("extensions {text};"));
    } else {
        p.line(&format!("extensions {text} [{}];", options.join(", ")));
    }
}

/// A message field-number range (end exclusive) as `N`, `N to M` or
/// `N to max`.
fn message_range(range: &ReservedRange, message_set: bool) -> String {
    let start = range.start.unwrap_or(0);
    let last = range
        .end
        .unwrap_or(start.saturating_add(1))
        .saturating_sub(1);
    // For message sets `max` means i32::MAX - 1, and compilers reject
    // numbers above MAX_FIELD_NUMBER spelled out.
    let max = if message_set {
        i32::MAX - 1
    } else {
        MAX_FIELD_NUMBER
    };
    if last == start {
        start.to_string()
    } else if last == max {
        format!("{start} to max")
    } else {
        format!("{start} to {last}")
    }
}

/// An enum value range (end inclusive) as `N`, `N to M` or `N to max`.
fn enum_range(range: &EnumReservedRange) -> String {
    let start = range.start.unwrap_or(0);
    let end = range.end.unwrap_or(start);
    if end == start {
        start.to_string()
    } else if end == i32::MAX {
        format!("{start} to max")
    } else {
        format!("{start} to {end}")
    }
}

/// Reserved names: quoted strings, or bare identifiers under editions.
fn reserved_names(ctx: &Ctx, names: &[String]) -> String {
    let names: Vec<String> = names
        .iter()
        .map(|n| {
            if ctx.syntax == Syntax::Editions {
                n.clone()
            } else {
                quote_str(n)
            }
        })
        .collect();
    names.join(", ")
}

/// Writes an enum definition.
fn render_enum(p: &mut Printer, ctx: &Ctx, enum_type: &EnumDescriptorProto) {
    p.open(&format!("enum {}", enum_type.name()));
    if let Some(o) = &enum_type.options {
        let mut options = Vec::new();
        push_bool(&mut options, "allow_alias", o.allow_alias);
        push_bool(&mut options, "deprecated", o.deprecated);
        options.extend(o.uninterpreted_option.iter().map(uninterpreted));
        for option in options {
            p.line(&format!("option {option};"));
        }
    }
    for value in &enum_type.value {
        let mut options = Vec::new();
        if let Some(o) = &value.options {
            push_bool(&mut options, "deprecated", o.deprecated);
            options.extend(o.uninterpreted_option.iter().map(uninterpreted));
        }
        let options = if options.is_empty() {
            String::new()
        } else {
            format!(" [{}]", options.join(", "))
        };
        p.line(&format!(
            "{} = {}{options};",
            value.name(),
            value.number.unwrap_or(0)
        ));
    }
    if !enum_type.reserved_range.is_empty() {
        let ranges: Vec<String> = enum_type.reserved_range.iter().map(enum_range).collect();
        p.line(&format!("reserved {};", ranges.join(", ")));
    }
    if !enum_type.reserved_name.is_empty() {
        p.line(&format!(
            "reserved {};",
            reserved_names(ctx, &enum_type.reserved_name)
        ));
    }
    p.close();
}

/// Writes a service definition.
fn render_service(p: &mut Printer, service: &ServiceDescriptorProto) {
    let mut options = Vec::new();
    if let Some(o) = &service.options {
        push_bool(&mut options, "deprecated", o.deprecated);
        options.extend(o.uninterpreted_option.iter().map(uninterpreted));
    }
    if options.is_empty() && service.method.is_empty() {
        p.line(&format!("service {} {{}}", service.name()));
        return;
    }
    p.open(&format!("service {}", service.name()));
    for option in options {
        p.line(&format!("option {option};"));
    }
    for method in &service.method {
        render_method(p, method);
    }
    p.close();
}

/// Writes one `rpc` line (with an options block when needed).
fn render_method(p: &mut Printer, method: &MethodDescriptorProto) {
    let stream = |yes: Option<bool>| if yes == Some(true) { "stream " } else { "" };
    let head = format!(
        "rpc {}({}{}) returns ({}{})",
        method.name(),
        stream(method.client_streaming),
        method.input_type(),
        stream(method.server_streaming),
        method.output_type(),
    );
    let mut options = Vec::new();
    if let Some(o) = &method.options {
        push_bool(&mut options, "deprecated", o.deprecated);
        if let Some(level) = o
            .idempotency_level
            .and_then(|l| IdempotencyLevel::try_from(l).ok())
        {
            options.push(format!("idempotency_level = {}", level.as_str_name()));
        }
        options.extend(o.uninterpreted_option.iter().map(uninterpreted));
    }
    if options.is_empty() {
        p.line(&format!("{head};"));
    } else {
        p.open(&head);
        for option in options {
            p.line(&format!("option {option};"));
        }
        p.close();
    }
}

/// An uninterpreted option as `name = value` (custom options appear this way
/// only in unlinked descriptors).
fn uninterpreted(option: &UninterpretedOption) -> String {
    let name: Vec<String> = option.name.iter().map(name_part).collect();
    let value = if let Some(ident) = &option.identifier_value {
        ident.clone()
    } else if let Some(v) = option.positive_int_value {
        v.to_string()
    } else if let Some(v) = option.negative_int_value {
        v.to_string()
    } else if let Some(v) = option.double_value {
        if v.is_nan() {
            "nan".to_owned()
        } else if v.is_infinite() {
            if v > 0.0 { "inf" } else { "-inf" }.to_owned()
        } else {
            format!("{v:?}")
        }
    } else if let Some(bytes) = &option.string_value {
        quote_bytes(bytes)
    } else if let Some(aggregate) = &option.aggregate_value {
        format!("{{ {aggregate} }}")
    } else {
        "\"\"".to_owned()
    };
    format!("{} = {value}", name.join("."))
}

/// One component of an option name; extension names go in parentheses.
fn name_part(part: &NamePart) -> String {
    if part.is_extension {
        format!("({})", part.name_part)
    } else {
        part.name_part.clone()
    }
}

/// A double-quoted string literal for text: quotes, backslashes and control
/// characters are escaped, other characters (including non-ASCII) kept.
fn quote_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\{:03o}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A double-quoted string literal for arbitrary bytes: printable ASCII kept,
/// everything else octal-escaped.
fn quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push('"');
    out
}

/// Decodes C-style escapes (as protoc stores bytes defaults). Malformed
/// escapes are kept literally.
fn unescape_c(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'\\' || i + 1 >= bytes.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let e = bytes[i + 1];
        i += 2;
        match e {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                let mut value = u32::from(e - b'0');
                let mut digits = 1;
                while digits < 3 && i < bytes.len() && (b'0'..=b'7').contains(&bytes[i]) {
                    value = value * 8 + u32::from(bytes[i] - b'0');
                    i += 1;
                    digits += 1;
                }
                out.push((value & 0xff) as u8);
            }
            b'x' | b'X' => {
                let mut value = 0u32;
                let mut digits = 0;
                while digits < 2 && i < bytes.len() && bytes[i].is_ascii_hexdigit() {
                    value = value * 16 + char::from(bytes[i]).to_digit(16).unwrap_or(0);
                    i += 1;
                    digits += 1;
                }
                if digits == 0 {
                    out.extend_from_slice(b"\\x");
                } else {
                    out.push((value & 0xff) as u8);
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use prost_types::{
        descriptor_proto::ExtensionRange, EnumOptions, EnumValueDescriptorProto, EnumValueOptions,
        MethodOptions, ServiceOptions,
    };
    use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};

    use super::*;

    // ---------------------------------------------------------------- harness

    /// Serves in-memory sources by file name.
    struct MemResolver(HashMap<String, String>);

    impl FileResolver for MemResolver {
        fn open_file(&self, name: &str) -> Result<File, protox::Error> {
            match self.0.get(name) {
                Some(source) => File::from_source(name, source),
                None => Err(protox::Error::file_not_found(name)),
            }
        }
    }

    /// Compiles `targets` from in-memory `sources`, falling back to protox's
    /// bundled google files for anything not in `sources`.
    fn compile_sources(
        sources: &HashMap<String, String>,
        targets: &[&str],
    ) -> Result<Vec<FileDescriptorProto>, protox::Error> {
        let mut chain = ChainFileResolver::new();
        chain.add(MemResolver(sources.clone()));
        chain.add(GoogleFileResolver::new());
        let mut compiler = protox::Compiler::with_file_resolver(chain);
        compiler.include_source_info(false);
        compiler.open_files(targets)?;
        Ok(compiler.file_descriptor_set().file)
    }

    /// Compiles `name` (and everything it imports) from include path `dir`.
    fn compile_dir(dir: &Path, name: &str) -> Vec<FileDescriptorProto> {
        let mut compiler = protox::Compiler::new([dir]).expect("compiler");
        compiler.include_imports(true).include_source_info(false);
        compiler
            .open_file(name)
            .unwrap_or_else(|e| panic!("compiling {name}: {e:?}"));
        compiler.file_descriptor_set().file
    }

    /// Normalises a descriptor so that a hand-built or protoc-built one can be
    /// compared with what protox makes of the rendered text:
    /// - `source_code_info` is dropped;
    /// - `syntax = "proto2"` and an absent syntax are the same;
    /// - every field gets a `json_name` (the default lowerCamel name if it had
    ///   none), so custom JSON names are still compared;
    /// - an options message equal to its default is the same as no options
    ///   (prost drops unknown fields, e.g. `retention`, `targets`,
    ///   `edition_defaults`, `features` set on descriptor.proto, and custom
    ///   options, leaving `Some(Default)` behind);
    /// - bytes defaults are compared by their decoded bytes (re-escaped in
    ///   one canonical way);
    /// - float/double defaults are compared by value (protoc writes `1e+300`,
    ///   protox writes the full decimal expansion).
    fn normalize(mut file: FileDescriptorProto) -> FileDescriptorProto {
        file.source_code_info = None;
        if file.syntax.as_deref() == Some("proto2") {
            file.syntax = None;
        }
        clear_default(&mut file.options);
        file.message_type.iter_mut().for_each(normalize_message);
        file.extension.iter_mut().for_each(normalize_field);
        file.enum_type.iter_mut().for_each(normalize_enum);
        for service in &mut file.service {
            clear_default(&mut service.options);
            for method in &mut service.method {
                clear_default::<MethodOptions>(&mut method.options);
            }
        }
        file
    }

    fn clear_default<T: Default + PartialEq>(options: &mut Option<T>) {
        if options.as_ref().is_some_and(|o| *o == T::default()) {
            *options = None;
        }
    }

    fn normalize_message(message: &mut DescriptorProto) {
        clear_default(&mut message.options);
        message.field.iter_mut().for_each(normalize_field);
        message.extension.iter_mut().for_each(normalize_field);
        message.nested_type.iter_mut().for_each(normalize_message);
        message.enum_type.iter_mut().for_each(normalize_enum);
        for oneof in &mut message.oneof_decl {
            clear_default(&mut oneof.options);
        }
        for range in &mut message.extension_range {
            clear_default(&mut range.options);
        }
    }

    fn normalize_field(field: &mut FieldDescriptorProto) {
        clear_default(&mut field.options);
        if field.json_name.is_none() {
            field.json_name = Some(json_name(field.name()));
        }
        if let Some(default) = &mut field.default_value {
            // protoc prints 9 significant digits for floats, protox the
            // shortest form: compare floats at f32 precision.
            if field.r#type == Some(Type::Float as i32) {
                if let Ok(v) = default.parse::<f32>() {
                    *default = format!("{v:e}");
                }
            } else if field.r#type == Some(Type::Double as i32) {
                if let Ok(v) = default.parse::<f64>() {
                    *default = format!("{v:e}");
                }
            }
        }
        if field.r#type == Some(Type::Bytes as i32) {
            if let Some(default) = &mut field.default_value {
                let quoted = quote_bytes(&unescape_c(default));
                *default = quoted[1..quoted.len() - 1].to_owned();
            }
        }
    }

    fn normalize_enum(enum_type: &mut EnumDescriptorProto) {
        clear_default(&mut enum_type.options);
        for value in &mut enum_type.value {
            clear_default(&mut value.options);
        }
    }

    /// Asserts equality of two descriptors, printing only the region of the
    /// pretty-printed debug output where they first differ.
    fn assert_same(expected: &FileDescriptorProto, actual: &FileDescriptorProto, text: &str) {
        if expected == actual {
            return;
        }
        let e = format!("{expected:#?}");
        let a = format!("{actual:#?}");
        let e: Vec<&str> = e.lines().collect();
        let a: Vec<&str> = a.lines().collect();
        let first = e
            .iter()
            .zip(a.iter())
            .position(|(x, y)| x != y)
            .unwrap_or(e.len().min(a.len()));
        let from = first.saturating_sub(30);
        panic!(
            "descriptors for {} differ at line {first}\n--- expected\n{}\n--- actual\n{}\n--- rendered text\n{text}",
            expected.name(),
            e[from..e.len().min(first + 10)].join("\n"),
            a[from..a.len().min(first + 10)].join("\n"),
        );
    }

    /// Compiles `targets` from `sources` with a `protoc` found on `PATH`
    /// (plus `/usr/include` for google files not in `sources`). `None` when
    /// no protoc is installed.
    fn protoc_compile(
        sources: &HashMap<String, String>,
        targets: &[&str],
    ) -> Option<Result<Vec<FileDescriptorProto>, String>> {
        use prost::Message as _;
        use std::process::Command;
        use std::sync::atomic::{AtomicUsize, Ordering};

        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        if Command::new("protoc").arg("--version").output().is_err() {
            return None;
        }
        let dir = std::env::temp_dir().join(format!(
            "render-protoc-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let result = (|| {
            for (name, text) in sources {
                let path = dir.join("src").join(name);
                std::fs::create_dir_all(path.parent().ok_or("no parent")?)
                    .map_err(|e| e.to_string())?;
                std::fs::write(&path, text).map_err(|e| e.to_string())?;
            }
            let out = dir.join("out.pb");
            let mut cmd = Command::new("protoc");
            cmd.arg("-I").arg(dir.join("src"));
            if Path::new("/usr/include/google/protobuf/descriptor.proto").exists() {
                cmd.arg("-I/usr/include");
            }
            cmd.arg("--include_imports")
                .arg(format!("--descriptor_set_out={}", out.display()))
                .args(targets);
            let output = cmd.output().map_err(|e| e.to_string())?;
            if !output.status.success() {
                return Err(String::from_utf8_lossy(&output.stderr).into_owned());
            }
            let bytes = std::fs::read(&out).map_err(|e| e.to_string())?;
            prost_types::FileDescriptorSet::decode(bytes.as_slice())
                .map(|set| set.file)
                .map_err(|e| e.to_string())
        })();
        let _ = std::fs::remove_dir_all(&dir);
        Some(result)
    }

    /// Outside CI an optional cross-check tool may be missing (the check is skipped, loudly);
    /// in CI (`CI` set) it must be there, or the test fails.
    fn require_in_ci(what: &str) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install {what} for this cross-check"
        );
        eprintln!("skipping cross-check: {what} is not installed");
    }

    /// When protoc is installed, checks that it accepts the rendered
    /// `sources` and builds descriptors equal to the normalised `originals`.
    fn protoc_cross_check(originals: &[FileDescriptorProto], sources: &HashMap<String, String>) {
        let names: Vec<&str> = originals.iter().map(|f| f.name()).collect();
        let Some(result) = protoc_compile(sources, &names) else {
            require_in_ci("protoc (apt-get install protobuf-compiler)");
            return;
        };
        let files = result.unwrap_or_else(|e| panic!("protoc rejects rendered text: {e}"));
        for original in originals {
            let again = files
                .iter()
                .find(|f| f.name() == original.name())
                .unwrap_or_else(|| panic!("{} missing from protoc output", original.name()));
            assert_same(
                &normalize(original.clone()),
                &normalize(again.clone()),
                &sources[original.name()],
            );
        }
    }

    /// Renders every file, compiles the rendered text back with protox and
    /// checks each result against the normalised original.
    fn roundtrip(originals: &[FileDescriptorProto]) {
        let sources: HashMap<String, String> = originals
            .iter()
            .map(|f| (f.name().to_owned(), render_file(f)))
            .collect();
        let names: Vec<&str> = originals.iter().map(|f| f.name()).collect();
        let reparsed = match compile_sources(&sources, &names) {
            Ok(files) => files,
            Err(e) => {
                let mut all = String::new();
                for name in &names {
                    all.push_str(&format!("==== {name}\n{}\n", sources[*name]));
                }
                panic!("rendered text does not compile: {e:?}\n{all}");
            }
        };
        for original in originals {
            let again = reparsed
                .iter()
                .find(|f| f.name() == original.name())
                .unwrap_or_else(|| panic!("{} missing after reparse", original.name()));
            assert_same(
                &normalize(original.clone()),
                &normalize(again.clone()),
                &sources[original.name()],
            );
        }
        protoc_cross_check(originals, &sources);
    }

    // ---------------------------------------------------------- builders

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    fn field(name: &str, number: i32, label: Label, ty: Type) -> FieldDescriptorProto {
        FieldDescriptorProto {
            name: s(name),
            number: Some(number),
            label: Some(label as i32),
            r#type: Some(ty as i32),
            ..Default::default()
        }
    }

    fn typed(
        name: &str,
        number: i32,
        label: Label,
        ty: Type,
        type_name: &str,
    ) -> FieldDescriptorProto {
        FieldDescriptorProto {
            type_name: s(type_name),
            ..field(name, number, label, ty)
        }
    }

    fn message(name: &str, fields: Vec<FieldDescriptorProto>) -> DescriptorProto {
        DescriptorProto {
            name: s(name),
            field: fields,
            ..Default::default()
        }
    }

    fn map_entry(name: &str, key: Type, value: FieldDescriptorProto) -> DescriptorProto {
        DescriptorProto {
            options: Some(MessageOptions {
                map_entry: Some(true),
                ..Default::default()
            }),
            ..message(
                name,
                vec![
                    field("key", 1, Label::Optional, key),
                    FieldDescriptorProto {
                        name: s("value"),
                        number: Some(2),
                        label: Some(Label::Optional as i32),
                        ..value
                    },
                ],
            )
        }
    }

    fn value(name: &str, number: i32) -> EnumValueDescriptorProto {
        EnumValueDescriptorProto {
            name: s(name),
            number: Some(number),
            options: None,
        }
    }

    fn method(name: &str, client: bool, server: bool) -> MethodDescriptorProto {
        MethodDescriptorProto {
            name: s(name),
            input_type: s(".test.pkg.Req"),
            output_type: s(".test.pkg.Resp"),
            options: None,
            client_streaming: client.then_some(true),
            server_streaming: server.then_some(true),
        }
    }

    fn dep_sources() -> HashMap<String, String> {
        let mut m = HashMap::new();
        m.insert(
            "dep/public.proto".to_owned(),
            "syntax = \"proto3\";\npackage dep;\nmessage PublicMsg {}\n".to_owned(),
        );
        m.insert(
            "dep/weak.proto".to_owned(),
            "syntax = \"proto3\";\npackage dep;\nmessage WeakMsg {}\n".to_owned(),
        );
        m
    }

    /// A proto3 file using every construct the renderer supports.
    fn everything_proto3() -> FileDescriptorProto {
        use Label::{Optional as Opt, Repeated as Rep};
        let scalars = [
            Type::Double,
            Type::Float,
            Type::Int64,
            Type::Uint64,
            Type::Int32,
            Type::Fixed64,
            Type::Fixed32,
            Type::Bool,
            Type::String,
            Type::Bytes,
            Type::Uint32,
            Type::Sfixed32,
            Type::Sfixed64,
            Type::Sint32,
            Type::Sint64,
        ];
        let mut fields: Vec<FieldDescriptorProto> = scalars
            .iter()
            .zip(1..)
            .map(|(ty, n)| {
                field(
                    &format!("f_{}", ty.as_str_name()[5..].to_lowercase()),
                    n,
                    Opt,
                    *ty,
                )
            })
            .collect();
        let inner = ".test.pkg.Everything.Inner";
        let color = ".test.pkg.Everything.Color";
        fields.extend([
            FieldDescriptorProto {
                options: Some(FieldOptions {
                    packed: Some(false),
                    ..Default::default()
                }),
                ..field("r_int32", 16, Rep, Type::Int32)
            },
            field("r_string", 17, Rep, Type::String),
            FieldDescriptorProto {
                proto3_optional: Some(true),
                oneof_index: Some(2),
                ..field("o_int32", 18, Opt, Type::Int32)
            },
            FieldDescriptorProto {
                options: Some(FieldOptions {
                    deprecated: Some(true),
                    ..Default::default()
                }),
                ..typed("ts", 19, Opt, Type::Message, ".google.protobuf.Timestamp")
            },
            typed("inner", 20, Opt, Type::Message, inner),
            FieldDescriptorProto {
                json_name: s("colour"),
                ..typed("color", 21, Opt, Type::Enum, color)
            },
            typed(
                "counts",
                22,
                Rep,
                Type::Message,
                ".test.pkg.Everything.CountsEntry",
            ),
            FieldDescriptorProto {
                oneof_index: Some(0),
                ..field("name", 23, Opt, Type::String)
            },
            FieldDescriptorProto {
                oneof_index: Some(0),
                ..typed("in", 24, Opt, Type::Message, inner)
            },
            typed(
                "inners",
                25,
                Rep,
                Type::Message,
                ".test.pkg.Everything.InnersEntry",
            ),
            typed(
                "colors",
                26,
                Rep,
                Type::Message,
                ".test.pkg.Everything.ColorsEntry",
            ),
            FieldDescriptorProto {
                proto3_optional: Some(true),
                oneof_index: Some(3),
                ..typed("pub", 27, Opt, Type::Message, ".dep.PublicMsg")
            },
            FieldDescriptorProto {
                oneof_index: Some(1),
                ..field("flag", 28, Opt, Type::Bool)
            },
            typed("many", 29, Rep, Type::Message, inner),
            FieldDescriptorProto {
                json_name: s("WeirdJSON"),
                // protoc (unlike protox) allows jstype only on 64-bit ints.
                options: Some(FieldOptions {
                    jstype: Some(JsType::JsString as i32),
                    ..Default::default()
                }),
                ..field("weird_json", 30, Opt, Type::Sint64)
            },
        ]);
        let deep = DescriptorProto {
            enum_type: vec![EnumDescriptorProto {
                name: s("DeepEnum"),
                value: vec![value("DEEP_ZERO", 0), value("DEEP_ONE", 1)],
                ..Default::default()
            }],
            ..message(
                "Deep",
                vec![typed(
                    "e",
                    1,
                    Opt,
                    Type::Enum,
                    ".test.pkg.Everything.Inner.Deep.DeepEnum",
                )],
            )
        };
        let inner_msg = DescriptorProto {
            nested_type: vec![deep],
            ..message(
                "Inner",
                vec![typed(
                    "deep",
                    1,
                    Rep,
                    Type::Message,
                    ".test.pkg.Everything.Inner.Deep",
                )],
            )
        };
        let color_enum = EnumDescriptorProto {
            name: s("Color"),
            value: vec![
                value("RED", 0),
                value("CRIMSON", 0),
                EnumValueDescriptorProto {
                    options: Some(EnumValueOptions {
                        deprecated: Some(true),
                        ..Default::default()
                    }),
                    ..value("GREEN", 1)
                },
                value("NEGATIVE", -3),
            ],
            options: Some(EnumOptions {
                allow_alias: Some(true),
                ..Default::default()
            }),
            reserved_range: vec![
                EnumReservedRange {
                    start: Some(5),
                    end: Some(5),
                },
                EnumReservedRange {
                    start: Some(10),
                    end: Some(20),
                },
                EnumReservedRange {
                    start: Some(-10),
                    end: Some(-8),
                },
                EnumReservedRange {
                    start: Some(100),
                    end: Some(i32::MAX),
                },
            ],
            reserved_name: vec!["BLUE".to_owned(), "YELLOW".to_owned()],
        };
        let everything = DescriptorProto {
            name: s("Everything"),
            field: fields,
            nested_type: vec![
                inner_msg,
                map_entry("CountsEntry", Type::String, field("", 0, Opt, Type::Int32)),
                map_entry(
                    "InnersEntry",
                    Type::Int64,
                    typed("", 0, Opt, Type::Message, inner),
                ),
                map_entry(
                    "ColorsEntry",
                    Type::String,
                    typed("", 0, Opt, Type::Enum, color),
                ),
            ],
            enum_type: vec![color_enum],
            extension: vec![FieldDescriptorProto {
                extendee: s(".google.protobuf.FieldOptions"),
                ..field("field_tag", 50003, Opt, Type::String)
            }],
            oneof_decl: ["choice", "other", "_o_int32", "_pub"]
                .iter()
                .map(|n| OneofDescriptorProto {
                    name: s(n),
                    options: None,
                })
                .collect(),
            options: Some(MessageOptions {
                deprecated: Some(true),
                ..Default::default()
            }),
            reserved_range: vec![
                ReservedRange {
                    start: Some(100),
                    end: Some(101),
                },
                ReservedRange {
                    start: Some(200),
                    end: Some(300),
                },
                ReservedRange {
                    start: Some(1000),
                    end: Some(MAX_FIELD_NUMBER + 1),
                },
            ],
            reserved_name: vec!["old".to_owned(), "older".to_owned()],
            ..Default::default()
        };

        FileDescriptorProto {
            name: s("test/everything.proto"),
            package: s("test.pkg"),
            dependency: vec![
                "google/protobuf/timestamp.proto".to_owned(),
                "dep/public.proto".to_owned(),
                "dep/weak.proto".to_owned(),
                "google/protobuf/descriptor.proto".to_owned(),
            ],
            public_dependency: vec![1],
            weak_dependency: vec![2],
            message_type: vec![everything, message("Req", vec![]), message("Resp", vec![])],
            enum_type: vec![EnumDescriptorProto {
                name: s("Status"),
                value: vec![value("STATUS_UNKNOWN", 0), value("STATUS_OK", 1)],
                options: Some(EnumOptions {
                    deprecated: Some(true),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            service: vec![
                ServiceDescriptorProto {
                    name: s("Svc"),
                    method: vec![
                        method("Unary", false, false),
                        method("ClientStream", true, false),
                        MethodDescriptorProto {
                            options: Some(MethodOptions {
                                deprecated: Some(true),
                                ..Default::default()
                            }),
                            ..method("ServerStream", false, true)
                        },
                        MethodDescriptorProto {
                            options: Some(MethodOptions {
                                idempotency_level: Some(IdempotencyLevel::Idempotent as i32),
                                ..Default::default()
                            }),
                            ..method("Bidi", true, true)
                        },
                    ],
                    options: Some(ServiceOptions {
                        deprecated: Some(true),
                        ..Default::default()
                    }),
                },
                ServiceDescriptorProto {
                    name: s("EmptySvc"),
                    ..Default::default()
                },
            ],
            extension: vec![
                FieldDescriptorProto {
                    extendee: s(".google.protobuf.MessageOptions"),
                    ..field("my_tag", 50001, Opt, Type::String)
                },
                FieldDescriptorProto {
                    extendee: s(".google.protobuf.MessageOptions"),
                    ..field("my_nums", 50002, Rep, Type::Int32)
                },
                FieldDescriptorProto {
                    extendee: s(".google.protobuf.EnumOptions"),
                    ..typed("my_enum", 50001, Opt, Type::Enum, ".test.pkg.Status")
                },
            ],
            options: Some(FileOptions {
                java_package: s("com.example.test"),
                java_outer_classname: s("EverythingProto"),
                java_multiple_files: Some(true),
                java_string_check_utf8: Some(true),
                optimize_for: Some(OptimizeMode::CodeSize as i32),
                go_package: s("example.com/test/pkg;pkg"),
                cc_generic_services: Some(false),
                java_generic_services: Some(true),
                py_generic_services: Some(false),
                deprecated: Some(true),
                cc_enable_arenas: Some(true),
                objc_class_prefix: s("TST"),
                csharp_namespace: s("Test.\"Quoted\"\\Ns"),
                swift_prefix: s("Tst"),
                php_class_prefix: s("Tst_"),
                php_namespace: s("Test\\Pkg"),
                php_metadata_namespace: s("Test\\Meta"),
                ruby_package: s("Test::Pkg"),
                ..Default::default()
            }),
            source_code_info: None,
            syntax: s("proto3"),
        }
    }

    /// A proto2 file with labels, defaults, groups, extensions and ranges.
    fn everything_proto2() -> FileDescriptorProto {
        use Label::{Optional as Opt, Repeated as Rep, Required as Req};
        let with_default = |f: FieldDescriptorProto, d: &str| FieldDescriptorProto {
            default_value: s(d),
            ..f
        };
        let kind = ".legacy.Old.Kind";
        let old = DescriptorProto {
            name: s("Old"),
            field: vec![
                field("id", 1, Req, Type::Int32),
                with_default(
                    field("name", 2, Opt, Type::String),
                    "a \"quoted\"\n\tname \u{fc}",
                ),
                with_default(field("data", 3, Opt, Type::Bytes), "\\001\\377ab\\\"\\\\"),
                with_default(typed("kind", 4, Opt, Type::Enum, kind), "SECOND"),
                with_default(field("ratio", 5, Opt, Type::Double), "inf"),
                with_default(field("neg", 6, Opt, Type::Float), "-inf"),
                with_default(field("nan_val", 7, Opt, Type::Float), "nan"),
                with_default(field("big", 8, Opt, Type::Sint64), "-9223372036854775808"),
                with_default(field("on", 9, Opt, Type::Bool), "true"),
                FieldDescriptorProto {
                    options: Some(FieldOptions {
                        packed: Some(true),
                        ..Default::default()
                    }),
                    ..field("packed_nums", 10, Rep, Type::Int32)
                },
                typed("result", 11, Opt, Type::Group, ".legacy.Old.Result"),
                FieldDescriptorProto {
                    oneof_index: Some(0),
                    ..field("a", 14, Opt, Type::Int32)
                },
                FieldDescriptorProto {
                    oneof_index: Some(0),
                    ..typed("choice", 15, Opt, Type::Group, ".legacy.Old.Choice")
                },
                with_default(field("u", 17, Opt, Type::Uint32), "4294967295"),
                with_default(field("d", 18, Opt, Type::Double), "1.5"),
                typed("olds", 20, Rep, Type::Message, ".legacy.Old.OldsEntry"),
                FieldDescriptorProto {
                    options: Some(FieldOptions {
                        ctype: Some(CType::Cord as i32),
                        lazy: Some(false),
                        ..Default::default()
                    }),
                    ..field("cord", 21, Opt, Type::String)
                },
                with_default(field("empty_str", 22, Opt, Type::String), ""),
            ],
            nested_type: vec![
                message(
                    "Result",
                    vec![
                        field("url", 12, Req, Type::String),
                        field("count", 13, Opt, Type::Int32),
                    ],
                ),
                message("Choice", vec![field("c", 16, Opt, Type::Int32)]),
                map_entry(
                    "OldsEntry",
                    Type::String,
                    typed("", 0, Opt, Type::Message, ".legacy.Old"),
                ),
                message("ExtGroup", vec![field("g", 1, Opt, Type::Int32)]),
            ],
            enum_type: vec![EnumDescriptorProto {
                name: s("Kind"),
                value: vec![value("FIRST", 1), value("SECOND", 2)],
                ..Default::default()
            }],
            extension_range: vec![
                ExtensionRange {
                    start: Some(100),
                    end: Some(200),
                    options: None,
                },
                ExtensionRange {
                    start: Some(1000),
                    end: Some(MAX_FIELD_NUMBER + 1),
                    options: None,
                },
            ],
            extension: vec![
                FieldDescriptorProto {
                    extendee: s(".legacy.Old"),
                    ..field("ext_in_scope", 150, Opt, Type::Int32)
                },
                FieldDescriptorProto {
                    extendee: s(".legacy.Old"),
                    ..typed("extgroup", 151, Opt, Type::Group, ".legacy.Old.ExtGroup")
                },
            ],
            oneof_decl: vec![OneofDescriptorProto {
                name: s("pick"),
                options: None,
            }],
            reserved_range: vec![ReservedRange {
                start: Some(30),
                end: Some(41),
            }],
            ..Default::default()
        };
        let message_set = DescriptorProto {
            name: s("Set"),
            options: Some(MessageOptions {
                message_set_wire_format: Some(true),
                ..Default::default()
            }),
            extension_range: vec![ExtensionRange {
                start: Some(4),
                end: Some(i32::MAX),
                options: None,
            }],
            ..Default::default()
        };
        FileDescriptorProto {
            name: s("test/legacy.proto"),
            package: s("legacy"),
            message_type: vec![
                old,
                message_set,
                message("TopGroup", vec![field("x", 1, Opt, Type::Int32)]),
            ],
            extension: vec![
                FieldDescriptorProto {
                    extendee: s(".legacy.Old"),
                    ..with_default(typed("top_ext", 160, Opt, Type::Enum, kind), "FIRST")
                },
                FieldDescriptorProto {
                    extendee: s(".legacy.Old"),
                    ..typed("topgroup", 161, Rep, Type::Group, ".legacy.TopGroup")
                },
                FieldDescriptorProto {
                    extendee: s(".legacy.Set"),
                    ..typed("in_set", 1000, Opt, Type::Message, ".legacy.Old")
                },
            ],
            options: Some(FileOptions {
                optimize_for: Some(OptimizeMode::LiteRuntime as i32),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// Compiles `file` after rendering it, with `extra` sources available.
    fn render_and_compile(
        file: &FileDescriptorProto,
        extra: HashMap<String, String>,
    ) -> (String, FileDescriptorProto) {
        let text = render_file(file);
        let mut sources = extra;
        sources.insert(file.name().to_owned(), text.clone());
        protoc_cross_check(std::slice::from_ref(file), &sources);
        let files = compile_sources(&sources, &[file.name()])
            .unwrap_or_else(|e| panic!("rendered text does not compile: {e:?}\n{text}"));
        let again = files
            .into_iter()
            .find(|f| f.name() == file.name())
            .expect("compiled file");
        (text, again)
    }

    // ------------------------------------------------------------- tests

    #[test]
    fn hand_built_proto3_roundtrips() {
        let file = everything_proto3();
        let (text, again) = render_and_compile(&file, dep_sources());
        assert_same(&normalize(file), &normalize(again), &text);
    }

    #[test]
    fn hand_built_proto2_roundtrips() {
        let file = everything_proto2();
        let (text, again) = render_and_compile(&file, HashMap::new());
        assert_same(&normalize(file), &normalize(again), &text);
    }

    #[test]
    fn proto3_text_shape() {
        let text = render_file(&everything_proto3());
        assert!(text.starts_with("syntax = \"proto3\";\n\npackage test.pkg;\n\n"));
        assert!(text.contains("import public \"dep/public.proto\";\n"));
        assert!(text.contains("import weak \"dep/weak.proto\";\n"));
        assert!(text.contains("  map<string, int32> counts = 22;\n"));
        assert!(text.contains("  map<int64, .test.pkg.Everything.Inner> inners = 25;\n"));
        assert!(text.contains("  optional int32 o_int32 = 18;\n"));
        assert!(text.contains("  repeated int32 r_int32 = 16 [packed = false];\n"));
        assert!(
            text.contains("  .test.pkg.Everything.Color color = 21 [json_name = \"colour\"];\n")
        );
        assert!(text.contains("  oneof choice {\n    string name = 23;\n"));
        assert!(
            text.contains("  rpc Bidi(stream .test.pkg.Req) returns (stream .test.pkg.Resp) {\n")
        );
        assert!(text.contains("  reserved 100, 200 to 299, 1000 to max;\n"));
        assert!(text.contains("    reserved 5, 10 to 20, -10 to -8, 100 to max;\n"));
        assert!(text.contains("option csharp_namespace = \"Test.\\\"Quoted\\\"\\\\Ns\";\n"));
        assert!(
            !text.contains("CountsEntry"),
            "map entries are not rendered"
        );
        assert!(
            !text.contains("_o_int32"),
            "synthetic oneofs are not rendered"
        );
        assert!(
            !text.contains("json_name = \"fDouble\""),
            "default json names are implicit"
        );
        assert!(text.contains("\n}\n\nmessage Req {}\n\nmessage Resp {}\n"));
        // Deterministic.
        assert_eq!(text, render_file(&everything_proto3()));
    }

    #[test]
    fn proto2_text_shape() {
        let text = render_file(&everything_proto2());
        assert!(text.starts_with("syntax = \"proto2\";\n\npackage legacy;\n\n"));
        assert!(text.contains("  required int32 id = 1;\n"));
        assert!(text.contains("  optional group Result = 11 {\n    required string url = 12;\n"));
        assert!(text.contains("    group Choice = 15 {\n"));
        assert!(text.contains("  optional bytes data = 3 [default = \"\\001\\377ab\\\"\\\\\"];\n"));
        assert!(text.contains("  optional double ratio = 5 [default = inf];\n"));
        assert!(text.contains("  extensions 1000 to max;\n"));
        assert!(text.contains("  extensions 4 to max;\n"));
        assert!(text.contains("extend .legacy.Old {\n  optional .legacy.Old.Kind top_ext = 160 [default = FIRST];\n  repeated group TopGroup = 161 {\n"));
    }

    #[test]
    fn minimal_text_is_exact() {
        let file = FileDescriptorProto {
            name: s("m.proto"),
            package: s("m"),
            message_type: vec![DescriptorProto {
                nested_type: vec![message("B", vec![])],
                ..message(
                    "A",
                    vec![
                        typed("b", 1, Label::Optional, Type::Message, ".m.A.B"),
                        field("n", 2, Label::Repeated, Type::Int32),
                    ],
                )
            }],
            enum_type: vec![EnumDescriptorProto {
                name: s("E"),
                value: vec![value("E_ZERO", 0)],
                ..Default::default()
            }],
            service: vec![ServiceDescriptorProto {
                name: s("S"),
                method: vec![MethodDescriptorProto {
                    name: s("Call"),
                    input_type: s(".m.A"),
                    output_type: s(".m.A"),
                    ..Default::default()
                }],
                options: None,
            }],
            syntax: s("proto3"),
            ..Default::default()
        };
        let expected = "\
syntax = \"proto3\";

package m;

message A {
  .m.A.B b = 1;
  repeated int32 n = 2;
  message B {}
}

enum E {
  E_ZERO = 0;
}

service S {
  rpc Call(.m.A) returns (.m.A);
}
";
        assert_eq!(render_file(&file), expected);
    }

    #[test]
    fn canonical_helloworld_and_route_guide() {
        // The project's copies of the canonical protos.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/python/protos");
        for name in ["helloworld.proto", "route_guide.proto"] {
            roundtrip(&compile_dir(&dir, name));
        }
    }

    #[test]
    fn grpc_testing_protos() {
        let dir = Path::new("/usr/share/grpc-proto");
        if !dir.join("grpc/testing").exists() {
            require_in_ci("the grpc-proto package (apt-get install grpc-proto)");
            return;
        }
        for name in ["empty", "messages", "test"] {
            roundtrip(&compile_dir(dir, &format!("grpc/testing/{name}.proto")));
        }
    }

    #[test]
    fn bundled_google_files() {
        // descriptor.proto is proto2 with defaults, extension ranges and
        // reserved ranges; the others cover maps, oneofs and imports.
        for name in [
            "google/protobuf/descriptor.proto",
            "google/protobuf/any.proto",
            "google/protobuf/api.proto",
            "google/protobuf/duration.proto",
            "google/protobuf/empty.proto",
            "google/protobuf/field_mask.proto",
            "google/protobuf/source_context.proto",
            "google/protobuf/struct.proto",
            "google/protobuf/timestamp.proto",
            "google/protobuf/type.proto",
            "google/protobuf/wrappers.proto",
            "google/protobuf/compiler/plugin.proto",
        ] {
            roundtrip(&compile_dir(Path::new("/nonexistent-include-dir"), name));
        }
    }

    #[test]
    fn compiled_proto2_source_roundtrips() {
        // Groups, defaults and extensions as a compiler produces them.
        let source = r#"
syntax = "proto2";
package p2;
import "google/protobuf/descriptor.proto";
message Outer {
  message Before {}
  optional group Grp = 1 { optional int32 x = 2 [default = -7]; }
  message Middle {}
  map<int32, Before> m = 3;
  optional float f = 4 [default = 0.1];
  optional double d = 5 [default = 1e+300];
  optional double small = 6 [default = -2.5e-10];
  optional float big_float = 13 [default = 3.4028235e38];
  optional double whole = 14 [default = 5];
  optional bytes b = 7 [default = "\x01\x7f\\\"'\n"];
  optional string s = 8 [default = "caf\303\251 \x01"];
  optional int64 h = 9 [default = 0x7fffffffffffffff];
  optional int32 o = 10 [default = -012];
  extend Outer { optional group Eg = 100 { optional int32 y = 1; } }
  extensions 100 to 200;
  oneof k { group OneG = 11 { optional int32 z = 1; } string t = 12; }
}
extend google.protobuf.FieldOptions { optional string note = 51234; }
message WithOpt { optional int32 v = 1 [(note) = "hi", deprecated = true]; }
"#;
        let mut sources = HashMap::new();
        sources.insert("p2.proto".to_owned(), source.to_owned());
        let files = compile_sources(&sources, &["p2.proto"]).expect("source compiles");
        roundtrip(&files);
    }

    #[test]
    fn json_names() {
        assert_eq!(json_name("foo_bar_baz"), "fooBarBaz");
        assert_eq!(json_name("_leading"), "Leading");
        assert_eq!(json_name("trailing_"), "trailing");
        assert_eq!(json_name("double__under"), "doubleUnder");
        assert_eq!(json_name("already_Upper"), "alreadyUpper");
        assert_eq!(json_name("x1_2y"), "x12y");
    }

    #[test]
    fn string_escaping() {
        assert_eq!(quote_str("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\001é\"");
        assert_eq!(quote_bytes(&[0, b'a', 0xff, b'"']), "\"\\000a\\377\\\"\"");
        assert_eq!(
            unescape_c("\\001\\x41\\n\\\\\\\"z"),
            b"\x01A\n\\\"z".to_vec()
        );
        assert_eq!(unescape_c("\\"), b"\\".to_vec());
        assert_eq!(unescape_c("\\xZZ\\9"), b"\\xZZ9".to_vec());
    }

    #[test]
    fn uninterpreted_options_are_rendered() {
        let option = UninterpretedOption {
            name: vec![
                NamePart {
                    name_part: "my.ext".to_owned(),
                    is_extension: true,
                },
                NamePart {
                    name_part: "sub".to_owned(),
                    is_extension: false,
                },
            ],
            string_value: Some(b"v\x00".to_vec()),
            ..Default::default()
        };
        assert_eq!(uninterpreted(&option), "(my.ext).sub = \"v\\000\"");
        let neg = UninterpretedOption {
            name: vec![NamePart {
                name_part: "x".to_owned(),
                is_extension: true,
            }],
            double_value: Some(f64::NEG_INFINITY),
            ..Default::default()
        };
        assert_eq!(uninterpreted(&neg), "(x) = -inf");
    }

    #[test]
    fn unnamed_and_dangling_references_do_not_panic() {
        let mut file = everything_proto3();
        file.public_dependency = vec![-1, 99, i32::MIN];
        file.weak_dependency = vec![i32::MAX];
        file.syntax = None;
        let m = &mut file.message_type[0];
        m.oneof_decl.clear();
        m.field[0].oneof_index = Some(-5);
        m.field[1].oneof_index = Some(i32::MAX);
        m.field[2].r#type = Some(12345);
        m.field[3].label = Some(-1);
        m.field[4].name = None;
        m.field[4].number = None;
        m.field[5].r#type = Some(Type::Group as i32);
        m.field[6].r#type = None;
        m.field[6].type_name = None;
        m.reserved_range.push(ReservedRange {
            start: Some(i32::MIN),
            end: Some(i32::MIN),
        });
        m.reserved_range.push(ReservedRange {
            start: None,
            end: None,
        });
        m.extension_range.push(ExtensionRange {
            start: Some(i32::MAX),
            end: Some(i32::MAX),
            options: None,
        });
        m.nested_type[1].field.clear(); // map entry without key/value
        m.nested_type.push(DescriptorProto::default());
        file.enum_type.push(EnumDescriptorProto {
            reserved_range: vec![EnumReservedRange {
                start: Some(i32::MIN),
                end: Some(i32::MAX),
            }],
            ..Default::default()
        });
        file.service.push(ServiceDescriptorProto {
            method: vec![MethodDescriptorProto::default()],
            ..Default::default()
        });
        if let Some(o) = file.options.as_mut() {
            o.optimize_for = Some(99);
        }
        let text = render_file(&file);
        assert!(text.contains("message Everything"));
        let _ = render_file(&FileDescriptorProto::default());
        for syntax in ["proto2", "proto3", "editions", "bogus"] {
            let mut f = everything_proto2();
            f.syntax = s(syntax);
            let _ = render_file(&f);
        }
    }

    #[test]
    fn random_mutations_do_not_panic() {
        // A small deterministic fuzzer over the numeric/index fields.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let interesting = [0, 1, -1, 2, 3, 9, 11, 18, i32::MIN, i32::MAX, 536_870_912];
        for round in 0..300 {
            let mut file = if round % 2 == 0 {
                everything_proto3()
            } else {
                everything_proto2()
            };
            let pick = |r: u64| interesting[(r % interesting.len() as u64) as usize];
            for message in &mut file.message_type {
                for f in message.field.iter_mut().chain(message.extension.iter_mut()) {
                    match next() % 6 {
                        0 => f.oneof_index = Some(pick(next())),
                        1 => f.r#type = Some(pick(next())),
                        2 => f.label = Some(pick(next())),
                        3 => f.proto3_optional = Some(next() % 2 == 0),
                        4 => f.type_name = s(".test.pkg.Everything.CountsEntry"),
                        _ => f.number = Some(pick(next())),
                    }
                }
                for n in &mut message.nested_type {
                    if next() % 3 == 0 {
                        n.options = Some(MessageOptions {
                            map_entry: Some(true),
                            ..Default::default()
                        });
                    }
                }
                if next() % 4 == 0 {
                    message.nested_type.reverse();
                }
                if next() % 4 == 0 {
                    message.field.reverse();
                }
            }
            let _ = render_file(&file);
        }
    }
}
