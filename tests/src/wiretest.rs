//! `wiretest.Everything`: a message using every field kind, code-first. Its twin is
//! `tests/python/protos/wiretest.proto`; the wire-encoding test compares the bytes both make.

use std::collections::BTreeMap;

use grpc_core::{Enumeration, Message, Oneof};
use prost_types::{value::Kind, Any, Duration, FieldMask, ListValue, Struct, Timestamp, Value};

/// An enum field's type.
#[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
#[grpc(package = "wiretest", reserved(-2, 10..=20, 100..=max, "COLOR_PURPLE"))]
pub enum Color {
    /// Default.
    Unspecified = 0,
    /// Red.
    Red = 1,
    /// Green.
    Green = 2,
    /// Blue.
    Blue = 3,
}

/// A nested message.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "wiretest")]
#[grpc(reserved(3, 5..8, 1000..=max), reserved("old_label", "old_value"))]
pub struct Inner {
    /// A string.
    pub label: String,
    /// A number.
    pub value: i32,
}

/// A recursive message.
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "wiretest")]
pub struct Tree {
    /// The node's name.
    pub name: String,
    /// Repeated recursion.
    pub children: Vec<Tree>,
    /// Singular recursion, boxed.
    pub parent: Option<Box<Tree>>,
}

/// A oneof.
#[derive(Oneof, Clone, PartialEq, Debug)]
pub enum Choice {
    /// A string member.
    #[grpc(tag = 40)]
    ChoiceS(String),
    /// A message member.
    #[grpc(tag = 41)]
    ChoiceInner(Inner),
    /// An integer member.
    #[grpc(tag = 42)]
    ChoiceI(i64),
}

/// Every field kind.
#[allow(missing_docs)]
#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "wiretest")]
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
    #[grpc(tag = 100)]
    pub far: i32,
}

fn value(kind: Kind) -> Value {
    Value { kind: Some(kind) }
}

fn leaf(name: &str) -> Tree {
    Tree {
        name: name.into(),
        children: Vec::new(),
        parent: None,
    }
}

/// The reference value; `tests/python/wire_encoding.py` builds the same one.
pub fn reference() -> Everything {
    let inner = |label: &str, value: i32| Inner {
        label: label.into(),
        value,
    };
    Everything {
        s: "h\u{e9}llo \u{2713}".into(),
        b: (0..10).collect(),
        flag: true,
        i32: -42,
        i64: -9_000_000_000,
        u32: 4_000_000_000,
        u64: 18_000_000_000_000_000_000,
        f32: 1.5,
        f64: -2.25,
        s32: -7,
        s64: -9_000_000_000,
        fx32: 123_456,
        fx64: 1_234_567_890_123,
        sfx32: -123_456,
        sfx64: -1_234_567_890_123,
        inner: Some(inner("in", 7)),
        opt_i32: Some(0),
        opt_s: Some(String::new()),
        rep_i32: vec![1, -2, 300_000],
        rep_s: vec!["a".into(), String::new(), "c".into()],
        rep_inner: vec![inner("x", 1), Inner::default()],
        rep_f64: vec![0.5, -1.0],
        rep_s64: vec![-1, 1, -300],
        map_si: [("one".to_owned(), 1), ("two".to_owned(), 2)].into(),
        map_inner: [(5, inner("five", 5)), (-3, inner("neg", -3))].into(),
        color: Color::Green,
        colors: vec![Color::Red, Color::Blue, Color::Unspecified],
        tree: Some(Tree {
            name: "root".into(),
            children: vec![
                leaf("a"),
                Tree {
                    name: "b".into(),
                    children: vec![leaf("b1")],
                    parent: None,
                },
            ],
            parent: Some(Box::new(leaf("up"))),
        }),
        ts: Some(Timestamp {
            seconds: 1_700_000_000,
            nanos: 5,
        }),
        dur: Some(Duration {
            seconds: -3,
            nanos: -500,
        }),
        empty: Some(()),
        any: Some(Any {
            type_url: "type.googleapis.com/wiretest.Inner".into(),
            value: grpc_core::Message::encode_to_vec(&inner("any", 9)),
        }),
        st: Some(Struct {
            fields: [
                ("n".to_owned(), value(Kind::NumberValue(1.5))),
                ("s".to_owned(), value(Kind::StringValue("x".into()))),
                ("b".to_owned(), value(Kind::BoolValue(true))),
                ("z".to_owned(), value(Kind::NullValue(0))),
                (
                    "l".to_owned(),
                    value(Kind::ListValue(ListValue {
                        values: vec![
                            value(Kind::NumberValue(1.0)),
                            value(Kind::StringValue("y".into())),
                        ],
                    })),
                ),
                (
                    "o".to_owned(),
                    value(Kind::StructValue(Struct {
                        fields: [("k".to_owned(), value(Kind::StringValue("v".into())))].into(),
                    })),
                ),
            ]
            .into(),
        }),
        mask: Some(FieldMask {
            paths: vec!["a.b".into(), "c".into()],
        }),
        bb: bytes::Bytes::from_static(b"\xff\x00\xfe"),
        opt_color: Some(Color::Unspecified),
        opt_zero: None,
        zero: 0,
        choice: Some(Choice::ChoiceInner(inner("chosen", 3))),
        far: 77,
    }
}
