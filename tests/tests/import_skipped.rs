//! What `--skip-unsupported` leaves out of `tests/protos/skipped.proto` (a group field) is not
//! lost on the wire: the generated struct keeps
//! those fields' bytes in its unknown fields and re-encodes them. The messages here are built
//! with prost-reflect from the `.proto` file itself, so they are what a peer generated from the
//! full schema sends.

use grpc_core::Message;
use grpc_tests::imported::skipped::{file_descriptor_set, Holder};
use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor, Value};

fn holder_descriptor() -> MessageDescriptor {
    let root = grpc_tests::python::workspace_root().join("tests/protos");
    let set = protox::compile(["skipped.proto"], [root]).expect("parse skipped.proto");
    DescriptorPool::from_file_descriptor_set(set)
        .expect("pool")
        .get_message_by_name("skipped.Holder")
        .expect("skipped.Holder")
}

/// `Holder` with the fields the generated struct has (1, 6, 7).
fn known_fields(descriptor: &MessageDescriptor) -> DynamicMessage {
    let mut message = DynamicMessage::new(descriptor.clone());
    message.set_field_by_name("id", Value::I32(7));
    message.set_field_by_name("secret", Value::String("hunter2".into()));
    message.set_field_by_name("name", Value::String("seven".into()));
    message
}

/// `Holder` with the field the generated struct leaves out (2).
fn left_out_fields(descriptor: &MessageDescriptor) -> DynamicMessage {
    let mut message = DynamicMessage::new(descriptor.clone());
    let item = descriptor
        .get_field_by_name("item")
        .expect("item")
        .kind()
        .as_message()
        .expect("a group is a message")
        .clone();
    let mut group = DynamicMessage::new(item);
    group.set_field_by_name("x", Value::I32(-5));
    message.set_field_by_name("item", Value::Message(group));
    message
}

#[test]
fn fields_left_out_survive_a_round_trip_byte_for_byte() {
    let descriptor = holder_descriptor();
    // The order a peer that knows fields 1, 6 and 7 only writes them in: its known fields,
    // then what it kept as unknown.
    let mut bytes = known_fields(&descriptor).encode_to_vec();
    bytes.extend(left_out_fields(&descriptor).encode_to_vec());

    let holder = Holder::decode(bytes.as_slice()).expect("decode");
    assert_eq!(holder.id, Some(7));
    assert_eq!(holder.secret.as_deref(), Some("hunter2"));
    assert_eq!(holder.name.as_deref(), Some("seven"));
    let unknown: Vec<u32> = holder.unknown_fields.iter().map(|f| f.number()).collect();
    assert_eq!(unknown, [2]);
    assert_eq!(holder.encode_to_vec(), bytes);
}

#[test]
fn fields_left_out_survive_in_any_order() {
    // protoc's order (by field number) interleaves the fields left out with the others: the
    // re-encoded message puts them last, and is the same message.
    let descriptor = holder_descriptor();
    let mut full = known_fields(&descriptor);
    for (field, value) in left_out_fields(&descriptor).fields() {
        full.set_field(&field, value.clone());
    }
    let holder = Holder::decode(full.encode_to_vec().as_slice()).expect("decode");
    let again = DynamicMessage::decode(descriptor, holder.encode_to_vec().as_slice())
        .expect("decode the re-encoded bytes");
    assert_eq!(again, full);
}

#[test]
fn the_descriptors_lack_what_was_left_out() {
    let set = file_descriptor_set();
    let file = set
        .file
        .iter()
        .find(|f| f.name() == "skipped.proto")
        .expect("skipped.proto");
    let holder = &file.message_type[0];
    let numbers: Vec<i32> = holder.field.iter().map(|f| f.number()).collect();
    assert_eq!(numbers, [1, 6, 7]);
    assert!(holder.extension_range[0].options.is_none());
    assert!(holder.field[1].options.is_none(), "debug_redact left out");
    let color = &file.enum_type[0];
    let values: Vec<&str> = color.value.iter().map(|v| v.name()).collect();
    assert_eq!(values, ["COLOR_UNSPECIFIED", "COLOR_RED"]);
    assert!(color.options.is_none(), "allow_alias left out");
}
