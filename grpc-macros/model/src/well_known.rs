//! The well-known types (`google/protobuf/*.proto`) grpc-core provides in
//! `grpc_core::well_known`, and how they appear in Rust.

/// One well-known message or enum type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WellKnown {
    /// Full protobuf name without a leading dot: `google.protobuf.Timestamp`.
    pub full_name: &'static str,
    /// The file that defines it: `google/protobuf/timestamp.proto`.
    pub file: &'static str,
    /// The Rust type, as a path from the root of a crate depending on `grpc_core`:
    /// `::grpc_core::well_known::Timestamp` (`()` for `Empty`).
    pub rust: &'static str,
}

const fn wkt(full_name: &'static str, file: &'static str, rust: &'static str) -> WellKnown {
    WellKnown {
        full_name,
        file,
        rust,
    }
}

/// Every well-known type grpc-core provides: every message and enum of the eleven
/// `google/protobuf/*.proto` files, nested ones by their module (`Field.Kind` is
/// `well_known::field::Kind`).
pub const TYPES: &[WellKnown] = &[
    wkt("google.protobuf.Empty", "google/protobuf/empty.proto", "()"),
    wkt(
        "google.protobuf.Timestamp",
        "google/protobuf/timestamp.proto",
        "::grpc_core::well_known::Timestamp",
    ),
    wkt(
        "google.protobuf.Duration",
        "google/protobuf/duration.proto",
        "::grpc_core::well_known::Duration",
    ),
    wkt(
        "google.protobuf.Any",
        "google/protobuf/any.proto",
        "::grpc_core::well_known::Any",
    ),
    wkt(
        "google.protobuf.Struct",
        "google/protobuf/struct.proto",
        "::grpc_core::well_known::Struct",
    ),
    wkt(
        "google.protobuf.Value",
        "google/protobuf/struct.proto",
        "::grpc_core::well_known::Value",
    ),
    wkt(
        "google.protobuf.ListValue",
        "google/protobuf/struct.proto",
        "::grpc_core::well_known::ListValue",
    ),
    wkt(
        "google.protobuf.NullValue",
        "google/protobuf/struct.proto",
        "::grpc_core::well_known::NullValue",
    ),
    wkt(
        "google.protobuf.FieldMask",
        "google/protobuf/field_mask.proto",
        "::grpc_core::well_known::FieldMask",
    ),
    wkt(
        "google.protobuf.SourceContext",
        "google/protobuf/source_context.proto",
        "::grpc_core::well_known::SourceContext",
    ),
    wkt(
        "google.protobuf.Type",
        "google/protobuf/type.proto",
        "::grpc_core::well_known::Type",
    ),
    wkt(
        "google.protobuf.Field",
        "google/protobuf/type.proto",
        "::grpc_core::well_known::Field",
    ),
    wkt(
        "google.protobuf.Field.Kind",
        "google/protobuf/type.proto",
        "::grpc_core::well_known::field::Kind",
    ),
    wkt(
        "google.protobuf.Field.Cardinality",
        "google/protobuf/type.proto",
        "::grpc_core::well_known::field::Cardinality",
    ),
    wkt(
        "google.protobuf.Enum",
        "google/protobuf/type.proto",
        "::grpc_core::well_known::Enum",
    ),
    wkt(
        "google.protobuf.EnumValue",
        "google/protobuf/type.proto",
        "::grpc_core::well_known::EnumValue",
    ),
    wkt(
        "google.protobuf.Option",
        "google/protobuf/type.proto",
        "::grpc_core::well_known::Option",
    ),
    wkt(
        "google.protobuf.Syntax",
        "google/protobuf/type.proto",
        "::grpc_core::well_known::Syntax",
    ),
    wkt(
        "google.protobuf.Api",
        "google/protobuf/api.proto",
        "::grpc_core::well_known::Api",
    ),
    wkt(
        "google.protobuf.Method",
        "google/protobuf/api.proto",
        "::grpc_core::well_known::Method",
    ),
    wkt(
        "google.protobuf.Mixin",
        "google/protobuf/api.proto",
        "::grpc_core::well_known::Mixin",
    ),
    wkt(
        "google.protobuf.DoubleValue",
        "google/protobuf/wrappers.proto",
        "::grpc_core::well_known::DoubleValue",
    ),
    wkt(
        "google.protobuf.FloatValue",
        "google/protobuf/wrappers.proto",
        "::grpc_core::well_known::FloatValue",
    ),
    wkt(
        "google.protobuf.Int64Value",
        "google/protobuf/wrappers.proto",
        "::grpc_core::well_known::Int64Value",
    ),
    wkt(
        "google.protobuf.UInt64Value",
        "google/protobuf/wrappers.proto",
        "::grpc_core::well_known::UInt64Value",
    ),
    wkt(
        "google.protobuf.Int32Value",
        "google/protobuf/wrappers.proto",
        "::grpc_core::well_known::Int32Value",
    ),
    wkt(
        "google.protobuf.UInt32Value",
        "google/protobuf/wrappers.proto",
        "::grpc_core::well_known::UInt32Value",
    ),
    wkt(
        "google.protobuf.BoolValue",
        "google/protobuf/wrappers.proto",
        "::grpc_core::well_known::BoolValue",
    ),
    wkt(
        "google.protobuf.StringValue",
        "google/protobuf/wrappers.proto",
        "::grpc_core::well_known::StringValue",
    ),
    wkt(
        "google.protobuf.BytesValue",
        "google/protobuf/wrappers.proto",
        "::grpc_core::well_known::BytesValue",
    ),
    wkt(
        "google.protobuf.FileDescriptorSet",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::FileDescriptorSet",
    ),
    wkt(
        "google.protobuf.FileDescriptorProto",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::FileDescriptorProto",
    ),
    wkt(
        "google.protobuf.DescriptorProto",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::DescriptorProto",
    ),
    wkt(
        "google.protobuf.DescriptorProto.ExtensionRange",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::descriptor_proto::ExtensionRange",
    ),
    wkt(
        "google.protobuf.DescriptorProto.ReservedRange",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::descriptor_proto::ReservedRange",
    ),
    wkt(
        "google.protobuf.ExtensionRangeOptions",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::ExtensionRangeOptions",
    ),
    wkt(
        "google.protobuf.FieldDescriptorProto",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::FieldDescriptorProto",
    ),
    wkt(
        "google.protobuf.FieldDescriptorProto.Type",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::field_descriptor_proto::Type",
    ),
    wkt(
        "google.protobuf.FieldDescriptorProto.Label",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::field_descriptor_proto::Label",
    ),
    wkt(
        "google.protobuf.OneofDescriptorProto",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::OneofDescriptorProto",
    ),
    wkt(
        "google.protobuf.EnumDescriptorProto",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::EnumDescriptorProto",
    ),
    wkt(
        "google.protobuf.EnumDescriptorProto.EnumReservedRange",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::enum_descriptor_proto::EnumReservedRange",
    ),
    wkt(
        "google.protobuf.EnumValueDescriptorProto",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::EnumValueDescriptorProto",
    ),
    wkt(
        "google.protobuf.ServiceDescriptorProto",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::ServiceDescriptorProto",
    ),
    wkt(
        "google.protobuf.MethodDescriptorProto",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::MethodDescriptorProto",
    ),
    wkt(
        "google.protobuf.FileOptions",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::FileOptions",
    ),
    wkt(
        "google.protobuf.FileOptions.OptimizeMode",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::file_options::OptimizeMode",
    ),
    wkt(
        "google.protobuf.MessageOptions",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::MessageOptions",
    ),
    wkt(
        "google.protobuf.FieldOptions",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::FieldOptions",
    ),
    wkt(
        "google.protobuf.FieldOptions.CType",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::field_options::CType",
    ),
    wkt(
        "google.protobuf.FieldOptions.JSType",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::field_options::JsType",
    ),
    wkt(
        "google.protobuf.OneofOptions",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::OneofOptions",
    ),
    wkt(
        "google.protobuf.EnumOptions",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::EnumOptions",
    ),
    wkt(
        "google.protobuf.EnumValueOptions",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::EnumValueOptions",
    ),
    wkt(
        "google.protobuf.ServiceOptions",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::ServiceOptions",
    ),
    wkt(
        "google.protobuf.MethodOptions",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::MethodOptions",
    ),
    wkt(
        "google.protobuf.MethodOptions.IdempotencyLevel",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::method_options::IdempotencyLevel",
    ),
    wkt(
        "google.protobuf.UninterpretedOption",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::UninterpretedOption",
    ),
    wkt(
        "google.protobuf.UninterpretedOption.NamePart",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::uninterpreted_option::NamePart",
    ),
    wkt(
        "google.protobuf.SourceCodeInfo",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::SourceCodeInfo",
    ),
    wkt(
        "google.protobuf.SourceCodeInfo.Location",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::source_code_info::Location",
    ),
    wkt(
        "google.protobuf.GeneratedCodeInfo",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::GeneratedCodeInfo",
    ),
    wkt(
        "google.protobuf.GeneratedCodeInfo.Annotation",
        "google/protobuf/descriptor.proto",
        "::grpc_core::well_known::generated_code_info::Annotation",
    ),
];

/// The well-known type named `full_name` (with or without a leading dot).
pub fn lookup(full_name: &str) -> Option<&'static WellKnown> {
    let name = full_name.strip_prefix('.').unwrap_or(full_name);
    TYPES.iter().find(|t| t.full_name == name)
}

/// Whether `file` is one of protobuf's own files (`google/protobuf/...`), which grpc-core
/// describes itself and the importer never generates.
pub fn is_well_known_file(file: &str) -> bool {
    file.starts_with("google/protobuf/")
}

/// The types grpc-core provides for the well-known file `file`.
pub fn types_in(file: &str) -> impl Iterator<Item = &'static WellKnown> + '_ {
    TYPES.iter().filter(move |t| t.file == file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert_eq!(lookup(".google.protobuf.Empty").unwrap().rust, "()");
        assert_eq!(
            lookup("google.protobuf.Api").unwrap().rust,
            "::grpc_core::well_known::Api"
        );
        assert_eq!(
            lookup(".google.protobuf.FieldOptions.JSType").unwrap().rust,
            "::grpc_core::well_known::field_options::JsType"
        );
        assert!(lookup("google.protobuf.compiler.CodeGeneratorRequest").is_none());
        assert_eq!(types_in("google/protobuf/struct.proto").count(), 4);
        assert_eq!(types_in("google/protobuf/wrappers.proto").count(), 9);
        assert!(is_well_known_file("google/protobuf/any.proto"));
    }
}
