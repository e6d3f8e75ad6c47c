//! Round trips lose nothing: bytes carrying fields a message does not declare, and enum numbers
//! an enum does not have, decode into `#[grpc(unknown_fields)] UnknownFields` and `OpenEnum<E>`
//! and re-encode to exactly the same bytes (unknown fields after the known ones, as protoc's C++
//! writes them). Plain enum fields and messages without the opt-in keep their old behaviour.
//!
//! The inputs are built with prost's wire primitives, field by field, so each test says what is
//! on the wire.

use std::collections::BTreeMap;

use grpc_core::message::{UnknownField, UnknownValue, WireType};
use grpc_core::{Enumeration, Message, Oneof, OpenEnum, UnknownFields};
use prost::encoding::{encode_key, encode_varint};

/// Version 1 of a small schema: what the tests decode with.
mod v1 {
    use super::*;

    #[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
    #[grpc(package = "lossless.test")]
    pub(crate) enum Mood {
        Unspecified = 0,
        Happy = 1,
        Sad = 2,
    }

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "lossless.test")]
    pub(crate) struct Inner {
        pub note: String,
        #[grpc(unknown_fields)]
        pub unknown: UnknownFields,
    }

    #[derive(Oneof, Clone, PartialEq, Debug)]
    pub(crate) enum Choice {
        #[grpc(tag = 20)]
        Text(String),
        #[grpc(tag = 21)]
        ChoiceMood(OpenEnum<Mood>),
    }

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "lossless.test")]
    pub(crate) struct Outer {
        pub id: i32,
        pub inner: Option<Inner>,
        pub inners: Vec<Inner>,
        pub by_key: BTreeMap<i32, Inner>,
        pub mood: OpenEnum<Mood>,
        pub moods: Vec<OpenEnum<Mood>>,
        pub maybe_mood: Option<OpenEnum<Mood>>,
        pub mood_by_key: BTreeMap<String, OpenEnum<Mood>>,
        #[grpc(oneof)]
        pub choice: Option<Choice>,
        #[grpc(unknown_fields)]
        pub unknown: UnknownFields,
    }

    /// The same fields without the opt-in: plain enums, no unknown-fields field.
    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "lossless.test")]
    pub(crate) struct Closed {
        pub id: i32,
        #[grpc(tag = 5)]
        pub mood: Mood,
        pub moods: Vec<Mood>,
        pub maybe_mood: Option<Mood>,
        pub mood_by_key: BTreeMap<String, Mood>,
    }
}

use v1::{Choice, Closed, Inner, Mood, Outer};

/// Builds wire bytes one field at a time.
#[derive(Default)]
struct Wire(Vec<u8>);

impl Wire {
    fn varint(mut self, number: u32, value: u64) -> Self {
        encode_key(number, WireType::Varint, &mut self.0);
        encode_varint(value, &mut self.0);
        self
    }
    fn fixed64(mut self, number: u32, value: u64) -> Self {
        encode_key(number, WireType::SixtyFourBit, &mut self.0);
        self.0.extend(value.to_le_bytes());
        self
    }
    fn fixed32(mut self, number: u32, value: u32) -> Self {
        encode_key(number, WireType::ThirtyTwoBit, &mut self.0);
        self.0.extend(value.to_le_bytes());
        self
    }
    fn bytes(mut self, number: u32, value: &[u8]) -> Self {
        encode_key(number, WireType::LengthDelimited, &mut self.0);
        encode_varint(value.len() as u64, &mut self.0);
        self.0.extend(value);
        self
    }
    fn message(self, number: u32, value: Wire) -> Self {
        self.bytes(number, &value.0)
    }
    fn group(mut self, number: u32, fields: Wire) -> Self {
        encode_key(number, WireType::StartGroup, &mut self.0);
        self.0.extend(fields.0);
        encode_key(number, WireType::EndGroup, &mut self.0);
        self
    }
    /// A packed run of varints.
    fn packed(self, number: u32, values: &[i64]) -> Self {
        let mut run = Vec::new();
        for value in values {
            encode_varint(*value as u64, &mut run);
        }
        self.bytes(number, &run)
    }
    fn done(self) -> Vec<u8> {
        self.0
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes `bytes` as `M`, checks the re-encoding is `expected` byte for byte (and that
/// `encoded_len` agrees), and returns the decoded value.
#[track_caller]
fn reencode<M: Message + Default>(bytes: &[u8], expected: &[u8]) -> M {
    let value = M::decode(bytes).expect("decode");
    let out = value.encode_to_vec();
    assert_eq!(hex(&out), hex(expected), "re-encoding of {}", hex(bytes));
    assert_eq!(value.encoded_len(), out.len(), "encoded_len");
    value
}

#[track_caller]
fn round_trip<M: Message + Default>(bytes: &[u8]) -> M {
    reencode(bytes, bytes)
}

/// Fields 30 to 35 (Outer declares 1 to 8 and 20, 21), one of each wire type, with a group
/// holding every wire type again and a group inside it.
fn every_wire_type() -> Wire {
    let group = Wire::default()
        .varint(1, 7)
        .fixed64(2, 8)
        .bytes(3, b"in a group")
        .fixed32(4, 9)
        .group(5, Wire::default().varint(1, 1));
    Wire::default()
        .varint(30, 150)
        .varint(31, u64::MAX)
        .fixed64(32, 0x0102_0304_0506_0708)
        .bytes(33, b"new string")
        .group(34, group)
        .fixed32(35, 0xdead_beef)
}

#[test]
fn unknown_fields_of_every_wire_type_survive() {
    let mut bytes = Wire::default().varint(1, 5).done();
    bytes.extend(every_wire_type().done());
    let outer: Outer = round_trip(&bytes);
    assert_eq!(outer.id, 5);
    let numbers: Vec<u32> = outer.unknown.iter().map(UnknownField::number).collect();
    assert_eq!(numbers, [30, 31, 32, 33, 34, 35]);
    let values: Vec<&UnknownValue> = outer.unknown.iter().map(UnknownField::value).collect();
    assert_eq!(values[0], &UnknownValue::Varint(150));
    assert_eq!(values[1], &UnknownValue::Varint(u64::MAX));
    assert_eq!(values[2], &UnknownValue::Fixed64(0x0102_0304_0506_0708));
    assert_eq!(
        values[3],
        &UnknownValue::LengthDelimited("new string".into())
    );
    assert_eq!(values[5], &UnknownValue::Fixed32(0xdead_beef));
    let UnknownValue::Group(group) = values[4] else {
        panic!("field 34 is a group: {values:?}");
    };
    assert_eq!(group.len(), 5);
    assert_eq!(
        group.get(5).collect::<Vec<_>>(),
        [&UnknownValue::Group(
            [UnknownField::new(1, UnknownValue::Varint(1))]
                .into_iter()
                .collect()
        )]
    );
    assert_eq!(values[4].wire_type(), WireType::StartGroup);
}

#[test]
fn unknown_fields_are_written_after_the_known_ones_in_arrival_order() {
    // Unknown 33 arrives first, then known 1, unknown 30, known 2 (a message), unknown 31.
    let inner = || Wire::default().bytes(1, b"n");
    let bytes = Wire::default()
        .bytes(33, b"a")
        .varint(1, 5)
        .varint(30, 1)
        .message(2, inner())
        .fixed32(31, 2)
        .done();
    let expected = Wire::default()
        .varint(1, 5)
        .message(2, inner())
        .bytes(33, b"a")
        .varint(30, 1)
        .fixed32(31, 2)
        .done();
    let outer: Outer = reencode(&bytes, &expected);
    // Reordered bytes, same message: decoding the output gives the same value.
    assert_eq!(Outer::decode(&expected[..]).unwrap(), outer);
}

#[test]
fn nested_messages_keep_their_own_unknown_fields() {
    let inner = |note: &[u8], extra: u64| {
        Wire::default()
            .bytes(1, note)
            .varint(2, extra)
            .fixed64(3, extra)
            .message(4, Wire::default().bytes(1, b"deeper").varint(9, 1))
    };
    let bytes = Wire::default()
        .varint(1, 1)
        .message(2, inner(b"single", 10))
        .message(3, inner(b"first", 11))
        .message(3, inner(b"second", 12))
        .message(
            4,
            Wire::default()
                .varint(1, 7)
                .message(2, inner(b"mapped", 13)),
        )
        .message(40, inner(b"a whole unknown message", 14))
        .done();
    let outer: Outer = round_trip(&bytes);
    let single = outer.inner.as_ref().expect("inner");
    assert_eq!(single.note, "single");
    let numbers: Vec<u32> = single.unknown.iter().map(UnknownField::number).collect();
    assert_eq!(numbers, [2, 3, 4]);
    assert_eq!(
        outer.inners[1].unknown.get(2).next(),
        Some(&UnknownValue::Varint(12))
    );
    assert_eq!(
        outer.by_key[&7].unknown.get(3).next(),
        Some(&UnknownValue::Fixed64(13))
    );
    // An unknown message-typed field is kept as its bytes; they decode as the message.
    let Some(UnknownValue::LengthDelimited(raw)) = outer.unknown.get(40).next() else {
        panic!("field 40: {:?}", outer.unknown);
    };
    let whole = Inner::decode(&raw[..]).unwrap();
    assert_eq!(whole.note, "a whole unknown message");
    assert_eq!(whole.unknown.len(), 3);
}

#[test]
fn unknown_enum_numbers_survive_in_every_position() {
    // Mood has 0, 1, 2. Sent: 7, -3 (a 10-byte varint) and i32::MAX.
    let bytes = Wire::default()
        .varint(5, 7)
        .packed(6, &[1, 7, -3, 2, i32::MAX as i64])
        .varint(7, 7)
        .message(8, Wire::default().bytes(1, b"k").varint(2, 9))
        .varint(21, (-3i64) as u64)
        .done();
    let outer: Outer = round_trip(&bytes);
    assert_eq!(outer.mood, OpenEnum::Unknown(7));
    assert_eq!(outer.mood.known(), None);
    assert_eq!(
        outer.moods,
        [
            OpenEnum::Known(Mood::Happy),
            OpenEnum::Unknown(7),
            OpenEnum::Unknown(-3),
            OpenEnum::Known(Mood::Sad),
            OpenEnum::Unknown(i32::MAX),
        ]
    );
    assert_eq!(outer.maybe_mood, Some(OpenEnum::Unknown(7)));
    assert_eq!(outer.mood_by_key["k"], OpenEnum::Unknown(9));
    assert_eq!(
        outer.choice,
        Some(Choice::ChoiceMood(OpenEnum::Unknown(-3)))
    );
    assert!(
        outer.unknown.is_empty(),
        "enum numbers stay in their fields"
    );
}

#[test]
fn unpacked_enum_numbers_are_kept_and_written_packed() {
    // proto3 repeated enums are packed, but parsers accept them unpacked: protoc-generated
    // code then writes them packed too.
    let bytes = Wire::default()
        .varint(6, 1)
        .varint(6, 7)
        .varint(6, (-3i64) as u64)
        .done();
    let expected = Wire::default().packed(6, &[1, 7, -3]).done();
    let outer: Outer = reencode(&bytes, &expected);
    assert_eq!(
        outer.moods,
        [
            OpenEnum::Known(Mood::Happy),
            OpenEnum::Unknown(7),
            OpenEnum::Unknown(-3)
        ]
    );
}

#[test]
fn plain_enum_fields_and_messages_without_the_opt_in_behave_as_before() {
    let bytes = Wire::default()
        .varint(1, 1)
        .varint(5, 7)
        .packed(6, &[1, 7])
        .varint(7, 7)
        .message(8, Wire::default().bytes(1, b"k").varint(2, 9))
        .varint(30, 5)
        .done();
    let closed = Closed::decode(&bytes[..]).unwrap();
    assert_eq!(closed.mood, Mood::Unspecified);
    assert_eq!(closed.moods, [Mood::Happy, Mood::Unspecified]);
    assert_eq!(closed.maybe_mood, Some(Mood::Unspecified));
    assert_eq!(closed.mood_by_key["k"], Mood::Unspecified);
    // Unknown numbers became zero, and field 30 was skipped.
    let expected = Wire::default()
        .varint(1, 1)
        .packed(6, &[1, 0])
        .varint(7, 0)
        .message(8, Wire::default().bytes(1, b"k"))
        .done();
    assert_eq!(hex(&closed.encode_to_vec()), hex(&expected));
}

#[test]
fn imported_types_keep_unknown_fields_and_enum_numbers() {
    use grpc_tests::imported::wiretest::{Color, Everything, Inner};
    // The importer's wiretest.Everything (checked-in output): color = 26, colors = 27,
    // opt_color = 36, inner = 16; 200 and up are unknown to it.
    let bytes = Wire::default()
        .message(
            16,
            Wire::default().bytes(1, b"label").bytes(9, b"new in inner"),
        )
        .varint(26, 9)
        .packed(27, &[1, 9])
        .varint(36, 0)
        .varint(200, 1)
        .bytes(201, b"new")
        .done();
    let everything: Everything = round_trip(&bytes);
    assert_eq!(everything.color, OpenEnum::Unknown(9));
    assert_eq!(
        everything.colors,
        [OpenEnum::Known(Color::Red), OpenEnum::Unknown(9)]
    );
    assert_eq!(everything.opt_color, Some(Color::Unspecified.into()));
    assert_eq!(everything.unknown_fields.len(), 2);
    let inner: &Inner = everything.inner.as_ref().unwrap();
    assert_eq!(inner.unknown_fields.len(), 1);
}

#[test]
fn unknown_fields_is_a_message_of_its_own() {
    // Any message's bytes decode into `UnknownFields`, which lists every field.
    let bytes = every_wire_type().done();
    let all = UnknownFields::decode(&bytes[..]).unwrap();
    assert_eq!(all.len(), 6);
    assert_eq!(hex(&all.encode_to_vec()), hex(&bytes));
    assert_eq!(all.encoded_len(), bytes.len());

    // Built by hand, it encodes like the fields it holds.
    let mut built = UnknownFields::new();
    built.push(1, UnknownValue::Varint(5));
    built.push(2, UnknownValue::LengthDelimited("x".into()));
    built.extend([UnknownField::new(3, UnknownValue::Fixed32(1))]);
    let expected = Wire::default()
        .varint(1, 5)
        .bytes(2, b"x")
        .fixed32(3, 1)
        .done();
    assert_eq!(built.encode_to_vec(), expected);
    built.retain(|field| field.number() != 2);
    assert_eq!(built.len(), 2);
    built.clear();
    assert!(built.is_empty());
}

#[test]
fn merging_appends_unknown_fields_and_clear_removes_them() {
    let first = Wire::default().varint(30, 1).done();
    let second = Wire::default().varint(30, 2).bytes(31, b"b").done();
    let mut outer = Outer::decode(&first[..]).unwrap();
    outer.merge(&second[..]).unwrap();
    let thirty: Vec<_> = outer.unknown.get(30).collect();
    assert_eq!(thirty, [&UnknownValue::Varint(1), &UnknownValue::Varint(2)]);
    let mut both = first.clone();
    both.extend(&second);
    assert_eq!(outer.encode_to_vec(), both);
    outer.clear();
    assert_eq!(outer, Outer::default());
    assert!(outer.encode_to_vec().is_empty());
}

#[test]
fn a_padded_varint_comes_back_in_its_shortest_form() {
    // No encoder writes 0x81 0x00 for 1, but parsers accept it; like protoc's C++ and Java
    // runtimes, the value is kept and written canonically.
    let mut bytes = Vec::new();
    encode_key(30, WireType::Varint, &mut bytes);
    bytes.extend([0x81, 0x00]);
    let expected = Wire::default().varint(30, 1).done();
    let outer: Outer = reencode(&bytes, &expected);
    assert_eq!(outer.unknown.get(30).next(), Some(&UnknownValue::Varint(1)));
}

#[test]
fn malformed_unknown_fields_are_errors_not_panics() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated varint", vec![0xf0, 0x01, 0x80]),
        ("truncated fixed64", vec![0xf1, 0x01, 1, 2, 3]),
        ("truncated fixed32", vec![0xf5, 0x01, 1]),
        ("length past the end", vec![0xf2, 0x01, 5, b'a']),
        ("group without its end", vec![0xf3, 0x01, 0x08, 0x01]),
        // Start group 30, end group 31.
        ("mismatched end group", vec![0xf3, 0x01, 0xfc, 0x01]),
        ("stray end group", vec![0xf4, 0x01]),
    ];
    for (what, bytes) in cases {
        assert!(
            Outer::decode(&bytes[..]).is_err(),
            "{what}: {}",
            hex(&bytes)
        );
        assert!(UnknownFields::decode(&bytes[..]).is_err(), "{what} (bare)");
    }
    // Groups nested past prost's recursion limit are an error, not a stack overflow.
    let mut deep = Wire::default();
    for _ in 0..200 {
        deep = Wire::default().group(30, deep);
    }
    let deep = deep.done();
    assert!(Outer::decode(&deep[..]).is_err(), "nesting limit");
    // Well within the limit is fine.
    let mut shallow = Wire::default().varint(1, 1);
    for _ in 0..50 {
        shallow = Wire::default().group(30, shallow);
    }
    round_trip::<Outer>(&shallow.done());
}

#[test]
fn open_enum_values_compare_by_number() {
    let known: OpenEnum<Mood> = Mood::Sad.into();
    assert_eq!(known, OpenEnum::Unknown(2), "the same number");
    assert_eq!(known, Mood::Sad);
    assert_eq!(OpenEnum::<Mood>::Unknown(2).known(), Some(Mood::Sad));
    assert_eq!(OpenEnum::<Mood>::from_number(2), OpenEnum::Known(Mood::Sad));
    assert_eq!(OpenEnum::<Mood>::from_number(9), OpenEnum::Unknown(9));
    assert!(!OpenEnum::<Mood>::Unknown(9).is_known());
    assert_eq!(i32::from(OpenEnum::<Mood>::Unknown(9)), 9);
    assert_eq!(OpenEnum::<Mood>::default(), Mood::Unspecified);
    let mut sorted = vec![
        OpenEnum::Unknown(9),
        Mood::Happy.into(),
        OpenEnum::Unknown(-1),
    ];
    sorted.sort();
    assert_eq!(
        sorted,
        [
            OpenEnum::Unknown(-1),
            OpenEnum::Known(Mood::Happy),
            OpenEnum::Unknown(9)
        ]
    );
}

#[test]
fn descriptors_are_the_plain_enum_s_and_omit_the_unknown_fields() {
    use grpc_core::descriptor::Describe;
    let open = Outer::proto_source();
    for needle in [
        ".lossless.test.Mood mood = 5;",
        "repeated .lossless.test.Mood moods = 6;",
        "optional .lossless.test.Mood maybe_mood = 7;",
        "map<string, .lossless.test.Mood> mood_by_key = 8;",
        ".lossless.test.Mood choice_mood = 21;",
    ] {
        assert!(open.contains(needle), "{needle:?} in:\n{open}");
    }
    assert!(!open.contains("unknown"), "{open}");
    let inner = Outer::file_descriptor()
        .message_type
        .into_iter()
        .find(|m| m.name() == "Inner")
        .unwrap();
    assert_eq!(inner.field.len(), 1, "only `note`: {inner:?}");
}
