//! Message decoding: arbitrary bytes decoded as descriptors, the well-known types, unknown
//! fields, and a `#[derive(grpc_core::Message)]` struct with every field kind; whatever decodes
//! must re-encode and decode to the same value.

#![no_main]

use std::collections::{BTreeMap, HashMap};

use grpc_core::fuzzing;
use grpc_core::well_known::{Any, Duration, FieldMask, ListValue, Struct, Timestamp, Value};
use grpc_core::{Enumeration, Message, Oneof, OpenEnum, UnknownFields};
use libfuzzer_sys::fuzz_target;

#[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
#[grpc(package = "fuzz")]
pub enum Color {
    Unspecified = 0,
    Red = 1,
    Green = 2,
    Blue = 3,
}

#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "fuzz")]
pub struct Inner {
    pub label: String,
    pub value: i32,
    #[grpc(unknown_fields)]
    pub unknown: UnknownFields,
}

/// Recursive, so the recursion limit is exercised.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "fuzz")]
pub struct Tree {
    pub name: String,
    pub children: Vec<Tree>,
    pub parent: Option<Box<Tree>>,
}

#[derive(Oneof, Clone, PartialEq, Debug)]
pub enum Choice {
    #[grpc(tag = 40)]
    ChoiceS(String),
    #[grpc(tag = 41)]
    ChoiceInner(Inner),
    #[grpc(tag = 42)]
    ChoiceI(i64),
    #[grpc(tag = 43)]
    ChoiceColor(OpenEnum<Color>),
    #[grpc(tag = 44, encoding = "sfixed32")]
    ChoiceSfx(i32),
}

/// Every field kind (as `tests/src/wiretest.rs`), plus open enums and unknown fields.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "fuzz")]
pub struct Everything {
    pub s: String,
    pub b: Vec<u8>,
    pub flag: bool,
    pub i32: i32,
    pub i64: i64,
    pub u32: u32,
    pub u64: u64,
    pub f32: f32,
    pub f64: f64,
    #[grpc(encoding = "sint32")]
    pub s32: i32,
    #[grpc(encoding = "sint64")]
    pub s64: i64,
    #[grpc(encoding = "fixed32")]
    pub fx32: u32,
    #[grpc(encoding = "fixed64")]
    pub fx64: u64,
    #[grpc(encoding = "sfixed32")]
    pub sfx32: i32,
    #[grpc(encoding = "sfixed64")]
    pub sfx64: i64,
    pub inner: Option<Inner>,
    pub opt_i32: Option<i32>,
    pub opt_s: Option<String>,
    pub rep_i32: Vec<i32>,
    pub rep_s: Vec<String>,
    pub rep_inner: Vec<Inner>,
    pub rep_f64: Vec<f64>,
    #[grpc(encoding = "sint64")]
    pub rep_s64: Vec<i64>,
    pub map_si: BTreeMap<String, i32>,
    pub map_inner: BTreeMap<i64, Inner>,
    pub color: Color,
    pub colors: Vec<Color>,
    pub tree: Option<Tree>,
    pub ts: Option<Timestamp>,
    pub dur: Option<Duration>,
    pub empty: Option<()>,
    pub any: Option<Any>,
    pub st: Option<Struct>,
    pub mask: Option<FieldMask>,
    pub bb: bytes::Bytes,
    pub opt_color: Option<Color>,
    pub opt_zero: Option<i64>,
    pub zero: i32,
    #[grpc(oneof)]
    pub choice: Option<Choice>,
    #[grpc(tag = 50)]
    pub open: OpenEnum<Color>,
    pub opens: Vec<OpenEnum<Color>>,
    pub opt_open: Option<OpenEnum<Color>>,
    pub map_open: BTreeMap<u32, OpenEnum<Color>>,
    pub rep_bool: Vec<bool>,
    #[grpc(encoding = "fixed32")]
    pub rep_fx32: Vec<u32>,
    pub rep_bytes: Vec<Vec<u8>>,
    pub values: Vec<Value>,
    pub list: Option<ListValue>,
    #[grpc(tag = 100)]
    pub far: i32,
    #[grpc(tag = 536_870_911)]
    pub max_tag: u64,
    #[grpc(unknown_fields)]
    pub unknown: UnknownFields,
}

/// A `HashMap` field: encodes in iteration order, so compared by value only.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "fuzz")]
pub struct Hashed {
    pub map: HashMap<String, Inner>,
    pub ints: HashMap<i32, OpenEnum<Color>>,
    #[grpc(encoding = "sint64")]
    pub zigzag: i64,
}

fuzz_target!(|data: &[u8]| {
    fuzzing::message(data);
    fuzzing::roundtrip::<Everything>(data, true);
    fuzzing::roundtrip::<Tree>(data, true);
    fuzzing::roundtrip::<Hashed>(data, false);
});
