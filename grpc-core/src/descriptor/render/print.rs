//! Printing: the indented writer and one function per kind of declaration.

use prost_types::{
    descriptor_proto::{ExtensionRange, ReservedRange},
    field_descriptor_proto::{Label, Type},
    method_options::IdempotencyLevel,
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, MethodDescriptorProto,
    ServiceDescriptorProto,
};

use super::*;

/// Accumulates indented lines.
#[derive(Default, Debug)]
pub(super) struct Printer {
    /// Text so far.
    pub(super) out: String,
    /// Current indentation depth (two spaces per level).
    pub(super) indent: usize,
}

impl Printer {
    /// Writes one indented line.
    pub(super) fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// Writes `head {` and indents.
    pub(super) fn open(&mut self, head: &str) {
        self.line(&format!("{head} {{"));
        self.indent += 1;
    }

    /// Dedents and writes `}`.
    pub(super) fn close(&mut self) {
        self.indent = self.indent.saturating_sub(1);
        self.line("}");
    }
}

/// Writes one planned item of a scope.
pub(super) fn render_item(p: &mut Printer, ctx: &Ctx, scope: &Scope<'_>, plan: &Plan, item: &Item) {
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
            super::comments::write(p, ctx, &format!("{}.{name}", scope.full));
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
pub(super) fn render_message(p: &mut Printer, ctx: &Ctx, scope: &str, message: &DescriptorProto) {
    let full = format!("{scope}.{}", message.name());
    super::comments::write(p, ctx, &full);
    if is_empty_message(message) {
        p.line(&format!("message {} {{}}", message.name()));
        return;
    }
    p.open(&format!("message {}", message.name()));
    render_message_body(p, ctx, &full, message);
    p.close();
}

/// Whether a message body would be empty.
pub(super) fn is_empty_message(message: &DescriptorProto) -> bool {
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
pub(super) fn render_message_body(
    p: &mut Printer,
    ctx: &Ctx,
    full: &str,
    message: &DescriptorProto,
) {
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
        render_enum(p, ctx, full, enum_type);
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
pub(super) fn render_field(
    p: &mut Printer,
    ctx: &Ctx,
    scope: &Scope<'_>,
    field: &FieldDescriptorProto,
    shape: Shape,
    place: Place,
) {
    if place != Place::Extend {
        super::comments::write(p, ctx, &format!("{}.{}", scope.full, field.name()));
    }
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
pub(super) fn label_str(ctx: &Ctx, field: &FieldDescriptorProto, place: Place) -> &'static str {
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
pub(super) fn type_str(field: &FieldDescriptorProto) -> String {
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

/// Writes an `extensions` statement.
pub(super) fn render_extension_range(p: &mut Printer, range: &ExtensionRange, message_set: bool) {
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

/// Writes an enum definition.
pub(super) fn render_enum(
    p: &mut Printer,
    ctx: &Ctx,
    scope: &str,
    enum_type: &EnumDescriptorProto,
) {
    let full = format!("{scope}.{}", enum_type.name());
    super::comments::write(p, ctx, &full);
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
        super::comments::write(p, ctx, &format!("{full}.{}", value.name()));
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
pub(super) fn render_service(
    p: &mut Printer,
    ctx: &Ctx,
    scope: &str,
    service: &ServiceDescriptorProto,
) {
    let full = format!("{scope}.{}", service.name());
    super::comments::write(p, ctx, &full);
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
        super::comments::write(p, ctx, &format!("{full}.{}", method.name()));
        render_method(p, method);
    }
    p.close();
}

/// Writes one `rpc` line (with an options block when needed).
pub(super) fn render_method(p: &mut Printer, method: &MethodDescriptorProto) {
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
    if options.is_empty() && method.options.is_some() {
        // Declared with an empty body: protoc then gives the method empty options.
        p.line(&format!("{head} {{}}"));
    } else if options.is_empty() {
        p.line(&format!("{head};"));
    } else {
        p.open(&head);
        for option in options {
            p.line(&format!("option {option};"));
        }
        p.close();
    }
}
