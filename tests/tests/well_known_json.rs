//! The well-known types in JSON, the way the CLI and dynamic calls (`grpc_proto_import::dynamic`)
//! see them: a code-first message holding every kind of well-known type is described by our
//! own descriptors (what reflection serves), its bytes are read as a dynamic message and written
//! as JSON in the protobuf JSON mapping (wrappers as bare values, 64-bit integers as strings,
//! `Timestamp` in RFC 3339, `Duration` as seconds, `FieldMask` as one string, `Struct` as an
//! object, `NullValue` as `null`), and that JSON comes back to the same Rust value.

use grpc_core::descriptor::Describe;
use grpc_core::well_known::{
    self, value, BoolValue, BytesValue, DoubleValue, Duration, FieldMask, FloatValue, Int32Value,
    Int64Value, NullValue, SourceContext, StringValue, Struct, Timestamp, UInt32Value, UInt64Value,
    Value,
};
use grpc_core::{Message, OpenEnum};
use prost_reflect::{DescriptorPool, DynamicMessage};
use serde_json::json;

#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "wkt_json")]
struct Everything {
    double: Option<DoubleValue>,
    float: Option<FloatValue>,
    int64: Option<Int64Value>,
    uint64: Option<UInt64Value>,
    int32: Option<Int32Value>,
    uint32: Option<UInt32Value>,
    boolean: Option<BoolValue>,
    string: Option<StringValue>,
    bytes: Option<BytesValue>,
    empty_int64: Option<Int64Value>,
    at: Option<Timestamp>,
    took: Option<Duration>,
    mask: Option<FieldMask>,
    object: Option<Struct>,
    nothing: OpenEnum<NullValue>,
    context: Option<SourceContext>,
    syntax: OpenEnum<well_known::Syntax>,
    method: Option<well_known::Method>,
}

fn sample() -> Everything {
    Everything {
        double: Some(1.5.into()),
        float: Some(0.25.into()),
        int64: Some((-7_000_000_000i64).into()),
        uint64: Some(18_000_000_000_000_000_000u64.into()),
        int32: Some((-5).into()),
        uint32: Some(5.into()),
        boolean: Some(true.into()),
        string: Some("héllo".to_owned().into()),
        bytes: Some(vec![0xff, 0, 1].into()),
        empty_int64: Some(Int64Value::default()),
        at: Some(Timestamp {
            seconds: 1_700_000_000,
            nanos: 500_000_000,
        }),
        took: Some(Duration {
            seconds: 3,
            nanos: 1_000,
        }),
        mask: Some(FieldMask {
            paths: vec!["a.b_c".to_owned(), "d".to_owned()],
        }),
        object: Some(Struct {
            fields: [(
                "k".to_owned(),
                Value {
                    kind: Some(value::Kind::ListValue(well_known::ListValue {
                        values: vec![Value {
                            kind: Some(value::Kind::NullValue(0)),
                        }],
                    })),
                },
            )]
            .into(),
        }),
        nothing: NullValue::NullValue.into(),
        context: Some(SourceContext {
            file_name: "x.proto".to_owned(),
        }),
        syntax: well_known::Syntax::Proto3.into(),
        method: Some(well_known::Method {
            name: "Get".to_owned(),
            response_streaming: true,
            ..Default::default()
        }),
    }
}

#[test]
fn well_known_types_map_to_canonical_json_and_back() {
    let pool = DescriptorPool::from_file_descriptor_set(Everything::file_descriptor_set())
        .expect("our descriptors make a pool");
    let descriptor = pool
        .get_message_by_name("wkt_json.Everything")
        .expect("message in pool");
    let value = sample();
    let dynamic =
        DynamicMessage::decode(descriptor.clone(), &value.encode_to_vec()[..]).expect("decode");
    let json = grpc_proto_import::dynamic::to_json(&dynamic).expect("to JSON");
    assert_eq!(
        json,
        json!({
            "double": 1.5,
            "float": 0.25,
            "int64": "-7000000000",
            "uint64": "18000000000000000000",
            "int32": -5,
            "uint32": 5,
            "boolean": true,
            "string": "héllo",
            "bytes": "/wAB",
            "emptyInt64": "0",
            "at": "2023-11-14T22:13:20.500Z",
            "took": "3.000001s",
            "mask": "a.bC,d",
            "object": {"k": [null]},
            "context": {"fileName": "x.proto"},
            "syntax": "SYNTAX_PROTO3",
            "method": {"name": "Get", "responseStreaming": true},
        })
    );
    let back = grpc_proto_import::dynamic::from_json(&descriptor, json).expect("from JSON");
    let decoded = Everything::decode(&back.encode_to_vec()[..]).expect("decode ours");
    assert_eq!(decoded, value);
}
