//! Unsupported constructs are clear errors naming the file, line and construct; never dropped
//! or miscompiled, and the error names the switch (`--skip-unsupported`) that leaves each out
//! with a warning naming the same. Also: proto2 presence, output stability, comments.

use std::path::PathBuf;

use grpc_proto_import::{generate, parse, Error};

fn write(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "grpc-import-{}-{}",
        std::process::id(),
        name.replace('.', "_")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
    dir
}

fn import(name: &str, text: &str) -> Result<Vec<grpc_proto_import::GeneratedModule>, Error> {
    let dir = write(name, text);
    generate(&parse(&[dir], &[name])?)
}

fn expect_error(name: &str, text: &str, line: u32, what: &str) {
    let error = import(name, text).expect_err("unsupported construct accepted");
    assert_eq!(error.file(), Some(name), "{error}");
    assert_eq!(error.line(), Some(line), "{error}");
    assert!(
        error.to_string().contains(what),
        "{error} should mention {what}"
    );
    assert!(
        error.to_string().starts_with(&format!("{name}:{line}: ")),
        "{error}"
    );
}

/// Like [`expect_error`], and the error names the switch; then imports `text` with
/// `--skip-unsupported` (the CLI) and returns the code, after checking that it warned once,
/// naming file, line and `what`.
fn expect_skipped(name: &str, text: &str, line: u32, what: &str) -> String {
    expect_error(name, text, line, what);
    let error = import(name, text).unwrap_err().to_string();
    assert!(error.contains("--skip-unsupported"), "{error}");
    let dir = write(name, text);
    let out = dir.join("out");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_grpc-proto-import"))
        .arg("--skip-unsupported")
        .arg("-I")
        .arg(&dir)
        .arg("-o")
        .arg(&out)
        .arg(name)
        .output()
        .expect("run grpc-proto-import");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains(what)).collect();
    assert_eq!(warnings.len(), 1, "one warning about {what}:\n{stderr}");
    assert!(
        warnings[0].starts_with(&format!("warning: {name}:{line}: "))
            && warnings[0].ends_with("left out"),
        "{stderr}"
    );
    let module = std::fs::read_dir(&out)
        .expect("output")
        .next()
        .expect("a module")
        .expect("a module")
        .path();
    std::fs::read_to_string(module).expect("read the module")
}

#[test]
fn groups_are_rejected_or_left_out() {
    let code = expect_skipped(
        "groups.proto",
        "syntax = \"proto2\";\npackage g;\nmessage M {\n  optional group Thing = 1 {\n    optional int32 x = 2;\n  }\n  optional int32 y = 3;\n}\n",
        4,
        "group `thing`",
    );
    // The group's field is left out; its message type and the other fields stay.
    assert!(!code.contains("pub thing:"), "{code}");
    assert!(code.contains("pub struct Thing"), "{code}");
    assert!(code.contains("pub y:"), "{code}");
    // A group in a oneof: the other members stay.
    let code = expect_skipped(
        "group_oneof.proto",
        "syntax = \"proto2\";\npackage g;\nmessage M {\n  oneof choice {\n    group Thing = 1 {\n      optional int32 x = 2;\n    }\n    int32 n = 3;\n  }\n}\n",
        5,
        "group `thing`",
    );
    assert!(code.contains("N(i32)"), "{code}");
    assert!(!code.contains("Thing(m::Thing)"), "{code}");
}

#[test]
fn group_extensions_are_rejected_or_get_no_constant() {
    let code = expect_skipped(
        "group_ext.proto",
        "syntax = \"proto2\";\npackage g;\nmessage M {\n  extensions 100 to 200;\n}\nextend M {\n  optional group Extra = 100 {\n    optional int32 x = 1;\n  }\n}\n",
        7,
        "group extension `extra`",
    );
    assert!(!code.contains("pub const EXTRA"), "{code}");
    // The declaration stays in the descriptors.
    assert!(code.contains("Type::Group"), "{code}");
}

#[test]
fn extension_ranges_and_extends_in_messages_import() {
    // Extension ranges import as an attribute; the extensions of the message get constants.
    let modules = import(
        "ext.proto",
        "syntax = \"proto2\";\npackage e;\nmessage M {\n  extensions 100 to 200, 300, 500 to max;\n}\nextend M {\n  optional int32 weight = 100;\n}\n",
    )
    .expect("import");
    let code = &modules[0].code;
    assert!(
        code.contains("#[grpc(extensions(100..=200, 300, 500..=max))]"),
        "{code}"
    );
    assert!(
        code.contains("pub const WEIGHT: ::grpc_core::extension::Extension<"),
        "{code}"
    );
    // An `extend` inside a message: its constant is in the message's module, its declaration
    // in the file's `FileSpec`; options on an extension are carried too.
    let modules = import(
        "extend.proto",
        "syntax = \"proto2\";\npackage e;\nmessage N {\n  extend M {\n    repeated int32 y = 100 [packed = true, deprecated = true];\n  }\n}\nmessage M {\n  extensions 100 to 200;\n}\n",
    )
    .expect("import");
    let code = &modules[0].code;
    assert!(code.contains("message_extensions"), "{code}");
    assert!(code.contains("pub mod n {"), "{code}");
    assert!(
        code.contains("pub const Y: ::grpc_core::extension::Extension<"),
        "{code}"
    );
    assert!(
        code.contains("::grpc_core::extension::Packed<::grpc_core::extension::Int32>"),
        "{code}"
    );
    assert!(
        code.contains("packed: ::core::option::Option::Some(true)"),
        "{code}"
    );
}

#[test]
fn a_custom_json_name_is_carried() {
    let modules = import(
        "json.proto",
        "syntax = \"proto3\";\npackage j;\nmessage M {\n  int32 x = 1 [json_name = \"why\"];\n  int32 plain_name = 2;\n}\n",
    )
    .expect("import");
    let code = &modules[0].code;
    assert!(code.contains("json_name = \"why\""), "{code}");
    // The default lowerCamelCase name needs no attribute.
    assert_eq!(code.matches("json_name").count(), 1, "{code}");
}

#[test]
fn enum_aliases_are_rejected_or_left_out() {
    let text = "syntax = \"proto3\";\npackage a;\nenum E {\n  option allow_alias = true;\n  E_A = 0;\n  E_B = 1;\n  E_C = 1;\n}\n";
    let code = expect_skipped("alias.proto", text, 3, "allow_alias");
    // The first value of each number stays; the alias is left out, with a warning too.
    assert!(code.contains("A = 0,"), "{code}");
    assert!(code.contains("B = 1,"), "{code}");
    assert!(!code.contains("C = 1"), "{code}");
    assert!(!code.contains("allow_alias"), "{code}");
    let dir = write("alias.proto", text);
    let set = parse(&[&dir], &["alias.proto"]).unwrap();
    grpc_proto_import::Builder::new()
        .skip_unsupported(true)
        .generate(&set)
        .expect("the switch leaves aliases out");
}

#[test]
fn unpacked_repeated_enums_import() {
    let modules = import(
        "unpacked.proto",
        "syntax = \"proto3\";\npackage u;\nenum E { E_A = 0; }\nmessage M {\n  repeated E x = 1 [packed = false];\n  repeated E y = 2;\n}\n",
    )
    .expect("import");
    let code = &modules[0].code;
    assert!(code.contains("#[grpc(tag = 1, packed = false)]"), "{code}");
    assert!(code.contains("pub x: ::std::vec::Vec<"), "{code}");
    // proto2's default is unpacked: no attribute, the macros know it from the syntax.
    let modules = import(
        "unpacked2.proto",
        "syntax = \"proto2\";\npackage u;\nenum E { E_A = 0; }\nmessage M {\n  repeated E x = 1;\n}\n",
    )
    .expect("import");
    let code = &modules[0].code;
    assert!(code.contains("#[grpc(tag = 1)]"), "{code}");
    assert!(code.contains("pub x: ::std::vec::Vec<"), "{code}");
}

#[test]
fn maps_with_encoding_overrides_import() {
    let modules = import(
        "sint_map.proto",
        "syntax = \"proto3\";\npackage m;\nenum E { E_A = 0; }\nmessage M {\n  map<sint32, string> by_id = 1;\n  map<string, fixed64> sizes = 2;\n  map<sfixed64, E> kinds = 3;\n  map<int32, string> plain = 4;\n}\n",
    )
    .expect("import");
    let code = &modules[0].code;
    assert!(
        code.contains(r#"#[grpc(tag = 1, encoding = "sint32, _")]"#),
        "{code}"
    );
    assert!(
        code.contains(r#"#[grpc(tag = 2, encoding = "_, fixed64")]"#),
        "{code}"
    );
    assert!(
        code.contains(r#"#[grpc(tag = 3, encoding = "sfixed64, _")]"#),
        "{code}"
    );
    assert!(code.contains("#[grpc(tag = 4)]"), "{code}");
}

#[test]
fn the_message_set_wire_format_is_rejected_or_left_out() {
    let code = expect_skipped(
        "message_set.proto",
        "syntax = \"proto2\";\npackage s;\nmessage Set {\n  option message_set_wire_format = true;\n  extensions 4 to max;\n}\n",
        3,
        "message_set_wire_format",
    );
    assert!(code.contains("pub struct Set"), "{code}");
    assert!(!code.contains("message_set_wire_format"), "{code}");
    // Its range ends at the ordinary maximum, not the message-set one.
    assert!(code.contains("#[grpc(extensions(4..=max))]"), "{code}");
}

#[test]
fn options_on_extension_ranges_are_rejected_or_left_out() {
    let code = expect_skipped(
        "range_options.proto",
        "syntax = \"proto2\";\npackage r;\nmessage M {\n  extensions 100 to 199 [verification = UNVERIFIED];\n}\n",
        3,
        "options on the extension ranges of message `M`",
    );
    assert!(code.contains("#[grpc(extensions(100..=199))]"), "{code}");
}

/// Editions files stay an error with the switch: a whole file cannot be left out. (protox does
/// not parse them yet, so the set is changed by hand.)
#[test]
fn editions_stay_an_error_with_the_switch() {
    let dir = write(
        "editions.proto",
        "syntax = \"proto3\";\npackage ed;\nmessage M {\n  int32 a = 1;\n}\n",
    );
    let mut set = parse(&[&dir], &["editions.proto"]).unwrap();
    for file in &mut set.file {
        if file.name() == "editions.proto" {
            file.syntax = Some("editions".to_owned());
        }
    }
    let error = grpc_proto_import::Builder::new()
        .skip_unsupported(true)
        .generate(&set)
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("editions.proto:1: "), "{error}");
    assert!(error.contains("(editions) is not supported"), "{error}");
    assert!(error.contains("even with"), "{error}");
}

/// Standard options that prost-types' structs cannot hold are refused by name and line, never
/// dropped unseen; the switch leaves out the option alone.
#[test]
fn standard_options_prost_types_cannot_hold_are_refused_or_left_out() {
    let code = expect_skipped(
        "redact.proto",
        "syntax = \"proto3\";\npackage r;\nmessage M {\n  string secret = 1 [debug_redact = true, deprecated = true];\n}\n",
        4,
        "debug_redact",
    );
    assert!(code.contains("pub secret:"), "{code}");
    assert!(code.contains("#[grpc(tag = 1, deprecated)]"), "{code}");
    let code = expect_skipped(
        "redact_value.proto",
        "syntax = \"proto3\";\npackage r;\nenum E {\n  E_A = 0 [debug_redact = true];\n}\n",
        4,
        "debug_redact",
    );
    assert!(code.contains("A = 0,"), "{code}");
    // On an `extend` field too: the option alone goes, the others stay in the declaration.
    let code = expect_skipped(
        "redact_extension.proto",
        "syntax = \"proto2\";\npackage r;\nmessage Base {\n  extensions 100 to 199;\n}\nextend Base {\n  optional string note = 100 [debug_redact = true, deprecated = true];\n}\n",
        7,
        "debug_redact",
    );
    assert!(
        code.contains("deprecated: ::core::option::Option::Some(true)"),
        "{code}"
    );
    assert!(!code.contains("debug_redact"), "{code}");
}

#[test]
fn every_well_known_type_maps_to_grpc_core_and_others_are_named() {
    let modules = import(
        "wrappers.proto",
        "syntax = \"proto3\";\npackage w;\nimport \"google/protobuf/wrappers.proto\";\nimport \"google/protobuf/api.proto\";\nimport \"google/protobuf/descriptor.proto\";\nimport \"google/protobuf/struct.proto\";\nimport \"google/protobuf/type.proto\";\nmessage M {\n  google.protobuf.Int32Value x = 1;\n  google.protobuf.Api api = 2;\n  google.protobuf.DescriptorProto.ExtensionRange range = 3;\n  google.protobuf.NullValue null = 4;\n  google.protobuf.Field.Kind kind = 5;\n}\n",
    )
    .expect("import");
    let code = &modules[0].code;
    for path in [
        "::grpc_core::well_known::Int32Value",
        "::grpc_core::well_known::Api",
        "::grpc_core::well_known::descriptor_proto::ExtensionRange",
        "::grpc_core::well_known::NullValue",
        "::grpc_core::well_known::field::Kind",
    ] {
        assert!(code.contains(path), "{path} not in\n{code}");
    }
    // A type in package google.protobuf that grpc-core does not provide is named.
    let dir = write(
        "mine.proto",
        "syntax = \"proto3\";\npackage m;\nimport \"google/protobuf/mine.proto\";\nmessage M {\n  google.protobuf.Mine x = 1;\n}\n",
    );
    std::fs::create_dir_all(dir.join("google/protobuf")).unwrap();
    std::fs::write(
        dir.join("google/protobuf/mine.proto"),
        "syntax = \"proto3\";\npackage google.protobuf;\nmessage Mine {}\n",
    )
    .unwrap();
    let error = generate(&parse(&[&dir], &["mine.proto"]).unwrap()).unwrap_err();
    assert_eq!(error.line(), Some(5), "{error}");
    assert!(
        error
            .to_string()
            .contains("google.protobuf.Mine is not one grpc_core::well_known provides"),
        "{error}"
    );
}

#[test]
fn parse_errors_say_where() {
    let error = import(
        "broken.proto",
        "syntax = \"proto3\";\nmessage M {\n  int32 x = ;\n}\n",
    )
    .unwrap_err();
    assert!(error.to_string().starts_with("broken.proto:3: "), "{error}");
}

#[test]
fn proto2_optional_and_required_get_explicit_presence() {
    let modules = import(
        "two.proto",
        "syntax = \"proto2\";\npackage two;\nmessage M {\n  optional int32 a = 1 [default = 5];\n  required string b = 2;\n  repeated int32 c = 3 [packed = true];\n  optional M next = 4;\n}\n",
    )
    .unwrap();
    let code = &modules[0].code;
    assert!(
        code.contains("pub a: ::core::option::Option<i32>"),
        "{code}"
    );
    assert!(
        code.contains("pub b: ::core::option::Option<::std::string::String>"),
        "{code}"
    );
    assert!(
        code.contains("pub next: ::core::option::Option<::std::boxed::Box<M>>"),
        "recursion is boxed: {code}"
    );
    assert!(
        code.contains("#[grpc(package = \"two\", file = \"two.proto\", syntax = \"proto2\")]"),
        "{code}"
    );
    assert!(code.contains("#[grpc(tag = 3, packed = true)]"), "{code}");
}

#[test]
fn output_is_stable_and_keeps_comments() {
    let text = "syntax = \"proto3\";\npackage s;\n// A thing, see [docs] and <b>.\nmessage Thing {\n  // The name.\n  string name = 1;\n  map<string, Thing> children = 2;\n  oneof kind {\n    int64 number = 3;\n    Thing nested = 4;\n  }\n  enum Color { COLOR_UNSPECIFIED = 0; COLOR_RED = 1; }\n  Color color = 5;\n}\nservice Things {\n  // Gets one.\n  rpc GetThing(Thing) returns (stream Thing);\n}\n";
    let first = import("stable.proto", text).unwrap();
    let second = import("stable.proto", text).unwrap();
    assert_eq!(first, second);
    let code = &first[0].code;
    assert!(
        code.contains("/// A thing, see \\[docs\\] and \\<b\\>."),
        "{code}"
    );
    assert!(code.contains("/// The name."), "{code}");
    assert!(code.contains("/// Gets one."), "{code}");
    assert!(code.contains("pub mod thing {"), "{code}");
    assert!(code.contains("#[grpc(oneof)]"), "{code}");
    assert!(code.contains("Red = 1"), "{code}");
    assert!(
        code.contains(
            "-> ::core::result::Result<::grpc_core::ServerStream<Thing>, ::grpc_core::Status>"
        ),
        "{code}"
    );
}

const OPTIONS_PROTO: &str = "syntax = \"proto3\";
package opt;
import \"google/protobuf/descriptor.proto\";
message Rule { string get = 1; }
extend google.protobuf.MethodOptions { Rule rule = 50001; }
extend google.protobuf.FieldOptions { bool secret = 50002; }
message Req {
  string name = 1 [(secret) = true];
}
service S {
  rpc Get(Req) returns (Rule) { option (rule) = { get: \"/v1/{name}\" }; }
}
";

#[test]
fn custom_options_are_never_dropped_unseen() {
    // parse() keeps them, in the uninterpreted form (prost-types has no room for extensions).
    let dir = write("opt.proto", OPTIONS_PROTO);
    let set = parse(&[&dir], &["opt.proto"]).unwrap();
    let file = set.file.iter().find(|f| f.name() == "opt.proto").unwrap();
    let method = &file.service[0].method[0];
    let option = &method.options.as_ref().unwrap().uninterpreted_option[0];
    assert_eq!(option.name[0].name_part, "opt.rule");
    assert!(option.name[0].is_extension);
    assert_eq!(
        option.aggregate_value.as_deref(),
        Some("get:\"/v1/{name}\"")
    );
    let field = &file.message_type[1].field[0];
    let option = &field.options.as_ref().unwrap().uninterpreted_option[0];
    assert_eq!(option.identifier_value.as_deref(), Some("true"));
}

#[test]
fn custom_options_and_extensions_are_carried() {
    let modules = import("opt.proto", OPTIONS_PROTO).expect("imports");
    let code = &modules[0].code;
    assert!(
        code.contains(r##"#[grpc(option = r#"(opt.secret) = true"#)]"##),
        "{code}"
    );
    assert!(
        code.contains(r##"#[grpc(option = r#"(opt.rule) = { get:"/v1/{name}" }"#)]"##),
        "{code}"
    );
    // The `extend` declarations, with what they need registered.
    assert!(
        code.contains(r#"::std::string::String::from(".google.protobuf.MethodOptions")"#),
        "{code}"
    );
    assert!(code.contains("registry.add::<Rule>();"), "{code}");
    assert!(
        code.contains(r#"registry.add_well_known_file("google/protobuf/descriptor.proto");"#),
        "{code}"
    );
    // A file of extensions only has its declarations and nothing else.
    let modules = import(
        "ext_only.proto",
        "syntax = \"proto3\";\npackage x;\nimport \"google/protobuf/descriptor.proto\";\nextend google.protobuf.FileOptions { string tag = 50003; }\n",
    )
    .expect("imports");
    let code = &modules[0].code;
    assert!(code.contains("pub fn ext_only_proto_options()"), "{code}");
    assert!(code.contains("50003"), "{code}");
    assert!(
        code.contains(
            r#"registry.set_file_options("ext_only.proto", "x", ext_only_proto_options());"#
        ),
        "{code}"
    );
    // Options on an extension declaration are carried in its declaration.
    let modules = import(
        "ext_opts.proto",
        "syntax = \"proto3\";\npackage x;\nimport \"google/protobuf/descriptor.proto\";\nextend google.protobuf.FileOptions { string tag = 50003 [deprecated = true]; }\n",
    )
    .expect("import");
    let code = &modules[0].code;
    assert!(
        code.contains("deprecated: ::core::option::Option::Some(true)"),
        "{code}"
    );
    // An extension of an options message is a custom option: it gets no constant.
    assert!(!code.contains("pub const"), "{code}");
}

#[test]
fn the_switch_leaves_custom_options_and_extensions_out() {
    let dir = write("opt.proto", OPTIONS_PROTO);
    let set = parse(&[&dir], &["opt.proto"]).unwrap();
    let modules = grpc_proto_import::Builder::new()
        .skip_custom_options(true)
        .generate(&set)
        .expect("imports with the switch");
    let code = &modules[0].code;
    assert!(code.contains("pub trait S"), "{code}");
    assert!(code.contains("pub struct Req"), "{code}");
    assert!(!code.contains("secret"), "{code}");
}
