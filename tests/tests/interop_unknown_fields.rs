//! Round trips lose nothing, against a real peer: a Rust echo service built from version 1 of
//! the `lossless` schema (code-first, with `#[grpc(unknown_fields)]` and `OpenEnum`) is called
//! by a grpcio client speaking version 2 (`tests/python/protos/lossless_v2.proto`: new fields of
//! every wire type, a new enum value, unknown fields inside nested messages, a new oneof
//! member). The client (`tests/python/unknown_fields_client.py`) checks that each reply is
//! byte for byte its request; this test checks what the v1 server saw.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use grpc_core::message::{UnknownField, UnknownValue};
use grpc_core::{Enumeration, Message, Oneof, OpenEnum, Status, UnknownFields};
use grpc_tests::python;
use grpc_tests::servers::TestServer;

/// Version 1 of the schema: `lossless_v2.proto` without everything marked "v2" there.
mod v1 {
    use super::*;

    #[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
    #[grpc(package = "lossless")]
    pub(crate) enum Mood {
        Unspecified = 0,
        Happy = 1,
        Sad = 2,
    }

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "lossless")]
    pub(crate) struct Detail {
        pub(crate) note: String,
        pub(crate) mood: OpenEnum<Mood>,
        #[grpc(unknown_fields)]
        pub(crate) unknown: UnknownFields,
    }

    #[derive(Oneof, Clone, PartialEq, Debug)]
    pub(crate) enum Choice {
        #[grpc(tag = 8)]
        Text(String),
        #[grpc(tag = 9)]
        ChoiceMood(OpenEnum<Mood>),
    }

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "lossless")]
    pub(crate) struct Record {
        pub(crate) name: String,
        pub(crate) mood: OpenEnum<Mood>,
        pub(crate) moods: Vec<OpenEnum<Mood>>,
        pub(crate) mood_by_key: BTreeMap<String, OpenEnum<Mood>>,
        pub(crate) maybe_mood: Option<OpenEnum<Mood>>,
        pub(crate) detail: Option<Detail>,
        pub(crate) details: Vec<Detail>,
        #[grpc(oneof)]
        pub(crate) choice: Option<Choice>,
        #[grpc(unknown_fields)]
        pub(crate) unknown: UnknownFields,
    }

    #[grpc_core::service(package = "lossless")]
    pub(crate) trait Echo: Send + Sync + 'static {
        /// Replies with the request.
        async fn echo(&self, record: Record) -> Result<Record, Status>;
    }
}

use v1::{Choice, Detail, EchoServer, Mood, Record};

/// Echoes, and keeps what it received.
#[derive(Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<Record>>>,
}

impl v1::Echo for Recorder {
    async fn echo(&self, record: Record) -> Result<Record, Status> {
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(record.clone());
        Ok(record)
    }
}

fn numbers(unknown: &UnknownFields) -> Vec<u32> {
    unknown.iter().map(UnknownField::number).collect()
}

fn values(unknown: &UnknownFields) -> Vec<&UnknownValue> {
    unknown.iter().map(UnknownField::value).collect()
}

fn bytes(value: &UnknownValue) -> &[u8] {
    match value {
        UnknownValue::LengthDelimited(bytes) => bytes,
        other => panic!("not length-delimited: {other:?}"),
    }
}

fn zigzag(value: i32) -> u64 {
    ((value << 1) ^ (value >> 31)) as u32 as u64
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

#[tokio::test]
async fn grpcio_client_on_schema_v2_gets_its_exact_bytes_back_from_a_v1_server() {
    let recorder = Recorder::default();
    let seen = recorder.seen.clone();
    let server = TestServer::with(EchoServer::new(recorder)).await;
    let addr = format!("127.0.0.1:{}", server.port);
    let output = python::run("unknown_fields_client.py", &["--addr", &addr]).await;
    python::assert_success(
        "unknown_fields_client.py against the v1 echo server",
        &output,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    for name in ["full", "new oneof member", "only v2 fields", "empty"] {
        assert!(
            stdout.contains(&format!("ok echo {name} (")),
            "{name} echoed byte for byte:\n{stdout}"
        );
        assert!(
            stdout.contains(&format!("ok echo {name} parses back")),
            "{stdout}"
        );
    }

    // The same bytes, decoded and re-encoded here without the network in between.
    let sent: Vec<Vec<u8>> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("REQUEST "))
        .map(|rest| unhex(rest.rsplit(' ').next().unwrap_or_default()))
        .collect();
    assert_eq!(sent.len(), 4, "{stdout}");
    for bytes in &sent {
        let record = Record::decode(&bytes[..]).expect("v1 decodes v2");
        assert_eq!(&record.encode_to_vec(), bytes);
    }

    // What the v1 server saw: v2's additions as unknown fields and unknown enum numbers.
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 4);
    let full = &seen[0];
    assert_eq!(full.name, "full");
    assert_eq!(
        full.mood,
        OpenEnum::Unknown(3),
        "MOOD_ECSTATIC is new in v2"
    );
    assert_eq!(
        full.moods,
        [
            OpenEnum::Known(Mood::Happy),
            OpenEnum::Unknown(3),
            OpenEnum::Unknown(42),
            OpenEnum::Unknown(-7),
            OpenEnum::Known(Mood::Sad),
        ]
    );
    assert_eq!(
        full.mood_by_key,
        BTreeMap::from([
            ("happy".to_owned(), OpenEnum::Known(Mood::Happy)),
            ("unknown".to_owned(), OpenEnum::Unknown(42)),
            ("z-ecstatic".to_owned(), OpenEnum::Unknown(3)),
        ])
    );
    assert_eq!(full.maybe_mood, Some(OpenEnum::Unknown(3)));
    assert_eq!(full.choice, Some(Choice::ChoiceMood(OpenEnum::Unknown(42))));

    let detail = full.detail.as_ref().expect("detail");
    assert_eq!(
        (detail.note.as_str(), detail.mood),
        ("detail", OpenEnum::Unknown(3))
    );
    assert_eq!(numbers(&detail.unknown), [3, 4, 5, 6, 7]);
    let extra = values(&detail.unknown);
    assert_eq!(
        extra[0],
        &UnknownValue::Varint(-5i64 as u64),
        "int64 weight"
    );
    assert_eq!(extra[1], &UnknownValue::Fixed32(7), "fixed32 code");
    assert_eq!(
        extra[2],
        &UnknownValue::Fixed64(0.25f64.to_bits()),
        "double ratio"
    );
    assert_eq!(bytes(extra[3]), b"\x00\xff", "bytes blob");
    let inner = Detail::decode(bytes(extra[4])).expect("Detail inner");
    assert_eq!(inner.note, "deep");
    assert_eq!(values(&inner.unknown), [&UnknownValue::Varint(9)]);

    assert_eq!(full.details.len(), 2);
    assert_eq!(full.details[0].mood, Mood::Sad);
    assert_eq!(numbers(&full.details[0].unknown), [3]);
    assert_eq!(full.details[1].mood, OpenEnum::Unknown(42));
    assert_eq!(
        values(&full.details[1].unknown),
        [&UnknownValue::Fixed32(1)]
    );

    assert_eq!(
        numbers(&full.unknown),
        [10, 11, 12, 13, 14, 15, 16, 17],
        "every field v2 added"
    );
    let added = values(&full.unknown);
    assert_eq!(
        added[0],
        &UnknownValue::Varint((1 << 63) + 1),
        "uint64 count"
    );
    assert_eq!(
        added[1],
        &UnknownValue::Fixed64(-123i64 as u64),
        "sfixed64 stamp"
    );
    assert_eq!(
        added[2],
        &UnknownValue::Fixed32(1.5f32.to_bits()),
        "float score"
    );
    assert_eq!(bytes(added[3]), b"added in v2", "string comment");
    assert_eq!(
        bytes(added[4]),
        [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0xac, 0x02],
        "packed int32 numbers [1, -1, 300]"
    );
    let extra = Detail::decode(bytes(added[5])).expect("Detail extra");
    assert_eq!(
        (extra.note.as_str(), extra.mood),
        ("extra", OpenEnum::Unknown(3))
    );
    assert_eq!(added[6], &UnknownValue::Varint(zigzag(-3)), "sint32 delta");
    assert_eq!(added[7], &UnknownValue::Fixed64(u64::MAX), "fixed64 big");

    let new_member = &seen[1];
    assert_eq!(new_member.choice, None, "choice_new is not a v1 member");
    assert_eq!(
        values(&new_member.unknown),
        [
            &UnknownValue::LengthDelimited("c".into()),
            &UnknownValue::Varint(77)
        ]
    );
    assert_eq!(numbers(&new_member.unknown), [13, 18]);

    let only_new = &seen[2];
    assert_eq!(
        Record {
            unknown: UnknownFields::new(),
            ..only_new.clone()
        },
        Record::default(),
        "nothing v1 knows"
    );
    assert_eq!(numbers(&only_new.unknown), [10, 15]);

    assert_eq!(seen[3], Record::default());
}
