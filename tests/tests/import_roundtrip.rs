//! The importer's round trip over the corpus: `.proto` -> `grpc-proto-import` -> the checked-in
//! Rust in `tests/src/imported` -> the macros' descriptors, which must equal protox's
//! descriptors for the same files (normalised as described in `grpc_tests::protos`); and the
//! `.proto` text rendered from those descriptors parses back to the same again.

use std::path::Path;

use grpc_core::descriptor::FileDescriptorSet;
use grpc_tests::imported;
use grpc_tests::protos::{
    assert_renders_back, assert_same, find, parse, protos_dir, GRPC_PROTO_DIR,
};

fn check(ours: FileDescriptorSet, files: &[&str]) {
    let canonical = parse(files, &[&protos_dir(), Path::new(GRPC_PROTO_DIR)]);
    for file in files {
        assert_same(find(&ours, file), find(&canonical, file));
        assert_renders_back(&ours, file);
    }
}

#[test]
fn helloworld() {
    check(
        imported::helloworld::file_descriptor_set(),
        &["helloworld.proto"],
    );
}

#[test]
fn proto2() {
    let set = imported::prototwo::file_descriptor_set();
    // protoc leaves `syntax` unset for proto2 (only proto3 and editions are spelled out).
    let file = find(&set, "prototwo.proto");
    assert_eq!(file.syntax, None);
    assert!(grpc_core::descriptor::render_proto(&file).starts_with("syntax = \"proto2\";"));
    check(set, &["prototwo.proto"]);
}

#[test]
fn extensions_of_ordinary_messages() {
    let set = imported::extended::file_descriptor_set();
    let file = find(&set, "extended.proto");
    // Six top-level extensions of Base, the `note` option, and `old` with its options.
    assert_eq!(file.extension.len(), 8);
    let old = file.extension.iter().find(|e| e.name() == "old").unwrap();
    let options = old.options.as_ref().unwrap();
    assert_eq!(options.deprecated, Some(true));
    assert_eq!(
        options.uninterpreted_option[0].name[0].name_part,
        "extended.note"
    );
    // `extend` inside a message (and inside a nested one) is that message's.
    let scope = file
        .message_type
        .iter()
        .find(|m| m.name() == "Scope")
        .unwrap();
    let scoped: Vec<&str> = scope.extension.iter().map(|e| e.name()).collect();
    assert_eq!(scoped, ["label", "scores"]);
    assert_eq!(
        scope.extension[1].options.as_ref().unwrap().packed,
        Some(true)
    );
    assert_eq!(scope.nested_type[0].extension[0].name(), "scope");
    let ranges: Vec<(i32, i32)> = file.message_type[0]
        .extension_range
        .iter()
        .map(|r| (r.start(), r.end()))
        .collect();
    assert_eq!(ranges, [(100, 200), (1000, 536_870_912)]);
    // Equal to the importer's parse (which keeps the custom option that protox's descriptor
    // structs drop), and rendered back to `.proto` it parses to the same again.
    let parsed = grpc_proto_import::parse(&[protos_dir()], &["extended.proto"]).expect("parse");
    if let Some(diff) = grpc_tests::corpus::difference(&file, &find(&parsed, "extended.proto")) {
        panic!("extended.proto: {diff}");
    }
    let dir = std::env::temp_dir().join(format!("grpc-import-extended-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = grpc_core::descriptor::render_proto(&file);
    assert!(text.contains("(extended.note) = \"gone\""), "{text}");
    std::fs::write(dir.join("extended.proto"), text).unwrap();
    let reparsed = grpc_proto_import::parse(&[dir], &["extended.proto"]).expect("reparse");
    if let Some(diff) = grpc_tests::corpus::difference(&file, &find(&reparsed, "extended.proto")) {
        panic!("extended.proto rendered back: {diff}");
    }
}

#[test]
fn standard_options() {
    use prost_types::field_options::{CType, JsType};
    use prost_types::method_options::IdempotencyLevel;
    use prost_types::{MethodOptions, ServiceDescriptorProto};

    let set = imported::stdoptions::file_descriptor_set();
    let file = find(&set, "stdoptions.proto");
    let record = &file.message_type[0];
    let options = record.options.as_ref().unwrap();
    assert_eq!(options.deprecated, Some(true));
    assert_eq!(options.no_standard_descriptor_accessor, Some(true));
    assert!(options.uninterpreted_option.is_empty());
    let field = |name: &str| {
        let field = record.field.iter().find(|f| f.name() == name).unwrap();
        field.options.clone().unwrap()
    };
    assert_eq!(field("name").ctype, Some(CType::Cord as i32));
    assert_eq!(field("name").deprecated, Some(true));
    assert_eq!(field("id").jstype, Some(JsType::JsString as i32));
    assert_eq!(field("inner").lazy, Some(true));
    assert_eq!(field("scores").packed, Some(false));
    assert_eq!(field("scores").jstype, Some(JsType::JsNormal as i32));
    assert_eq!(field("text").ctype, Some(CType::StringPiece as i32));
    assert_eq!(field("count").jstype, Some(JsType::JsNumber as i32));
    let mode = &file.enum_type[0];
    assert_eq!(mode.options.as_ref().unwrap().deprecated, Some(true));
    assert_eq!(
        mode.value[1].options.as_ref().unwrap().deprecated,
        Some(true)
    );
    let service: &ServiceDescriptorProto = &file.service[0];
    assert_eq!(service.options.as_ref().unwrap().deprecated, Some(true));
    let method = |name: &str| -> Option<MethodOptions> {
        service
            .method
            .iter()
            .find(|m| m.name() == name)
            .unwrap()
            .options
            .clone()
    };
    let get = method("Get").unwrap();
    assert_eq!(
        get.idempotency_level,
        Some(IdempotencyLevel::NoSideEffects as i32)
    );
    assert_eq!(get.deprecated, None);
    let put = method("Put").unwrap();
    assert_eq!(
        put.idempotency_level,
        Some(IdempotencyLevel::Idempotent as i32)
    );
    assert_eq!(put.deprecated, Some(true));
    assert_eq!(method("Plain"), None);
    // protox's descriptors for the file, and the `.proto` export parses back to the same.
    check(set, &["stdoptions.proto"]);
}

#[test]
fn route_guide() {
    check(
        imported::routeguide::file_descriptor_set(),
        &["route_guide.proto"],
    );
}

#[test]
fn well_known_types_and_every_field_kind() {
    check(
        imported::wiretest::file_descriptor_set(),
        &["wiretest.proto"],
    );
}

#[test]
fn grpc_testing() {
    check(
        imported::grpc::testing::file_descriptor_set(),
        &[
            "grpc/testing/empty.proto",
            "grpc/testing/messages.proto",
            "grpc/testing/test.proto",
        ],
    );
}

#[test]
fn health() {
    check(
        imported::grpc::health::v1::file_descriptor_set(),
        &["grpc/health/v1/health.proto"],
    );
}

#[test]
fn reflection() {
    check(
        imported::grpc::reflection::v1::file_descriptor_set(),
        &["grpc/reflection/v1/reflection.proto"],
    );
}

#[test]
fn imported_and_code_first_types_read_each_other() {
    use grpc_core::Message;
    let reference = grpc_tests::wiretest::reference();
    let imported =
        imported::wiretest::Everything::decode(&reference.encode_to_vec()[..]).expect("decode");
    // The importer maps `map<>` to HashMap (iteration order varies), the code-first type uses
    // BTreeMap: compare values, not bytes.
    let back =
        grpc_tests::wiretest::Everything::decode(&imported.encode_to_vec()[..]).expect("decode");
    assert_eq!(back, reference);
    assert_eq!(imported.map_si.len(), 2);
}

/// Leading comments by path.
fn comments(file: &grpc_core::descriptor::FileDescriptorProto) -> Vec<(Vec<i32>, String)> {
    let mut out: Vec<(Vec<i32>, String)> = file
        .source_code_info
        .iter()
        .flat_map(|info| &info.location)
        .filter_map(|l| Some((l.path.clone(), l.leading_comments.clone()?)))
        .collect();
    out.sort();
    out
}

#[test]
fn comments_travel_from_proto_through_rust_docs_back_to_descriptors() {
    let file = "grpc/testing/test.proto";
    let ours = find(&imported::grpc::testing::file_descriptor_set(), file);
    let mut compiler =
        protox::Compiler::new([protos_dir().as_path(), Path::new(GRPC_PROTO_DIR)]).unwrap();
    compiler.include_source_info(true).open_file(file).unwrap();
    let canonical = find(&compiler.file_descriptor_set(), file);
    let theirs = comments(&canonical);
    let ours = comments(&ours);
    // Every comment the code carries sits where protoc puts it, with protoc's text.
    for comment in &ours {
        assert!(theirs.contains(comment), "{comment:?} not in {theirs:#?}");
    }
    // And the service's and its methods' comments are all there.
    let on_services = |c: &&(Vec<i32>, String)| c.0.first() == Some(&6);
    assert_eq!(
        ours.iter().filter(on_services).collect::<Vec<_>>(),
        theirs.iter().filter(on_services).collect::<Vec<_>>()
    );
    assert!(!ours.is_empty());
}

#[test]
fn one_call_exports_the_whole_proto_tree() {
    use grpc_core::descriptor::{FileOptions, ProtoExport};
    let dir = std::env::temp_dir().join(format!("grpc-export-tree-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let export = ProtoExport::new()
        .add::<imported::grpc::testing::TestServiceClient>()
        .add::<imported::grpc::health::v1::HealthClient>()
        .default_file_options(FileOptions {
            go_package: Some("example.com/testing".to_owned()),
            ..Default::default()
        });
    let written = export.write_to(&dir).expect("writes");
    let names: Vec<String> = written
        .iter()
        .map(|p| {
            p.strip_prefix(&dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    for expected in [
        "grpc/testing/empty.proto",
        "grpc/testing/messages.proto",
        "grpc/testing/test.proto",
        "grpc/health/v1/health.proto",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not in {names:?}"
        );
    }
    let test = std::fs::read_to_string(dir.join("grpc/testing/test.proto")).unwrap();
    assert!(
        test.contains("option go_package = \"example.com/testing\";"),
        "{test}"
    );
    assert!(
        test.contains(
            "// A simple service to test the various types of RPCs and experiment with\n"
        ),
        "{test}"
    );
    // The written tree compiles on its own to what the code describes (options aside).
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let reparsed = parse(&names, &[&dir]);
    let described = export.file_descriptor_set();
    for name in &names {
        assert_same(find(&reparsed, name), find(&described, name));
        assert_eq!(
            find(&reparsed, name)
                .options
                .and_then(|o| o.go_package)
                .as_deref(),
            Some("example.com/testing")
        );
    }
}

#[test]
fn proto2_repeated_scalars_are_packed_as_the_file_says() {
    use prost::Message as _;
    let settings = imported::prototwo::Settings {
        unpacked: vec![1, 2],
        packed_values: vec![-1, 1],
        flags: vec![true, false],
        count: Some(0),
        ..Default::default()
    };
    let bytes = settings.encode_to_vec();
    assert_eq!(
        bytes,
        [
            0x10, 0x00, // count = 0: explicit presence, written
            0x20, 0x01, 0x20, 0x02, // unpacked = [1, 2]: one record each
            0x2a, 0x02, 0x01, 0x02, // packed_values = [-1, 1], sint64, packed
            0x68, 0x01, 0x68, 0x00, // flags [packed = false]
        ]
    );
    // `inner` is required and unset: decoding what was encoded fails, naming it.
    let error = imported::prototwo::Settings::decode(bytes.as_slice()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("missing required field `prototwo.Settings.inner`"),
        "{error}"
    );
}

#[test]
fn proto2_repeated_enums_are_packed_as_the_file_says() {
    use grpc_core::OpenEnum;
    use imported::prototwo::{Level, LevelHistory};
    use prost::Message as _;
    let history = LevelHistory {
        unpacked: vec![OpenEnum::from(Level::High), OpenEnum::from(Level::Low)],
        packed: vec![OpenEnum::from(Level::High), OpenEnum::from(Level::Low)],
        ..Default::default()
    };
    let bytes = history.encode_to_vec();
    assert_eq!(
        bytes,
        [
            0x08, 0x01, 0x08, 0x00, // unpacked = [HIGH, LOW]: one record each
            0x12, 0x02, 0x01, 0x00, // packed = [HIGH, LOW] [packed = true]
        ]
    );
    // Either form decodes into either field, as protoc's parsers do.
    let swapped = [0x0a, 0x02, 0x01, 0x00, 0x10, 0x01, 0x10, 0x00];
    let decoded = LevelHistory::decode(&swapped[..]).expect("decode");
    assert_eq!(decoded.unpacked, history.unpacked);
    assert_eq!(decoded.packed, history.packed);
}

#[test]
fn proto2_required_fields_are_checked_on_decode() {
    use imported::prototwo::{Inner, Settings};
    use prost::Message as _;
    let inner = |id: Option<&str>, next: Option<Inner>| Inner {
        id: id.map(str::to_owned),
        next: next.map(Box::new),
        ..Default::default()
    };
    let settings = |inner: Option<Inner>| Settings {
        inner,
        ..Default::default()
    };
    let decode = |message: &Settings| Settings::decode(message.encode_to_vec().as_slice());
    let complete = settings(Some(inner(Some("a"), Some(inner(Some("b"), None)))));
    assert_eq!(decode(&complete).unwrap(), complete);
    for (message, missing) in [
        (settings(None), "prototwo.Settings.inner"),
        (settings(Some(inner(None, None))), "prototwo.Inner.id"),
        (
            settings(Some(inner(Some("a"), Some(inner(None, None))))),
            "prototwo.Inner.id",
        ),
    ] {
        let error = decode(&message).unwrap_err().to_string();
        assert!(
            error.contains(&format!("missing required field `{missing}`")),
            "{error}"
        );
    }
    // The descriptor says `required`, as protoc's does (compared in `proto2`).
    let file = find(&imported::prototwo::file_descriptor_set(), "prototwo.proto");
    let field = file
        .message_type
        .iter()
        .find(|m| m.name() == "Settings")
        .unwrap()
        .field
        .iter()
        .find(|f| f.name() == "inner")
        .unwrap();
    assert_eq!(
        field.label(),
        prost_types::field_descriptor_proto::Label::Required
    );
}

#[test]
fn proto2_defaults_apply_on_read() {
    let unset = imported::prototwo::Settings::default();
    assert_eq!(unset.retries, None);
    assert_eq!(unset.retries(), -3);
    assert_eq!(unset.greeting(), "hi \"there\"");
    assert_eq!(unset.magic(), [1, 0x7f, b'z']);
    assert_eq!(unset.ratio(), f64::INFINITY);
    assert!(unset.enabled());
    assert_eq!(unset.big(), u64::MAX);
    assert_eq!(unset.half(), 0.5);
    // An enum default names a value: `[default = LEVEL_HIGH]`.
    use imported::prototwo::Level;
    assert_eq!(unset.loudness, None);
    assert_eq!(unset.loudness(), grpc_core::OpenEnum::Known(Level::High));
    let set = imported::prototwo::Settings {
        loudness: Some(grpc_core::OpenEnum::Known(Level::Low)),
        retries: Some(0),
        greeting: Some(String::new()),
        enabled: Some(false),
        ..Default::default()
    };
    assert_eq!(set.retries(), 0);
    assert_eq!(set.loudness(), grpc_core::OpenEnum::Known(Level::Low));
    assert_eq!(set.greeting(), "");
    assert!(!set.enabled());

    // A default on a field of a well-known enum (grpc-core lists their values too).
    use grpc_core::well_known::Syntax;
    assert_eq!(unset.syntax(), grpc_core::OpenEnum::Known(Syntax::Proto3));
    // Defaults on oneof members: each member's accessor gives its default while the oneof
    // holds another member or none, and the value it holds otherwise.
    use imported::prototwo::settings::Pick;
    assert_eq!(Pick::amount(&unset.pick), 12);
    assert_eq!(Pick::label(&unset.pick), "none");
    assert_eq!(
        Pick::pick_level(&unset.pick),
        grpc_core::OpenEnum::Known(Level::High)
    );
    let holding = Some(Pick::Label("chosen".into()));
    assert_eq!(Pick::label(&holding), "chosen");
    assert_eq!(Pick::amount(&holding), 12);
    assert_eq!(Pick::amount(&Some(Pick::Amount(0))), 0);
    // The descriptor keeps the defaults, as protoc's does.
    let file = find(&imported::prototwo::file_descriptor_set(), "prototwo.proto");
    let settings = &file.message_type[0];
    let default = |name: &str| {
        settings
            .field
            .iter()
            .find(|f| f.name() == name)
            .and_then(|f| f.default_value.clone())
    };
    assert_eq!(default("amount").as_deref(), Some("12"));
    assert_eq!(default("pick_level").as_deref(), Some("LEVEL_HIGH"));
    assert_eq!(default("syntax").as_deref(), Some("SYNTAX_PROTO3"));
}

#[test]
fn custom_options_and_extensions() {
    // tests/protos/annotated.proto and the googleapis files it imports: the macros'
    // descriptors equal the importer's parse, uninterpreted options, `extend` declarations and
    // the files' own import order included (only source info and JSON names cleared).
    let Some(googleapis) = grpc_tests::corpus::googleapis_root() else {
        eprintln!("SKIPPED: googleapis-common-protos is not in .venv");
        return;
    };
    let root = grpc_tests::python::workspace_root().join("tests/protos");
    let parsed = grpc_proto_import::parse(&[&root, &googleapis], &["annotated.proto"])
        .expect("annotated.proto parses");
    let ours = imported::annotated::file_descriptor_set();
    for file in [
        "annotated.proto",
        "google/api/annotations.proto",
        "google/api/http.proto",
        "google/api/field_behavior.proto",
        "google/api/resource.proto",
    ] {
        if let Some(diff) = grpc_tests::corpus::difference(&find(&ours, file), &find(&parsed, file))
        {
            panic!("{file}: {diff}");
        }
    }
    let annotated = find(&ours, "annotated.proto");
    assert_eq!(
        annotated.dependency,
        [
            "google/api/annotations.proto",
            "google/api/field_behavior.proto",
            "google/api/resource.proto"
        ]
    );
    let text = grpc_core::descriptor::render_proto(&annotated);
    assert!(
        text.contains(r#"option (google.api.http) = { get:"/v1/{name=shelves/*}" };"#),
        "{text}"
    );
    let extensions = find(&ours, "google/api/annotations.proto");
    assert_eq!(extensions.extension[0].name(), "http");
    assert_eq!(extensions.extension[0].number(), 72295728);
}
