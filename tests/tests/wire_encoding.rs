//! Byte-identical encoding: the code-first `wiretest.Everything` and Python protobuf's class
//! generated from `tests/python/protos/wiretest.proto` produce the same bytes for the same
//! value, and each decodes the other's bytes to that value.

use grpc_core::Message;
use grpc_tests::python;
use grpc_tests::wiretest::{reference, Everything};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn rust_and_python_encode_every_field_kind_identically() {
    let dir = std::env::temp_dir().join(format!("grpc-core-wire-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let from_rust = dir.join("rust.bin");
    let from_python = dir.join("python.bin");

    let rust_bytes = reference().encode_to_vec();
    std::fs::write(&from_rust, &rust_bytes).unwrap();

    // Python -> bytes.
    let output = python::run(
        "wire_encoding.py",
        &["encode", from_python.to_str().unwrap()],
    )
    .await;
    python::assert_success("wire_encoding.py encode", &output);
    let python_bytes = std::fs::read(&from_python).unwrap();

    if rust_bytes != python_bytes {
        let first = rust_bytes
            .iter()
            .zip(&python_bytes)
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "encodings differ at byte {first} (rust {} bytes, python {} bytes)\nrust:   {}\npython: {}",
            rust_bytes.len(),
            python_bytes.len(),
            hex(&rust_bytes[first..(first + 48).min(rust_bytes.len())]),
            hex(&python_bytes[first..(first + 48).min(python_bytes.len())]),
        );
    }

    // Python decodes Rust's bytes to the reference value.
    let output = python::run("wire_encoding.py", &["check", from_rust.to_str().unwrap()]).await;
    python::assert_success("wire_encoding.py check", &output);

    // Rust decodes Python's bytes to the reference value.
    assert_eq!(Everything::decode(&python_bytes[..]).unwrap(), reference());
}

#[test]
fn decode_of_encode_is_identity_and_lengths_agree() {
    let value = reference();
    let bytes = value.encode_to_vec();
    assert_eq!(bytes.len(), value.encoded_len());
    assert_eq!(Everything::decode(&bytes[..]).unwrap(), value);
    assert_eq!(Everything::decode(&[][..]).unwrap(), Everything::default());
    assert!(
        Everything::default().encode_to_vec().is_empty(),
        "defaults are not written"
    );
}

#[test]
fn unknown_fields_are_skipped_and_bad_input_is_an_error() {
    // Field 999 (varint) is unknown: skipped.
    let mut bytes = vec![0xb8, 0x3e, 0x01];
    bytes.extend(reference().encode_to_vec());
    assert_eq!(Everything::decode(&bytes[..]).unwrap(), reference());
    // A truncated message is an error, not a panic.
    let full = reference().encode_to_vec();
    for cut in [1, 7, full.len() / 2, full.len() - 1] {
        assert!(Everything::decode(&full[..cut]).is_err(), "cut at {cut}");
    }
    // Wrong wire type for a string field (tag 1 as varint) is an error that names the field.
    let error = Everything::decode(&[0x08, 0x01][..]).unwrap_err();
    assert!(error.to_string().contains("Everything.s"), "{error}");
}

/// `packed = false` on a proto3 repeated enum writes one record per value, as protoc does, and
/// says so in the descriptor; without it the values are packed.
#[test]
fn repeated_enums_are_unpacked_with_packed_false() {
    use grpc_core::{Enumeration, OpenEnum};

    #[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
    #[grpc(package = "unpacked.test")]
    enum Tone {
        Unspecified = 0,
        Warm = 1,
    }

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "unpacked.test")]
    struct Tones {
        #[grpc(packed = false)]
        unpacked: Vec<Tone>,
        open: Vec<OpenEnum<Tone>>,
    }

    let tones = Tones {
        unpacked: vec![Tone::Warm, Tone::Unspecified],
        open: vec![OpenEnum::from(Tone::Warm), OpenEnum::from_number(7)],
    };
    let bytes = tones.encode_to_vec();
    assert_eq!(
        hex(&bytes),
        hex(&[0x08, 0x01, 0x08, 0x00, 0x12, 0x02, 0x01, 0x07])
    );
    assert_eq!(Tones::decode(bytes.as_slice()).expect("decode"), tones);
    let mut registry = grpc_core::descriptor::Registry::new();
    registry.add::<Tones>();
    let set = registry.into_file_descriptor_set();
    let message = &set.file[0].message_type[0];
    assert_eq!(
        message.field[0].options.as_ref().and_then(|o| o.packed),
        Some(false)
    );
    assert_eq!(message.field[1].options, None);
}

/// `encoding = "sint32, fixed64"` on a map field encodes its keys and values as those types, as
/// protoc does for `map<sint32, fixed64>`, and the entry's descriptor says so.
#[test]
fn map_keys_and_values_take_encoding_overrides() {
    use grpc_core::well_known::field_descriptor_proto::Type;
    use std::collections::BTreeMap;

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "maps.test")]
    struct Offsets {
        #[grpc(encoding = "sint32, fixed64")]
        by_offset: BTreeMap<i32, u64>,
        #[grpc(encoding = "_, sint64")]
        deltas: BTreeMap<String, i64>,
    }

    let offsets = Offsets {
        by_offset: BTreeMap::from([(-1, 5)]),
        deltas: BTreeMap::from([("a".to_owned(), -2)]),
    };
    let bytes = offsets.encode_to_vec();
    let expected = [
        // by_offset {-1: 5}: key sint32 (zigzag 1), value fixed64
        0x0a, 0x0b, 0x08, 0x01, 0x11, 0x05, 0, 0, 0, 0, 0, 0, 0,
        // deltas {"a": -2}: key string, value sint64 (zigzag 3)
        0x12, 0x05, 0x0a, 0x01, b'a', 0x10, 0x03,
    ];
    assert_eq!(hex(&bytes), hex(&expected));
    assert_eq!(Offsets::decode(bytes.as_slice()).expect("decode"), offsets);
    let mut registry = grpc_core::descriptor::Registry::new();
    registry.add::<Offsets>();
    let set = registry.into_file_descriptor_set();
    let entries = &set.file[0].message_type[0].nested_type;
    let types = |i: usize| {
        let entry = &entries[i];
        (entry.field[0].r#type(), entry.field[1].r#type())
    };
    assert_eq!(types(0), (Type::Sint32, Type::Fixed64));
    assert_eq!(types(1), (Type::String, Type::Sint64));
}
