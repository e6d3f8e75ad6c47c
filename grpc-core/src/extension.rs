//! Extensions of ordinary messages (proto2 `extend Base { optional int32 weight = 100; }`).
//!
//! A message that declares extension ranges (`extensions 100 to 199;`, in Rust
//! `#[grpc(extensions(100..=199))]`) and keeps its unknown fields (`#[grpc(unknown_fields)]`)
//! implements [`Extendable`]. An extension is a typed constant, an [`Extension<M, T>`] naming
//! the extended message `M`, the value's protobuf type `T` (one of the kinds in this module:
//! [`Int32`], [`String`], [`Message<M>`], [`Repeated<K>`]...) and its number; the importer
//! writes one per `extend` field. The extension's bytes travel in the message's unknown
//! fields, exactly as they came off the wire (so a message passes on extensions it has no
//! constant for), and [`Extendable::get_extension`] and [`Extendable::set_extension`] read
//! and write them through the constant's type.
//!
//! ```
//! use grpc_core::extension::{self, Extendable, Extension};
//! use grpc_core::{Message, UnknownFields};
//!
//! #[derive(Message, Clone, PartialEq, Debug)]
//! #[grpc(package = "shop", syntax = "proto2", extensions(100..=199))]
//! pub struct Item {
//!     pub id: Option<u64>,
//!     #[grpc(unknown_fields)]
//!     pub unknown_fields: UnknownFields,
//! }
//!
//! /// `extend Item { optional sint32 weight = 100; repeated string tags = 101; }`
//! pub const WEIGHT: Extension<Item, extension::SInt32> = Extension::new("shop.weight", 100);
//! pub const TAGS: Extension<Item, extension::Repeated<extension::String>> =
//!     Extension::new("shop.tags", 101);
//!
//! let mut item = Item { id: Some(7), unknown_fields: UnknownFields::new() };
//! item.set_extension(&WEIGHT, -3);
//! item.set_extension(&TAGS, vec!["new".to_owned(), "red".to_owned()]);
//!
//! // On the wire the extensions are ordinary fields 100 and 101...
//! let bytes = item.encode_to_vec();
//! assert_eq!(bytes, [0x08, 7, 0xa0, 0x06, 5, 0xaa, 0x06, 3, b'n', b'e', b'w', 0xaa, 0x06, 3, b'r', b'e', b'd']);
//! // ...and a decoded message reads them back.
//! let decoded = Item::decode(&bytes[..]).unwrap();
//! assert_eq!(decoded.get_extension(&WEIGHT).unwrap(), Some(-3));
//! assert_eq!(decoded.get_extension(&TAGS).unwrap(), ["new", "red"]);
//! assert!(decoded.has_extension(&WEIGHT));
//! ```
//!
//! A number outside the message's extension ranges does not compile:
//!
//! ```compile_fail
//! # use grpc_core::extension::{self, Extension};
//! # #[derive(grpc_core::Message, Clone, PartialEq, Debug)]
//! # #[grpc(package = "shop", syntax = "proto2", extensions(100..=199))]
//! # pub struct Item {
//! #     pub id: Option<u64>,
//! #     #[grpc(unknown_fields)]
//! #     pub unknown_fields: grpc_core::UnknownFields,
//! # }
//! pub const WEIGHT: Extension<Item, extension::Int32> = Extension::new("shop.weight", 200);
//! ```
//!
//! Reading follows protobuf's rules: a singular scalar sent more than once is its last value,
//! a message is the merge of every occurrence, and a repeated field accepts packed and unpacked
//! values alike. A value whose wire type or contents do not fit the type is a decode error
//! (the bytes stay as they are). Setting a value replaces every occurrence of the number and
//! puts the new bytes before the first unknown field with a higher number, so extensions set
//! in any order are written in number order, as protoc's C++ writes them; they are still
//! written after the message's known fields.
//!
//! The extension's declaration (its `FieldDescriptorProto`, for descriptors, reflection and
//! `.proto` export) is the file's [`FileSpec::extensions`](crate::descriptor::FileSpec), which
//! the importer also writes.

use std::fmt;
use std::marker::PhantomData;

use prost::encoding::{self, DecodeContext, WireType};
use prost::DecodeError;

use crate::message::{Enumeration, OpenEnum, UnknownFields};

/// A message that extensions can extend: it declares extension ranges and keeps its unknown
/// fields, which hold the extensions' bytes. `#[derive(Message)]` implements it for a message
/// with `#[grpc(extensions(...))]`.
pub trait Extendable: prost::Message + Sized {
    /// The message's extension ranges, inclusive (`extensions 100 to 199;` is `(100, 199)`).
    const EXTENSION_RANGES: &'static [(u32, u32)];

    /// The unknown fields, where the extensions are.
    fn extension_fields(&self) -> &UnknownFields;

    /// The unknown fields, mutably.
    fn extension_fields_mut(&mut self) -> &mut UnknownFields;

    /// The extension's value: `None` (or an empty `Vec` for a repeated one) when the message
    /// does not have it; a decode error when its bytes do not fit its type.
    fn get_extension<T: ExtensionType>(
        &self,
        extension: &Extension<Self, T>,
    ) -> Result<T::Value, DecodeError> {
        T::read(extension.number, self.extension_fields())
    }

    /// Sets the extension, replacing what the message had for its number (`None`, or an
    /// empty `Vec`, clears it).
    fn set_extension<T: ExtensionType>(
        &mut self,
        extension: &Extension<Self, T>,
        value: impl Into<T::Value>,
    ) {
        let number = extension.number;
        let fields = self.extension_fields_mut();
        fields.retain(|field| field.number() != number);
        let mut bytes = Vec::new();
        T::write(number, &value.into(), &mut bytes);
        if bytes.is_empty() {
            return;
        }
        // Our own encoding of a valid value: it always decodes.
        match <UnknownFields as prost::Message>::decode(&bytes[..]) {
            Ok(records) => fields.insert_in_order(number, records),
            Err(error) => tracing::error!(%error, number, "extension value left unset"),
        }
    }

    /// Whether the message has any value for the extension's number.
    fn has_extension<T: ExtensionType>(&self, extension: &Extension<Self, T>) -> bool {
        self.extension_fields()
            .get(extension.number)
            .next()
            .is_some()
    }

    /// Removes the extension.
    fn clear_extension<T: ExtensionType>(&mut self, extension: &Extension<Self, T>) {
        let number = extension.number;
        self.extension_fields_mut()
            .retain(|field| field.number() != number);
    }
}

/// An extension field of message `M` whose values are of kind `T`: its full protobuf name
/// and number. Made as a constant with [`Extension::new`], which checks at compile time that
/// the number is in one of `M`'s extension ranges.
pub struct Extension<M, T> {
    name: &'static str,
    number: u32,
    types: PhantomData<fn() -> (M, T)>,
}

impl<M: Extendable, T: ExtensionType> Extension<M, T> {
    /// The extension named `name` (its full name, `pkg.weight`, or `pkg.Scope.weight` for one
    /// declared inside a message) with field number `number`.
    ///
    /// # Panics
    ///
    /// If `number` is in none of `M`'s extension ranges; in a constant, that is a compile
    /// error.
    pub const fn new(name: &'static str, number: u32) -> Self {
        let ranges = M::EXTENSION_RANGES;
        let mut i = 0;
        let mut found = false;
        while i < ranges.len() {
            if ranges[i].0 <= number && number <= ranges[i].1 {
                found = true;
            }
            i += 1;
        }
        assert!(
            found,
            "the extension's number is in none of the message's extension ranges"
        );
        Extension {
            name,
            number,
            types: PhantomData,
        }
    }
}

impl<M, T> Extension<M, T> {
    /// The full protobuf name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The field number.
    pub const fn number(&self) -> u32 {
        self.number
    }
}

impl<M, T> Clone for Extension<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, T> Copy for Extension<M, T> {}

impl<M, T> fmt::Debug for Extension<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Extension")
            .field("name", &self.name)
            .field("number", &self.number)
            .finish()
    }
}

/// The protobuf type of an extension's values: how they are read from, and written as, the
/// unknown fields numbered like the extension.
pub trait ExtensionType {
    /// The value: `Option<X>` for a singular extension, `Vec<X>` for a repeated one.
    type Value;

    /// Reads the value from the fields numbered `number`.
    fn read(number: u32, fields: &UnknownFields) -> Result<Self::Value, DecodeError>;

    /// Encodes `value` as fields numbered `number` (nothing for `None` or an empty `Vec`).
    fn write(number: u32, value: &Self::Value, buf: &mut Vec<u8>);
}

/// How one value of a kind is encoded: the part [`Repeated`] and [`Packed`] share with the
/// singular kind.
pub trait Codec {
    /// The Rust type of one value.
    type Item: Default;
    /// Encodes one value as field `number`.
    fn encode(number: u32, item: &Self::Item, buf: &mut Vec<u8>);
    /// Merges one encoded value (a singular scalar replaces, a message merges).
    fn merge(
        wire_type: WireType,
        item: &mut Self::Item,
        buf: &mut &[u8],
        ctx: DecodeContext,
    ) -> Result<(), DecodeError>;
    /// Encodes values unpacked, one field each.
    fn encode_repeated(number: u32, items: &[Self::Item], buf: &mut Vec<u8>) {
        for item in items {
            Self::encode(number, item, buf);
        }
    }
    /// Merges one encoded field of a repeated value (packed or not, for scalars).
    fn merge_repeated(
        wire_type: WireType,
        items: &mut Vec<Self::Item>,
        buf: &mut &[u8],
        ctx: DecodeContext,
    ) -> Result<(), DecodeError>;
}

/// A kind whose repeated values can be packed (the numeric scalars, `bool` and enums).
pub trait PackedCodec: Codec {
    /// Encodes values as one packed field.
    fn encode_packed(number: u32, items: &[Self::Item], buf: &mut Vec<u8>);
}

/// The fields numbered `number`, encoded again (as they came, in order).
fn records(number: u32, fields: &UnknownFields) -> Vec<u8> {
    let mut buf = Vec::new();
    for value in fields.get(number) {
        value.encode(number, &mut buf);
    }
    buf
}

/// Calls `merge` on each field in `bytes`, after its key.
fn each_record(
    bytes: &[u8],
    mut merge: impl FnMut(WireType, &mut &[u8], DecodeContext) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    let mut buf = bytes;
    while !buf.is_empty() {
        let (_, wire_type) = encoding::decode_key(&mut buf)?;
        merge(wire_type, &mut buf, DecodeContext::default())?;
    }
    Ok(())
}

fn read_singular<K: Codec>(
    number: u32,
    fields: &UnknownFields,
) -> Result<Option<K::Item>, DecodeError> {
    let bytes = records(number, fields);
    if bytes.is_empty() {
        return Ok(None);
    }
    let mut item = K::Item::default();
    each_record(&bytes, |wire_type, buf, ctx| {
        K::merge(wire_type, &mut item, buf, ctx)
    })?;
    Ok(Some(item))
}

fn read_repeated<K: Codec>(
    number: u32,
    fields: &UnknownFields,
) -> Result<Vec<K::Item>, DecodeError> {
    let mut items = Vec::new();
    each_record(&records(number, fields), |wire_type, buf, ctx| {
        K::merge_repeated(wire_type, &mut items, buf, ctx)
    })?;
    Ok(items)
}

/// A repeated extension of kind `K`, written unpacked (proto2's default), read packed or not.
#[derive(Debug)]
pub struct Repeated<K>(PhantomData<fn() -> K>);

/// A repeated extension of kind `K` declared `[packed = true]`, read packed or not.
#[derive(Debug)]
pub struct Packed<K>(PhantomData<fn() -> K>);

impl<K: Codec> ExtensionType for Repeated<K> {
    type Value = Vec<K::Item>;
    fn read(number: u32, fields: &UnknownFields) -> Result<Self::Value, DecodeError> {
        read_repeated::<K>(number, fields)
    }
    fn write(number: u32, value: &Self::Value, buf: &mut Vec<u8>) {
        K::encode_repeated(number, value, buf);
    }
}

impl<K: PackedCodec> ExtensionType for Packed<K> {
    type Value = Vec<K::Item>;
    fn read(number: u32, fields: &UnknownFields) -> Result<Self::Value, DecodeError> {
        read_repeated::<K>(number, fields)
    }
    fn write(number: u32, value: &Self::Value, buf: &mut Vec<u8>) {
        if !value.is_empty() {
            K::encode_packed(number, value, buf);
        }
    }
}

/// The kinds prost encodes with one module each (`prost::encoding::int32`...).
macro_rules! scalar_kinds {
    ($($(#[$doc:meta])* $kind:ident => $module:ident, $item:ty, $packed:tt;)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $kind;

        impl Codec for $kind {
            type Item = $item;
            fn encode(number: u32, item: &$item, buf: &mut Vec<u8>) {
                encoding::$module::encode(number, item, buf);
            }
            fn merge(
                wire_type: WireType,
                item: &mut $item,
                buf: &mut &[u8],
                ctx: DecodeContext,
            ) -> Result<(), DecodeError> {
                encoding::$module::merge(wire_type, item, buf, ctx)
            }
            fn encode_repeated(number: u32, items: &[$item], buf: &mut Vec<u8>) {
                encoding::$module::encode_repeated(number, items, buf);
            }
            fn merge_repeated(
                wire_type: WireType,
                items: &mut Vec<$item>,
                buf: &mut &[u8],
                ctx: DecodeContext,
            ) -> Result<(), DecodeError> {
                encoding::$module::merge_repeated(wire_type, items, buf, ctx)
            }
        }

        impl ExtensionType for $kind {
            type Value = Option<$item>;
            fn read(number: u32, fields: &UnknownFields) -> Result<Self::Value, DecodeError> {
                read_singular::<$kind>(number, fields)
            }
            fn write(number: u32, value: &Self::Value, buf: &mut Vec<u8>) {
                if let Some(item) = value {
                    <$kind as Codec>::encode(number, item, buf);
                }
            }
        }

        scalar_kinds!(@packed $packed $kind $module $item);
    )*};
    (@packed packed $kind:ident $module:ident $item:ty) => {
        impl PackedCodec for $kind {
            fn encode_packed(number: u32, items: &[$item], buf: &mut Vec<u8>) {
                encoding::$module::encode_packed(number, items, buf);
            }
        }
    };
    (@packed unpacked $kind:ident $module:ident $item:ty) => {};
}

scalar_kinds! {
    /// `int32`.
    Int32 => int32, i32, packed;
    /// `int64`.
    Int64 => int64, i64, packed;
    /// `uint32`.
    UInt32 => uint32, u32, packed;
    /// `uint64`.
    UInt64 => uint64, u64, packed;
    /// `sint32` (zig-zag).
    SInt32 => sint32, i32, packed;
    /// `sint64` (zig-zag).
    SInt64 => sint64, i64, packed;
    /// `fixed32`.
    Fixed32 => fixed32, u32, packed;
    /// `fixed64`.
    Fixed64 => fixed64, u64, packed;
    /// `sfixed32`.
    SFixed32 => sfixed32, i32, packed;
    /// `sfixed64`.
    SFixed64 => sfixed64, i64, packed;
    /// `float`.
    Float => float, f32, packed;
    /// `double`.
    Double => double, f64, packed;
    /// `bool`.
    Bool => bool, bool, packed;
    /// `string`.
    String => string, std::string::String, unpacked;
    /// `bytes`.
    Bytes => bytes, Vec<u8>, unpacked;
}

/// A message-typed extension (`optional Detail detail = 102;`).
#[derive(Debug)]
pub struct Message<M>(PhantomData<fn() -> M>);

impl<M: prost::Message + Default> Codec for Message<M> {
    type Item = M;
    fn encode(number: u32, item: &M, buf: &mut Vec<u8>) {
        encoding::message::encode(number, item, buf);
    }
    fn merge(
        wire_type: WireType,
        item: &mut M,
        buf: &mut &[u8],
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        encoding::message::merge(wire_type, item, buf, ctx)
    }
    fn merge_repeated(
        wire_type: WireType,
        items: &mut Vec<M>,
        buf: &mut &[u8],
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        encoding::message::merge_repeated(wire_type, items, buf, ctx)
    }
}

impl<M: prost::Message + Default> ExtensionType for Message<M> {
    type Value = Option<M>;
    fn read(number: u32, fields: &UnknownFields) -> Result<Self::Value, DecodeError> {
        read_singular::<Self>(number, fields)
    }
    fn write(number: u32, value: &Self::Value, buf: &mut Vec<u8>) {
        if let Some(item) = value {
            <Self as Codec>::encode(number, item, buf);
        }
    }
}

/// An enum-typed extension: values are [`OpenEnum<E>`], so a number `E` lacks is kept.
#[derive(Debug)]
pub struct Enum<E>(PhantomData<fn() -> E>);

impl<E: Enumeration> Codec for Enum<E> {
    type Item = OpenEnum<E>;
    fn encode(number: u32, item: &OpenEnum<E>, buf: &mut Vec<u8>) {
        encoding::int32::encode(number, &item.number(), buf);
    }
    fn merge(
        wire_type: WireType,
        item: &mut OpenEnum<E>,
        buf: &mut &[u8],
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let mut value = 0;
        encoding::int32::merge(wire_type, &mut value, buf, ctx)?;
        *item = OpenEnum::from_number(value);
        Ok(())
    }
    fn merge_repeated(
        wire_type: WireType,
        items: &mut Vec<OpenEnum<E>>,
        buf: &mut &[u8],
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let mut values = Vec::new();
        encoding::int32::merge_repeated(wire_type, &mut values, buf, ctx)?;
        items.extend(values.into_iter().map(OpenEnum::from_number));
        Ok(())
    }
}

impl<E: Enumeration> PackedCodec for Enum<E> {
    fn encode_packed(number: u32, items: &[OpenEnum<E>], buf: &mut Vec<u8>) {
        let values: Vec<i32> = items.iter().map(|item| item.number()).collect();
        encoding::int32::encode_packed(number, &values, buf);
    }
}

impl<E: Enumeration> ExtensionType for Enum<E> {
    type Value = Option<OpenEnum<E>>;
    fn read(number: u32, fields: &UnknownFields) -> Result<Self::Value, DecodeError> {
        read_singular::<Self>(number, fields)
    }
    fn write(number: u32, value: &Self::Value, buf: &mut Vec<u8>) {
        if let Some(item) = value {
            <Self as Codec>::encode(number, item, buf);
        }
    }
}
