//! Extensions of ordinary messages on the wire: the importer's typed constants
//! (`tests/python/protos/extended.proto`, imported into `grpc_tests::imported::extended`) read
//! and set them through the message's unknown fields, byte for byte as an independent
//! implementation writes them: prost-reflect's dynamic messages over protox's descriptors of
//! the same file, and protoc's generated Python code.

use grpc_core::extension::Extendable;
use grpc_core::message::UnknownValue;
use grpc_core::{Message, OpenEnum};
use grpc_tests::imported::extended::{self, Base, Color, Detail};
use grpc_tests::protos::{parse, protos_dir};
use prost_reflect::{DescriptorPool, DynamicMessage, Value};

fn pool() -> DescriptorPool {
    let set = parse(&["extended.proto"], &[&protos_dir()]);
    DescriptorPool::decode(&set.encode_to_vec()[..]).expect("pool")
}

/// The reference: a `Base` with every extension set, from prost-reflect.
fn reference(pool: &DescriptorPool) -> DynamicMessage {
    let mut base = DynamicMessage::new(pool.get_message_by_name("extended.Base").unwrap());
    base.set_field_by_name("id", Value::I32(7));
    base.set_field_by_name("name", Value::String("seven".into()));
    let mut detail = DynamicMessage::new(pool.get_message_by_name("extended.Detail").unwrap());
    detail.set_field_by_name("note", Value::String("fragile".into()));
    detail.set_field_by_name("level", Value::I32(2));
    let ext = |name: &str| pool.get_extension_by_name(name).unwrap();
    base.set_extension(&ext("extended.weight"), Value::I32(-3));
    base.set_extension(
        &ext("extended.tags"),
        Value::List(vec![
            Value::String("new".into()),
            Value::String("red".into()),
        ]),
    );
    base.set_extension(&ext("extended.detail"), Value::Message(detail));
    base.set_extension(&ext("extended.color"), Value::EnumNumber(1));
    base.set_extension(
        &ext("extended.stamps"),
        Value::List(vec![Value::U64(1), Value::U64(u64::MAX)]),
    );
    base.set_extension(&ext("extended.ratio"), Value::F64(0.25));
    base
}

fn detail() -> Detail {
    Detail {
        note: Some("fragile".into()),
        level: Some(2),
        unknown_fields: Default::default(),
    }
}

#[test]
fn extensions_written_elsewhere_are_read_through_the_constants() {
    let pool = pool();
    let bytes = reference(&pool).encode_to_vec();
    let base = Base::decode(&bytes[..]).expect("decode");
    assert_eq!((base.id, base.name.as_deref()), (Some(7), Some("seven")));
    assert_eq!(base.get_extension(&extended::WEIGHT).unwrap(), Some(-3));
    assert_eq!(base.get_extension(&extended::TAGS).unwrap(), ["new", "red"]);
    assert_eq!(
        base.get_extension(&extended::DETAIL).unwrap(),
        Some(detail())
    );
    assert_eq!(
        base.get_extension(&extended::COLOR).unwrap(),
        Some(OpenEnum::Known(Color::Red))
    );
    assert_eq!(
        base.get_extension(&extended::STAMPS).unwrap(),
        [1, u64::MAX]
    );
    assert_eq!(base.get_extension(&extended::RATIO).unwrap(), Some(0.25));
    // Nothing lost on the way back out.
    assert_eq!(base.encode_to_vec(), bytes);
}

#[test]
fn extensions_set_here_are_what_the_reference_writes_and_reads() {
    let pool = pool();
    let mut base = Base {
        id: Some(7),
        name: Some("seven".into()),
        unknown_fields: Default::default(),
    };
    // Set out of number order: they are written in number order, as the reference does.
    base.set_extension(&extended::RATIO, 0.25);
    base.set_extension(&extended::COLOR, OpenEnum::Known(Color::Red));
    base.set_extension(&extended::STAMPS, vec![1, u64::MAX]);
    base.set_extension(&extended::WEIGHT, -3);
    base.set_extension(&extended::DETAIL, detail());
    base.set_extension(&extended::TAGS, vec!["new".to_owned(), "red".to_owned()]);
    let ours = base.encode_to_vec();
    let reference = reference(&pool);
    assert_eq!(ours, reference.encode_to_vec());
    let decoded = DynamicMessage::decode(
        pool.get_message_by_name("extended.Base").unwrap(),
        &ours[..],
    )
    .expect("the reference decodes ours");
    assert_eq!(decoded, reference);
    let weight = pool.get_extension_by_name("extended.weight").unwrap();
    assert_eq!(*decoded.get_extension(&weight), Value::I32(-3));
}

#[test]
fn reading_follows_protobuf_rules() {
    let mut base = Base::default();
    assert_eq!(base.get_extension(&extended::WEIGHT).unwrap(), None);
    assert!(base.get_extension(&extended::TAGS).unwrap().is_empty());
    assert!(!base.has_extension(&extended::WEIGHT));

    // A singular value sent twice is the last one; a message sent twice is the merge.
    let mut bytes = Vec::new();
    for (weight, detail) in [
        (
            5,
            Detail {
                note: Some("a".into()),
                ..Default::default()
            },
        ),
        (
            -9,
            Detail {
                level: Some(4),
                ..Default::default()
            },
        ),
    ] {
        let mut part = Base::default();
        part.set_extension(&extended::WEIGHT, weight);
        part.set_extension(&extended::DETAIL, detail);
        bytes.extend(part.encode_to_vec());
    }
    let base2 = Base::decode(&bytes[..]).unwrap();
    assert_eq!(base2.get_extension(&extended::WEIGHT).unwrap(), Some(-9));
    let merged = base2.get_extension(&extended::DETAIL).unwrap().unwrap();
    assert_eq!((merged.note.as_deref(), merged.level), (Some("a"), Some(4)));

    // Setting replaces every occurrence; `None` and `clear_extension` remove it.
    base.set_extension(&extended::WEIGHT, 1);
    base.set_extension(&extended::WEIGHT, 2);
    assert_eq!(base.unknown_fields.get(100).count(), 1);
    assert_eq!(base.get_extension(&extended::WEIGHT).unwrap(), Some(2));
    base.set_extension(&extended::WEIGHT, None);
    assert!(!base.has_extension(&extended::WEIGHT));
    base.set_extension(&extended::RATIO, 1.5);
    base.clear_extension(&extended::RATIO);
    assert!(base.unknown_fields.is_empty());

    // A repeated scalar reads packed values too; an unknown enum number is kept.
    let mut packed = Vec::new();
    prost::encoding::fixed64::encode_packed(104, &[3, 4], &mut packed);
    prost::encoding::int32::encode(103, &42, &mut packed);
    let base = Base::decode(&packed[..]).unwrap();
    assert_eq!(base.get_extension(&extended::STAMPS).unwrap(), [3, 4]);
    assert_eq!(
        base.get_extension(&extended::COLOR).unwrap(),
        Some(OpenEnum::from_number(42))
    );

    // Bytes that do not fit the extension's type are a decode error, and stay as they were.
    let mut base = Base::default();
    base.unknown_fields
        .push(100, UnknownValue::LengthDelimited(b"x".to_vec().into()));
    assert!(base.get_extension(&extended::WEIGHT).is_err());
    assert_eq!(base.unknown_fields.len(), 1);
}

/// Extensions declared inside a message are named after it and live in its module; a packed
/// one is written packed, as the reference writes it.
#[test]
fn scoped_and_packed_extensions() {
    let pool = pool();
    let mut base = Base::default();
    base.set_extension(&extended::scope::LABEL, "here".to_owned());
    base.set_extension(&extended::scope::SCORES, vec![1, -2, 300]);
    let inner = extended::Scope {
        x: Some(5),
        unknown_fields: Default::default(),
    };
    base.set_extension(&extended::scope::inner::SCOPE, inner.clone());
    base.set_extension(&extended::OLD, true);
    let ours = base.encode_to_vec();

    let mut reference = DynamicMessage::new(pool.get_message_by_name("extended.Base").unwrap());
    let ext = |name: &str| pool.get_extension_by_name(name).unwrap();
    reference.set_extension(&ext("extended.Scope.label"), Value::String("here".into()));
    reference.set_extension(
        &ext("extended.Scope.scores"),
        Value::List(vec![Value::I32(1), Value::I32(-2), Value::I32(300)]),
    );
    let mut scope = DynamicMessage::new(pool.get_message_by_name("extended.Scope").unwrap());
    scope.set_field_by_name("x", Value::I32(5));
    reference.set_extension(&ext("extended.Scope.Inner.scope"), Value::Message(scope));
    reference.set_extension(&ext("extended.old"), Value::Bool(true));
    assert_eq!(ours, reference.encode_to_vec());
    // One length-delimited record for the packed scores.
    assert_eq!(base.unknown_fields.get(106).count(), 1);

    let decoded = Base::decode(&ours[..]).unwrap();
    assert_eq!(
        decoded
            .get_extension(&extended::scope::LABEL)
            .unwrap()
            .as_deref(),
        Some("here")
    );
    assert_eq!(
        decoded.get_extension(&extended::scope::SCORES).unwrap(),
        [1, -2, 300]
    );
    assert_eq!(
        decoded
            .get_extension(&extended::scope::inner::SCOPE)
            .unwrap(),
        Some(inner)
    );
    assert_eq!(extended::scope::LABEL.name(), "extended.Scope.label");
}

#[test]
fn an_extension_names_its_field() {
    assert_eq!(extended::WEIGHT.name(), "extended.weight");
    assert_eq!(extended::RATIO.number(), 1000);
    assert_eq!(
        <Base as Extendable>::EXTENSION_RANGES,
        &[(100, 199), (1000, 536_870_911)]
    );
}

/// Against protoc's own generated code (Python protobuf, `tests/python/extensions.py`): each
/// side reads the other's extensions, and what Python wrote comes back out of a Rust decode and
/// re-encode unchanged. (upb writes extensions in descending number order, so the two
/// encodings differ in order only.)
#[tokio::test]
async fn python_protobuf_reads_ours_and_we_read_its() {
    use grpc_tests::python;
    let dir = std::env::temp_dir().join(format!("grpc-core-ext-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let from_python = dir.join("python.bin");
    let output = python::run("extensions.py", &["encode", from_python.to_str().unwrap()]).await;
    python::assert_success("extensions.py encode", &output);
    let python_bytes = std::fs::read(&from_python).unwrap();
    let base = Base::decode(&python_bytes[..]).expect("decode Python's bytes");
    assert_eq!(base.get_extension(&extended::WEIGHT).unwrap(), Some(-3));
    assert_eq!(base.get_extension(&extended::TAGS).unwrap(), ["new", "red"]);
    assert_eq!(
        base.get_extension(&extended::DETAIL).unwrap(),
        Some(detail())
    );
    assert_eq!(
        base.get_extension(&extended::COLOR).unwrap(),
        Some(OpenEnum::Known(Color::Red))
    );
    assert_eq!(
        base.get_extension(&extended::STAMPS).unwrap(),
        [1, u64::MAX]
    );
    assert_eq!(base.get_extension(&extended::RATIO).unwrap(), Some(0.25));
    assert_eq!(base.encode_to_vec(), python_bytes);

    // Ours, set from scratch, through Python.
    let mut ours = Base {
        id: Some(7),
        name: Some("seven".into()),
        unknown_fields: Default::default(),
    };
    ours.set_extension(&extended::WEIGHT, -3);
    ours.set_extension(&extended::TAGS, vec!["new".to_owned(), "red".to_owned()]);
    ours.set_extension(&extended::DETAIL, detail());
    ours.set_extension(&extended::COLOR, OpenEnum::Known(Color::Red));
    ours.set_extension(&extended::STAMPS, vec![1, u64::MAX]);
    ours.set_extension(&extended::RATIO, 0.25);
    let from_rust = dir.join("rust.bin");
    std::fs::write(&from_rust, ours.encode_to_vec()).unwrap();
    let output = python::run("extensions.py", &["check", from_rust.to_str().unwrap()]).await;
    python::assert_success("extensions.py check", &output);
}
