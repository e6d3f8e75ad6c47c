//! Messages and enums as Rust types.
//!
//! `#[derive(Message)]` on a struct implements [`prost::Message`] (so the type encodes exactly
//! like protoc-generated code for the same schema) and [`Describe`].
//! `#[derive(Enumeration)]` on a fieldless enum makes a protobuf enum, and `#[derive(Oneof)]`
//! on an enum with one field per variant makes a oneof.
//!
//! ```
//! use grpc_core::{Enumeration, Message, Oneof};
//! use grpc_core::message::Enumeration as _;
//!
//! #[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
//! #[grpc(package = "shop")]
//! pub enum Size { Unspecified = 0, Small = 1, Large = 2 }
//!
//! #[derive(Oneof, Clone, PartialEq, Debug)]
//! pub enum Payment {
//!     #[grpc(tag = 10)]
//!     Card(String),
//!     #[grpc(tag = 11)]
//!     Cash(u64),
//! }
//!
//! #[derive(Message, Clone, PartialEq, Debug)]
//! #[grpc(package = "shop")]
//! pub struct Order {
//!     pub id: u64,                        // tag 1
//!     pub size: Size,                     // tag 2
//!     pub items: Vec<String>,             // tag 3
//!     #[grpc(encoding = "sint32")]
//!     pub delta: i32,                     // tag 4, zig-zag encoded
//!     #[grpc(oneof)]
//!     pub payment: Option<Payment>,       // tags 10 and 11
//! }
//!
//! let order = Order { id: 7, size: Size::Large, items: vec!["tea".into()], delta: -1,
//!                     payment: Some(Payment::Cash(3)) };
//! let bytes = grpc_core::Message::encode_to_vec(&order);
//! assert_eq!(<Order as grpc_core::Message>::decode(&bytes[..]).unwrap(), order);
//! assert_eq!(Size::from_i32(2), Some(Size::Large));
//! ```

use prost::bytes::{Buf, BufMut};
use prost::encoding::{self, DecodeContext, WireType};
use prost::DecodeError;

use crate::descriptor::{Cardinality, Describe, MessageBuilder, NamedKind, Registry};

/// A protobuf enum: made by `#[derive(Enumeration)]`.
///
/// proto3 enums are open: a value this side does not know decodes to the zero variant.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a protobuf enum",
    label = "a field of this type must be an enum",
    note = "a message field is written `Option<{Self}>`; an enum derives `grpc_core::Enumeration`"
)]
pub trait Enumeration: Copy + PartialEq + Default + Send + Sync + 'static {
    /// The variant's number.
    fn to_i32(self) -> i32;
    /// The variant with this number, if any.
    fn from_i32(value: i32) -> Option<Self>;
}

/// A complete message type: what a service's request and response types must be.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a protobuf message",
    label = "not a message",
    note = "derive it with `#[derive(grpc_core::Message)]` (or use a well-known type such as `()` for Empty)"
)]
pub trait MessageType: prost::Message + Default + Describe + Send + Sync + 'static {}

/// How a named type (message or enum) encodes in each field position. Generated; not public API.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a protobuf message or enum",
    label = "not a message or enum",
    note = "derive `grpc_core::Message` or `grpc_core::Enumeration` for it; a type deriving `Oneof` goes in an `Option<T>` field marked `#[grpc(oneof)]`"
)]
pub trait NamedField: Sized + Describe + NamedKind {
    /// The cardinality an `Option<Self>` field has in the descriptor.
    const OPTION_CARDINALITY: Cardinality;
    fn encode_optional(tag: u32, value: &Option<Self>, buf: &mut impl BufMut);
    fn merge_optional(
        wire_type: WireType,
        value: &mut Option<Self>,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError>;
    fn encoded_len_optional(tag: u32, value: &Option<Self>) -> usize;
    fn encode_repeated(tag: u32, values: &[Self], buf: &mut impl BufMut);
    fn merge_repeated(
        wire_type: WireType,
        values: &mut Vec<Self>,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError>;
    fn encoded_len_repeated(tag: u32, values: &[Self]) -> usize;
    /// As a map value: always written when the entry is.
    fn encode_value(tag: u32, value: &Self, buf: &mut impl BufMut);
    fn merge_value(
        wire_type: WireType,
        value: &mut Self,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError>;
    fn encoded_len_value(tag: u32, value: &Self) -> usize;
}

/// A oneof: made by `#[derive(Oneof)]`. Generated; not public API.
#[doc(hidden)]
pub trait Oneof: Sized {
    /// The field numbers of the variants.
    const TAGS: &'static [u32];
    /// The field names of the variants, as on the wire.
    const NAMES: &'static [&'static str];
    /// The field number of the variant held.
    fn tag(&self) -> u32;
    fn encode(&self, buf: &mut impl BufMut);
    fn merge(
        field: &mut Option<Self>,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError>;
    fn encoded_len(&self) -> usize;
    /// Adds the oneof and its fields to a message descriptor.
    fn describe(message: &mut MessageBuilder, registry: &mut Registry, name: &str);
}

/// Field codec for message types, used by [`NamedField`] impls of messages.
#[doc(hidden)]
pub mod message_field {
    use super::*;
    use prost::Message;

    pub fn encode_optional<M: Message>(tag: u32, value: &Option<M>, buf: &mut impl BufMut) {
        if let Some(value) = value {
            encoding::message::encode(tag, value, buf);
        }
    }
    pub fn merge_optional<M: Message + Default>(
        wire_type: WireType,
        value: &mut Option<M>,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        encoding::message::merge(wire_type, value.get_or_insert_with(M::default), buf, ctx)
    }
    pub fn encoded_len_optional<M: Message>(tag: u32, value: &Option<M>) -> usize {
        value
            .as_ref()
            .map_or(0, |value| encoding::message::encoded_len(tag, value))
    }
    pub fn encode_repeated<M: Message>(tag: u32, values: &[M], buf: &mut impl BufMut) {
        encoding::message::encode_repeated(tag, values, buf)
    }
    pub fn merge_repeated<M: Message + Default>(
        wire_type: WireType,
        values: &mut Vec<M>,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        encoding::message::merge_repeated(wire_type, values, buf, ctx)
    }
    pub fn encoded_len_repeated<M: Message>(tag: u32, values: &[M]) -> usize {
        encoding::message::encoded_len_repeated(tag, values)
    }
    pub fn encode_value<M: Message>(tag: u32, value: &M, buf: &mut impl BufMut) {
        encoding::message::encode(tag, value, buf)
    }
    pub fn merge_value<M: Message>(
        wire_type: WireType,
        value: &mut M,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        encoding::message::merge(wire_type, value, buf, ctx)
    }
    pub fn encoded_len_value<M: Message>(tag: u32, value: &M) -> usize {
        encoding::message::encoded_len(tag, value)
    }
}

/// Field codec for enum types, used by [`NamedField`] impls of enums.
#[doc(hidden)]
pub mod enum_field {
    use super::*;

    fn decode<E: Enumeration>(
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<E, DecodeError> {
        let mut raw = 0i32;
        encoding::int32::merge(wire_type, &mut raw, buf, ctx)?;
        Ok(E::from_i32(raw).unwrap_or_default())
    }

    /// A field without presence: written unless it is the zero value.
    pub fn encode_implicit<E: Enumeration>(tag: u32, value: &E, buf: &mut impl BufMut) {
        let raw = value.to_i32();
        if raw != 0 {
            encoding::int32::encode(tag, &raw, buf);
        }
    }
    pub fn merge_implicit<E: Enumeration>(
        wire_type: WireType,
        value: &mut E,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        *value = decode(wire_type, buf, ctx)?;
        Ok(())
    }
    pub fn encoded_len_implicit<E: Enumeration>(tag: u32, value: &E) -> usize {
        let raw = value.to_i32();
        if raw != 0 {
            encoding::int32::encoded_len(tag, &raw)
        } else {
            0
        }
    }
    pub fn encode_optional<E: Enumeration>(tag: u32, value: &Option<E>, buf: &mut impl BufMut) {
        if let Some(value) = value {
            encoding::int32::encode(tag, &value.to_i32(), buf);
        }
    }
    pub fn merge_optional<E: Enumeration>(
        wire_type: WireType,
        value: &mut Option<E>,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        *value = Some(decode(wire_type, buf, ctx)?);
        Ok(())
    }
    pub fn encoded_len_optional<E: Enumeration>(tag: u32, value: &Option<E>) -> usize {
        value.map_or(0, |value| {
            encoding::int32::encoded_len(tag, &value.to_i32())
        })
    }
    fn raw_values<E: Enumeration>(values: &[E]) -> Vec<i32> {
        values.iter().map(|value| value.to_i32()).collect()
    }
    pub fn encode_repeated<E: Enumeration>(tag: u32, values: &[E], buf: &mut impl BufMut) {
        encoding::int32::encode_packed(tag, &raw_values(values), buf);
    }
    pub fn merge_repeated<E: Enumeration>(
        wire_type: WireType,
        values: &mut Vec<E>,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let mut raw = Vec::new();
        encoding::int32::merge_repeated(wire_type, &mut raw, buf, ctx)?;
        values.extend(raw.into_iter().map(|v| E::from_i32(v).unwrap_or_default()));
        Ok(())
    }
    pub fn encoded_len_repeated<E: Enumeration>(tag: u32, values: &[E]) -> usize {
        encoding::int32::encoded_len_packed(tag, &raw_values(values))
    }
    pub fn encode_value<E: Enumeration>(tag: u32, value: &E, buf: &mut impl BufMut) {
        encoding::int32::encode(tag, &value.to_i32(), buf);
    }
    pub fn merge_value<E: Enumeration>(
        wire_type: WireType,
        value: &mut E,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        merge_implicit(wire_type, value, buf, ctx)
    }
    pub fn encoded_len_value<E: Enumeration>(tag: u32, value: &E) -> usize {
        encoding::int32::encoded_len(tag, &value.to_i32())
    }
}

/// Implements [`NamedField`] for a message type by delegating to [`message_field`].
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_message_field {
    (impl [$($generics:tt)*] $ty:ty [where $($bounds:tt)*]) => {
        impl<$($generics)*> $crate::__private::NamedField for $ty where $($bounds)* {
            const OPTION_CARDINALITY: $crate::__private::Cardinality =
                $crate::__private::Cardinality::Singular;
            fn encode_optional(tag: u32, value: &::core::option::Option<Self>, buf: &mut impl $crate::__private::BufMut) {
                $crate::__private::message_field::encode_optional(tag, value, buf)
            }
            fn merge_optional(
                wire_type: $crate::__private::WireType,
                value: &mut ::core::option::Option<Self>,
                buf: &mut impl $crate::__private::Buf,
                ctx: $crate::__private::DecodeContext,
            ) -> ::core::result::Result<(), $crate::__private::DecodeError> {
                $crate::__private::message_field::merge_optional(wire_type, value, buf, ctx)
            }
            fn encoded_len_optional(tag: u32, value: &::core::option::Option<Self>) -> usize {
                $crate::__private::message_field::encoded_len_optional(tag, value)
            }
            fn encode_repeated(tag: u32, values: &[Self], buf: &mut impl $crate::__private::BufMut) {
                $crate::__private::message_field::encode_repeated(tag, values, buf)
            }
            fn merge_repeated(
                wire_type: $crate::__private::WireType,
                values: &mut $crate::__private::Vec<Self>,
                buf: &mut impl $crate::__private::Buf,
                ctx: $crate::__private::DecodeContext,
            ) -> ::core::result::Result<(), $crate::__private::DecodeError> {
                $crate::__private::message_field::merge_repeated(wire_type, values, buf, ctx)
            }
            fn encoded_len_repeated(tag: u32, values: &[Self]) -> usize {
                $crate::__private::message_field::encoded_len_repeated(tag, values)
            }
            fn encode_value(tag: u32, value: &Self, buf: &mut impl $crate::__private::BufMut) {
                $crate::__private::message_field::encode_value(tag, value, buf)
            }
            fn merge_value(
                wire_type: $crate::__private::WireType,
                value: &mut Self,
                buf: &mut impl $crate::__private::Buf,
                ctx: $crate::__private::DecodeContext,
            ) -> ::core::result::Result<(), $crate::__private::DecodeError> {
                $crate::__private::message_field::merge_value(wire_type, value, buf, ctx)
            }
            fn encoded_len_value(tag: u32, value: &Self) -> usize {
                $crate::__private::message_field::encoded_len_value(tag, value)
            }
        }
    };
    ($ty:ty) => {
        $crate::__impl_message_field!(impl [] $ty [where]);
    };
}

/// Implements [`NamedField`] for an enum type by delegating to [`enum_field`].
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_enum_field {
    ($ty:ty) => {
        impl $crate::__private::NamedField for $ty {
            const OPTION_CARDINALITY: $crate::__private::Cardinality =
                $crate::__private::Cardinality::Optional;
            fn encode_optional(
                tag: u32,
                value: &::core::option::Option<Self>,
                buf: &mut impl $crate::__private::BufMut,
            ) {
                $crate::__private::enum_field::encode_optional(tag, value, buf)
            }
            fn merge_optional(
                wire_type: $crate::__private::WireType,
                value: &mut ::core::option::Option<Self>,
                buf: &mut impl $crate::__private::Buf,
                ctx: $crate::__private::DecodeContext,
            ) -> ::core::result::Result<(), $crate::__private::DecodeError> {
                $crate::__private::enum_field::merge_optional(wire_type, value, buf, ctx)
            }
            fn encoded_len_optional(tag: u32, value: &::core::option::Option<Self>) -> usize {
                $crate::__private::enum_field::encoded_len_optional(tag, value)
            }
            fn encode_repeated(
                tag: u32,
                values: &[Self],
                buf: &mut impl $crate::__private::BufMut,
            ) {
                $crate::__private::enum_field::encode_repeated(tag, values, buf)
            }
            fn merge_repeated(
                wire_type: $crate::__private::WireType,
                values: &mut $crate::__private::Vec<Self>,
                buf: &mut impl $crate::__private::Buf,
                ctx: $crate::__private::DecodeContext,
            ) -> ::core::result::Result<(), $crate::__private::DecodeError> {
                $crate::__private::enum_field::merge_repeated(wire_type, values, buf, ctx)
            }
            fn encoded_len_repeated(tag: u32, values: &[Self]) -> usize {
                $crate::__private::enum_field::encoded_len_repeated(tag, values)
            }
            fn encode_value(tag: u32, value: &Self, buf: &mut impl $crate::__private::BufMut) {
                $crate::__private::enum_field::encode_value(tag, value, buf)
            }
            fn merge_value(
                wire_type: $crate::__private::WireType,
                value: &mut Self,
                buf: &mut impl $crate::__private::Buf,
                ctx: $crate::__private::DecodeContext,
            ) -> ::core::result::Result<(), $crate::__private::DecodeError> {
                $crate::__private::enum_field::merge_value(wire_type, value, buf, ctx)
            }
            fn encoded_len_value(tag: u32, value: &Self) -> usize {
                $crate::__private::enum_field::encoded_len_value(tag, value)
            }
        }
    };
}
