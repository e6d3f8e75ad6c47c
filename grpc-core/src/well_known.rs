//! The protobuf well-known types, usable as fields and as request/response types: every message
//! and enum of `google/protobuf/{any,api,duration,empty,field_mask,source_context,struct,
//! timestamp,type,wrappers,descriptor}.proto`, with `()` as `google.protobuf.Empty`.
//!
//! Most are prost-types' Rust types, re-exported. The wrappers (`google.protobuf.Int64Value`
//! and the others of `wrappers.proto`) are small structs of their own here, [`Int64Value`]
//! `{ value: i64 }` and so on, because a bare `Option<i64>` field already means a proto3
//! `optional int64`; they convert from and into the value they wrap.
//!
//! Every type describes itself with the descriptors protoc makes for its upstream file, so
//! reflection, `.proto` export and JSON (`grpc_proto_import::dynamic`, whose mapping follows
//! the protobuf JSON spec: wrappers as their bare value, `Timestamp` as RFC 3339, `Struct` as a
//! JSON object...) see exactly what they would see from protoc-generated code.
//!
//! ```
//! use grpc_core::well_known::{Int64Value, Timestamp};
//! use grpc_core::Message;
//!
//! #[derive(Message, Clone, PartialEq, Debug)]
//! pub struct Event {
//!     pub at: Option<Timestamp>,
//!     pub count: Option<Int64Value>,
//! }
//!
//! let event = Event { at: None, count: Some(7.into()) };
//! assert_eq!(event.count.map(i64::from), Some(7));
//! ```
//!
//! `google.protobuf.Option` (of `type.proto`) is [`Option`] here, as in prost-types: refer to
//! it by path (`well_known::Option`) rather than importing it over the prelude's.

pub use prost_types::{
    value, Any, Duration, FieldMask, ListValue, NullValue, Struct, Timestamp, Value,
};

// type.proto, api.proto, source_context.proto.
pub use prost_types::{
    field, Api, Enum, EnumValue, Field, Method, Mixin, Option, SourceContext, Syntax, Type,
};

// descriptor.proto.
pub use prost_types::{
    descriptor_proto, enum_descriptor_proto, field_descriptor_proto, field_options, file_options,
    generated_code_info, method_options, source_code_info, uninterpreted_option, DescriptorProto,
    EnumDescriptorProto, EnumOptions, EnumValueDescriptorProto, EnumValueOptions,
    ExtensionRangeOptions, FieldDescriptorProto, FieldOptions, FileDescriptorProto,
    FileDescriptorSet, FileOptions, GeneratedCodeInfo, MessageOptions, MethodDescriptorProto,
    MethodOptions, OneofDescriptorProto, OneofOptions, ServiceDescriptorProto, ServiceOptions,
    SourceCodeInfo, UninterpretedOption,
};

use crate::descriptor::{Describe, NamedKind, Registry, TypeKind};

macro_rules! well_known {
    ($($ty:ty => $name:literal in $file:literal;)*) => {$(
        impl Describe for $ty {
            fn register(registry: &mut Registry) {
                registry.add_well_known_file($file);
            }
            fn file_name() -> &'static str {
                $file
            }
            fn full_name() -> String {
                $name.to_owned()
            }
        }
        impl NamedKind for $ty {
            const KIND: TypeKind = TypeKind::Message;
        }
        // Kept out of "the following other types implement `MessageType`" lists in compile
        // errors, so that those show the user's own messages.
        #[diagnostic::do_not_recommend]
        impl crate::message::MessageType for $ty {}
        impl crate::message::RequiredFields for $ty {
            fn missing_required(&self) -> ::core::option::Option<String> {
                None
            }
        }
        crate::__impl_message_field!(#[diagnostic::do_not_recommend] $ty);
    )*};
}

well_known! {
    () => "google.protobuf.Empty" in "google/protobuf/empty.proto";
    prost_types::Timestamp => "google.protobuf.Timestamp" in "google/protobuf/timestamp.proto";
    prost_types::Duration => "google.protobuf.Duration" in "google/protobuf/duration.proto";
    prost_types::Any => "google.protobuf.Any" in "google/protobuf/any.proto";
    prost_types::Struct => "google.protobuf.Struct" in "google/protobuf/struct.proto";
    prost_types::Value => "google.protobuf.Value" in "google/protobuf/struct.proto";
    prost_types::ListValue => "google.protobuf.ListValue" in "google/protobuf/struct.proto";
    prost_types::FieldMask => "google.protobuf.FieldMask" in "google/protobuf/field_mask.proto";
    prost_types::SourceContext => "google.protobuf.SourceContext" in "google/protobuf/source_context.proto";
    prost_types::Type => "google.protobuf.Type" in "google/protobuf/type.proto";
    prost_types::Field => "google.protobuf.Field" in "google/protobuf/type.proto";
    prost_types::Enum => "google.protobuf.Enum" in "google/protobuf/type.proto";
    prost_types::EnumValue => "google.protobuf.EnumValue" in "google/protobuf/type.proto";
    prost_types::Option => "google.protobuf.Option" in "google/protobuf/type.proto";
    prost_types::Api => "google.protobuf.Api" in "google/protobuf/api.proto";
    prost_types::Method => "google.protobuf.Method" in "google/protobuf/api.proto";
    prost_types::Mixin => "google.protobuf.Mixin" in "google/protobuf/api.proto";
    DoubleValue => "google.protobuf.DoubleValue" in "google/protobuf/wrappers.proto";
    FloatValue => "google.protobuf.FloatValue" in "google/protobuf/wrappers.proto";
    Int64Value => "google.protobuf.Int64Value" in "google/protobuf/wrappers.proto";
    UInt64Value => "google.protobuf.UInt64Value" in "google/protobuf/wrappers.proto";
    Int32Value => "google.protobuf.Int32Value" in "google/protobuf/wrappers.proto";
    UInt32Value => "google.protobuf.UInt32Value" in "google/protobuf/wrappers.proto";
    BoolValue => "google.protobuf.BoolValue" in "google/protobuf/wrappers.proto";
    StringValue => "google.protobuf.StringValue" in "google/protobuf/wrappers.proto";
    BytesValue => "google.protobuf.BytesValue" in "google/protobuf/wrappers.proto";
    FileDescriptorSet => "google.protobuf.FileDescriptorSet" in "google/protobuf/descriptor.proto";
    FileDescriptorProto => "google.protobuf.FileDescriptorProto" in "google/protobuf/descriptor.proto";
    DescriptorProto => "google.protobuf.DescriptorProto" in "google/protobuf/descriptor.proto";
    descriptor_proto::ExtensionRange => "google.protobuf.DescriptorProto.ExtensionRange" in "google/protobuf/descriptor.proto";
    descriptor_proto::ReservedRange => "google.protobuf.DescriptorProto.ReservedRange" in "google/protobuf/descriptor.proto";
    ExtensionRangeOptions => "google.protobuf.ExtensionRangeOptions" in "google/protobuf/descriptor.proto";
    FieldDescriptorProto => "google.protobuf.FieldDescriptorProto" in "google/protobuf/descriptor.proto";
    OneofDescriptorProto => "google.protobuf.OneofDescriptorProto" in "google/protobuf/descriptor.proto";
    EnumDescriptorProto => "google.protobuf.EnumDescriptorProto" in "google/protobuf/descriptor.proto";
    enum_descriptor_proto::EnumReservedRange => "google.protobuf.EnumDescriptorProto.EnumReservedRange" in "google/protobuf/descriptor.proto";
    EnumValueDescriptorProto => "google.protobuf.EnumValueDescriptorProto" in "google/protobuf/descriptor.proto";
    ServiceDescriptorProto => "google.protobuf.ServiceDescriptorProto" in "google/protobuf/descriptor.proto";
    MethodDescriptorProto => "google.protobuf.MethodDescriptorProto" in "google/protobuf/descriptor.proto";
    FileOptions => "google.protobuf.FileOptions" in "google/protobuf/descriptor.proto";
    MessageOptions => "google.protobuf.MessageOptions" in "google/protobuf/descriptor.proto";
    FieldOptions => "google.protobuf.FieldOptions" in "google/protobuf/descriptor.proto";
    OneofOptions => "google.protobuf.OneofOptions" in "google/protobuf/descriptor.proto";
    EnumOptions => "google.protobuf.EnumOptions" in "google/protobuf/descriptor.proto";
    EnumValueOptions => "google.protobuf.EnumValueOptions" in "google/protobuf/descriptor.proto";
    ServiceOptions => "google.protobuf.ServiceOptions" in "google/protobuf/descriptor.proto";
    MethodOptions => "google.protobuf.MethodOptions" in "google/protobuf/descriptor.proto";
    UninterpretedOption => "google.protobuf.UninterpretedOption" in "google/protobuf/descriptor.proto";
    uninterpreted_option::NamePart => "google.protobuf.UninterpretedOption.NamePart" in "google/protobuf/descriptor.proto";
    SourceCodeInfo => "google.protobuf.SourceCodeInfo" in "google/protobuf/descriptor.proto";
    source_code_info::Location => "google.protobuf.SourceCodeInfo.Location" in "google/protobuf/descriptor.proto";
    GeneratedCodeInfo => "google.protobuf.GeneratedCodeInfo" in "google/protobuf/descriptor.proto";
    generated_code_info::Annotation => "google.protobuf.GeneratedCodeInfo.Annotation" in "google/protobuf/descriptor.proto";
}

/// Enums of the well-known files (prost-types' `#[repr(i32)]` enums).
macro_rules! well_known_enum {
    ($($ty:ty => $name:literal in $file:literal [$($value:literal = $number:literal),* $(,)?];)*) => {$(
        impl Describe for $ty {
            fn register(registry: &mut Registry) {
                registry.add_well_known_file($file);
            }
            fn file_name() -> &'static str {
                $file
            }
            fn full_name() -> String {
                $name.to_owned()
            }
        }
        impl NamedKind for $ty {
            const KIND: TypeKind = TypeKind::Enum;
        }
        // Kept out of "the following other types implement `Enumeration`" lists in compile
        // errors about user types, which would otherwise fill up with these.
        #[diagnostic::do_not_recommend]
        impl crate::message::Enumeration for $ty {
            fn to_i32(self) -> i32 {
                self as i32
            }
            fn from_i32(value: i32) -> ::core::option::Option<Self> {
                <$ty>::try_from(value).ok()
            }
            // Listed by hand (prost's `from_str_name` is not `const`), checked against it by
            // `well_known_enum_values_are_protocs`.
            const VALUES: &'static [(&'static str, i32)] = &[$(($value, $number)),*];
        }
        crate::__impl_enum_field!(#[diagnostic::do_not_recommend] $ty);
    )*};
}

well_known_enum! {
    NullValue => "google.protobuf.NullValue" in "google/protobuf/struct.proto" ["NULL_VALUE" = 0];
    Syntax => "google.protobuf.Syntax" in "google/protobuf/type.proto" ["SYNTAX_PROTO2" = 0, "SYNTAX_PROTO3" = 1];
    field::Kind => "google.protobuf.Field.Kind" in "google/protobuf/type.proto" [
        "TYPE_UNKNOWN" = 0, "TYPE_DOUBLE" = 1, "TYPE_FLOAT" = 2, "TYPE_INT64" = 3,
        "TYPE_UINT64" = 4, "TYPE_INT32" = 5, "TYPE_FIXED64" = 6, "TYPE_FIXED32" = 7,
        "TYPE_BOOL" = 8, "TYPE_STRING" = 9, "TYPE_GROUP" = 10, "TYPE_MESSAGE" = 11,
        "TYPE_BYTES" = 12, "TYPE_UINT32" = 13, "TYPE_ENUM" = 14, "TYPE_SFIXED32" = 15,
        "TYPE_SFIXED64" = 16, "TYPE_SINT32" = 17, "TYPE_SINT64" = 18,
    ];
    field::Cardinality => "google.protobuf.Field.Cardinality" in "google/protobuf/type.proto" [
        "CARDINALITY_UNKNOWN" = 0, "CARDINALITY_OPTIONAL" = 1, "CARDINALITY_REQUIRED" = 2,
        "CARDINALITY_REPEATED" = 3,
    ];
    field_descriptor_proto::Type => "google.protobuf.FieldDescriptorProto.Type" in "google/protobuf/descriptor.proto" [
        "TYPE_DOUBLE" = 1, "TYPE_FLOAT" = 2, "TYPE_INT64" = 3, "TYPE_UINT64" = 4,
        "TYPE_INT32" = 5, "TYPE_FIXED64" = 6, "TYPE_FIXED32" = 7, "TYPE_BOOL" = 8,
        "TYPE_STRING" = 9, "TYPE_GROUP" = 10, "TYPE_MESSAGE" = 11, "TYPE_BYTES" = 12,
        "TYPE_UINT32" = 13, "TYPE_ENUM" = 14, "TYPE_SFIXED32" = 15, "TYPE_SFIXED64" = 16,
        "TYPE_SINT32" = 17, "TYPE_SINT64" = 18,
    ];
    field_descriptor_proto::Label => "google.protobuf.FieldDescriptorProto.Label" in "google/protobuf/descriptor.proto" [
        "LABEL_OPTIONAL" = 1, "LABEL_REQUIRED" = 2, "LABEL_REPEATED" = 3,
    ];
    file_options::OptimizeMode => "google.protobuf.FileOptions.OptimizeMode" in "google/protobuf/descriptor.proto" [
        "SPEED" = 1, "CODE_SIZE" = 2, "LITE_RUNTIME" = 3,
    ];
    field_options::CType => "google.protobuf.FieldOptions.CType" in "google/protobuf/descriptor.proto" [
        "STRING" = 0, "CORD" = 1, "STRING_PIECE" = 2,
    ];
    field_options::JsType => "google.protobuf.FieldOptions.JSType" in "google/protobuf/descriptor.proto" [
        "JS_NORMAL" = 0, "JS_STRING" = 1, "JS_NUMBER" = 2,
    ];
    method_options::IdempotencyLevel => "google.protobuf.MethodOptions.IdempotencyLevel" in "google/protobuf/descriptor.proto" [
        "IDEMPOTENCY_UNKNOWN" = 0, "NO_SIDE_EFFECTS" = 1, "IDEMPOTENT" = 2,
    ];
}

/// The wrapper messages of `wrappers.proto`: one field, `value = 1`, encoded as prost encodes
/// the bare value as a message (which is exactly the wrapper's encoding).
macro_rules! wrapper {
    ($($(#[$doc:meta])* $name:ident($ty:ty) [$($derive:ident),*];)*) => {$(
        $(#[$doc])*
        #[derive(Clone, PartialEq, Debug, Default, $($derive),*)]
        pub struct $name {
            /// The wrapped value.
            pub value: $ty,
        }

        impl prost::Message for $name {
            fn encode_raw(&self, buf: &mut impl prost::bytes::BufMut) {
                prost::Message::encode_raw(&self.value, buf)
            }
            fn merge_field(
                &mut self,
                tag: u32,
                wire_type: prost::encoding::WireType,
                buf: &mut impl prost::bytes::Buf,
                ctx: prost::encoding::DecodeContext,
            ) -> ::core::result::Result<(), prost::DecodeError> {
                prost::Message::merge_field(&mut self.value, tag, wire_type, buf, ctx)
            }
            fn encoded_len(&self) -> usize {
                prost::Message::encoded_len(&self.value)
            }
            fn clear(&mut self) {
                self.value = Default::default();
            }
        }

        impl From<$ty> for $name {
            fn from(value: $ty) -> Self {
                $name { value }
            }
        }

        impl From<$name> for $ty {
            fn from(wrapper: $name) -> Self {
                wrapper.value
            }
        }
    )*};
}

wrapper! {
    /// `google.protobuf.DoubleValue`: an `f64` in a message (JSON: the number).
    DoubleValue(f64) [Copy, PartialOrd];
    /// `google.protobuf.FloatValue`: an `f32` in a message (JSON: the number).
    FloatValue(f32) [Copy, PartialOrd];
    /// `google.protobuf.Int64Value`: an `i64` in a message (JSON: a decimal string).
    Int64Value(i64) [Copy, Eq, Hash, PartialOrd, Ord];
    /// `google.protobuf.UInt64Value`: a `u64` in a message (JSON: a decimal string).
    UInt64Value(u64) [Copy, Eq, Hash, PartialOrd, Ord];
    /// `google.protobuf.Int32Value`: an `i32` in a message (JSON: the number).
    Int32Value(i32) [Copy, Eq, Hash, PartialOrd, Ord];
    /// `google.protobuf.UInt32Value`: a `u32` in a message (JSON: the number).
    UInt32Value(u32) [Copy, Eq, Hash, PartialOrd, Ord];
    /// `google.protobuf.BoolValue`: a `bool` in a message (JSON: `true` or `false`).
    BoolValue(bool) [Copy, Eq, Hash, PartialOrd, Ord];
    /// `google.protobuf.StringValue`: a `String` in a message (JSON: the string).
    StringValue(String) [Eq, Hash, PartialOrd, Ord];
    /// `google.protobuf.BytesValue`: bytes in a message (JSON: base64).
    BytesValue(Vec<u8>) [Eq, Hash, PartialOrd, Ord];
}

/// `Box<M>` (for recursive messages) describes and encodes as `M`.
impl<T: Describe> Describe for Box<T> {
    fn register(registry: &mut Registry) {
        T::register(registry)
    }
    fn file_name() -> &'static str {
        T::file_name()
    }
    fn full_name() -> String {
        T::full_name()
    }
}

impl<T: NamedKind> NamedKind for Box<T> {
    const KIND: TypeKind = T::KIND;
}

crate::__impl_message_field!(#[diagnostic::do_not_recommend] impl [T] Box<T> [where T: prost::Message + Default + Describe + NamedKind + crate::message::RequiredFields]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descriptor::Describe;
    use prost::Message as _;

    #[test]
    fn wrappers_encode_as_their_one_field() {
        assert_eq!(Int64Value::from(7).encode_to_vec(), [0x08, 7]);
        assert_eq!(Int64Value::default().encode_to_vec(), Vec::<u8>::new());
        assert_eq!(BoolValue::from(true).encode_to_vec(), [0x08, 1]);
        assert_eq!(
            StringValue::from("hi".to_owned()).encode_to_vec(),
            [0x0a, 2, b'h', b'i']
        );
        assert_eq!(
            DoubleValue::from(1.5).encode_to_vec(),
            [0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f]
        );
        let back = UInt32Value::decode(&[0x08, 0x96, 0x01, 0x10, 5][..]).expect("decode");
        assert_eq!(u32::from(back), 150, "unknown field 2 skipped");
        assert_eq!(
            BytesValue::decode(&[0x0a, 1, 9][..]).expect("decode").value,
            [9]
        );
    }

    #[test]
    fn every_type_describes_itself_with_its_file_and_its_imports() {
        assert_eq!(Int64Value::full_name(), "google.protobuf.Int64Value");
        assert_eq!(Int64Value::file_name(), "google/protobuf/wrappers.proto");
        let api = Api::file_descriptor_set();
        let names: Vec<&str> = api.file.iter().map(|f| f.name()).collect();
        assert_eq!(
            names,
            [
                "google/protobuf/source_context.proto",
                "google/protobuf/any.proto",
                "google/protobuf/type.proto",
                "google/protobuf/api.proto",
            ],
            "api.proto and its imports, each after what it imports"
        );
        let descriptor = FileDescriptorProto::file_descriptor();
        assert_eq!(descriptor.package(), "google.protobuf");
        assert!(descriptor
            .message_type
            .iter()
            .any(|m| m.name() == "MethodOptions"));
        assert_eq!(
            <field_descriptor_proto::Type as Describe>::full_name(),
            "google.protobuf.FieldDescriptorProto.Type"
        );
    }

    #[test]
    fn well_known_enum_values_are_protocs() {
        use crate::message::Enumeration;
        macro_rules! check {
            ($($ty:ty),*) => {$(
                for (name, number) in <$ty as Enumeration>::VALUES {
                    assert_eq!(<$ty>::from_str_name(name).map(|v| v as i32), Some(*number), "{name}");
                    assert_eq!(<$ty>::try_from(*number).map(|v| v.as_str_name()), Ok(*name));
                }
                let all = (-1..64).filter(|n| <$ty>::try_from(*n).is_ok()).count();
                assert_eq!(<$ty as Enumeration>::VALUES.len(), all, stringify!($ty));
            )*};
        }
        check!(
            NullValue,
            Syntax,
            field::Kind,
            field::Cardinality,
            field_descriptor_proto::Type,
            field_descriptor_proto::Label,
            file_options::OptimizeMode,
            field_options::CType,
            field_options::JsType,
            method_options::IdempotencyLevel
        );
    }

    #[test]
    fn well_known_enums_are_enumerations() {
        use crate::message::Enumeration;
        assert_eq!(
            <NullValue as Enumeration>::from_i32(0),
            Some(NullValue::NullValue)
        );
        assert_eq!(<Syntax as Enumeration>::from_i32(1), Some(Syntax::Proto3));
        assert_eq!(<Syntax as Enumeration>::from_i32(7), None);
        assert_eq!(Enumeration::to_i32(field::Kind::TypeString), 9);
    }
}
