//! Hand-built descriptors for the protobuf well-known types that
//! `prost-types` ships as Rust types (plus `google.protobuf.Empty`).
//!
//! The descriptors are identical to what `protoc` produces for the upstream
//! `.proto` files (without `source_code_info`): same file options, same
//! `json_name` on every field, same map-entry and oneof layout. This lets the
//! framework serve reflection data and build descriptor pools for these files
//! without bundling a compiler or a serialized descriptor set.

use super::json_name;
use prost_types::{
    field_descriptor_proto::{Label, Type},
    DescriptorProto, EnumDescriptorProto, EnumValueDescriptorProto, FieldDescriptorProto,
    FileDescriptorProto, FileOptions, MessageOptions, OneofDescriptorProto,
};

/// `google/protobuf/any.proto`.
const ANY: &str = "google/protobuf/any.proto";
/// `google/protobuf/duration.proto`.
const DURATION: &str = "google/protobuf/duration.proto";
/// `google/protobuf/empty.proto`.
const EMPTY: &str = "google/protobuf/empty.proto";
/// `google/protobuf/field_mask.proto`.
const FIELD_MASK: &str = "google/protobuf/field_mask.proto";
/// `google/protobuf/struct.proto`.
const STRUCT: &str = "google/protobuf/struct.proto";
/// `google/protobuf/timestamp.proto`.
const TIMESTAMP: &str = "google/protobuf/timestamp.proto";

/// Names of the well-known files that [`well_known_file`] can build, in the
/// form used by `import` statements (e.g. `"google/protobuf/timestamp.proto"`).
// Part of this module's interface; not every build of the crate reads it.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const WELL_KNOWN_FILES: &[&str] = &[ANY, DURATION, EMPTY, FIELD_MASK, STRUCT, TIMESTAMP];

/// Returns the descriptor of the well-known file `name`
/// (e.g. `"google/protobuf/timestamp.proto"`), or `None` if `name` is not one
/// of [`WELL_KNOWN_FILES`].
///
/// The result equals what `protoc` emits for the upstream file, minus
/// `source_code_info`.
pub(crate) fn well_known_file(name: &str) -> Option<FileDescriptorProto> {
    match name {
        ANY => Some(any_file()),
        DURATION => Some(duration_file()),
        EMPTY => Some(empty_file()),
        FIELD_MASK => Some(field_mask_file()),
        STRUCT => Some(struct_file()),
        TIMESTAMP => Some(timestamp_file()),
        _ => None,
    }
}

/// The file options shared by all well-known files; `outer` is the
/// `java_outer_classname`, `go_pkg` the last segment of the Go import path.
fn wkt_options(outer: &str, go_pkg: &str, cc_enable_arenas: bool) -> FileOptions {
    FileOptions {
        java_package: Some("com.google.protobuf".to_owned()),
        java_outer_classname: Some(outer.to_owned()),
        java_multiple_files: Some(true),
        go_package: Some(format!("google.golang.org/protobuf/types/known/{go_pkg}")),
        cc_enable_arenas: cc_enable_arenas.then_some(true),
        objc_class_prefix: Some("GPB".to_owned()),
        csharp_namespace: Some("Google.Protobuf.WellKnownTypes".to_owned()),
        ..Default::default()
    }
}

/// A proto3 file in package `google.protobuf` with no imports.
fn wkt_file(
    name: &str,
    message_type: Vec<DescriptorProto>,
    enum_type: Vec<EnumDescriptorProto>,
    options: FileOptions,
) -> FileDescriptorProto {
    FileDescriptorProto {
        name: Some(name.to_owned()),
        package: Some("google.protobuf".to_owned()),
        message_type,
        enum_type,
        options: Some(options),
        syntax: Some("proto3".to_owned()),
        ..Default::default()
    }
}

/// A message with the given fields and nothing else.
fn message(name: &str, field: Vec<FieldDescriptorProto>) -> DescriptorProto {
    DescriptorProto {
        name: Some(name.to_owned()),
        field,
        ..Default::default()
    }
}

/// A field as protoc describes it; `json_name` is the lowerCamelCase form of
/// `name` (protoc fills it in for every field).
fn field(
    name: &str,
    number: i32,
    label: Label,
    ty: Type,
    type_name: Option<&str>,
) -> FieldDescriptorProto {
    FieldDescriptorProto {
        name: Some(name.to_owned()),
        number: Some(number),
        label: Some(label as i32),
        r#type: Some(ty as i32),
        type_name: type_name.map(str::to_owned),
        json_name: Some(json_name(name)),
        ..Default::default()
    }
}

/// `google/protobuf/any.proto`.
fn any_file() -> FileDescriptorProto {
    wkt_file(
        ANY,
        vec![message(
            "Any",
            vec![
                field("type_url", 1, Label::Optional, Type::String, None),
                field("value", 2, Label::Optional, Type::Bytes, None),
            ],
        )],
        Vec::new(),
        wkt_options("AnyProto", "anypb", false),
    )
}

/// `seconds`/`nanos` message shared by Duration and Timestamp.
fn seconds_nanos(name: &str) -> DescriptorProto {
    message(
        name,
        vec![
            field("seconds", 1, Label::Optional, Type::Int64, None),
            field("nanos", 2, Label::Optional, Type::Int32, None),
        ],
    )
}

/// `google/protobuf/duration.proto`.
fn duration_file() -> FileDescriptorProto {
    wkt_file(
        DURATION,
        vec![seconds_nanos("Duration")],
        Vec::new(),
        wkt_options("DurationProto", "durationpb", true),
    )
}

/// `google/protobuf/timestamp.proto`.
fn timestamp_file() -> FileDescriptorProto {
    wkt_file(
        TIMESTAMP,
        vec![seconds_nanos("Timestamp")],
        Vec::new(),
        wkt_options("TimestampProto", "timestamppb", true),
    )
}

/// `google/protobuf/empty.proto`.
fn empty_file() -> FileDescriptorProto {
    wkt_file(
        EMPTY,
        vec![message("Empty", Vec::new())],
        Vec::new(),
        wkt_options("EmptyProto", "emptypb", true),
    )
}

/// `google/protobuf/field_mask.proto`.
fn field_mask_file() -> FileDescriptorProto {
    wkt_file(
        FIELD_MASK,
        vec![message(
            "FieldMask",
            vec![field("paths", 1, Label::Repeated, Type::String, None)],
        )],
        Vec::new(),
        wkt_options("FieldMaskProto", "fieldmaskpb", true),
    )
}

/// `google/protobuf/struct.proto`: `Struct` (with its `FieldsEntry` map
/// entry), `Value` (with the `kind` oneof), `ListValue` and `NullValue`.
fn struct_file() -> FileDescriptorProto {
    let fields_entry = DescriptorProto {
        name: Some("FieldsEntry".to_owned()),
        field: vec![
            field("key", 1, Label::Optional, Type::String, None),
            field(
                "value",
                2,
                Label::Optional,
                Type::Message,
                Some(".google.protobuf.Value"),
            ),
        ],
        options: Some(MessageOptions {
            map_entry: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    };
    let struct_msg = DescriptorProto {
        name: Some("Struct".to_owned()),
        field: vec![field(
            "fields",
            1,
            Label::Repeated,
            Type::Message,
            Some(".google.protobuf.Struct.FieldsEntry"),
        )],
        nested_type: vec![fields_entry],
        ..Default::default()
    };

    let kind = |name: &str, number: i32, ty: Type, type_name: Option<&str>| FieldDescriptorProto {
        oneof_index: Some(0),
        ..field(name, number, Label::Optional, ty, type_name)
    };
    let value_msg = DescriptorProto {
        name: Some("Value".to_owned()),
        field: vec![
            kind(
                "null_value",
                1,
                Type::Enum,
                Some(".google.protobuf.NullValue"),
            ),
            kind("number_value", 2, Type::Double, None),
            kind("string_value", 3, Type::String, None),
            kind("bool_value", 4, Type::Bool, None),
            kind(
                "struct_value",
                5,
                Type::Message,
                Some(".google.protobuf.Struct"),
            ),
            kind(
                "list_value",
                6,
                Type::Message,
                Some(".google.protobuf.ListValue"),
            ),
        ],
        oneof_decl: vec![OneofDescriptorProto {
            name: Some("kind".to_owned()),
            options: None,
        }],
        ..Default::default()
    };

    let list_value_msg = message(
        "ListValue",
        vec![field(
            "values",
            1,
            Label::Repeated,
            Type::Message,
            Some(".google.protobuf.Value"),
        )],
    );

    let null_value = EnumDescriptorProto {
        name: Some("NullValue".to_owned()),
        value: vec![EnumValueDescriptorProto {
            name: Some("NULL_VALUE".to_owned()),
            number: Some(0),
            options: None,
        }],
        ..Default::default()
    };

    wkt_file(
        STRUCT,
        vec![struct_msg, value_msg, list_value_msg],
        vec![null_value],
        wkt_options("StructProto", "structpb", true),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles `name` with protox; the google files come from protox's
    /// bundled (protoc-built) descriptors.
    fn compiled(name: &str) -> FileDescriptorProto {
        let mut compiler =
            protox::Compiler::new(Vec::<std::path::PathBuf>::new()).expect("compiler");
        compiler.include_source_info(false);
        compiler.open_file(name).expect("open well-known file");
        let set = compiler.file_descriptor_set();
        let mut file = set
            .file
            .into_iter()
            .find(|f| f.name() == name)
            .expect("file in set");
        file.source_code_info = None;
        file
    }

    #[test]
    fn every_file_matches_protoc_output() {
        for name in WELL_KNOWN_FILES {
            let mine = well_known_file(name).expect("listed file is built");
            assert_eq!(mine, compiled(name), "{name} differs");
        }
    }

    #[test]
    fn every_file_compiles_as_a_standalone_descriptor() {
        // The hand-built descriptors must also be accepted by a linker on
        // their own (e.g. struct.proto's internal references resolve).
        let set = prost_types::FileDescriptorSet {
            file: WELL_KNOWN_FILES
                .iter()
                .filter_map(|n| well_known_file(n))
                .collect(),
        };
        let mut compiler =
            protox::Compiler::with_file_resolver(protox::file::DescriptorSetFileResolver::new(set));
        compiler.open_files(WELL_KNOWN_FILES).expect("links");
        assert_eq!(
            compiler.file_descriptor_set().file.len(),
            WELL_KNOWN_FILES.len()
        );
    }

    #[test]
    fn unknown_names_are_none() {
        assert!(well_known_file("google/protobuf/wrappers.proto").is_none());
        assert!(well_known_file("timestamp.proto").is_none());
        assert!(well_known_file("").is_none());
    }

    #[test]
    fn names_and_messages() {
        let names: Vec<_> = WELL_KNOWN_FILES
            .iter()
            .filter_map(|n| well_known_file(n))
            .map(|f| {
                (
                    f.name().to_owned(),
                    f.message_type
                        .iter()
                        .map(|m| m.name().to_owned())
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(names.len(), 6);
        for (file, msgs) in names {
            assert!(WELL_KNOWN_FILES.contains(&file.as_str()));
            assert!(!msgs.is_empty());
        }
    }

    #[test]
    fn json_name_conversion() {
        assert_eq!(json_name("type_url"), "typeUrl");
        assert_eq!(json_name("null_value"), "nullValue");
        assert_eq!(json_name("paths"), "paths");
        assert_eq!(json_name("a__b_"), "aB");
    }
}
