//! The breaking-change check: what in a new schema breaks clients built against an old one.
//!
//! [`compare`] takes the old and the new [`FileDescriptorSet`] and returns one [`Finding`] per
//! break, with the rule it breaks (named as in buf's `WIRE` and `WIRE_JSON` categories) and
//! where it is. Types, services and their members are matched by full name and number, so
//! moving a definition from one file to another is not a break; changing its package is (every
//! full name changes).
//!
//! The rules:
//!
//! | rule | category | what breaks |
//! | --- | --- | --- |
//! | `FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED` | WIRE | a field removed (or renumbered) without reserving its number |
//! | `FIELD_NO_DELETE_UNLESS_NAME_RESERVED` | WIRE_JSON | a field removed without reserving its name |
//! | `FIELD_WIRE_COMPATIBLE_TYPE` | WIRE | a field's type changed to one with another encoding, or another message or enum |
//! | `FIELD_WIRE_JSON_COMPATIBLE_TYPE` | WIRE_JSON | a type change the binary form survives but JSON does not (`int32` to `int64`, `string` to `bytes`, enum to integer) |
//! | `FIELD_WIRE_COMPATIBLE_CARDINALITY` | WIRE | singular to repeated or back, map to non-map, `required` added or removed |
//! | `FIELD_SAME_ONEOF` | WIRE | a field moved into, out of, or between oneofs |
//! | `FIELD_SAME_NAME` | WIRE_JSON | a field renamed (JSON carries names) |
//! | `FIELD_SAME_JSON_NAME` | WIRE_JSON | a field's JSON name changed |
//! | `FIELD_SAME_DEFAULT` | WIRE | a proto2 default changed |
//! | `MESSAGE_SAME_REQUIRED_FIELDS` | WIRE | a proto2 `required` field added or removed |
//! | `MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT` | WIRE | `message_set_wire_format` changed |
//! | `RESERVED_MESSAGE_NO_DELETE` | WIRE | a reserved field number or name no longer reserved |
//! | `ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED` | WIRE | an enum value removed without reserving its number |
//! | `ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED` | WIRE_JSON | an enum value removed without reserving its name |
//! | `ENUM_VALUE_SAME_NAME` | WIRE_JSON | an enum number's name changed (JSON carries names) |
//! | `RESERVED_ENUM_NO_DELETE` | WIRE | a reserved enum number or name no longer reserved |
//! | `SERVICE_NO_DELETE` | | a service removed |
//! | `RPC_NO_DELETE` | | a method removed |
//! | `RPC_SAME_REQUEST_TYPE`, `RPC_SAME_RESPONSE_TYPE` | WIRE | a method's message types changed |
//! | `RPC_SAME_CLIENT_STREAMING`, `RPC_SAME_SERVER_STREAMING` | WIRE | a method's streaming shape changed |
//! | `RPC_SAME_IDEMPOTENCY_LEVEL` | WIRE | a method's idempotency level changed |
//!
//! A message or enum that is gone entirely is not reported by itself (the wire does not carry
//! type names): what used it is, through a changed field or method type.
//!
//! ```
//! use grpc_proto_import::breaking;
//!
//! let dir = std::env::temp_dir().join(format!("breaking-doc-{}", std::process::id()));
//! std::fs::create_dir_all(dir.join("old")).unwrap();
//! std::fs::create_dir_all(dir.join("new")).unwrap();
//! std::fs::write(dir.join("old/a.proto"), "syntax = \"proto3\";\npackage a;\nmessage M {\n  string name = 1;\n  int32 id = 2;\n}\n").unwrap();
//! std::fs::write(dir.join("new/a.proto"), "syntax = \"proto3\";\npackage a;\nmessage M {\n  string name = 1;\n}\n").unwrap();
//!
//! let old = breaking::load(dir.join("old")).unwrap();
//! let new = breaking::load(dir.join("new")).unwrap();
//! let findings = breaking::compare(&old, &new);
//! assert_eq!(findings.len(), 2);
//! assert_eq!(findings[0].rule, "FIELD_NO_DELETE_UNLESS_NAME_RESERVED");
//! assert_eq!(
//!     findings[1].to_string(),
//!     "a.proto:3:1: a.M: field 2 (\"id\") deleted without reserving its number [FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED]"
//! );
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use prost::Message as _;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::method_options::IdempotencyLevel;
use prost_types::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorProto,
    FileDescriptorSet, MethodDescriptorProto, ServiceDescriptorProto,
};

use crate::error::Error;

/// One break: the rule, where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule broken, e.g. `FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED`.
    pub rule: &'static str,
    /// Where: in the new schema, or in the old one when the new one has no source positions
    /// (descriptors from code, sets without source info) or lacks the file.
    pub location: Location,
    /// The full name of the element concerned, e.g. `routeguide.Point` or
    /// `routeguide.RouteGuide.GetFeature`.
    pub element: String,
    /// What changed.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {} [{}]",
            self.location, self.element, self.message, self.rule
        )
    }
}

/// A place in a schema: the file, and the line and column (1-based) when the schema was parsed
/// from `.proto` source (descriptor sets without source info, and descriptors from code, have
/// no lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file name, as imported (`routeguide/route_guide.proto`).
    pub file: String,
    /// Line and column, 1-based.
    pub line_column: Option<(u32, u32)>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line_column {
            Some((line, column)) => write!(f, "{}:{line}:{column}", self.file),
            None => f.write_str(&self.file),
        }
    }
}

/// Loads a schema: a directory (every `.proto` file under it, imported relative to it), one
/// `.proto` file (imported relative to its directory), or a binary `FileDescriptorSet` file
/// (`protoc --descriptor_set_out`, `buf build -o`, `grpc-cli export --descriptor-set`).
pub fn load(path: impl AsRef<Path>) -> Result<FileDescriptorSet, Error> {
    let path = path.as_ref();
    let metadata = std::fs::metadata(path)
        .map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))?;
    if metadata.is_dir() {
        let mut files = Vec::new();
        proto_files(path, path, &mut files)?;
        if files.is_empty() {
            return Err(Error::new(format!(
                "{} holds no .proto file",
                path.display()
            )));
        }
        files.sort();
        return crate::parse(&[path], &files);
    }
    if path.extension().is_some_and(|ext| ext == "proto") {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
        let dir = dir.unwrap_or(Path::new("."));
        let file = path.file_name().map(PathBuf::from).unwrap_or_default();
        return crate::parse(&[dir], &[file]);
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))?;
    FileDescriptorSet::decode(bytes.as_slice()).map_err(|e| {
        Error::new(format!(
            "{} is neither a directory, a .proto file nor a FileDescriptorSet: {e}",
            path.display()
        ))
    })
}

fn proto_files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::new(format!("cannot list {}: {e}", dir.display())))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::new(format!("listing {}: {e}", dir.display())))?;
        let path = entry.path();
        if path.is_dir() {
            proto_files(root, &path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "proto") {
            out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        }
    }
    Ok(())
}

/// Everything in `new` that breaks clients of `old`, in a stable order (by file, then by
/// position, then by rule).
pub fn compare(old: &FileDescriptorSet, new: &FileDescriptorSet) -> Vec<Finding> {
    let old = Index::new(old);
    let new = Index::new(new);
    let mut check = Check {
        old: &old,
        new: &new,
        findings: Vec::new(),
    };
    for (name, old_message) in &old.messages {
        if let Some(new_message) = new.messages.get(name) {
            check.message(name, old_message, new_message);
        }
    }
    for (name, old_enum) in &old.enums {
        if let Some(new_enum) = new.enums.get(name) {
            check.enumeration(name, old_enum, new_enum);
        }
    }
    for (name, old_service) in &old.services {
        match new.services.get(name) {
            Some(new_service) => check.service(name, old_service, new_service),
            None => {
                // The new file's start, or the service's place in the old schema.
                let location = new
                    .file_location(old_service.file)
                    .filter(|location| location.line_column.is_some())
                    .unwrap_or_else(|| old.location(old_service.file, &old_service.path));
                check.findings.push(Finding {
                    rule: "SERVICE_NO_DELETE",
                    location,
                    element: name.clone(),
                    message: "service deleted".to_owned(),
                });
            }
        }
    }
    let mut findings = check.findings;
    findings.sort_by(|a, b| {
        (&a.location.file, a.location.line_column, a.rule, &a.element).cmp(&(
            &b.location.file,
            b.location.line_column,
            b.rule,
            &b.element,
        ))
    });
    findings
}

/// A definition found in a set: its file, its source path, and the descriptor.
struct Found<'a, T> {
    file: &'a FileDescriptorProto,
    path: Vec<i32>,
    descriptor: &'a T,
}

/// Every message, enum and service of a set by full name (no leading dot).
struct Index<'a> {
    messages: BTreeMap<String, Found<'a, DescriptorProto>>,
    enums: BTreeMap<String, Found<'a, EnumDescriptorProto>>,
    services: BTreeMap<String, Found<'a, ServiceDescriptorProto>>,
    files: HashMap<&'a str, &'a FileDescriptorProto>,
    /// Source spans by file name and path.
    spans: HashMap<&'a str, HashMap<&'a [i32], &'a [i32]>>,
}

// Field numbers of descriptor.proto, for source paths.
const FILE_MESSAGE: i32 = 4;
const FILE_ENUM: i32 = 5;
const FILE_SERVICE: i32 = 6;
const MESSAGE_FIELD: i32 = 2;
const MESSAGE_NESTED: i32 = 3;
const MESSAGE_ENUM: i32 = 4;
const ENUM_VALUE: i32 = 2;
const SERVICE_METHOD: i32 = 2;

impl<'a> Index<'a> {
    fn new(set: &'a FileDescriptorSet) -> Index<'a> {
        let mut index = Index {
            messages: BTreeMap::new(),
            enums: BTreeMap::new(),
            services: BTreeMap::new(),
            files: HashMap::new(),
            spans: HashMap::new(),
        };
        for file in &set.file {
            index.files.insert(file.name(), file);
            if let Some(info) = &file.source_code_info {
                let spans = info
                    .location
                    .iter()
                    .map(|l| (l.path.as_slice(), l.span.as_slice()))
                    .collect();
                index.spans.insert(file.name(), spans);
            }
            let prefix = file.package();
            for (i, message) in file.message_type.iter().enumerate() {
                index.add_message(file, prefix, vec![FILE_MESSAGE, i as i32], message);
            }
            for (i, enumeration) in file.enum_type.iter().enumerate() {
                index.add_enum(file, prefix, vec![FILE_ENUM, i as i32], enumeration);
            }
            for (i, service) in file.service.iter().enumerate() {
                index.services.insert(
                    qualify(prefix, service.name()),
                    Found {
                        file,
                        path: vec![FILE_SERVICE, i as i32],
                        descriptor: service,
                    },
                );
            }
        }
        index
    }

    fn add_message(
        &mut self,
        file: &'a FileDescriptorProto,
        prefix: &str,
        path: Vec<i32>,
        message: &'a DescriptorProto,
    ) {
        let name = qualify(prefix, message.name());
        for (i, nested) in message.nested_type.iter().enumerate() {
            let path = [path.as_slice(), &[MESSAGE_NESTED, i as i32]].concat();
            self.add_message(file, &name, path, nested);
        }
        for (i, enumeration) in message.enum_type.iter().enumerate() {
            let path = [path.as_slice(), &[MESSAGE_ENUM, i as i32]].concat();
            self.add_enum(file, &name, path, enumeration);
        }
        self.messages.insert(
            name,
            Found {
                file,
                path,
                descriptor: message,
            },
        );
    }

    fn add_enum(
        &mut self,
        file: &'a FileDescriptorProto,
        prefix: &str,
        path: Vec<i32>,
        enumeration: &'a EnumDescriptorProto,
    ) {
        self.enums.insert(
            qualify(prefix, enumeration.name()),
            Found {
                file,
                path,
                descriptor: enumeration,
            },
        );
    }

    /// The location of `path` in `file`, falling back to the closest enclosing element that
    /// has a span.
    fn location(&self, file: &FileDescriptorProto, path: &[i32]) -> Location {
        let spans = self.spans.get(file.name());
        let mut path = path;
        let line_column = loop {
            // grpc-core's descriptors carry doc comments at a placeholder span [0, 0, 0].
            let span = spans.and_then(|spans| spans.get(path));
            if let Some(span) = span.filter(|span| **span != [0, 0, 0]) {
                break span.get(..2).map(|s| (s[0] as u32 + 1, s[1] as u32 + 1));
            }
            if path.is_empty() {
                break None;
            }
            path = &path[..path.len() - 1];
        };
        Location {
            file: file.name().to_owned(),
            line_column,
        }
    }

    /// The start of a file of the same name in this set, if it has one.
    fn file_location(&self, file: &FileDescriptorProto) -> Option<Location> {
        let file = self.files.get(file.name())?;
        let syntax_line = self
            .spans
            .get(file.name())
            .and_then(|spans| {
                spans
                    .get([12].as_slice())
                    .or_else(|| spans.get([].as_slice()))
            })
            .and_then(|span| span.get(..2).map(|s| (s[0] as u32 + 1, s[1] as u32 + 1)));
        Some(Location {
            file: file.name().to_owned(),
            line_column: syntax_line,
        })
    }
}

fn qualify(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

struct Check<'n, 'a> {
    old: &'n Index<'a>,
    new: &'n Index<'a>,
    findings: Vec<Finding>,
}

impl Check<'_, '_> {
    /// Where to report an element: in the new schema, or, when that has no source positions
    /// (descriptors from code, sets without source info), where it was in the old one.
    fn at(
        &self,
        (new_file, new_path): (&FileDescriptorProto, &[i32]),
        (old_file, old_path): (&FileDescriptorProto, &[i32]),
    ) -> Location {
        let new = self.new.location(new_file, new_path);
        if new.line_column.is_some() {
            return new;
        }
        let old = self.old.location(old_file, old_path);
        if old.line_column.is_some() {
            old
        } else {
            new
        }
    }

    fn push(&mut self, rule: &'static str, location: Location, element: &str, message: String) {
        self.findings.push(Finding {
            rule,
            location,
            element: element.to_owned(),
            message,
        });
    }

    fn message(
        &mut self,
        name: &str,
        old: &Found<'_, DescriptorProto>,
        new: &Found<'_, DescriptorProto>,
    ) {
        let (old_message, new_message) = (old.descriptor, new.descriptor);
        let here = self.at((new.file, &new.path), (old.file, &old.path));
        let new_fields: HashMap<i32, (usize, &FieldDescriptorProto)> = new_message
            .field
            .iter()
            .enumerate()
            .map(|(i, f)| (f.number(), (i, f)))
            .collect();
        let number_reserved = |number: i32| {
            new_message
                .reserved_range
                .iter()
                .any(|r| r.start() <= number && number < r.end())
        };
        let name_reserved = |field: &str| new_message.reserved_name.iter().any(|n| n == field);
        for (j, old_field) in old_message.field.iter().enumerate() {
            let number = old_field.number();
            let Some(&(i, new_field)) = new_fields.get(&number) else {
                let moved = new_message
                    .field
                    .iter()
                    .find(|f| f.name() == old_field.name());
                if !number_reserved(number) {
                    let message = match moved {
                        Some(moved) => format!(
                            "field {number} ({:?}) renumbered to {} without reserving {number}",
                            old_field.name(),
                            moved.number()
                        ),
                        None => format!(
                            "field {number} ({:?}) deleted without reserving its number",
                            old_field.name()
                        ),
                    };
                    self.push(
                        "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
                        here.clone(),
                        name,
                        message,
                    );
                }
                if moved.is_none() && !name_reserved(old_field.name()) {
                    self.push(
                        "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
                        here.clone(),
                        name,
                        format!(
                            "field {number} ({:?}) deleted without reserving its name",
                            old_field.name()
                        ),
                    );
                }
                continue;
            };
            let path = [new.path.as_slice(), &[MESSAGE_FIELD, i as i32]].concat();
            let old_path = [old.path.as_slice(), &[MESSAGE_FIELD, j as i32]].concat();
            let location = self.at((new.file, &path), (old.file, &old_path));
            let element = format!("{name}.{}", new_field.name());
            self.field(
                &element,
                &location,
                (old_message, old_field),
                (new_message, new_field),
            );
        }
        self.required_fields(name, &here, old_message, new_message);
        let set_format = |m: &DescriptorProto| {
            m.options
                .as_ref()
                .is_some_and(|o| o.message_set_wire_format())
        };
        if set_format(old_message) != set_format(new_message) {
            let message = format!(
                "message_set_wire_format changed from {} to {}",
                set_format(old_message),
                set_format(new_message)
            );
            let rule = "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT";
            self.push(rule, here.clone(), name, message);
        }
        // Message reserved ranges end before `end`; enum ones at it.
        let ranges = |m: &DescriptorProto| {
            let ranges = m.reserved_range.iter();
            ranges
                .map(|r| (r.start(), r.end().saturating_sub(1)))
                .collect()
        };
        self.reserved(
            ("RESERVED_MESSAGE_NO_DELETE", "field"),
            &here,
            name,
            (ranges(old_message), &old_message.reserved_name),
            (ranges(new_message), &new_message.reserved_name),
        );
    }

    /// proto2 `required` fields added (old writers do not send them) or removed (old readers
    /// insist on them), by number; a field that stays but changes is FIELD_..._CARDINALITY's.
    fn required_fields(
        &mut self,
        name: &str,
        here: &Location,
        old: &DescriptorProto,
        new: &DescriptorProto,
    ) {
        let has = |m: &DescriptorProto, number: i32| m.field.iter().any(|f| f.number() == number);
        for field in old.field.iter().filter(|f| f.label() == Label::Required) {
            if !has(new, field.number()) {
                let message = format!(
                    "required field {} ({:?}) removed",
                    field.number(),
                    field.name()
                );
                self.push("MESSAGE_SAME_REQUIRED_FIELDS", here.clone(), name, message);
            }
        }
        for field in new.field.iter().filter(|f| f.label() == Label::Required) {
            if !has(old, field.number()) {
                let message = format!(
                    "required field {} ({:?}) added",
                    field.number(),
                    field.name()
                );
                self.push("MESSAGE_SAME_REQUIRED_FIELDS", here.clone(), name, message);
            }
        }
    }

    /// Reserved numbers and names of `old` that `new` no longer reserves.
    fn reserved(
        &mut self,
        (rule, what): (&'static str, &str),
        here: &Location,
        name: &str,
        (old_ranges, old_names): (Vec<(i32, i32)>, &[String]),
        (new_ranges, new_names): (Vec<(i32, i32)>, &[String]),
    ) {
        for range in old_ranges {
            for (first, last) in uncovered(range, &new_ranges) {
                let numbers = if first == last {
                    format!("{first}")
                } else {
                    format!("{first} to {last}")
                };
                let message = format!("reserved {what} number {numbers} no longer reserved");
                self.push(rule, here.clone(), name, message);
            }
        }
        for reserved in old_names {
            if !new_names.contains(reserved) {
                let message = format!("reserved {what} name {reserved:?} no longer reserved");
                self.push(rule, here.clone(), name, message);
            }
        }
    }

    fn field(
        &mut self,
        element: &str,
        location: &Location,
        (old_message, old): (&DescriptorProto, &FieldDescriptorProto),
        (new_message, new): (&DescriptorProto, &FieldDescriptorProto),
    ) {
        let number = new.number();
        let push = |check: &mut Self, rule, message: String| {
            check.push(rule, location.clone(), element, message)
        };
        if old.name() != new.name() {
            push(
                self,
                "FIELD_SAME_NAME",
                format!(
                    "field {number} renamed from {:?} to {:?}",
                    old.name(),
                    new.name()
                ),
            );
        } else if field_json_name(old) != field_json_name(new) {
            push(
                self,
                "FIELD_SAME_JSON_NAME",
                format!(
                    "field {number}'s JSON name changed from {:?} to {:?}",
                    field_json_name(old),
                    field_json_name(new)
                ),
            );
        }
        let (old_shape, new_shape) = (
            Shape::of(old_message, old, self.new),
            Shape::of(new_message, new, self.new),
        );
        if old_shape != new_shape {
            push(
                self,
                "FIELD_WIRE_COMPATIBLE_CARDINALITY",
                format!(
                    "field {number} changed from {} to {}",
                    old_shape.describe(),
                    new_shape.describe()
                ),
            );
        } else {
            match compatibility(old, new) {
                Compatible::Yes => {}
                Compatible::WireOnly => push(
                    self,
                    "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
                    format!(
                        "field {number} changed type from {} to {}, which JSON encodes differently",
                        type_name(old),
                        type_name(new)
                    ),
                ),
                Compatible::No => push(
                    self,
                    "FIELD_WIRE_COMPATIBLE_TYPE",
                    format!(
                        "field {number} changed type from {} to {}",
                        type_name(old),
                        type_name(new)
                    ),
                ),
            }
        }
        let (old_oneof, new_oneof) = (oneof_name(old_message, old), oneof_name(new_message, new));
        if old_oneof != new_oneof {
            let describe = |oneof: Option<&str>| match oneof {
                Some(name) => format!("oneof {name:?}"),
                None => "no oneof".to_owned(),
            };
            push(
                self,
                "FIELD_SAME_ONEOF",
                format!(
                    "field {number} moved from {} to {}",
                    describe(old_oneof),
                    describe(new_oneof)
                ),
            );
        }
        if old.default_value != new.default_value {
            push(
                self,
                "FIELD_SAME_DEFAULT",
                format!(
                    "field {number}'s default changed from {:?} to {:?}",
                    old.default_value(),
                    new.default_value()
                ),
            );
        }
    }

    fn enumeration(
        &mut self,
        name: &str,
        old: &Found<'_, EnumDescriptorProto>,
        new: &Found<'_, EnumDescriptorProto>,
    ) {
        let (old_enum, new_enum) = (old.descriptor, new.descriptor);
        let here = self.at((new.file, &new.path), (old.file, &old.path));
        let number_reserved = |number: i32| {
            new_enum
                .reserved_range
                .iter()
                .any(|r| r.start() <= number && number <= r.end())
        };
        let name_reserved = |value: &str| new_enum.reserved_name.iter().any(|n| n == value);
        for (j, old_value) in old_enum.value.iter().enumerate() {
            let number = old_value.number();
            let same_number: Vec<(usize, &str)> = new_enum
                .value
                .iter()
                .enumerate()
                .filter(|(_, v)| v.number() == number)
                .map(|(i, v)| (i, v.name()))
                .collect();
            if same_number.is_empty() {
                if !number_reserved(number) {
                    self.push(
                        "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
                        here.clone(),
                        name,
                        format!(
                            "enum value {number} ({:?}) deleted without reserving its number",
                            old_value.name()
                        ),
                    );
                }
                let renamed_elsewhere = new_enum.value.iter().any(|v| v.name() == old_value.name());
                if !renamed_elsewhere && !name_reserved(old_value.name()) {
                    self.push(
                        "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
                        here.clone(),
                        name,
                        format!(
                            "enum value {number} ({:?}) deleted without reserving its name",
                            old_value.name()
                        ),
                    );
                }
            } else if !same_number.iter().any(|(_, n)| *n == old_value.name()) {
                let (i, new_name) = same_number[0];
                let path = [new.path.as_slice(), &[ENUM_VALUE, i as i32]].concat();
                let old_path = [old.path.as_slice(), &[ENUM_VALUE, j as i32]].concat();
                self.push(
                    "ENUM_VALUE_SAME_NAME",
                    self.at((new.file, &path), (old.file, &old_path)),
                    &qualify(scope_of(name), new_name),
                    format!(
                        "enum value {number} renamed from {:?} to {new_name:?}",
                        old_value.name()
                    ),
                );
            }
        }
        let ranges = |e: &EnumDescriptorProto| {
            let ranges = e.reserved_range.iter();
            ranges.map(|r| (r.start(), r.end())).collect()
        };
        self.reserved(
            ("RESERVED_ENUM_NO_DELETE", "enum value"),
            &here,
            name,
            (ranges(old_enum), &old_enum.reserved_name),
            (ranges(new_enum), &new_enum.reserved_name),
        );
    }

    fn service(
        &mut self,
        name: &str,
        old: &Found<'_, ServiceDescriptorProto>,
        new: &Found<'_, ServiceDescriptorProto>,
    ) {
        let here = self.at((new.file, &new.path), (old.file, &old.path));
        for (j, old_method) in old.descriptor.method.iter().enumerate() {
            let found = new
                .descriptor
                .method
                .iter()
                .enumerate()
                .find(|(_, m)| m.name() == old_method.name());
            let element = format!("{name}.{}", old_method.name());
            let Some((i, new_method)) = found else {
                self.push(
                    "RPC_NO_DELETE",
                    here.clone(),
                    &element,
                    "method deleted".to_owned(),
                );
                continue;
            };
            let path = [new.path.as_slice(), &[SERVICE_METHOD, i as i32]].concat();
            let old_path = [old.path.as_slice(), &[SERVICE_METHOD, j as i32]].concat();
            let location = self.at((new.file, &path), (old.file, &old_path));
            self.method(&element, &location, old_method, new_method);
        }
    }

    fn method(
        &mut self,
        element: &str,
        location: &Location,
        old: &MethodDescriptorProto,
        new: &MethodDescriptorProto,
    ) {
        let mut push = |rule, message: String| self.push(rule, location.clone(), element, message);
        let name = |type_name: &str| type_name.trim_start_matches('.').to_owned();
        if old.input_type() != new.input_type() {
            push(
                "RPC_SAME_REQUEST_TYPE",
                format!(
                    "request type changed from {} to {}",
                    name(old.input_type()),
                    name(new.input_type())
                ),
            );
        }
        if old.output_type() != new.output_type() {
            push(
                "RPC_SAME_RESPONSE_TYPE",
                format!(
                    "response type changed from {} to {}",
                    name(old.output_type()),
                    name(new.output_type())
                ),
            );
        }
        let streaming = |yes: bool| if yes { "streaming" } else { "unary" };
        if old.client_streaming() != new.client_streaming() {
            push(
                "RPC_SAME_CLIENT_STREAMING",
                format!(
                    "request changed from {} to {}",
                    streaming(old.client_streaming()),
                    streaming(new.client_streaming())
                ),
            );
        }
        if old.server_streaming() != new.server_streaming() {
            push(
                "RPC_SAME_SERVER_STREAMING",
                format!(
                    "response changed from {} to {}",
                    streaming(old.server_streaming()),
                    streaming(new.server_streaming())
                ),
            );
        }
        let level = |m: &MethodDescriptorProto| {
            m.options
                .as_ref()
                .map(|o| o.idempotency_level())
                .unwrap_or(IdempotencyLevel::IdempotencyUnknown)
        };
        if level(old) != level(new) {
            push(
                "RPC_SAME_IDEMPOTENCY_LEVEL",
                format!(
                    "idempotency level changed from {} to {}",
                    level(old).as_str_name(),
                    level(new).as_str_name()
                ),
            );
        }
    }
}

/// The runs of `range` (inclusive) that none of `kept` (inclusive ranges) covers.
fn uncovered(range: (i32, i32), kept: &[(i32, i32)]) -> Vec<(i32, i32)> {
    let mut runs = vec![range];
    for &(keep_first, keep_last) in kept {
        runs = runs
            .into_iter()
            .flat_map(|(first, last)| {
                if keep_last < first || keep_first > last {
                    return vec![(first, last)];
                }
                let mut left = Vec::new();
                if keep_first > first {
                    left.push((first, keep_first - 1));
                }
                if keep_last < last {
                    left.push((keep_last + 1, last));
                }
                left
            })
            .collect();
    }
    runs
}

/// The package or message a full name is defined in.
fn scope_of(full_name: &str) -> &str {
    full_name.rsplit_once('.').map_or("", |(scope, _)| scope)
}

/// A field's JSON name, as protoc computes it when the descriptor does not carry one.
fn field_json_name(field: &FieldDescriptorProto) -> String {
    match &field.json_name {
        Some(name) => name.clone(),
        None => grpc_model::names::json_name(field.name()),
    }
}

/// The real (not proto3 `optional`) oneof a field is in.
fn oneof_name<'m>(message: &'m DescriptorProto, field: &FieldDescriptorProto) -> Option<&'m str> {
    if field.proto3_optional() {
        return None;
    }
    let index = usize::try_from(field.oneof_index?).ok()?;
    message.oneof_decl.get(index).map(|oneof| oneof.name())
}

/// How many values a field holds, as the wire sees it.
#[derive(Debug, PartialEq, Eq)]
enum Shape {
    Singular,
    Required,
    Repeated,
    Map,
}

impl Shape {
    fn of(message: &DescriptorProto, field: &FieldDescriptorProto, index: &Index<'_>) -> Shape {
        match field.label() {
            Label::Required => Shape::Required,
            Label::Optional => Shape::Singular,
            Label::Repeated if is_map_entry(message, field, index) => Shape::Map,
            Label::Repeated => Shape::Repeated,
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            Shape::Singular => "singular",
            Shape::Required => "required",
            Shape::Repeated => "repeated",
            Shape::Map => "map",
        }
    }
}

/// Whether a repeated field is a map: its type is a nested map-entry message.
fn is_map_entry(
    message: &DescriptorProto,
    field: &FieldDescriptorProto,
    index: &Index<'_>,
) -> bool {
    if field.r#type() != Type::Message {
        return false;
    }
    let entry_name = field.type_name().rsplit('.').next().unwrap_or_default();
    let nested = message.nested_type.iter().find(|n| n.name() == entry_name);
    let nested = nested.or_else(|| {
        index
            .messages
            .get(field.type_name().trim_start_matches('.'))
            .map(|found| found.descriptor)
    });
    nested.is_some_and(|n| n.options.as_ref().is_some_and(|o| o.map_entry()))
}

enum Compatible {
    Yes,
    WireOnly,
    No,
}

/// Whether a value written as `old` reads as `new`, on the wire and in JSON.
fn compatibility(old: &FieldDescriptorProto, new: &FieldDescriptorProto) -> Compatible {
    let (old_type, new_type) = (old.r#type(), new.r#type());
    if old_type == new_type {
        let named = matches!(old_type, Type::Message | Type::Group | Type::Enum);
        return if named && old.type_name() != new.type_name() {
            Compatible::No
        } else {
            Compatible::Yes
        };
    }
    if wire_class(old_type) != wire_class(new_type) {
        return Compatible::No;
    }
    if json_class(old_type) != json_class(new_type) {
        return Compatible::WireOnly;
    }
    Compatible::Yes
}

/// Types whose encodings read as each other (protobuf's "updating a message type" rules).
fn wire_class(ty: Type) -> u8 {
    match ty {
        Type::Int32 | Type::Int64 | Type::Uint32 | Type::Uint64 | Type::Bool | Type::Enum => 0,
        Type::Sint32 | Type::Sint64 => 1,
        Type::Fixed32 | Type::Sfixed32 => 2,
        Type::Fixed64 | Type::Sfixed64 => 3,
        Type::String | Type::Bytes => 4,
        Type::Float => 5,
        Type::Double => 6,
        Type::Message => 7,
        Type::Group => 8,
    }
}

/// Types whose JSON forms read as each other: 32-bit integers are numbers, 64-bit ones strings.
fn json_class(ty: Type) -> u8 {
    match ty {
        Type::Int32 | Type::Uint32 | Type::Sint32 | Type::Fixed32 | Type::Sfixed32 => 0,
        Type::Int64 | Type::Uint64 | Type::Sint64 | Type::Fixed64 | Type::Sfixed64 => 1,
        Type::Bool => 2,
        Type::Enum => 3,
        Type::String => 4,
        Type::Bytes => 5,
        Type::Float | Type::Double => 6,
        Type::Message => 7,
        Type::Group => 8,
    }
}

/// A field's type as `.proto` spells it.
fn type_name(field: &FieldDescriptorProto) -> String {
    match field.r#type() {
        Type::Message | Type::Group | Type::Enum => {
            field.type_name().trim_start_matches('.').to_owned()
        }
        other => other
            .as_str_name()
            .trim_start_matches("TYPE_")
            .to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::uncovered;

    #[test]
    fn uncovered_runs() {
        assert_eq!(uncovered((1, 10), &[]), [(1, 10)]);
        assert_eq!(uncovered((1, 10), &[(1, 10)]), []);
        assert_eq!(uncovered((1, 10), &[(5, 5)]), [(1, 4), (6, 10)]);
        assert_eq!(uncovered((1, 10), &[(0, 3), (8, 20)]), [(4, 7)]);
        assert_eq!(uncovered((4, 6), &[(4, 4)]), [(5, 6)]);
        let max = (1 << 29) - 1;
        assert_eq!(uncovered((1000, max), &[(1000, max)]), []);
        assert_eq!(
            uncovered((i32::MIN, i32::MAX), &[(0, 0)]),
            [(i32::MIN, -1), (1, i32::MAX)]
        );
    }
}
