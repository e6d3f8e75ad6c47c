//! Builders the generated code uses to describe messages, enums and services.
//!
//! Not public API: reached only through `grpc_core::__private`.

use std::collections::BTreeSet;

use prost_types::{
    descriptor_proto::{ExtensionRange, ReservedRange},
    enum_descriptor_proto::EnumReservedRange,
    field_descriptor_proto::{Label, Type},
    DescriptorProto, EnumDescriptorProto, EnumValueDescriptorProto, FieldDescriptorProto,
    MessageOptions, MethodDescriptorProto, OneofDescriptorProto, ServiceDescriptorProto,
};

use super::{Describe, Registry};

/// Whether a named type is a message or an enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeKind {
    /// A message type.
    Message,
    /// An enum type.
    Enum,
}

/// How many values a field holds and how presence works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    /// proto3 singular field without presence (`int32 x = 1;`) or a message field.
    Singular,
    /// proto3 `optional` field with explicit presence.
    Optional,
    /// `repeated` field.
    Repeated,
}

/// The type of a field: a scalar or a named message/enum.
#[derive(Debug, Clone)]
pub struct FieldType {
    ty: Type,
    type_name: Option<String>,
    file: Option<&'static str>,
}

impl FieldType {
    /// A scalar type (`int32`, `string`, ...).
    pub fn scalar(ty: Type) -> FieldType {
        FieldType {
            ty,
            type_name: None,
            file: None,
        }
    }

    /// A named message or enum type; registers it (and what it refers to) in `registry`.
    /// (`FieldType::named`, which generated code calls, checks that `T` is a message or enum
    /// and calls this.)
    pub(crate) fn named_described<T: Describe + NamedKind>(registry: &mut Registry) -> FieldType {
        T::register(registry);
        FieldType {
            ty: match T::KIND {
                TypeKind::Message => Type::Message,
                TypeKind::Enum => Type::Enum,
            },
            type_name: Some(format!(".{}", T::full_name())),
            file: Some(T::file_name()),
        }
    }
}

/// Says whether a describable type is a message or an enum.
pub trait NamedKind {
    /// The kind.
    const KIND: TypeKind;
}

/// Builds one `DescriptorProto`.
#[derive(Debug)]
pub struct MessageBuilder {
    full_name: String,
    proto: DescriptorProto,
    docs: Docs,
    proto2: bool,
    imports: BTreeSet<String>,
    synthetic_oneofs: Vec<(usize, String)>,
    /// Map-entry messages to list after a nested message: (entry's name, nested message's
    /// full name), from `#[grpc(declared_after = "...")]` on map fields.
    entries_after: Vec<(String, String)>,
}

/// Where a map field's entry message goes among the nested messages of its message: the
/// entry's name and the full name of the nested message it follows.
pub(crate) type EntryAfter = (String, String);

impl MessageBuilder {
    /// Starts a message with the given fully-qualified name (`pkg.Name`).
    pub fn new(full_name: &str) -> MessageBuilder {
        let name = full_name.rsplit('.').next().unwrap_or(full_name);
        MessageBuilder {
            full_name: full_name.to_owned(),
            proto: DescriptorProto {
                name: Some(name.to_owned()),
                ..Default::default()
            },
            imports: BTreeSet::new(),
            synthetic_oneofs: Vec::new(),
            entries_after: Vec::new(),
            docs: Docs::default(),
            proto2: false,
        }
    }

    fn push_field(
        &mut self,
        name: &str,
        number: u32,
        ty: FieldType,
        label: Label,
    ) -> &mut FieldDescriptorProto {
        if let Some(file) = ty.file {
            self.imports.insert(file.to_owned());
        }
        self.proto.field.push(FieldDescriptorProto {
            name: Some(name.to_owned()),
            number: Some(number as i32),
            label: Some(label as i32),
            r#type: Some(ty.ty as i32),
            type_name: ty.type_name,
            json_name: Some(json_name(name)),
            ..Default::default()
        });
        let last = self.proto.field.len() - 1;
        &mut self.proto.field[last]
    }

    /// The fully-qualified name.
    pub(crate) fn full_name(&self) -> &str {
        &self.full_name
    }

    /// Adds a field.
    pub fn field(&mut self, name: &str, number: u32, ty: FieldType, cardinality: Cardinality) {
        match cardinality {
            Cardinality::Singular => {
                self.push_field(name, number, ty, Label::Optional);
            }
            Cardinality::Repeated => {
                self.push_field(name, number, ty, Label::Repeated);
            }
            // proto2 fields have explicit presence without proto3's synthetic oneof.
            Cardinality::Optional if self.proto2 => {
                self.push_field(name, number, ty, Label::Optional);
            }
            Cardinality::Optional => {
                let field = self.push_field(name, number, ty, Label::Optional);
                field.proto3_optional = Some(true);
                let index = self.proto.field.len() - 1;
                self.synthetic_oneofs.push((index, format!("_{name}")));
            }
        }
    }

    /// Declares the message `syntax = "proto2"`: `Option` fields are plain `optional`, and the
    /// file it lives in says `proto2`.
    pub fn proto2(&mut self) {
        self.proto2 = true;
    }

    pub(crate) fn is_proto2(&self) -> bool {
        self.proto2
    }

    /// Makes the field numbered `number` proto2 `required`.
    pub fn require(&mut self, number: u32) {
        if let Some(field) = self
            .proto
            .field
            .iter_mut()
            .find(|f| f.number == Some(number as i32))
        {
            field.label = Some(Label::Required as i32);
        }
    }

    /// Sets `[default = ...]` (protoc's text form) on the field numbered `number`.
    pub fn default_value(&mut self, number: u32, text: &str) {
        if let Some(field) = self
            .proto
            .field
            .iter_mut()
            .find(|f| f.number == Some(number as i32))
        {
            field.default_value = Some(text.to_owned());
        }
    }

    /// Sets `[packed = ...]` on the field numbered `number`, as the code says explicitly.
    pub fn packed(&mut self, number: u32, packed: bool) {
        if let Some(field) = self
            .proto
            .field
            .iter_mut()
            .find(|f| f.number == Some(number as i32))
        {
            field.options.get_or_insert_with(Default::default).packed = Some(packed);
        }
    }

    /// Sets the JSON name of the field numbered `number` (`[json_name = "..."]`), in place of
    /// the default lowerCamelCase one.
    pub fn json_name(&mut self, number: u32, json: &str) {
        if let Some(field) = self.field_mut(number) {
            field.json_name = Some(json.to_owned());
        }
    }

    fn field_mut(&mut self, number: u32) -> Option<&mut FieldDescriptorProto> {
        self.proto
            .field
            .iter_mut()
            .find(|f| f.number == Some(number as i32))
    }

    /// Marks the field numbered `number` deprecated (`[deprecated = true]`).
    pub fn deprecate(&mut self, number: u32) {
        if let Some(field) = self.field_mut(number) {
            field
                .options
                .get_or_insert_with(Default::default)
                .deprecated = Some(true);
        }
    }

    /// Adds an option to the message: custom (`#[grpc(option = "(my.ext) = 1")]`) or standard
    /// (`#[grpc(option = "deprecated = true")]`, set straight into `MessageOptions`).
    pub fn option(&mut self, text: &str) {
        if let Some(option) = parsed_option(text) {
            let options = self.proto.options.get_or_insert_with(Default::default);
            add_option(options, option);
        }
    }

    /// Adds an option (custom or standard) to the field numbered `number`.
    pub fn field_option(&mut self, number: u32, text: &str) {
        if let (Some(option), Some(field)) = (parsed_option(text), self.field_mut(number)) {
            let options = field.options.get_or_insert_with(Default::default);
            add_option(options, option);
        }
    }

    /// Adds an option (custom or standard) to the oneof named `name`.
    pub fn oneof_option(&mut self, name: &str, text: &str) {
        let oneof = self.proto.oneof_decl.iter_mut().find(|o| o.name() == name);
        if let (Some(option), Some(oneof)) = (parsed_option(text), oneof) {
            let options = oneof.options.get_or_insert_with(Default::default);
            add_option(options, option);
        }
    }

    /// Adds a `map<K, V>` field, with its nested `XxxEntry` message.
    pub fn map(&mut self, name: &str, number: u32, key: FieldType, value: FieldType) {
        let entry_name = grpc_model::names::map_entry_name(name);
        let entry_full_name = format!("{}.{entry_name}", self.full_name);
        let mut entry = MessageBuilder::new(&entry_full_name);
        entry.field("key", 1, key, Cardinality::Singular);
        entry.field("value", 2, value, Cardinality::Singular);
        let (mut entry, imports, _) = entry.finish();
        entry.options = Some(MessageOptions {
            map_entry: Some(true),
            ..Default::default()
        });
        self.imports.extend(imports);
        self.proto.nested_type.push(entry);
        let ty = FieldType {
            ty: Type::Message,
            type_name: Some(format!(".{entry_full_name}")),
            file: None,
        };
        self.push_field(name, number, ty, Label::Repeated);
    }

    /// Lists the entry message of the map field numbered `number` after the nested message
    /// `nested` (a full name), as protoc lists a map declared after that message; see
    /// `MessageBuilder::map_declared_after`, which generated code calls.
    pub(crate) fn entry_after(&mut self, number: u32, nested: String) {
        let entry = self
            .proto
            .field
            .iter()
            .find(|f| f.number == Some(number as i32))
            .and_then(|f| f.type_name.as_deref())
            .and_then(|t| t.rsplit('.').next())
            .filter(|entry| self.proto.nested_type.iter().any(|n| n.name() == *entry));
        match entry {
            Some(entry) => self.entries_after.push((entry.to_owned(), nested)),
            None => tracing::warn!(
                message = %self.full_name,
                number,
                "`declared_after` on a field that is not a map: ignored"
            ),
        }
    }

    /// Starts a oneof named `name`; fields added with [`MessageBuilder::oneof_field`] join it.
    pub fn oneof(&mut self, name: &str) -> i32 {
        self.proto.oneof_decl.push(OneofDescriptorProto {
            name: Some(name.to_owned()),
            options: None,
        });
        (self.proto.oneof_decl.len() - 1) as i32
    }

    /// Adds a member of the oneof at `oneof_index`.
    pub fn oneof_field(&mut self, oneof_index: i32, name: &str, number: u32, ty: FieldType) {
        let field = self.push_field(name, number, ty, Label::Optional);
        field.oneof_index = Some(oneof_index);
    }

    /// Reserves the field numbers `start..=end` (`reserved 9 to 11;`).
    pub fn reserved_range(&mut self, start: u32, end: u32) {
        self.proto.reserved_range.push(ReservedRange {
            start: i32::try_from(start).ok(),
            // Descriptors store message ranges end-exclusive.
            end: i32::try_from(end).ok().map(|end| end.saturating_add(1)),
        });
    }

    /// Reserves a field name (`reserved "foo";`).
    pub fn reserved_name(&mut self, name: &str) {
        self.proto.reserved_name.push(name.to_owned());
    }

    /// Declares the field numbers `start..=end` an extension range (`extensions 100 to 199;`).
    pub fn extension_range(&mut self, start: u32, end: u32) {
        self.proto.extension_range.push(ExtensionRange {
            start: i32::try_from(start).ok(),
            // Descriptors store extension ranges end-exclusive too.
            end: i32::try_from(end).ok().map(|end| end.saturating_add(1)),
            options: None,
        });
    }

    /// Documents the message (the text of its doc comment, one `\n`-ended line per line).
    pub fn doc(&mut self, text: &str) {
        self.docs.push((None, text.to_owned()));
    }

    /// Documents one of its fields or oneofs by name.
    pub fn member_doc(&mut self, member: &str, text: &str) {
        self.docs.push((Some(member.to_owned()), text.to_owned()));
    }

    pub(crate) fn take_docs(&mut self) -> Docs {
        std::mem::take(&mut self.docs)
    }

    /// The finished descriptor, the files it imports, and where its map entries go among the
    /// nested messages that the registry adds later.
    pub(crate) fn finish(mut self) -> (DescriptorProto, BTreeSet<String>, Vec<EntryAfter>) {
        // protoc puts the synthetic oneofs of proto3 `optional` fields after the real ones.
        for (field, name) in std::mem::take(&mut self.synthetic_oneofs) {
            let index = self.oneof(&name);
            self.proto.field[field].oneof_index = Some(index);
        }
        (self.proto, self.imports, self.entries_after)
    }
}

/// Doc comments of an element (`None`) and its members (`Some(name)`).
pub(crate) type Docs = Vec<(Option<String>, String)>;

/// Builds one `EnumDescriptorProto`.
#[derive(Debug)]
pub struct EnumBuilder {
    full_name: String,
    proto: EnumDescriptorProto,
    docs: Docs,
    proto2: bool,
}

impl EnumBuilder {
    /// Starts an enum with the given fully-qualified name (`pkg.Name`).
    pub fn new(full_name: &str) -> EnumBuilder {
        let name = full_name.rsplit('.').next().unwrap_or(full_name);
        EnumBuilder {
            full_name: full_name.to_owned(),
            proto: EnumDescriptorProto {
                name: Some(name.to_owned()),
                ..Default::default()
            },
            docs: Docs::default(),
            proto2: false,
        }
    }

    /// Declares the enum `syntax = "proto2"` (its file says `proto2`).
    pub fn proto2(&mut self) {
        self.proto2 = true;
    }

    pub(crate) fn is_proto2(&self) -> bool {
        self.proto2
    }

    /// Adds a value.
    pub fn value(&mut self, name: &str, number: i32) {
        self.proto.value.push(EnumValueDescriptorProto {
            name: Some(name.to_owned()),
            number: Some(number),
            options: None,
        });
    }

    /// Adds an option (custom or standard) to the enum (`#[grpc(option = "deprecated = true")]`).
    pub fn option(&mut self, text: &str) {
        if let Some(option) = parsed_option(text) {
            let options = self.proto.options.get_or_insert_with(Default::default);
            add_option(options, option);
        }
    }

    /// Adds an option (custom or standard) to the value named `name`.
    pub fn value_option(&mut self, name: &str, text: &str) {
        let value = self.proto.value.iter_mut().find(|v| v.name() == name);
        if let (Some(option), Some(value)) = (parsed_option(text), value) {
            let options = value.options.get_or_insert_with(Default::default);
            add_option(options, option);
        }
    }

    /// Reserves the value numbers `start..=end` (`reserved 9 to 11;`).
    pub fn reserved_range(&mut self, start: i32, end: i32) {
        self.proto.reserved_range.push(EnumReservedRange {
            start: Some(start),
            end: Some(end),
        });
    }

    /// Reserves a value name (`reserved "FOO";`).
    pub fn reserved_name(&mut self, name: &str) {
        self.proto.reserved_name.push(name.to_owned());
    }

    /// The fully-qualified name.
    pub(crate) fn full_name(&self) -> &str {
        &self.full_name
    }

    /// Documents the enum (the text of its doc comment, one `\n`-ended line per line).
    pub fn doc(&mut self, text: &str) {
        self.docs.push((None, text.to_owned()));
    }

    /// Documents one of its values by name.
    pub fn member_doc(&mut self, member: &str, text: &str) {
        self.docs.push((Some(member.to_owned()), text.to_owned()));
    }

    pub(crate) fn take_docs(&mut self) -> Docs {
        std::mem::take(&mut self.docs)
    }

    pub(crate) fn finish(self) -> EnumDescriptorProto {
        self.proto
    }
}

/// The streaming shape of a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodShape {
    /// One request, one response.
    Unary,
    /// One request, a stream of responses.
    ServerStreaming,
    /// A stream of requests, one response.
    ClientStreaming,
    /// Streams both ways.
    BidiStreaming,
}

/// Builds one `ServiceDescriptorProto`.
#[derive(Debug)]
pub struct ServiceBuilder {
    proto: ServiceDescriptorProto,
    imports: BTreeSet<String>,
    docs: Docs,
    proto2: bool,
}

impl ServiceBuilder {
    /// Starts a service named `name`.
    pub fn new(name: &str) -> ServiceBuilder {
        ServiceBuilder {
            proto: ServiceDescriptorProto {
                name: Some(name.to_owned()),
                ..Default::default()
            },
            imports: BTreeSet::new(),
            docs: Docs::default(),
            proto2: false,
        }
    }

    /// Declares the service's file `syntax = "proto2"`.
    pub fn proto2(&mut self) {
        self.proto2 = true;
    }

    pub(crate) fn is_proto2(&self) -> bool {
        self.proto2
    }

    /// Adds a method; registers its request and response types. (`ServiceBuilder::method`,
    /// which generated code calls, checks that both are messages and calls this.)
    pub(crate) fn add_method<Req: Describe, Resp: Describe>(
        &mut self,
        registry: &mut Registry,
        name: &str,
        shape: MethodShape,
    ) {
        Req::register(registry);
        Resp::register(registry);
        self.imports.insert(Req::file_name().to_owned());
        self.imports.insert(Resp::file_name().to_owned());
        let client_streaming = matches!(
            shape,
            MethodShape::ClientStreaming | MethodShape::BidiStreaming
        );
        let server_streaming = matches!(
            shape,
            MethodShape::ServerStreaming | MethodShape::BidiStreaming
        );
        self.proto.method.push(MethodDescriptorProto {
            name: Some(name.to_owned()),
            input_type: Some(format!(".{}", Req::full_name())),
            output_type: Some(format!(".{}", Resp::full_name())),
            client_streaming: client_streaming.then_some(true),
            server_streaming: server_streaming.then_some(true),
            options: None,
        });
    }

    /// Gives method `name` an empty `MethodOptions`, as protoc does for a method declared with
    /// a `{ }` body (`#[grpc(empty_options)]`, which the importer writes for such methods).
    pub fn empty_method_options(&mut self, name: &str) {
        if let Some(method) = self.proto.method.iter_mut().find(|m| m.name() == name) {
            method.options.get_or_insert_with(Default::default);
        }
    }

    /// Adds an option (custom or standard) to the service (`#[grpc(option = "(my.ext) = 1")]`).
    pub fn option(&mut self, text: &str) {
        if let Some(option) = parsed_option(text) {
            let options = self.proto.options.get_or_insert_with(Default::default);
            add_option(options, option);
        }
    }

    /// Adds an option to method `name`, custom (`#[grpc(option = "(google.api.http) = {...}")]`)
    /// or standard (`#[grpc(option = "idempotency_level = NO_SIDE_EFFECTS")]`).
    pub fn method_option(&mut self, name: &str, text: &str) {
        let method = self.proto.method.iter_mut().find(|m| m.name() == name);
        if let (Some(option), Some(method)) = (parsed_option(text), method) {
            let options = method.options.get_or_insert_with(Default::default);
            add_option(options, option);
        }
    }

    /// Documents the service (the text of its doc comment, one `\n`-ended line per line).
    pub fn doc(&mut self, text: &str) {
        self.docs.push((None, text.to_owned()));
    }

    /// Documents one of its methods by name.
    pub fn member_doc(&mut self, member: &str, text: &str) {
        self.docs.push((Some(member.to_owned()), text.to_owned()));
    }

    pub(crate) fn take_docs(&mut self) -> Docs {
        std::mem::take(&mut self.docs)
    }

    pub(crate) fn finish(self) -> (ServiceDescriptorProto, BTreeSet<String>) {
        (self.proto, self.imports)
    }
}

/// An options struct of prost-types that `#[grpc(option = "...")]` can set.
pub(crate) trait OptionsStruct: prost_reflect::ReflectMessage + Default {
    /// Its custom options, kept as written until the descriptors are encoded.
    fn uninterpreted(&mut self) -> &mut Vec<prost_types::UninterpretedOption>;
}

macro_rules! options_structs {
    ($($t:ident),*) => {$(
        impl OptionsStruct for prost_types::$t {
            fn uninterpreted(&mut self) -> &mut Vec<prost_types::UninterpretedOption> {
                &mut self.uninterpreted_option
            }
        }
    )*};
}
options_structs!(
    FileOptions,
    MessageOptions,
    FieldOptions,
    OneofOptions,
    EnumOptions,
    EnumValueOptions,
    ServiceOptions,
    MethodOptions
);

/// Adds `option` to `options`: a custom option (its name starts with an extension in
/// parentheses) as an `UninterpretedOption`, resolved when the descriptors are encoded; a
/// standard one (`deprecated = true`) straight into the field it names. A standard option that
/// names no field of the struct, or whose value does not fit, is left out with a `tracing`
/// warning (the macros refuse both at compile time).
pub(crate) fn add_option<T: OptionsStruct>(
    options: &mut T,
    option: prost_types::UninterpretedOption,
) {
    if option.name.first().is_some_and(|part| part.is_extension) {
        options.uninterpreted().push(option);
        return;
    }
    if let Err(error) = super::custom_options::set_standard(options, &option) {
        tracing::warn!(
            option = %grpc_model::options::render(&super::custom_options::from_uninterpreted(&option)),
            %error,
            "standard option left out"
        );
    }
}

/// `#[grpc(option = "...")]` text as an uninterpreted option. The macros check the text at
/// compile time, so this fails only for hand-written builder calls: those are reported and
/// the option left out.
pub(crate) fn parsed_option(text: &str) -> Option<prost_types::UninterpretedOption> {
    match super::custom_options::parse(text) {
        Ok(option) => Some(option),
        Err(error) => {
            tracing::warn!(option = text, %error, "option left out");
            None
        }
    }
}

/// protoc's default JSON name: `foo_bar_baz` becomes `fooBarBaz` (each `_` dropped and the
/// character after it upper-cased).
pub fn json_name(name: &str) -> String {
    grpc_model::names::json_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_protoc() {
        assert_eq!(json_name("foo_bar_baz"), "fooBarBaz");
        assert_eq!(json_name("x"), "x");
    }
}
