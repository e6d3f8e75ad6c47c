//! Custom options (`option (google.api.http) = {...}`, `[(google.api.field_behavior) = REQUIRED]`)
//! from Rust attributes to the encoded descriptors reflection serves.
//!
//! prost-types' descriptor structs, which grpc-core's descriptors are, have no room for
//! extension fields. So the descriptors keep a custom option the way protoc does before it
//! links a file: as an `UninterpretedOption` (name and value as written, from
//! `#[grpc(option = "...")]`), which `.proto` export prints back as it was written. Only the
//! value's type is missing, and that is known from the extension's declaration (an `extend`
//! in some file of the same set, e.g. `google/api/annotations.proto`). When the set is
//! encoded for the wire ([`encode_files`], used by [`DescriptorIndex`](super::DescriptorIndex)
//! and so by server reflection), every uninterpreted option is resolved against those
//! declarations with prost-reflect and written as the real extension field, byte for byte what
//! protoc writes. An option whose extension is not in the set, or whose value does not fit the
//! extension's type, stays uninterpreted (still a valid descriptor) and is reported as a
//! `tracing` warning.
//!
//! A standard option (a plain name: `#[grpc(option = "deprecated = true")]`,
//! `idempotency_level = NO_SIDE_EFFECTS`) needs none of this: its field is in prost-types'
//! struct, so the descriptor builder sets it there at once (`set_standard`), as protoc's
//! descriptors have it.

use prost::Message as _;
use prost_reflect::{
    DescriptorPool, DynamicMessage, ExtensionDescriptor, FieldDescriptor, Kind, MessageDescriptor,
    ReflectMessage as _, Value,
};
use prost_types::uninterpreted_option::NamePart;
use prost_types::{FileDescriptorSet, UninterpretedOption};

use grpc_model::options::{self as model};

pub(crate) use model::from_uninterpreted;

/// `#[grpc(option = "...")]` text as an `UninterpretedOption`, or why it is not one.
pub(crate) fn parse(text: &str) -> Result<UninterpretedOption, String> {
    model::parse(text).map(|option| model::to_uninterpreted(&option))
}

/// Every file of `set`, encoded, with its uninterpreted options resolved into real extension
/// fields (see the module docs). Without uninterpreted options this is each file's plain
/// encoding.
///
/// ```
/// use grpc_core::descriptor::{encode_files, Describe};
/// use prost::Message as _;
///
/// #[derive(grpc_core::Message, Clone, PartialEq, Debug)]
/// #[grpc(package = "doc")]
/// pub struct Plain { pub x: i32 }
///
/// let set = Plain::file_descriptor_set();
/// assert_eq!(encode_files(&set)[0], set.file[0].encode_to_vec());
/// ```
pub fn encode_files(set: &FileDescriptorSet) -> Vec<Vec<u8>> {
    let plain: Vec<Vec<u8>> = set.file.iter().map(|file| file.encode_to_vec()).collect();
    if !set.file.iter().any(has_uninterpreted) {
        return plain;
    }
    let pool = pool_of(set);
    let Some(file_type) = pool.get_message_by_name("google.protobuf.FileDescriptorProto") else {
        return plain;
    };
    plain
        .into_iter()
        .zip(&set.file)
        .map(|(bytes, file)| {
            if !has_uninterpreted(file) {
                return bytes;
            }
            match DynamicMessage::decode(file_type.clone(), &bytes[..]) {
                Ok(mut message) => {
                    resolve(&mut message, &pool, file.name());
                    message.encode_to_vec()
                }
                Err(_) => bytes,
            }
        })
        .collect()
}

/// The whole set encoded as a `FileDescriptorSet`, custom options resolved as by
/// [`encode_files`]: what `protoc --descriptor_set_out` writes.
pub fn encode_file_descriptor_set(set: &FileDescriptorSet) -> Vec<u8> {
    let mut out = Vec::new();
    for file in encode_files(set) {
        prost::encoding::bytes::encode(1, &file, &mut out);
    }
    out
}

fn has_uninterpreted(file: &prost_types::FileDescriptorProto) -> bool {
    let mut found = false;
    let mut file = file.clone();
    for_each_uninterpreted(&mut file, &mut |list| found |= !list.is_empty());
    found
}

/// Calls `f` with the `uninterpreted_option` list of every options message set in `file`.
fn for_each_uninterpreted(
    file: &mut prost_types::FileDescriptorProto,
    f: &mut dyn FnMut(&mut Vec<UninterpretedOption>),
) {
    macro_rules! visit {
        ($f:expr, $options:expr) => {
            if let Some(options) = $options.as_mut() {
                $f(&mut options.uninterpreted_option);
            }
        };
    }
    fn message(
        m: &mut prost_types::DescriptorProto,
        f: &mut dyn FnMut(&mut Vec<UninterpretedOption>),
    ) {
        visit!(f, m.options);
        for field in m.field.iter_mut().chain(&mut m.extension) {
            visit!(f, field.options);
        }
        for oneof in &mut m.oneof_decl {
            visit!(f, oneof.options);
        }
        for range in &mut m.extension_range {
            visit!(f, range.options);
        }
        m.nested_type.iter_mut().for_each(|n| message(n, f));
        m.enum_type.iter_mut().for_each(|e| enumeration(e, f));
    }
    fn enumeration(
        e: &mut prost_types::EnumDescriptorProto,
        f: &mut dyn FnMut(&mut Vec<UninterpretedOption>),
    ) {
        visit!(f, e.options);
        for value in &mut e.value {
            visit!(f, value.options);
        }
    }
    visit!(f, file.options);
    file.message_type.iter_mut().for_each(|m| message(m, f));
    file.enum_type.iter_mut().for_each(|e| enumeration(e, f));
    for extension in &mut file.extension {
        visit!(f, extension.options);
    }
    for service in &mut file.service {
        visit!(f, service.options);
        for method in &mut service.method {
            visit!(f, method.options);
        }
    }
}

/// A pool of the declarations of every file of `set` that links (with grpc-core's
/// `descriptor.proto` when the set lacks it), in order; a file that does not link is left out
/// with a warning. The files go in without their uninterpreted options: prost-reflect would
/// interpret them itself and refuse the whole file over one bad option, where [`resolve`]
/// keeps the good ones and reports each bad one.
fn pool_of(set: &FileDescriptorSet) -> DescriptorPool {
    const DESCRIPTOR: &str = "google/protobuf/descriptor.proto";
    let mut pool = DescriptorPool::new();
    if !set.file.iter().any(|f| f.name() == DESCRIPTOR) {
        if let Some(descriptor) = super::wkt::well_known_file(DESCRIPTOR) {
            if let Err(error) = pool.add_file_descriptor_proto(descriptor) {
                tracing::warn!(%error, "descriptor.proto does not link");
            }
        }
    }
    for file in &set.file {
        // prost-reflect can leave a pool half-updated when a file fails to link: keep the
        // pool as it was before (a clone shares it until the add writes).
        let before = pool.clone();
        let mut declarations = file.clone();
        for_each_uninterpreted(&mut declarations, &mut Vec::clear);
        if let Err(error) = pool.add_file_descriptor_proto(declarations) {
            tracing::warn!(file = file.name(), %error, "file does not link; its custom options stay uninterpreted");
            pool = before;
        }
    }
    pool
}

/// Resolves the uninterpreted options of every options message within `message`.
fn resolve(message: &mut DynamicMessage, pool: &DescriptorPool, file: &str) {
    for (_, value) in message.fields_mut() {
        match value {
            Value::Message(inner) => resolve(inner, pool, file),
            Value::List(items) => {
                for item in items {
                    if let Value::Message(inner) = item {
                        resolve(inner, pool, file);
                    }
                }
            }
            _ => {}
        }
    }
    let descriptor = message.descriptor();
    let is_options =
        descriptor.package_name() == "google.protobuf" && descriptor.name().ends_with("Options");
    let Some(field) = descriptor.get_field_by_name("uninterpreted_option") else {
        return;
    };
    if !is_options || !message.has_field(&field) {
        return;
    }
    let Some(Value::List(options)) = message.take_field(&field) else {
        return;
    };
    let mut kept = Vec::new();
    for item in options {
        let Some(option) = item
            .as_message()
            .and_then(|m| m.transcode_to::<UninterpretedOption>().ok())
        else {
            kept.push(item);
            continue;
        };
        if let Err(error) = apply(message, &option, pool) {
            tracing::warn!(
                file,
                option = %model::render(&from_uninterpreted(&option)),
                error = %error,
                "custom option left uninterpreted"
            );
            kept.push(item);
        }
    }
    if !kept.is_empty() {
        message.set_field(&field, Value::List(kept));
    }
}

/// Sets `option` on `options` (an options message) as the field its name says.
fn apply(
    options: &mut DynamicMessage,
    option: &UninterpretedOption,
    pool: &DescriptorPool,
) -> Result<(), String> {
    // Work on a copy, so that a failure half-way leaves `options` as it was.
    let mut updated = options.clone();
    set_path(&mut updated, &option.name, option, pool)?;
    *options = updated;
    Ok(())
}

/// Sets a standard option (a plain name: `deprecated = true`,
/// `idempotency_level = NO_SIDE_EFFECTS`) on `options`, a prost-types options struct, as the
/// field it names, the way protoc's descriptors have it. `Err` when the options message has no
/// such field, the value does not fit it, or prost-types' struct has no room for it.
pub(crate) fn set_standard<T: prost_reflect::ReflectMessage + Default>(
    options: &mut T,
    option: &UninterpretedOption,
) -> Result<(), String> {
    let mut dynamic = options.transcode_to_dynamic();
    let pool = dynamic.descriptor().parent_pool().clone();
    set_path(&mut dynamic, &option.name, option, &pool)?;
    let updated: T = dynamic.transcode_to().map_err(|error| error.to_string())?;
    if updated.encode_to_vec() != dynamic.encode_to_vec() {
        return Err(format!(
            "prost-types' `{}` has no field for it",
            dynamic.descriptor().full_name()
        ));
    }
    *options = updated;
    Ok(())
}

/// A field of a message: a plain one or an extension of it.
enum Slot {
    Field(FieldDescriptor),
    Extension(ExtensionDescriptor),
}

impl Slot {
    fn kind(&self) -> Kind {
        match self {
            Slot::Field(f) => f.kind(),
            Slot::Extension(x) => x.kind(),
        }
    }

    fn is_list(&self) -> bool {
        match self {
            Slot::Field(f) => f.is_list(),
            Slot::Extension(x) => x.is_list(),
        }
    }

    fn get_mut<'m>(&self, message: &'m mut DynamicMessage) -> &'m mut Value {
        match self {
            Slot::Field(f) => message.get_field_mut(f),
            Slot::Extension(x) => message.get_extension_mut(x),
        }
    }
}

fn set_path(
    message: &mut DynamicMessage,
    name: &[NamePart],
    option: &UninterpretedOption,
    pool: &DescriptorPool,
) -> Result<(), String> {
    let Some((part, rest)) = name.split_first() else {
        return Err("empty option name".to_owned());
    };
    let descriptor = message.descriptor();
    let slot = if part.is_extension {
        let extension = pool
            .get_extension_by_name(part.name_part.trim_start_matches('.'))
            .ok_or_else(|| format!("no extension `{}` is declared in the set", part.name_part))?;
        if extension.containing_message().full_name() != descriptor.full_name() {
            return Err(format!(
                "`{}` extends `{}`, not `{}`",
                part.name_part,
                extension.containing_message().full_name(),
                descriptor.full_name()
            ));
        }
        Slot::Extension(extension)
    } else {
        Slot::Field(
            descriptor
                .get_field_by_name(&part.name_part)
                .ok_or_else(|| {
                    format!(
                        "`{}` has no field `{}`",
                        descriptor.full_name(),
                        part.name_part
                    )
                })?,
        )
    };
    if rest.is_empty() {
        let value = value_of(option, &slot.kind())?;
        let target = slot.get_mut(message);
        match target {
            Value::List(items) if slot.is_list() => items.push(value),
            _ => *target = value,
        }
        return Ok(());
    }
    match slot.get_mut(message) {
        Value::Message(inner) => set_path(inner, rest, option, pool),
        _ => Err(format!(
            "`{}` is not a singular message, so it has no fields to set",
            part.name_part
        )),
    }
}

/// The value of `option` as a value of `kind`.
fn value_of(option: &UninterpretedOption, kind: &Kind) -> Result<Value, String> {
    let int = || -> Option<i128> {
        option
            .positive_int_value
            .map(i128::from)
            .or(option.negative_int_value.map(i128::from))
    };
    let float = || -> Option<f64> {
        option
            .double_value
            .or(option.positive_int_value.map(|v| v as f64))
            .or(option.negative_int_value.map(|v| v as f64))
            .or(match option.identifier_value.as_deref() {
                Some("inf" | "infinity") => Some(f64::INFINITY),
                Some("nan") => Some(f64::NAN),
                _ => None,
            })
    };
    let mismatch = || format!("the value does not fit the option's type ({kind:?})");
    let ranged = |min: i128, max: i128| {
        int()
            .filter(|v| (min..=max).contains(v))
            .ok_or_else(mismatch)
    };
    Ok(match kind {
        Kind::Message(message) => message_value(option, message)?,
        Kind::Enum(enumeration) => {
            let name = option.identifier_value.as_deref().ok_or_else(mismatch)?;
            let value = enumeration
                .get_value_by_name(name)
                .ok_or_else(|| format!("`{}` has no value `{name}`", enumeration.full_name()))?;
            Value::EnumNumber(value.number())
        }
        Kind::Bool => match option.identifier_value.as_deref() {
            Some("true") => Value::Bool(true),
            Some("false") => Value::Bool(false),
            _ => return Err(mismatch()),
        },
        Kind::String => Value::String(
            String::from_utf8(option.string_value.clone().ok_or_else(mismatch)?)
                .map_err(|_| "a string option's value is not UTF-8".to_owned())?,
        ),
        Kind::Bytes => Value::Bytes(option.string_value.clone().ok_or_else(mismatch)?.into()),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
            Value::I32(ranged(i32::MIN.into(), i32::MAX.into())? as i32)
        }
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => {
            Value::I64(ranged(i64::MIN.into(), i64::MAX.into())? as i64)
        }
        Kind::Uint32 | Kind::Fixed32 => Value::U32(ranged(0, u32::MAX.into())? as u32),
        Kind::Uint64 | Kind::Fixed64 => Value::U64(ranged(0, u64::MAX.into())? as u64),
        Kind::Float => Value::F32(float().ok_or_else(mismatch)? as f32),
        Kind::Double => Value::F64(float().ok_or_else(mismatch)?),
    })
}

fn message_value(
    option: &UninterpretedOption,
    message: &MessageDescriptor,
) -> Result<Value, String> {
    let text = option
        .aggregate_value
        .as_deref()
        .ok_or_else(|| format!("a `{}` option takes `{{ ... }}`", message.full_name()))?;
    DynamicMessage::parse_text_format(message.clone(), text)
        .map(Value::Message)
        .map_err(|error| format!("`{{ {text} }}` is not a `{}`: {error}", message.full_name()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost_types::{
        field_descriptor_proto::{Label, Type},
        DescriptorProto, FieldDescriptorProto, FileDescriptorProto, MessageOptions,
    };

    /// A file declaring `extend google.protobuf.MessageOptions` with a string, an int, a
    /// repeated enum-free int and a message, and a message using them.
    fn set(options: Vec<&str>) -> FileDescriptorSet {
        let ext = |name: &str, number: i32, ty: Type, label: Label, type_name: Option<&str>| {
            FieldDescriptorProto {
                name: Some(name.to_owned()),
                number: Some(number),
                label: Some(label as i32),
                r#type: Some(ty as i32),
                type_name: type_name.map(str::to_owned),
                extendee: Some(".google.protobuf.MessageOptions".to_owned()),
                ..Default::default()
            }
        };
        let rule = DescriptorProto {
            name: Some("Rule".to_owned()),
            field: vec![FieldDescriptorProto {
                name: Some("path".to_owned()),
                number: Some(1),
                label: Some(Label::Optional as i32),
                r#type: Some(Type::String as i32),
                ..Default::default()
            }],
            ..Default::default()
        };
        let user = DescriptorProto {
            name: Some("User".to_owned()),
            options: Some(MessageOptions {
                uninterpreted_option: options
                    .into_iter()
                    .map(|text| parse(text).unwrap())
                    .collect(),
                ..Default::default()
            }),
            ..Default::default()
        };
        FileDescriptorSet {
            file: vec![FileDescriptorProto {
                name: Some("opts.proto".to_owned()),
                package: Some("opts".to_owned()),
                dependency: vec!["google/protobuf/descriptor.proto".to_owned()],
                message_type: vec![rule, user],
                extension: vec![
                    ext("label", 5001, Type::String, Label::Optional, None),
                    ext("level", 5002, Type::Int32, Label::Optional, None),
                    ext("tags", 5003, Type::Int64, Label::Repeated, None),
                    ext(
                        "rule",
                        5004,
                        Type::Message,
                        Label::Optional,
                        Some(".opts.Rule"),
                    ),
                ],
                syntax: Some("proto3".to_owned()),
                ..Default::default()
            }],
        }
    }

    /// The custom options of message `opts.User` in the encoded set, as text.
    fn resolved(set: &FileDescriptorSet) -> (Vec<String>, usize) {
        let bytes = encode_files(set).remove(0);
        let pool = pool_of(set);
        let file = DynamicMessage::decode(
            pool.get_message_by_name("google.protobuf.FileDescriptorProto")
                .unwrap(),
            &bytes[..],
        )
        .unwrap();
        let decoded = prost_types::FileDescriptorProto::decode(&bytes[..]).unwrap();
        let left = decoded.message_type[1]
            .options
            .as_ref()
            .map_or(0, |o| o.uninterpreted_option.len());
        let user = file
            .get_field_by_name("message_type")
            .unwrap()
            .as_list()
            .unwrap()[1]
            .as_message()
            .unwrap()
            .clone();
        let options = user.get_field_by_name("options").unwrap();
        let options = options.as_message().unwrap();
        let mut out: Vec<String> = options
            .extensions()
            .map(|(x, v)| format!("{}={v:?}", x.name()))
            .collect();
        out.sort();
        (out, left)
    }

    #[test]
    fn options_become_extension_fields() {
        let set = set(vec![
            r#"(opts.label) = "hi""#,
            "(opts.level) = -3",
            "(opts.tags) = 1",
            "(opts.tags) = 2",
            r#"(opts.rule) = { path: "/v1" }"#,
        ]);
        let (options, left) = resolved(&set);
        assert_eq!(left, 0);
        assert_eq!(options.len(), 4, "{options:?}");
        assert!(
            options[0].starts_with("label=String(\"hi\")"),
            "{options:?}"
        );
        assert_eq!(options[1], "level=I32(-3)");
        assert!(options[2].starts_with("rule=Message("), "{options:?}");
        assert!(options[2].contains("/v1"), "{options:?}");
        assert_eq!(options[3], "tags=List([I64(1), I64(2)])");
    }

    #[test]
    fn a_sub_field_path_sets_inside_the_extension() {
        let (options, left) = resolved(&set(vec![r#"(opts.rule).path = "/x""#]));
        assert_eq!(left, 0);
        assert!(options[0].contains("/x"), "{options:?}");
    }

    #[test]
    fn what_does_not_resolve_stays_uninterpreted() {
        let (options, left) = resolved(&set(vec![
            "(opts.level) = \"not an int\"",
            "(opts.unknown) = 1",
            "(opts.level) = 99999999999",
            "(opts.rule) = { nope: 1 }",
            "(opts.label) = \"ok\"",
        ]));
        assert_eq!(left, 4);
        assert_eq!(options, vec!["label=String(\"ok\")".to_owned()]);
    }

    #[test]
    fn the_whole_set_encodes_as_a_set() {
        let set = set(vec!["(opts.level) = 7"]);
        let bytes = encode_file_descriptor_set(&set);
        let decoded = FileDescriptorSet::decode(&bytes[..]).unwrap();
        assert_eq!(decoded.file.len(), 1);
        assert_eq!(decoded.file[0].name(), "opts.proto");
    }
}
