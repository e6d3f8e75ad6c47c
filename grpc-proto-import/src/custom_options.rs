//! Custom options (`option (google.api.http) = {...}`, `[(google.api.field_behavior) = REQUIRED]`)
//! and extension declarations (`extend ...`).
//!
//! prost-types' descriptor structs have no room for extension fields, so protox's parsed set
//! would silently lose every custom option. [`lift`] reads them from protox's encoded output
//! (with prost-reflect, which knows the extensions) and writes each into its element's
//! `uninterpreted_option` list, the form protoc itself uses before resolving options. The
//! generated code carries them as `#[grpc(option = "...")]` attributes (and `extend`
//! declarations, top-level and inside messages, in each file's `FileSpec`), and grpc-core turns
//! them back into extension fields when it encodes the descriptors. [`check`] refuses what
//! cannot be carried (options on extension ranges), naming file, line and construct; with
//! [`Builder::skip_custom_options`](crate::Builder::skip_custom_options) every custom option
//! and extension is left out with a warning instead, and the generated descriptors lack them.

use prost_reflect::{DescriptorPool, DynamicMessage, Kind, Value};
use prost_types::uninterpreted_option::NamePart;
use prost_types::{
    DescriptorProto, EnumDescriptorProto, FileDescriptorProto, FileDescriptorSet,
    UninterpretedOption,
};

use crate::error::Error;

/// An element that can carry options, for lookups in the pool and for messages.
#[derive(Debug, Clone)]
enum Element {
    File,
    Message(String),
    Field(String, String),
    Oneof(String, String),
    Enum(String),
    EnumValue(String, String),
    Service(String),
    Method(String, String),
    Extension(String),
}

impl Element {
    fn describe(&self, file: &str) -> String {
        match self {
            Element::File => format!("file `{file}`"),
            Element::Message(m) => format!("message `{m}`"),
            Element::Field(m, f) => format!("field `{m}.{f}`"),
            Element::Oneof(m, o) => format!("oneof `{m}.{o}`"),
            Element::Enum(e) => format!("enum `{e}`"),
            Element::EnumValue(e, v) => format!("enum value `{e}.{v}`"),
            Element::Service(s) => format!("service `{s}`"),
            Element::Method(s, m) => format!("method `{s}.{m}`"),
            Element::Extension(x) => format!("extension `{x}`"),
        }
    }

    /// The element's options as prost-reflect reads them (with extension fields).
    fn options(&self, pool: &DescriptorPool, file: &str) -> Option<DynamicMessage> {
        Some(match self {
            Element::File => pool.get_file_by_name(file)?.options(),
            Element::Message(m) => pool.get_message_by_name(m)?.options(),
            Element::Field(m, f) => pool.get_message_by_name(m)?.get_field_by_name(f)?.options(),
            Element::Oneof(m, o) => pool
                .get_message_by_name(m)?
                .oneofs()
                .find(|x| x.name() == o)?
                .options(),
            Element::Enum(e) => pool.get_enum_by_name(e)?.options(),
            Element::EnumValue(e, v) => pool.get_enum_by_name(e)?.get_value_by_name(v)?.options(),
            Element::Service(s) => pool.get_service_by_name(s)?.options(),
            Element::Method(s, m) => pool
                .get_service_by_name(s)?
                .methods()
                .find(|x| x.name() == m)?
                .options(),
            Element::Extension(x) => pool.get_extension_by_name(x)?.options(),
        })
    }
}

/// What [`visit`] calls for each element.
type Visitor<'a> = dyn FnMut(&Element, &[i32], &mut Vec<UninterpretedOption>) + 'a;

/// Calls `f` with every element of `file` that has options: the element, its source path (for
/// the line), and its `uninterpreted_option` list (created on demand when `create`).
fn visit(file: &mut FileDescriptorProto, create: bool, f: &mut Visitor<'_>) {
    let prefix = match file.package() {
        "" => String::new(),
        package => format!("{package}."),
    };
    macro_rules! slot {
        ($options:expr, $element:expr, $path:expr) => {
            if create || $options.is_some() {
                let options = $options.get_or_insert_with(Default::default);
                f(&$element, &$path, &mut options.uninterpreted_option);
            }
        };
    }
    slot!(file.options, Element::File, [8]);
    for (i, message) in file.message_type.iter_mut().enumerate() {
        visit_message(
            message,
            &format!("{prefix}{}", message.name()),
            &[4, i as i32],
            create,
            f,
        );
    }
    for (i, enumeration) in file.enum_type.iter_mut().enumerate() {
        visit_enum(
            enumeration,
            &format!("{prefix}{}", enumeration.name()),
            &[5, i as i32],
            create,
            f,
        );
    }
    for (i, service) in file.service.iter_mut().enumerate() {
        let name = format!("{prefix}{}", service.name());
        slot!(
            service.options,
            Element::Service(name.clone()),
            [6, i as i32]
        );
        for (j, method) in service.method.iter_mut().enumerate() {
            let element = Element::Method(name.clone(), method.name().to_owned());
            slot!(method.options, element, [6, i as i32, 2, j as i32]);
        }
    }
    for (i, extension) in file.extension.iter_mut().enumerate() {
        let element = Element::Extension(format!("{prefix}{}", extension.name()));
        slot!(extension.options, element, [7, i as i32]);
    }
}

fn visit_message(
    message: &mut DescriptorProto,
    full_name: &str,
    path: &[i32],
    create: bool,
    f: &mut Visitor<'_>,
) {
    macro_rules! slot {
        ($options:expr, $element:expr, $path:expr) => {
            if create || $options.is_some() {
                let options = $options.get_or_insert_with(Default::default);
                f(&$element, &$path, &mut options.uninterpreted_option);
            }
        };
    }
    if message.options.as_ref().and_then(|o| o.map_entry) == Some(true) {
        return;
    }
    slot!(
        message.options,
        Element::Message(full_name.to_owned()),
        *path
    );
    for (j, field) in message.field.iter_mut().enumerate() {
        let element = Element::Field(full_name.to_owned(), field.name().to_owned());
        slot!(field.options, element, [path, &[2, j as i32]].concat());
    }
    for (j, oneof) in message.oneof_decl.iter_mut().enumerate() {
        let element = Element::Oneof(full_name.to_owned(), oneof.name().to_owned());
        slot!(oneof.options, element, [path, &[8, j as i32]].concat());
    }
    for (j, extension) in message.extension.iter_mut().enumerate() {
        let element = Element::Extension(format!("{full_name}.{}", extension.name()));
        slot!(extension.options, element, [path, &[6, j as i32]].concat());
    }
    for (j, nested) in message.nested_type.iter_mut().enumerate() {
        let name = format!("{full_name}.{}", nested.name());
        visit_message(nested, &name, &[path, &[3, j as i32]].concat(), create, f);
    }
    for (j, enumeration) in message.enum_type.iter_mut().enumerate() {
        let name = format!("{full_name}.{}", enumeration.name());
        visit_enum(
            enumeration,
            &name,
            &[path, &[4, j as i32]].concat(),
            create,
            f,
        );
    }
}

fn visit_enum(
    enumeration: &mut EnumDescriptorProto,
    full_name: &str,
    path: &[i32],
    create: bool,
    f: &mut Visitor<'_>,
) {
    if create || enumeration.options.is_some() {
        let options = enumeration.options.get_or_insert_with(Default::default);
        f(
            &Element::Enum(full_name.to_owned()),
            path,
            &mut options.uninterpreted_option,
        );
    }
    for (j, value) in enumeration.value.iter_mut().enumerate() {
        if create || value.options.is_some() {
            let element = Element::EnumValue(full_name.to_owned(), value.name().to_owned());
            let options = value.options.get_or_insert_with(Default::default);
            f(
                &element,
                &[path, &[2, j as i32]].concat(),
                &mut options.uninterpreted_option,
            );
        }
    }
}

/// Writes every custom option of `set` (read from `encoded`, protox's encoding of the same set)
/// into its element's `uninterpreted_option` list. Options protox already left uninterpreted
/// stay as they are.
pub(crate) fn lift(set: &mut FileDescriptorSet, encoded: &[u8]) {
    let Ok(pool) = DescriptorPool::decode(encoded) else {
        return;
    };
    for file in &mut set.file {
        let name = file.name().to_owned();
        visit(file, true, &mut |element, _, uninterpreted| {
            let Some(options) = element.options(&pool, &name) else {
                return;
            };
            for (extension, value) in options.extensions() {
                uninterpreted.extend(uninterpreted_options(
                    extension.full_name(),
                    &extension.kind(),
                    value,
                ));
            }
            // Standard options prost-types' structs have no field for would be dropped unseen:
            // they are kept in the uninterpreted form too, where the code generator refuses
            // them by name, file and line instead.
            for (field, value) in options.fields() {
                if LOST_BY_PROST_TYPES.contains(&field.name()) {
                    uninterpreted.extend(
                        uninterpreted_options(field.name(), &field.kind(), value)
                            .into_iter()
                            .map(|mut option| {
                                option.name[0].is_extension = false;
                                option
                            }),
                    );
                }
            }
        });
        // Options created only to look (still empty) go away again.
        prune_empty_options(file);
    }
}

/// Standard options of `descriptor.proto` that prost-types 0.14's options structs have no
/// field for, so that decoding protox's output into them loses them.
const LOST_BY_PROST_TYPES: &[&str] = &[
    "debug_redact",
    "unverified_lazy",
    "retention",
    "targets",
    "deprecated_legacy_json_field_conflicts",
    "edition_defaults",
    "feature_support",
];

/// Drops option messages left empty by [`lift`]'s look-up.
fn prune_empty_options(file: &mut FileDescriptorProto) {
    fn prune<T: Default + PartialEq>(options: &mut Option<T>) {
        if options.as_ref().is_some_and(|o| *o == T::default()) {
            *options = None;
        }
    }
    fn message(m: &mut DescriptorProto) {
        prune(&mut m.options);
        m.field.iter_mut().for_each(|f| prune(&mut f.options));
        m.extension.iter_mut().for_each(|f| prune(&mut f.options));
        m.oneof_decl.iter_mut().for_each(|o| prune(&mut o.options));
        m.nested_type.iter_mut().for_each(message);
        m.enum_type.iter_mut().for_each(enumeration);
    }
    fn enumeration(e: &mut EnumDescriptorProto) {
        prune(&mut e.options);
        e.value.iter_mut().for_each(|v| prune(&mut v.options));
    }
    prune(&mut file.options);
    file.message_type.iter_mut().for_each(message);
    file.enum_type.iter_mut().for_each(enumeration);
    file.extension
        .iter_mut()
        .for_each(|f| prune(&mut f.options));
    for service in &mut file.service {
        prune(&mut service.options);
        service
            .method
            .iter_mut()
            .for_each(|m| prune(&mut m.options));
    }
}

/// One extension value as protoc's uninterpreted form (one entry per element of a repeated
/// option).
fn uninterpreted_options(name: &str, kind: &Kind, value: &Value) -> Vec<UninterpretedOption> {
    let mut option = UninterpretedOption {
        name: vec![NamePart {
            name_part: name.to_owned(),
            is_extension: true,
        }],
        ..Default::default()
    };
    match value {
        Value::List(items) => {
            return items
                .iter()
                .flat_map(|item| uninterpreted_options(name, kind, item))
                .collect()
        }
        Value::Message(message) => option.aggregate_value = Some(message.to_text_format()),
        Value::EnumNumber(number) => match kind {
            Kind::Enum(enumeration) => match enumeration.get_value(*number) {
                Some(value) => option.identifier_value = Some(value.name().to_owned()),
                None => set_int(&mut option, i64::from(*number)),
            },
            _ => set_int(&mut option, i64::from(*number)),
        },
        Value::Bool(b) => option.identifier_value = Some(b.to_string()),
        Value::I32(v) => set_int(&mut option, i64::from(*v)),
        Value::I64(v) => set_int(&mut option, *v),
        Value::U32(v) => option.positive_int_value = Some(u64::from(*v)),
        Value::U64(v) => option.positive_int_value = Some(*v),
        Value::F32(v) => option.double_value = Some(f64::from(*v)),
        Value::F64(v) => option.double_value = Some(*v),
        Value::String(s) => option.string_value = Some(s.clone().into_bytes()),
        Value::Bytes(b) => option.string_value = Some(b.to_vec()),
        Value::Map(_) => return Vec::new(),
    }
    vec![option]
}

fn set_int(option: &mut UninterpretedOption, value: i64) {
    if value < 0 {
        option.negative_int_value = Some(value);
    } else {
        option.positive_int_value = Some(value as u64);
    }
}

/// `(google.api.http)`: an uninterpreted option's name as written in `.proto` text.
fn option_name(option: &UninterpretedOption) -> String {
    option
        .name
        .iter()
        .map(|part| {
            if part.is_extension {
                format!("({})", part.name_part)
            } else {
                part.name_part.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// With `skip`, returns the set without custom options and extensions and one warning per
/// construct left out. Without, refuses what the generated code cannot carry (options on
/// extension ranges), naming file, line and construct, or with `skip_unsupported` leaves just
/// that out, with a warning each. `Ok(None)` when nothing was left out.
pub(crate) fn check(
    set: &FileDescriptorSet,
    skip: bool,
    skip_unsupported: bool,
    is_generated: impl Fn(&str) -> bool,
) -> Result<Option<(FileDescriptorSet, Vec<String>)>, Error> {
    let mut stripped = set.clone();
    let mut warnings = Vec::new();
    for file in stripped.file.iter_mut().filter(|f| is_generated(f.name())) {
        let name = file.name().to_owned();
        let lines = crate::codegen::source_lines(file);
        if !skip {
            if skip_unsupported {
                strip_range_options(&mut file.message_type, &[4], &name, &lines, &mut warnings);
            } else if let Some(error) = first_unsupported(file, &lines) {
                return Err(error);
            }
            continue;
        }
        visit(file, false, &mut |element, path, uninterpreted| {
            let line = lines(path);
            for option in uninterpreted.drain(..) {
                let what = format!(
                    "custom option `{}` on {}",
                    option_name(&option),
                    element.describe(&name)
                );
                warnings.push(Error::at(format!("{what} left out"), &name, line).to_string());
            }
        });
        strip_extensions(file, &lines, &mut warnings);
        prune_empty_options(file);
    }
    Ok((!warnings.is_empty()).then_some((stripped, warnings)))
}

/// The first option on an extension range of `file`, as the error refusing it.
fn first_unsupported(
    file: &FileDescriptorProto,
    lines: &dyn Fn(&[i32]) -> Option<u32>,
) -> Option<Error> {
    const HINT: &str = "cannot be carried into the generated code yet (Builder::skip_unsupported / --skip-unsupported leaves them out, with a warning; Builder::skip_custom_options / --skip-custom-options leaves every custom option and extension out)";
    let name = file.name();
    fn message(
        m: &DescriptorProto,
        path: Vec<i32>,
        file: &str,
        lines: &dyn Fn(&[i32]) -> Option<u32>,
    ) -> Option<Error> {
        if m.extension_range.iter().any(|r| r.options.is_some()) {
            return Some(Error::at(
                format!(
                    "options on the extension ranges of message `{}` {HINT}",
                    m.name()
                ),
                file,
                lines(&path),
            ));
        }
        m.nested_type
            .iter()
            .enumerate()
            .find_map(|(j, n)| message(n, [&path[..], &[3, j as i32]].concat(), file, lines))
    }
    file.message_type
        .iter()
        .enumerate()
        .find_map(|(i, m)| message(m, vec![4, i as i32], name, lines))
}

/// Removes `extend` declarations and the options of extension ranges, with a warning each.
fn strip_extensions(
    file: &mut FileDescriptorProto,
    lines: &dyn Fn(&[i32]) -> Option<u32>,
    warnings: &mut Vec<String>,
) {
    let name = file.name().to_owned();
    for (i, extension) in file.extension.iter().enumerate() {
        warnings.push(
            Error::at(
                format!(
                    "extension `{}` of `{}` left out",
                    extension.name(),
                    extension.extendee().trim_start_matches('.')
                ),
                &name,
                lines(&[7, i as i32]),
            )
            .to_string(),
        );
    }
    file.extension.clear();
    fn message(
        m: &mut DescriptorProto,
        path: Vec<i32>,
        file: &str,
        lines: &dyn Fn(&[i32]) -> Option<u32>,
        warnings: &mut Vec<String>,
    ) {
        for (j, extension) in m.extension.iter().enumerate() {
            let at = lines(&[&path[..], &[6, j as i32]].concat());
            warnings.push(
                Error::at(
                    format!("extension `{}.{}` left out", m.name(), extension.name()),
                    file,
                    at,
                )
                .to_string(),
            );
        }
        m.extension.clear();
        for (j, nested) in m.nested_type.iter_mut().enumerate() {
            message(
                nested,
                [&path[..], &[3, j as i32]].concat(),
                file,
                lines,
                warnings,
            );
        }
    }
    for (i, m) in file.message_type.iter_mut().enumerate() {
        message(m, vec![4, i as i32], &name, lines, warnings);
    }
    strip_range_options(&mut file.message_type, &[4], &name, lines, warnings);
}

/// Removes the options of the extension ranges of `messages` (declared at source path `path`,
/// `[4]` for a file's) and their nested messages, with a warning each.
fn strip_range_options(
    messages: &mut [DescriptorProto],
    path: &[i32],
    file: &str,
    lines: &dyn Fn(&[i32]) -> Option<u32>,
    warnings: &mut Vec<String>,
) {
    for (i, m) in messages.iter_mut().enumerate() {
        let path = [path, &[i as i32]].concat();
        let name = m.name().to_owned();
        for range in &mut m.extension_range {
            if range.options.take().is_some() {
                warnings.push(
                    Error::at(
                        format!("options on the extension ranges of message `{name}` left out"),
                        file,
                        lines(&path),
                    )
                    .to_string(),
                );
            }
        }
        strip_range_options(
            &mut m.nested_type,
            &[&path[..], &[3]].concat(),
            file,
            lines,
            warnings,
        );
    }
}
