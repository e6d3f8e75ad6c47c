//! Imported types are lossless by default (every message keeps its unknown fields, enum fields
//! are `OpenEnum<E>`), and `Builder::preserve_unknown(false)` / `--drop-unknown` turn both off.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use grpc_proto_import::{generate, parse, Builder};

const PROTO: &str = r#"syntax = "proto3";
package lossless.imported;
enum Color { COLOR_UNSPECIFIED = 0; COLOR_RED = 1; }
message Paint {
  Color color = 1;
  repeated Color colors = 2;
  optional Color maybe = 3;
  map<string, Color> by_name = 4;
  oneof pick { Color picked = 5; string named = 6; }
  message Layer { Color tint = 1; }
  Layer layer = 7;
}
message Clash {
  int32 unknown_fields = 1;
  oneof unknown_fields_ { string text = 2; }
}
message Nothing {}
"#;

/// The directory holding `lossless.proto`, written once.
fn dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("grpc-import-unknown-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("lossless.proto"), PROTO).unwrap();
        dir
    })
    .clone()
}

fn code(builder: Option<Builder>) -> String {
    let set = parse(&[dir()], &["lossless.proto"]).unwrap();
    let modules = match builder {
        Some(builder) => builder.generate(&set).unwrap(),
        None => generate(&set).unwrap(),
    };
    modules.into_iter().map(|m| m.code).collect()
}

const UNKNOWN_FIELD: &str =
    "#[grpc(unknown_fields)]\n    pub unknown_fields: ::grpc_core::UnknownFields,";

#[test]
fn every_message_keeps_unknown_fields_and_enum_fields_are_open() {
    let code = code(None);
    assert_eq!(
        code,
        self::code(Some(Builder::new())),
        "generate() is the default"
    );
    // Paint and Nothing; Clash's is renamed and Paint.Layer's nested (both checked below).
    assert_eq!(code.matches(UNKNOWN_FIELD).count(), 2, "{code}");
    assert!(
        code.contains(
            "#[grpc(unknown_fields)]\n        pub unknown_fields: ::grpc_core::UnknownFields,"
        ),
        "nested Layer: {code}"
    );
    for field in [
        "pub color: ::grpc_core::OpenEnum<Color>,",
        "pub colors: ::std::vec::Vec<::grpc_core::OpenEnum<Color>>,",
        "pub maybe: ::core::option::Option<::grpc_core::OpenEnum<Color>>,",
        "pub by_name: ::std::collections::HashMap<\n        ::std::string::String,\n        ::grpc_core::OpenEnum<Color>,\n    >,",
        "Picked(::grpc_core::OpenEnum<super::Color>),",
        "pub tint: ::grpc_core::OpenEnum<super::Color>,",
    ] {
        assert!(code.contains(field), "{field:?} in:\n{code}");
    }
}

#[test]
fn the_unknown_fields_field_steps_aside_for_a_protobuf_field_of_that_name() {
    let code = code(None);
    assert!(
        code.contains("pub unknown_fields: i32,")
            && code.contains("pub unknown_fields_: ::core::option::Option<clash::UnknownFields>,")
            && code.contains(
                "#[grpc(unknown_fields)]\n    pub unknown_fields__: ::grpc_core::UnknownFields,"
            ),
        "{code}"
    );
}

#[test]
fn preserve_unknown_false_gives_plain_types() {
    let code = code(Some(Builder::new().preserve_unknown(false)));
    assert!(!code.contains("::grpc_core::UnknownFields"), "{code}");
    assert!(!code.contains("#[grpc(unknown_fields)]"), "{code}");
    assert!(!code.contains("OpenEnum"), "{code}");
    assert!(code.contains("pub color: Color,"), "{code}");
    assert!(code.contains("Picked(super::Color),"), "{code}");
}

#[test]
fn the_cli_drops_unknown_on_request() {
    let run = |extra: &[&str], out: &str| {
        let out = std::env::temp_dir().join(format!("{out}-{}", std::process::id()));
        let status = Command::new(env!("CARGO_BIN_EXE_grpc-proto-import"))
            .arg("-I")
            .arg(dir())
            .args(extra)
            .arg("-o")
            .arg(&out)
            .arg("lossless.proto")
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
        std::fs::read_to_string(out.join("lossless.imported.rs")).unwrap()
    };
    let kept = run(&[], "grpc-import-cli-kept");
    let dropped = run(&["--drop-unknown"], "grpc-import-cli-dropped");
    assert!(kept.contains("::grpc_core::UnknownFields"), "{kept}");
    assert!(kept.contains("::grpc_core::OpenEnum<Color>"), "{kept}");
    assert!(!dropped.contains("::grpc_core::UnknownFields"), "{dropped}");
    assert!(!dropped.contains("OpenEnum"), "{dropped}");
}
