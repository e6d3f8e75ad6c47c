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
//!
//! To pass on what a newer version of the schema adds, a message declares an [`UnknownFields`]
//! field (marked `#[grpc(unknown_fields)]`), which keeps the fields the message does not
//! declare, and its enum fields are [`OpenEnum<E>`], which keeps the numbers `E` does not have:
//! a decode and re-encode then gives back the same bytes, as protoc-generated code does.

use std::fmt;
use std::hash::{Hash, Hasher};

use prost::bytes::{Buf, BufMut, Bytes};
use prost::encoding::{self, DecodeContext};
use prost::DecodeError;

pub use prost::encoding::WireType;

use crate::descriptor::{Cardinality, Describe, MessageBuilder, NamedKind, Registry, TypeKind};

/// A protobuf enum: made by `#[derive(Enumeration)]`.
///
/// A field of the enum's own type maps a number this side does not know to the zero variant
/// (and so re-encodes it as zero, or not at all). A field of type [`OpenEnum<E>`] keeps the
/// number instead.
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
    /// Every value's protobuf name and number, in declaration order (the derive fills it in);
    /// a proto2 `#[grpc(default = "NAME")]` on a field of this type is checked against it at
    /// compile time, and the field's accessor applies it.
    ///
    /// ```
    /// #[derive(grpc_core::Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
    /// #[grpc(package = "doc")]
    /// pub enum Level { Low = 0, High = 1 }
    ///
    /// #[derive(grpc_core::Message, Clone, PartialEq, Debug)]
    /// #[grpc(package = "doc", syntax = "proto2")]
    /// pub struct Knob {
    ///     #[grpc(default = "LEVEL_HIGH")]
    ///     pub level: Option<Level>,
    /// }
    ///
    /// use grpc_core::Enumeration as _;
    /// assert_eq!(Level::VALUES, &[("LEVEL_LOW", 0), ("LEVEL_HIGH", 1)]);
    /// assert_eq!(Knob::default().level(), Level::High);
    /// ```
    ///
    /// A name the enum does not have does not compile:
    ///
    /// ```compile_fail
    /// # #[derive(grpc_core::Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
    /// # #[grpc(package = "doc")]
    /// # pub enum Level { Low = 0, High = 1 }
    /// #[derive(grpc_core::Message, Clone, PartialEq, Debug)]
    /// #[grpc(package = "doc", syntax = "proto2")]
    /// pub struct Knob {
    ///     #[grpc(default = "LEVEL_LOUD")]
    ///     pub level: Option<Level>,
    /// }
    /// ```
    const VALUES: &'static [(&'static str, i32)] = &[];
}

// The message-checked entry points of the descriptor builders, which generated code calls. They
// live here so that the descriptor module does not depend on this one.
impl crate::descriptor::FieldType {
    /// A named message or enum type; registers it (and what it refers to) in `registry`.
    pub fn named<T: NamedField>(registry: &mut Registry) -> crate::descriptor::FieldType {
        crate::descriptor::FieldType::named_described::<T>(registry)
    }
}

impl MessageBuilder {
    /// Lists the entry message of the map field numbered `number` after the nested message
    /// `T` (`#[grpc(declared_after = "...")]`), as protoc lists the entry of a map field
    /// declared after that message; registers `T`.
    pub fn map_declared_after<T: MessageType>(&mut self, registry: &mut Registry, number: u32) {
        T::register(registry);
        self.entry_after(number, T::full_name());
    }
}

impl crate::descriptor::ServiceBuilder {
    /// Adds a method; registers its request and response types.
    pub fn method<Req: MessageType, Resp: MessageType>(
        &mut self,
        registry: &mut Registry,
        name: &str,
        shape: crate::descriptor::MethodShape,
    ) {
        self.add_method::<Req, Resp>(registry, name, shape);
    }
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
    /// A repeated field with `packed = false` (proto2's default): one record per value. Messages
    /// are never packed, so by default the same as [`encode_repeated`](Self::encode_repeated);
    /// enums, packed there, write each value on its own.
    fn encode_repeated_unpacked(tag: u32, values: &[Self], buf: &mut impl BufMut) {
        Self::encode_repeated(tag, values, buf)
    }
    /// The length [`encode_repeated_unpacked`](Self::encode_repeated_unpacked) writes.
    fn encoded_len_repeated_unpacked(tag: u32, values: &[Self]) -> usize {
        Self::encoded_len_repeated(tag, values)
    }
    /// As a map value: always written when the entry is.
    fn encode_value(tag: u32, value: &Self, buf: &mut impl BufMut);
    fn merge_value(
        wire_type: WireType,
        value: &mut Self,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError>;
    fn encoded_len_value(tag: u32, value: &Self) -> usize;
    /// The full name of a proto2 `required` field missing in this value or in a message it
    /// holds (messages only; enums have none).
    fn missing_required(&self) -> Option<String> {
        None
    }
}

/// The proto2 `required` fields of a message: checked after a message is decoded. Generated;
/// not public API.
#[doc(hidden)]
pub trait RequiredFields {
    /// The full name of the first `required` field that is unset, here or in a held message.
    fn missing_required(&self) -> Option<String>;
}

impl<T: RequiredFields> RequiredFields for Box<T> {
    fn missing_required(&self) -> Option<String> {
        (**self).missing_required()
    }
}

/// The decode error for a missing `required` field. Generated code calls this.
#[doc(hidden)]
pub fn missing_required_error(field: String) -> DecodeError {
    #[allow(deprecated)] // prost has no other way to make an error with a message
    DecodeError::new(format!("missing required field `{field}`"))
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

/// The fields of a message that its Rust definition does not declare, kept so that a decode and
/// re-encode loses nothing.
///
/// Declare one in a message with `#[grpc(unknown_fields)]` (it takes no field number and is
/// not part of the descriptor). Decoding then records every field whose number the message
/// does not know, in arrival order, and encoding writes them back after the known fields (as
/// protoc's C++ does). A service built from an older schema thus passes on, byte for byte,
/// what newer peers sent it. Without such a field, unknown fields are skipped.
///
/// ```
/// use grpc_core::{Message, UnknownFields};
/// use grpc_core::message::UnknownValue;
///
/// // Version 2 of a message, as a peer sends it...
/// #[derive(Message, Clone, PartialEq, Debug)]
/// pub struct PointV2 { pub x: i32, pub y: i32, pub label: String }
///
/// // ...decoded by version 1, which only knows `x`.
/// #[derive(Message, Clone, PartialEq, Debug)]
/// pub struct Point {
///     pub x: i32,
///     #[grpc(unknown_fields)]
///     pub unknown: UnknownFields,
/// }
///
/// let v2 = PointV2 { x: 1, y: -2, label: "here".into() };
/// let bytes = v2.encode_to_vec();
/// let point = Point::decode(&bytes[..]).unwrap();
/// assert_eq!(point.x, 1);
/// assert_eq!(point.unknown.len(), 2);
/// let y: Vec<_> = point.unknown.get(2).collect();
/// assert_eq!(y, [&UnknownValue::Varint(-2i64 as u64)]);
/// assert_eq!(point.encode_to_vec(), bytes); // nothing lost
/// ```
///
/// `UnknownFields` is itself a [`prost::Message`]: decoding any message's bytes into it lists
/// all of its fields, and encoding it writes them back.
///
/// Values are stored decoded (a varint as its `u64`), so the bytes come back exactly as every
/// protobuf encoder writes them; a varint padded with redundant continuation bytes, which no
/// encoder produces, comes back in its shortest form (as protoc's C++ and Java runtimes do).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct UnknownFields {
    fields: Vec<UnknownField>,
}

/// One field recorded in [`UnknownFields`]: its number and its value.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct UnknownField {
    number: u32,
    value: UnknownValue,
}

/// The value of an unknown field, by wire type.
///
/// The wire type says how to read the bytes, not which protobuf type wrote them: a `Varint` is
/// an `int32`, `int64`, `uint32`, `uint64`, `sint32`/`sint64` (zig-zag), `bool` or enum value;
/// `LengthDelimited` is a string, bytes, a message or a packed repeated field.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum UnknownValue {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1: `fixed64`, `sfixed64` or `double` (as its bits).
    Fixed64(u64),
    /// Wire type 2: the contents, without the length prefix.
    LengthDelimited(Bytes),
    /// Wire types 3 and 4 (proto2 groups): the fields between the start and end markers.
    Group(UnknownFields),
    /// Wire type 5: `fixed32`, `sfixed32` or `float` (as its bits).
    Fixed32(u32),
}

impl UnknownValue {
    /// The wire type this value is encoded with.
    pub fn wire_type(&self) -> WireType {
        match self {
            UnknownValue::Varint(_) => WireType::Varint,
            UnknownValue::Fixed64(_) => WireType::SixtyFourBit,
            UnknownValue::LengthDelimited(_) => WireType::LengthDelimited,
            UnknownValue::Group(_) => WireType::StartGroup,
            UnknownValue::Fixed32(_) => WireType::ThirtyTwoBit,
        }
    }

    pub(crate) fn encode(&self, number: u32, buf: &mut impl BufMut) {
        match self {
            UnknownValue::Varint(value) => encoding::uint64::encode(number, value, buf),
            UnknownValue::Fixed64(value) => encoding::fixed64::encode(number, value, buf),
            UnknownValue::LengthDelimited(value) => encoding::bytes::encode(number, value, buf),
            UnknownValue::Group(fields) => encoding::group::encode(number, fields, buf),
            UnknownValue::Fixed32(value) => encoding::fixed32::encode(number, value, buf),
        }
    }

    fn encoded_len(&self, number: u32) -> usize {
        match self {
            UnknownValue::Varint(value) => encoding::uint64::encoded_len(number, value),
            UnknownValue::Fixed64(value) => encoding::fixed64::encoded_len(number, value),
            UnknownValue::LengthDelimited(value) => encoding::bytes::encoded_len(number, value),
            UnknownValue::Group(fields) => encoding::group::encoded_len(number, fields),
            UnknownValue::Fixed32(value) => encoding::fixed32::encoded_len(number, value),
        }
    }
}

/// The largest field number protobuf allows.
const MAX_FIELD_NUMBER: u32 = (1 << 29) - 1;

impl UnknownField {
    /// A field with this number and value.
    ///
    /// # Panics
    ///
    /// If `number` is not a valid field number (1 to 2^29 - 1).
    pub fn new(number: u32, value: UnknownValue) -> UnknownField {
        assert!(
            (1..=MAX_FIELD_NUMBER).contains(&number),
            "field number {number} is out of range (1 to {MAX_FIELD_NUMBER})"
        );
        UnknownField { number, value }
    }

    /// The field number.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The value.
    pub fn value(&self) -> &UnknownValue {
        &self.value
    }

    /// The value, by value.
    pub fn into_value(self) -> UnknownValue {
        self.value
    }
}

impl UnknownFields {
    /// No fields.
    pub fn new() -> UnknownFields {
        UnknownFields::default()
    }

    /// How many fields are recorded (a repeated field counts once per value or packed run).
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether no fields are recorded.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The fields, in arrival order.
    pub fn iter(&self) -> std::slice::Iter<'_, UnknownField> {
        self.fields.iter()
    }

    /// The values recorded for field `number`, in arrival order: several for a repeated field,
    /// or a singular one sent more than once.
    pub fn get(&self, number: u32) -> impl Iterator<Item = &UnknownValue> + '_ {
        self.fields
            .iter()
            .filter(move |field| field.number == number)
            .map(|field| &field.value)
    }

    /// Appends a field; it is encoded after the ones already recorded.
    ///
    /// # Panics
    ///
    /// If `number` is not a valid field number (1 to 2^29 - 1).
    pub fn push(&mut self, number: u32, value: UnknownValue) {
        self.fields.push(UnknownField::new(number, value));
    }

    /// Keeps only the fields for which `keep` returns true.
    pub fn retain(&mut self, keep: impl FnMut(&UnknownField) -> bool) {
        self.fields.retain(keep);
    }

    /// Removes every field.
    pub fn clear(&mut self) {
        self.fields.clear();
    }

    /// Inserts `fields` before the first recorded field numbered above `number` (at the end if
    /// there is none), so that fields kept in number order stay so.
    pub(crate) fn insert_in_order(&mut self, number: u32, fields: UnknownFields) {
        let at = self
            .fields
            .iter()
            .position(|field| field.number > number)
            .unwrap_or(self.fields.len());
        self.fields.splice(at..at, fields.fields);
    }
}

impl fmt::Debug for UnknownFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.fields).finish()
    }
}

impl<'a> IntoIterator for &'a UnknownFields {
    type Item = &'a UnknownField;
    type IntoIter = std::slice::Iter<'a, UnknownField>;
    fn into_iter(self) -> Self::IntoIter {
        self.fields.iter()
    }
}

impl IntoIterator for UnknownFields {
    type Item = UnknownField;
    type IntoIter = std::vec::IntoIter<UnknownField>;
    fn into_iter(self) -> Self::IntoIter {
        self.fields.into_iter()
    }
}

impl FromIterator<UnknownField> for UnknownFields {
    fn from_iter<I: IntoIterator<Item = UnknownField>>(iter: I) -> Self {
        UnknownFields {
            fields: iter.into_iter().collect(),
        }
    }
}

impl Extend<UnknownField> for UnknownFields {
    fn extend<I: IntoIterator<Item = UnknownField>>(&mut self, iter: I) {
        self.fields.extend(iter);
    }
}

/// Every field is unknown to `UnknownFields`: merging records it, encoding writes the records.
/// This is also what a message's `#[grpc(unknown_fields)]` field does with the fields the
/// message does not declare.
impl prost::Message for UnknownFields {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        for field in &self.fields {
            field.value.encode(field.number, buf);
        }
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let value = match wire_type {
            WireType::Varint => {
                let mut value = 0;
                encoding::uint64::merge(wire_type, &mut value, buf, ctx)?;
                UnknownValue::Varint(value)
            }
            WireType::SixtyFourBit => {
                let mut value = 0;
                encoding::fixed64::merge(wire_type, &mut value, buf, ctx)?;
                UnknownValue::Fixed64(value)
            }
            WireType::LengthDelimited => {
                let mut value = Bytes::new();
                encoding::bytes::merge(wire_type, &mut value, buf, ctx)?;
                UnknownValue::LengthDelimited(value)
            }
            WireType::StartGroup => {
                // Checks the recursion limit and that the end marker has the same number.
                let mut fields = UnknownFields::new();
                encoding::group::merge(tag, wire_type, &mut fields, buf, ctx)?;
                UnknownValue::Group(fields)
            }
            WireType::ThirtyTwoBit => {
                let mut value = 0;
                encoding::fixed32::merge(wire_type, &mut value, buf, ctx)?;
                UnknownValue::Fixed32(value)
            }
            // An end marker outside a group: prost's own "unexpected end group tag" error.
            WireType::EndGroup => return encoding::skip_field(wire_type, tag, buf, ctx),
        };
        self.fields.push(UnknownField { number: tag, value });
        Ok(())
    }

    fn encoded_len(&self) -> usize {
        self.fields
            .iter()
            .map(|field| field.value.encoded_len(field.number))
            .sum()
    }

    fn clear(&mut self) {
        self.fields.clear();
    }
}

/// A field of enum type `E` that keeps numbers `E` does not have: [`OpenEnum::Known`] holds a
/// variant, [`OpenEnum::Unknown`] any other number, which re-encodes unchanged.
///
/// Use it wherever an enum goes (`OpenEnum<E>`, `Option<OpenEnum<E>>`, `Vec<OpenEnum<E>>`, a
/// map value, a oneof variant); the descriptor is `E`'s. This is how protoc's C++, Java, Go and
/// Python code treat proto3 enums; a field of type `E` itself maps an unknown number to `E`'s
/// default instead. Values compare, hash and order by number.
///
/// ```
/// use grpc_core::{Enumeration, Message, OpenEnum};
///
/// #[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
/// pub enum Color { Unspecified = 0, Red = 1 }
///
/// #[derive(Message, Clone, PartialEq, Debug)]
/// pub struct Paint { pub color: OpenEnum<Color>, pub palette: Vec<OpenEnum<Color>> }
///
/// // A newer peer sends `color: 7` (a value added after this code was written), and [1, 7].
/// let bytes = [0x08, 0x07, 0x12, 0x02, 0x01, 0x07];
/// let paint = Paint::decode(&bytes[..]).unwrap();
/// assert_eq!(paint.color, OpenEnum::Unknown(7));
/// assert_eq!(paint.color.known(), None);
/// assert_eq!(paint.palette, [OpenEnum::Known(Color::Red), OpenEnum::Unknown(7)]);
/// assert_eq!(paint.palette[0], Color::Red);
/// assert_eq!(paint.encode_to_vec(), bytes);
///
/// let red: OpenEnum<Color> = Color::Red.into();
/// assert_eq!(red.number(), 1);
/// assert_eq!(OpenEnum::<Color>::from_number(1), red);
/// ```
#[derive(Clone, Copy, Debug)]
pub enum OpenEnum<E> {
    /// A number that is one of `E`'s variants.
    Known(E),
    /// A number that is not (yet) one of `E`'s variants.
    Unknown(i32),
}

impl<E: Enumeration> OpenEnum<E> {
    /// The variant with this number if `E` has one, else `Unknown(number)`.
    pub fn from_number(number: i32) -> OpenEnum<E> {
        match E::from_i32(number) {
            Some(known) => OpenEnum::Known(known),
            None => OpenEnum::Unknown(number),
        }
    }

    /// The number, known or not.
    pub fn number(self) -> i32 {
        match self {
            OpenEnum::Known(known) => known.to_i32(),
            OpenEnum::Unknown(number) => number,
        }
    }

    /// The variant, if the number is one of `E`'s (also for an `Unknown` holding such a
    /// number).
    pub fn known(self) -> Option<E> {
        match self {
            OpenEnum::Known(known) => Some(known),
            OpenEnum::Unknown(number) => E::from_i32(number),
        }
    }

    /// Whether the number is one of `E`'s.
    pub fn is_known(self) -> bool {
        self.known().is_some()
    }
}

impl<E: Enumeration> Default for OpenEnum<E> {
    fn default() -> Self {
        OpenEnum::Known(E::default())
    }
}

impl<E: Enumeration> From<E> for OpenEnum<E> {
    fn from(known: E) -> Self {
        OpenEnum::Known(known)
    }
}

impl<E: Enumeration> From<OpenEnum<E>> for i32 {
    fn from(value: OpenEnum<E>) -> i32 {
        value.number()
    }
}

impl<E: Enumeration> PartialEq for OpenEnum<E> {
    fn eq(&self, other: &Self) -> bool {
        self.number() == other.number()
    }
}

impl<E: Enumeration> Eq for OpenEnum<E> {}

impl<E: Enumeration> PartialEq<E> for OpenEnum<E> {
    fn eq(&self, other: &E) -> bool {
        self.number() == other.to_i32()
    }
}

impl<E: Enumeration> Hash for OpenEnum<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.number().hash(state);
    }
}

impl<E: Enumeration> PartialOrd for OpenEnum<E> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<E: Enumeration> Ord for OpenEnum<E> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.number().cmp(&other.number())
    }
}

/// An open enum is an enum whose every number is a value. (Not suggested in diagnostics: a
/// type that is not an enum is not fixed by wrapping it.)
#[diagnostic::do_not_recommend]
impl<E: Enumeration> Enumeration for OpenEnum<E> {
    fn to_i32(self) -> i32 {
        self.number()
    }
    fn from_i32(value: i32) -> Option<Self> {
        Some(OpenEnum::from_number(value))
    }
    const VALUES: &'static [(&'static str, i32)] = E::VALUES;
}

/// Describes as `E`.
impl<E: Enumeration + Describe> Describe for OpenEnum<E> {
    fn register(registry: &mut Registry) {
        E::register(registry)
    }
    fn file_name() -> &'static str {
        E::file_name()
    }
    fn full_name() -> String {
        E::full_name()
    }
}

impl<E: Enumeration> NamedKind for OpenEnum<E> {
    const KIND: TypeKind = TypeKind::Enum;
}

crate::__impl_enum_field!(impl [E] OpenEnum<E> [where E: Enumeration + Describe]);

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
    pub fn encode_repeated_unpacked<E: Enumeration>(tag: u32, values: &[E], buf: &mut impl BufMut) {
        encoding::int32::encode_repeated(tag, &raw_values(values), buf);
    }
    pub fn encoded_len_repeated_unpacked<E: Enumeration>(tag: u32, values: &[E]) -> usize {
        encoding::int32::encoded_len_repeated(tag, &raw_values(values))
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
    ($(#[$attr:meta])* impl [$($generics:tt)*] $ty:ty [where $($bounds:tt)*]) => {
        $(#[$attr])*
        impl<$($generics)*> $crate::__private::NamedField for $ty where $($bounds)* {
            const OPTION_CARDINALITY: $crate::__private::Cardinality =
                $crate::__private::Cardinality::Singular;
            fn missing_required(&self) -> ::core::option::Option<$crate::__private::String> {
                $crate::__private::RequiredFields::missing_required(self)
            }
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
    (#[$attr:meta] $ty:ty) => {
        $crate::__impl_message_field!(#[$attr] impl [] $ty [where]);
    };
    ($ty:ty) => {
        $crate::__impl_message_field!(impl [] $ty [where]);
    };
}

/// Implements [`NamedField`] for an enum type by delegating to [`enum_field`].
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_enum_field {
    ($(#[$attr:meta])* impl [$($generics:tt)*] $ty:ty [where $($bounds:tt)*]) => {
        $(#[$attr])*
        impl<$($generics)*> $crate::__private::NamedField for $ty where $($bounds)* {
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
            fn encode_repeated_unpacked(
                tag: u32,
                values: &[Self],
                buf: &mut impl $crate::__private::BufMut,
            ) {
                $crate::__private::enum_field::encode_repeated_unpacked(tag, values, buf)
            }
            fn encoded_len_repeated_unpacked(tag: u32, values: &[Self]) -> usize {
                $crate::__private::enum_field::encoded_len_repeated_unpacked(tag, values)
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
    (#[$attr:meta] $ty:ty) => {
        $crate::__impl_enum_field!(#[$attr] impl [] $ty [where]);
    };
    ($ty:ty) => {
        $crate::__impl_enum_field!(impl [] $ty [where]);
    };
}
