//! The protobuf well-known types that prost-types provides, and `()` as `google.protobuf.Empty`,
//! usable as fields and as request/response types.
//!
//! ```
//! use grpc_core::well_known::Timestamp;
//! use grpc_core::Message;
//!
//! #[derive(Message, Clone, PartialEq, Debug)]
//! pub struct Event {
//!     pub at: Option<Timestamp>,
//! }
//! ```

pub use prost_types::{
    value, Any, Duration, FieldMask, ListValue, NullValue, Struct, Timestamp, Value,
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
        impl crate::message::MessageType for $ty {}
        impl crate::message::RequiredFields for $ty {
            fn missing_required(&self) -> Option<String> {
                None
            }
        }
        crate::__impl_message_field!($ty);
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

crate::__impl_message_field!(impl [T] Box<T> [where T: prost::Message + Default + Describe + NamedKind + crate::message::RequiredFields]);
