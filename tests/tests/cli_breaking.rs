//! The breaking-change check: one case per rule (an old and a new `shop.proto`, and the exact
//! finding expected), changes that are not breaks, a clean pair, and `grpc-cli breaking` on
//! directories and descriptor sets (exit code, one line per finding).

use std::path::PathBuf;
use std::process::Command;

use grpc_proto_import::breaking;
use prost::Message as _;

/// A fresh directory holding `shop.proto` with `text`.
fn tree(case: &str, side: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "grpc-breaking-{}-{case}-{side}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("shop.proto"), text).unwrap();
    dir
}

/// The findings of `new` against `old`, as `grpc-cli breaking` prints them.
fn findings(case: &str, old: &str, new: &str) -> Vec<String> {
    let old = breaking::load(tree(case, "old", old)).unwrap();
    let new = breaking::load(tree(case, "new", new)).unwrap();
    breaking::compare(&old, &new)
        .iter()
        .map(ToString::to_string)
        .collect()
}

const HEAD: &str = "syntax = \"proto3\";\npackage shop;\n";

fn proto3(body: &str) -> String {
    format!("{HEAD}{body}")
}

#[test]
fn deleted_field_without_reserved() {
    let old = proto3("message Order {\n  uint64 id = 1;\n  string item = 2;\n}\n");
    let new = proto3("message Order {\n  uint64 id = 1;\n}\n");
    assert_eq!(
        findings("deleted", &old, &new),
        [
            "shop.proto:3:1: shop.Order: field 2 (\"item\") deleted without reserving its name [FIELD_NO_DELETE_UNLESS_NAME_RESERVED]",
            "shop.proto:3:1: shop.Order: field 2 (\"item\") deleted without reserving its number [FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED]",
        ]
    );
}

#[test]
fn deleted_field_with_reserved_number_and_name_is_fine() {
    let old = proto3("message Order {\n  uint64 id = 1;\n  string item = 2;\n}\n");
    let new = proto3("message Order {\n  uint64 id = 1;\n  reserved 2;\n  reserved \"item\";\n}\n");
    assert_eq!(findings("reserved", &old, &new), Vec::<String>::new());
}

#[test]
fn deleted_field_with_reserved_number_only_breaks_json() {
    let old = proto3("message Order {\n  uint64 id = 1;\n  string item = 2;\n}\n");
    let new = proto3("message Order {\n  uint64 id = 1;\n  reserved 2;\n}\n");
    assert_eq!(
        findings("reserved-number", &old, &new),
        ["shop.proto:3:1: shop.Order: field 2 (\"item\") deleted without reserving its name [FIELD_NO_DELETE_UNLESS_NAME_RESERVED]"]
    );
}

#[test]
fn renumbered_field() {
    let old = proto3("message Order {\n  uint64 id = 1;\n  string item = 2;\n}\n");
    let new = proto3("message Order {\n  uint64 id = 1;\n  string item = 5;\n}\n");
    assert_eq!(
        findings("renumbered", &old, &new),
        ["shop.proto:3:1: shop.Order: field 2 (\"item\") renumbered to 5 without reserving 2 [FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED]"]
    );
}

#[test]
fn changed_wire_type() {
    let old =
        proto3("message Order {\n  int32 count = 1;\n  Order parent = 2;\n}\nmessage Other {}\n");
    let new =
        proto3("message Order {\n  string count = 1;\n  Other parent = 2;\n}\nmessage Other {}\n");
    assert_eq!(
        findings("type", &old, &new),
        [
            "shop.proto:4:3: shop.Order.count: field 1 changed type from int32 to string [FIELD_WIRE_COMPATIBLE_TYPE]",
            "shop.proto:5:3: shop.Order.parent: field 2 changed type from shop.Order to shop.Other [FIELD_WIRE_COMPATIBLE_TYPE]",
        ]
    );
}

#[test]
fn changed_json_type() {
    let old = proto3("message Order {\n  int32 count = 1;\n  string note = 2;\n}\n");
    let new = proto3("message Order {\n  int64 count = 1;\n  bytes note = 2;\n}\n");
    assert_eq!(
        findings("json-type", &old, &new),
        [
            "shop.proto:4:3: shop.Order.count: field 1 changed type from int32 to int64, which JSON encodes differently [FIELD_WIRE_JSON_COMPATIBLE_TYPE]",
            "shop.proto:5:3: shop.Order.note: field 2 changed type from string to bytes, which JSON encodes differently [FIELD_WIRE_JSON_COMPATIBLE_TYPE]",
        ]
    );
}

#[test]
fn compatible_type_changes_are_fine() {
    // Same encoding on the wire and in JSON; explicit presence added.
    let old =
        proto3("message Order {\n  int32 count = 1;\n  fixed64 at = 2;\n  string note = 3;\n}\n");
    let new = proto3(
        "message Order {\n  uint32 count = 1;\n  sfixed64 at = 2;\n  optional string note = 3;\n}\n",
    );
    assert_eq!(findings("compatible", &old, &new), Vec::<String>::new());
}

#[test]
fn changed_cardinality() {
    let old = proto3("message Order {\n  int32 count = 1;\n  map<string, int32> tags = 2;\n}\n");
    let new = proto3("message Order {\n  repeated int32 count = 1;\n  string tags = 2;\n}\n");
    assert_eq!(
        findings("cardinality", &old, &new),
        [
            "shop.proto:4:3: shop.Order.count: field 1 changed from singular to repeated [FIELD_WIRE_COMPATIBLE_CARDINALITY]",
            "shop.proto:5:3: shop.Order.tags: field 2 changed from map to singular [FIELD_WIRE_COMPATIBLE_CARDINALITY]",
        ]
    );
}

#[test]
fn required_added() {
    let old =
        "syntax = \"proto2\";\npackage shop;\nmessage Order {\n  optional int32 count = 1;\n}\n";
    let new =
        "syntax = \"proto2\";\npackage shop;\nmessage Order {\n  required int32 count = 1;\n}\n";
    assert_eq!(
        findings("required", old, new),
        ["shop.proto:4:3: shop.Order.count: field 1 changed from singular to required [FIELD_WIRE_COMPATIBLE_CARDINALITY]"]
    );
}

#[test]
fn required_fields_added_and_removed() {
    let old = "syntax = \"proto2\";\npackage shop;\nmessage Order {\n  required int32 count = 1;\n  reserved 2;\n}\n";
    let new = "syntax = \"proto2\";\npackage shop;\nmessage Order {\n  required string id = 3;\n  reserved 1, 2;\n  reserved \"count\";\n}\n";
    assert_eq!(
        findings("required-fields", old, new),
        [
            "shop.proto:3:1: shop.Order: required field 1 (\"count\") removed [MESSAGE_SAME_REQUIRED_FIELDS]",
            "shop.proto:3:1: shop.Order: required field 3 (\"id\") added [MESSAGE_SAME_REQUIRED_FIELDS]",
        ]
    );
}

#[test]
fn message_set_wire_format() {
    let old = "syntax = \"proto2\";\npackage shop;\nmessage Bag {\n  extensions 4 to max;\n}\n";
    let new = "syntax = \"proto2\";\npackage shop;\nmessage Bag {\n  option message_set_wire_format = true;\n  extensions 4 to max;\n}\n";
    assert_eq!(
        findings("message-set", old, new),
        ["shop.proto:3:1: shop.Bag: message_set_wire_format changed from false to true [MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT]"]
    );
}

#[test]
fn moved_into_oneof() {
    let old = proto3("message Order {\n  string card = 1;\n  string cash = 2;\n}\n");
    let new = proto3(
        "message Order {\n  oneof payment {\n    string card = 1;\n    string cash = 2;\n  }\n}\n",
    );
    assert_eq!(
        findings("oneof", &old, &new),
        [
            "shop.proto:5:5: shop.Order.card: field 1 moved from no oneof to oneof \"payment\" [FIELD_SAME_ONEOF]",
            "shop.proto:6:5: shop.Order.cash: field 2 moved from no oneof to oneof \"payment\" [FIELD_SAME_ONEOF]",
        ]
    );
}

#[test]
fn renamed_field_breaks_json() {
    let old = proto3("message Order {\n  string item = 1;\n  string note = 2;\n}\n");
    let new = proto3(
        "message Order {\n  string product = 1;\n  string note = 2 [json_name = \"remark\"];\n}\n",
    );
    assert_eq!(
        findings("renamed", &old, &new),
        [
            "shop.proto:4:3: shop.Order.product: field 1 renamed from \"item\" to \"product\" [FIELD_SAME_NAME]",
            "shop.proto:5:3: shop.Order.note: field 2's JSON name changed from \"note\" to \"remark\" [FIELD_SAME_JSON_NAME]",
        ]
    );
}

#[test]
fn changed_default() {
    let old = "syntax = \"proto2\";\npackage shop;\nmessage Order {\n  optional int32 count = 1 [default = 1];\n}\n";
    let new = "syntax = \"proto2\";\npackage shop;\nmessage Order {\n  optional int32 count = 1 [default = 2];\n}\n";
    assert_eq!(
        findings("default", old, new),
        ["shop.proto:4:3: shop.Order.count: field 1's default changed from \"1\" to \"2\" [FIELD_SAME_DEFAULT]"]
    );
}

#[test]
fn deleted_reserved() {
    let old = proto3("message Order {\n  reserved 2, 4 to 6;\n  reserved \"item\";\n}\nenum State {\n  STATE_UNKNOWN = 0;\n  reserved 3;\n  reserved \"DONE\";\n}\n");
    let new = proto3("message Order {\n  reserved 4;\n}\nenum State {\n  STATE_UNKNOWN = 0;\n}\n");
    assert_eq!(
        findings("reserved-deleted", &old, &new),
        [
            "shop.proto:3:1: shop.Order: reserved field number 2 no longer reserved [RESERVED_MESSAGE_NO_DELETE]",
            "shop.proto:3:1: shop.Order: reserved field number 5 to 6 no longer reserved [RESERVED_MESSAGE_NO_DELETE]",
            "shop.proto:3:1: shop.Order: reserved field name \"item\" no longer reserved [RESERVED_MESSAGE_NO_DELETE]",
            "shop.proto:6:1: shop.State: reserved enum value number 3 no longer reserved [RESERVED_ENUM_NO_DELETE]",
            "shop.proto:6:1: shop.State: reserved enum value name \"DONE\" no longer reserved [RESERVED_ENUM_NO_DELETE]",
        ]
    );
}

#[test]
fn reserved_range_narrowed() {
    let old = proto3("message Order {\n  reserved 1 to 10, 1000 to max;\n}\n");
    let new = proto3("message Order {\n  reserved 5, 1000 to max;\n}\n");
    assert_eq!(
        findings("narrowed", &old, &new),
        [
            "shop.proto:3:1: shop.Order: reserved field number 1 to 4 no longer reserved [RESERVED_MESSAGE_NO_DELETE]",
            "shop.proto:3:1: shop.Order: reserved field number 6 to 10 no longer reserved [RESERVED_MESSAGE_NO_DELETE]",
        ]
    );
}

#[test]
fn enum_values() {
    let old =
        proto3("enum State {\n  STATE_UNKNOWN = 0;\n  STATE_OPEN = 1;\n  STATE_DONE = 2;\n}\n");
    let new = proto3("enum State {\n  STATE_UNKNOWN = 0;\n  STATE_STARTED = 1;\n}\n");
    assert_eq!(
        findings("enum", &old, &new),
        [
            "shop.proto:3:1: shop.State: enum value 2 (\"STATE_DONE\") deleted without reserving its name [ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED]",
            "shop.proto:3:1: shop.State: enum value 2 (\"STATE_DONE\") deleted without reserving its number [ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED]",
            "shop.proto:5:3: shop.STATE_STARTED: enum value 1 renamed from \"STATE_OPEN\" to \"STATE_STARTED\" [ENUM_VALUE_SAME_NAME]",
        ]
    );
}

#[test]
fn enum_value_deleted_with_reserved_is_fine() {
    let old = proto3("enum State {\n  STATE_UNKNOWN = 0;\n  STATE_DONE = 2;\n}\n");
    let new = proto3(
        "enum State {\n  STATE_UNKNOWN = 0;\n  reserved 2;\n  reserved \"STATE_DONE\";\n}\n",
    );
    assert_eq!(findings("enum-reserved", &old, &new), Vec::<String>::new());
}

const SERVICE: &str = "message A {}\nmessage B {}\nservice Shop {\n  rpc Get(A) returns (B);\n  rpc List(A) returns (stream B);\n  rpc Upload(stream A) returns (B);\n  rpc Chat(stream A) returns (stream B);\n  rpc Drop(A) returns (B);\n}\nservice Admin {\n  rpc Reset(A) returns (B);\n}\n";

#[test]
fn deleted_service_and_method() {
    let new = SERVICE
        .replace("  rpc Drop(A) returns (B);\n", "")
        .replace("service Admin {\n  rpc Reset(A) returns (B);\n}\n", "");
    assert_eq!(
        findings("service", &proto3(SERVICE), &proto3(&new)),
        [
            "shop.proto:1:1: shop.Admin: service deleted [SERVICE_NO_DELETE]",
            "shop.proto:5:1: shop.Shop.Drop: method deleted [RPC_NO_DELETE]",
        ]
    );
}

#[test]
fn changed_method_types_and_streaming() {
    let new = SERVICE
        .replace("rpc Get(A) returns (B);", "rpc Get(B) returns (A);")
        .replace("rpc List(A) returns (stream B);", "rpc List(A) returns (B);")
        .replace("rpc Upload(stream A) returns (B);", "rpc Upload(A) returns (B);")
        .replace(
            "rpc Chat(stream A) returns (stream B);",
            "rpc Chat(stream A) returns (stream B) {\n    option idempotency_level = NO_SIDE_EFFECTS;\n  }",
        );
    assert_eq!(
        findings("methods", &proto3(SERVICE), &proto3(&new)),
        [
            "shop.proto:6:3: shop.Shop.Get: request type changed from shop.A to shop.B [RPC_SAME_REQUEST_TYPE]",
            "shop.proto:6:3: shop.Shop.Get: response type changed from shop.B to shop.A [RPC_SAME_RESPONSE_TYPE]",
            "shop.proto:7:3: shop.Shop.List: response changed from streaming to unary [RPC_SAME_SERVER_STREAMING]",
            "shop.proto:8:3: shop.Shop.Upload: request changed from streaming to unary [RPC_SAME_CLIENT_STREAMING]",
            "shop.proto:9:3: shop.Shop.Chat: idempotency level changed from IDEMPOTENCY_UNKNOWN to NO_SIDE_EFFECTS [RPC_SAME_IDEMPOTENCY_LEVEL]",
        ]
    );
}

/// Additions, comments, moving a type to another file, and a new import are not breaks.
#[test]
fn clean_pair_has_no_findings() {
    let old = proto3(&format!(
        "message Order {{\n  uint64 id = 1;\n  Item item = 2;\n}}\nmessage Item {{\n  string name = 1;\n}}\nenum State {{\n  STATE_UNKNOWN = 0;\n}}\n{SERVICE}"
    ));
    let new = proto3(&format!(
        "import \"item.proto\";\n// An order.\nmessage Order {{\n  uint64 id = 1;\n  Item item = 2;\n  repeated string notes = 3;\n}}\nenum State {{\n  STATE_UNKNOWN = 0;\n  STATE_NEW = 1;\n}}\n{SERVICE}service Extra {{\n  rpc Ping(A) returns (B);\n}}\n"
    ));
    let old_dir = tree("clean", "old", &old);
    let new_dir = tree("clean", "new", &new);
    std::fs::write(
        new_dir.join("item.proto"),
        proto3("message Item {\n  string name = 1;\n  int32 count = 2;\n}\n"),
    )
    .unwrap();
    let findings = breaking::compare(
        &breaking::load(&old_dir).unwrap(),
        &breaking::load(&new_dir).unwrap(),
    );
    assert!(findings.is_empty(), "{findings:#?}");
}

fn grpc_cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_grpc-cli-test"))
}

#[test]
fn grpc_cli_breaking_prints_one_line_per_finding_and_fails() {
    let old = tree(
        "cli",
        "old",
        &proto3("message Order {\n  uint64 id = 1;\n  string item = 2;\n}\n"),
    );
    let new = tree(
        "cli",
        "new",
        &proto3("message Order {\n  int64 id = 1;\n  bytes item = 3;\n}\n"),
    );
    let output = grpc_cli()
        .arg("breaking")
        .arg("--against")
        .arg(&old)
        .arg(&new)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "shop.proto:3:1: shop.Order: field 2 (\"item\") renumbered to 3 without reserving 2 [FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED]",
        ]
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 breaking change"));

    // The same schema against itself: nothing, exit 0.
    let output = grpc_cli()
        .arg("breaking")
        .arg("--against")
        .arg(&old)
        .arg(&old)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
}

#[test]
fn grpc_cli_breaking_reads_descriptor_sets_and_single_files() {
    let old = tree(
        "set",
        "old",
        &proto3("message Order {\n  uint64 id = 1;\n  string item = 2;\n}\n"),
    );
    let new = tree(
        "set",
        "new",
        &proto3("message Order {\n  uint64 id = 1;\n}\n"),
    );
    // Descriptor sets without source info: findings name the file but no line...
    let strip = |dir: &PathBuf, name: &str| {
        let mut set = breaking::load(dir).unwrap();
        for file in &mut set.file {
            file.source_code_info = None;
        }
        let path = dir.join(name);
        std::fs::write(&path, set.encode_to_vec()).unwrap();
        path
    };
    let old_set = strip(&old, "old.binpb");
    let set_path = strip(&new, "new.binpb");
    let output = grpc_cli()
        .args(["breaking", "--against"])
        .arg(&old_set)
        .arg(&set_path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with("shop.proto: shop.Order: field 2 (\"item\") deleted"),
        "{stdout}"
    );
    // ...unless the old side has them: then they point there.
    let output = grpc_cli()
        .args(["breaking", "--against"])
        .arg(old.join("shop.proto"))
        .arg(&set_path)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with("shop.proto:3:1: shop.Order: field 2 (\"item\") deleted"),
        "{stdout}"
    );
    // Adding the field back is no break.
    let output = grpc_cli()
        .args(["breaking", "--against"])
        .arg(&set_path)
        .arg(old.join("shop.proto"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));

    let output = grpc_cli()
        .args([
            "breaking",
            "--against",
            "/nonexistent/old",
            "/nonexistent/new",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read /nonexistent/old"));
}
