//! Rendering tests: round trips through protox and edge cases.

use std::collections::HashMap;
use std::path::Path;

use prost_types::{
    descriptor_proto::{ExtensionRange, ReservedRange},
    enum_descriptor_proto::EnumReservedRange,
    field_descriptor_proto::{Label, Type},
    field_options::{CType, JsType},
    file_options::OptimizeMode,
    method_options::IdempotencyLevel,
    uninterpreted_option::NamePart,
    DescriptorProto, EnumDescriptorProto, EnumOptions, EnumValueDescriptorProto, EnumValueOptions,
    FieldDescriptorProto, FieldOptions, FileDescriptorProto, FileOptions, MessageOptions,
    MethodDescriptorProto, MethodOptions, OneofDescriptorProto, ServiceDescriptorProto,
    ServiceOptions, UninterpretedOption,
};
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};

use super::*;

// ---------------------------------------------------------------- harness

/// Serves in-memory sources by file name.
struct MemResolver(HashMap<String, String>);

impl FileResolver for MemResolver {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match self.0.get(name) {
            Some(source) => File::from_source(name, source),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// Compiles `targets` from in-memory `sources`, falling back to protox's
/// bundled google files for anything not in `sources`.
fn compile_sources(
    sources: &HashMap<String, String>,
    targets: &[&str],
) -> Result<Vec<FileDescriptorProto>, protox::Error> {
    let mut chain = ChainFileResolver::new();
    chain.add(MemResolver(sources.clone()));
    chain.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(chain);
    compiler.include_source_info(false);
    compiler.open_files(targets)?;
    Ok(compiler.file_descriptor_set().file)
}

/// Compiles `name` (and everything it imports) from include path `dir`.
fn compile_dir(dir: &Path, name: &str) -> Vec<FileDescriptorProto> {
    let mut compiler = protox::Compiler::new([dir]).expect("compiler");
    compiler.include_imports(true).include_source_info(false);
    compiler
        .open_file(name)
        .unwrap_or_else(|e| panic!("compiling {name}: {e:?}"));
    compiler.file_descriptor_set().file
}

/// Normalises a descriptor so that a hand-built or protoc-built one can be
/// compared with what protox makes of the rendered text:
/// - `source_code_info` is dropped;
/// - `syntax = "proto2"` and an absent syntax are the same;
/// - every field gets a `json_name` (the default lowerCamel name if it had
///   none), so custom JSON names are still compared;
/// - an options message equal to its default is the same as no options
///   (prost drops unknown fields, e.g. `retention`, `targets`,
///   `edition_defaults`, `features` set on descriptor.proto, and custom
///   options, leaving `Some(Default)` behind);
/// - bytes defaults are compared by their decoded bytes (re-escaped in
///   one canonical way);
/// - float/double defaults are compared by value (protoc writes `1e+300`,
///   protox writes the full decimal expansion).
fn normalize(mut file: FileDescriptorProto) -> FileDescriptorProto {
    file.source_code_info = None;
    if file.syntax.as_deref() == Some("proto2") {
        file.syntax = None;
    }
    clear_default(&mut file.options);
    file.message_type.iter_mut().for_each(normalize_message);
    file.extension.iter_mut().for_each(normalize_field);
    file.enum_type.iter_mut().for_each(normalize_enum);
    for service in &mut file.service {
        clear_default(&mut service.options);
        for method in &mut service.method {
            clear_default::<MethodOptions>(&mut method.options);
        }
    }
    file
}

fn clear_default<T: Default + PartialEq>(options: &mut Option<T>) {
    if options.as_ref().is_some_and(|o| *o == T::default()) {
        *options = None;
    }
}

fn normalize_message(message: &mut DescriptorProto) {
    clear_default(&mut message.options);
    message.field.iter_mut().for_each(normalize_field);
    message.extension.iter_mut().for_each(normalize_field);
    message.nested_type.iter_mut().for_each(normalize_message);
    message.enum_type.iter_mut().for_each(normalize_enum);
    for oneof in &mut message.oneof_decl {
        clear_default(&mut oneof.options);
    }
    for range in &mut message.extension_range {
        clear_default(&mut range.options);
    }
}

fn normalize_field(field: &mut FieldDescriptorProto) {
    clear_default(&mut field.options);
    if field.json_name.is_none() {
        field.json_name = Some(json_name(field.name()));
    }
    if let Some(default) = &mut field.default_value {
        // protoc prints 9 significant digits for floats, protox the
        // shortest form: compare floats at f32 precision.
        if field.r#type == Some(Type::Float as i32) {
            if let Ok(v) = default.parse::<f32>() {
                *default = format!("{v:e}");
            }
        } else if field.r#type == Some(Type::Double as i32) {
            if let Ok(v) = default.parse::<f64>() {
                *default = format!("{v:e}");
            }
        }
    }
    if field.r#type == Some(Type::Bytes as i32) {
        if let Some(default) = &mut field.default_value {
            let quoted = quote_bytes(&unescape_c(default));
            *default = quoted[1..quoted.len() - 1].to_owned();
        }
    }
}

fn normalize_enum(enum_type: &mut EnumDescriptorProto) {
    clear_default(&mut enum_type.options);
    for value in &mut enum_type.value {
        clear_default(&mut value.options);
    }
}

/// Asserts equality of two descriptors, printing only the region of the
/// pretty-printed debug output where they first differ.
fn assert_same(expected: &FileDescriptorProto, actual: &FileDescriptorProto, text: &str) {
    if expected == actual {
        return;
    }
    let e = format!("{expected:#?}");
    let a = format!("{actual:#?}");
    let e: Vec<&str> = e.lines().collect();
    let a: Vec<&str> = a.lines().collect();
    let first = e
        .iter()
        .zip(a.iter())
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let from = first.saturating_sub(30);
    panic!(
        "descriptors for {} differ at line {first}\n--- expected\n{}\n--- actual\n{}\n--- rendered text\n{text}",
        expected.name(),
        e[from..e.len().min(first + 10)].join("\n"),
        a[from..a.len().min(first + 10)].join("\n"),
    );
}

/// Compiles `targets` from `sources` with a `protoc` found on `PATH`
/// (plus `/usr/include` for google files not in `sources`). `None` when
/// no protoc is installed.
fn protoc_compile(
    sources: &HashMap<String, String>,
    targets: &[&str],
) -> Option<Result<Vec<FileDescriptorProto>, String>> {
    use prost::Message as _;
    use std::process::Command;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    if Command::new("protoc").arg("--version").output().is_err() {
        return None;
    }
    let dir = std::env::temp_dir().join(format!(
        "render-protoc-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let result = (|| {
        for (name, text) in sources {
            let path = dir.join("src").join(name);
            std::fs::create_dir_all(path.parent().ok_or("no parent")?)
                .map_err(|e| e.to_string())?;
            std::fs::write(&path, text).map_err(|e| e.to_string())?;
        }
        let out = dir.join("out.pb");
        let mut cmd = Command::new("protoc");
        cmd.arg("-I").arg(dir.join("src"));
        if Path::new("/usr/include/google/protobuf/descriptor.proto").exists() {
            cmd.arg("-I/usr/include");
        }
        cmd.arg("--include_imports")
            .arg(format!("--descriptor_set_out={}", out.display()))
            .args(targets);
        let output = cmd.output().map_err(|e| e.to_string())?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        let bytes = std::fs::read(&out).map_err(|e| e.to_string())?;
        prost_types::FileDescriptorSet::decode(bytes.as_slice())
            .map(|set| set.file)
            .map_err(|e| e.to_string())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    Some(result)
}

/// Outside CI an optional cross-check tool may be missing (the check is skipped, loudly);
/// in CI (`CI` set) it must be there, or the test fails.
fn require_in_ci(what: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must install {what} for this cross-check"
    );
    eprintln!("skipping cross-check: {what} is not installed");
}

/// When protoc is installed, checks that it accepts the rendered
/// `sources` and builds descriptors equal to the normalised `originals`.
fn protoc_cross_check(originals: &[FileDescriptorProto], sources: &HashMap<String, String>) {
    let names: Vec<&str> = originals.iter().map(|f| f.name()).collect();
    let Some(result) = protoc_compile(sources, &names) else {
        require_in_ci("protoc (apt-get install protobuf-compiler)");
        return;
    };
    let files = result.unwrap_or_else(|e| panic!("protoc rejects rendered text: {e}"));
    for original in originals {
        let again = files
            .iter()
            .find(|f| f.name() == original.name())
            .unwrap_or_else(|| panic!("{} missing from protoc output", original.name()));
        assert_same(
            &normalize(original.clone()),
            &normalize(again.clone()),
            &sources[original.name()],
        );
    }
}

/// Renders every file, compiles the rendered text back with protox and
/// checks each result against the normalised original.
fn roundtrip(originals: &[FileDescriptorProto]) {
    let sources: HashMap<String, String> = originals
        .iter()
        .map(|f| (f.name().to_owned(), render_file(f)))
        .collect();
    let names: Vec<&str> = originals.iter().map(|f| f.name()).collect();
    let reparsed = match compile_sources(&sources, &names) {
        Ok(files) => files,
        Err(e) => {
            let mut all = String::new();
            for name in &names {
                all.push_str(&format!("==== {name}\n{}\n", sources[*name]));
            }
            panic!("rendered text does not compile: {e:?}\n{all}");
        }
    };
    for original in originals {
        let again = reparsed
            .iter()
            .find(|f| f.name() == original.name())
            .unwrap_or_else(|| panic!("{} missing after reparse", original.name()));
        assert_same(
            &normalize(original.clone()),
            &normalize(again.clone()),
            &sources[original.name()],
        );
    }
    protoc_cross_check(originals, &sources);
}

// ---------------------------------------------------------- builders

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

fn field(name: &str, number: i32, label: Label, ty: Type) -> FieldDescriptorProto {
    FieldDescriptorProto {
        name: s(name),
        number: Some(number),
        label: Some(label as i32),
        r#type: Some(ty as i32),
        ..Default::default()
    }
}

fn typed(name: &str, number: i32, label: Label, ty: Type, type_name: &str) -> FieldDescriptorProto {
    FieldDescriptorProto {
        type_name: s(type_name),
        ..field(name, number, label, ty)
    }
}

fn message(name: &str, fields: Vec<FieldDescriptorProto>) -> DescriptorProto {
    DescriptorProto {
        name: s(name),
        field: fields,
        ..Default::default()
    }
}

fn map_entry(name: &str, key: Type, value: FieldDescriptorProto) -> DescriptorProto {
    DescriptorProto {
        options: Some(MessageOptions {
            map_entry: Some(true),
            ..Default::default()
        }),
        ..message(
            name,
            vec![
                field("key", 1, Label::Optional, key),
                FieldDescriptorProto {
                    name: s("value"),
                    number: Some(2),
                    label: Some(Label::Optional as i32),
                    ..value
                },
            ],
        )
    }
}

fn value(name: &str, number: i32) -> EnumValueDescriptorProto {
    EnumValueDescriptorProto {
        name: s(name),
        number: Some(number),
        options: None,
    }
}

fn method(name: &str, client: bool, server: bool) -> MethodDescriptorProto {
    MethodDescriptorProto {
        name: s(name),
        input_type: s(".test.pkg.Req"),
        output_type: s(".test.pkg.Resp"),
        options: None,
        client_streaming: client.then_some(true),
        server_streaming: server.then_some(true),
    }
}

fn dep_sources() -> HashMap<String, String> {
    let mut m = HashMap::new();
    m.insert(
        "dep/public.proto".to_owned(),
        "syntax = \"proto3\";\npackage dep;\nmessage PublicMsg {}\n".to_owned(),
    );
    m.insert(
        "dep/weak.proto".to_owned(),
        "syntax = \"proto3\";\npackage dep;\nmessage WeakMsg {}\n".to_owned(),
    );
    m
}

/// A proto3 file using every construct the renderer supports.
fn everything_proto3() -> FileDescriptorProto {
    use Label::{Optional as Opt, Repeated as Rep};
    let scalars = [
        Type::Double,
        Type::Float,
        Type::Int64,
        Type::Uint64,
        Type::Int32,
        Type::Fixed64,
        Type::Fixed32,
        Type::Bool,
        Type::String,
        Type::Bytes,
        Type::Uint32,
        Type::Sfixed32,
        Type::Sfixed64,
        Type::Sint32,
        Type::Sint64,
    ];
    let mut fields: Vec<FieldDescriptorProto> = scalars
        .iter()
        .zip(1..)
        .map(|(ty, n)| {
            field(
                &format!("f_{}", ty.as_str_name()[5..].to_lowercase()),
                n,
                Opt,
                *ty,
            )
        })
        .collect();
    let inner = ".test.pkg.Everything.Inner";
    let color = ".test.pkg.Everything.Color";
    fields.extend([
        FieldDescriptorProto {
            options: Some(FieldOptions {
                packed: Some(false),
                ..Default::default()
            }),
            ..field("r_int32", 16, Rep, Type::Int32)
        },
        field("r_string", 17, Rep, Type::String),
        FieldDescriptorProto {
            proto3_optional: Some(true),
            oneof_index: Some(2),
            ..field("o_int32", 18, Opt, Type::Int32)
        },
        FieldDescriptorProto {
            options: Some(FieldOptions {
                deprecated: Some(true),
                ..Default::default()
            }),
            ..typed("ts", 19, Opt, Type::Message, ".google.protobuf.Timestamp")
        },
        typed("inner", 20, Opt, Type::Message, inner),
        FieldDescriptorProto {
            json_name: s("colour"),
            ..typed("color", 21, Opt, Type::Enum, color)
        },
        typed(
            "counts",
            22,
            Rep,
            Type::Message,
            ".test.pkg.Everything.CountsEntry",
        ),
        FieldDescriptorProto {
            oneof_index: Some(0),
            ..field("name", 23, Opt, Type::String)
        },
        FieldDescriptorProto {
            oneof_index: Some(0),
            ..typed("in", 24, Opt, Type::Message, inner)
        },
        typed(
            "inners",
            25,
            Rep,
            Type::Message,
            ".test.pkg.Everything.InnersEntry",
        ),
        typed(
            "colors",
            26,
            Rep,
            Type::Message,
            ".test.pkg.Everything.ColorsEntry",
        ),
        FieldDescriptorProto {
            proto3_optional: Some(true),
            oneof_index: Some(3),
            ..typed("pub", 27, Opt, Type::Message, ".dep.PublicMsg")
        },
        FieldDescriptorProto {
            oneof_index: Some(1),
            ..field("flag", 28, Opt, Type::Bool)
        },
        typed("many", 29, Rep, Type::Message, inner),
        FieldDescriptorProto {
            json_name: s("WeirdJSON"),
            // protoc (unlike protox) allows jstype only on 64-bit ints.
            options: Some(FieldOptions {
                jstype: Some(JsType::JsString as i32),
                ..Default::default()
            }),
            ..field("weird_json", 30, Opt, Type::Sint64)
        },
    ]);
    let deep = DescriptorProto {
        enum_type: vec![EnumDescriptorProto {
            name: s("DeepEnum"),
            value: vec![value("DEEP_ZERO", 0), value("DEEP_ONE", 1)],
            ..Default::default()
        }],
        ..message(
            "Deep",
            vec![typed(
                "e",
                1,
                Opt,
                Type::Enum,
                ".test.pkg.Everything.Inner.Deep.DeepEnum",
            )],
        )
    };
    let inner_msg = DescriptorProto {
        nested_type: vec![deep],
        ..message(
            "Inner",
            vec![typed(
                "deep",
                1,
                Rep,
                Type::Message,
                ".test.pkg.Everything.Inner.Deep",
            )],
        )
    };
    let color_enum = EnumDescriptorProto {
        name: s("Color"),
        value: vec![
            value("RED", 0),
            value("CRIMSON", 0),
            EnumValueDescriptorProto {
                options: Some(EnumValueOptions {
                    deprecated: Some(true),
                    ..Default::default()
                }),
                ..value("GREEN", 1)
            },
            value("NEGATIVE", -3),
        ],
        options: Some(EnumOptions {
            allow_alias: Some(true),
            ..Default::default()
        }),
        reserved_range: vec![
            EnumReservedRange {
                start: Some(5),
                end: Some(5),
            },
            EnumReservedRange {
                start: Some(10),
                end: Some(20),
            },
            EnumReservedRange {
                start: Some(-10),
                end: Some(-8),
            },
            EnumReservedRange {
                start: Some(100),
                end: Some(i32::MAX),
            },
        ],
        reserved_name: vec!["BLUE".to_owned(), "YELLOW".to_owned()],
    };
    let everything = DescriptorProto {
        name: s("Everything"),
        field: fields,
        nested_type: vec![
            inner_msg,
            map_entry("CountsEntry", Type::String, field("", 0, Opt, Type::Int32)),
            map_entry(
                "InnersEntry",
                Type::Int64,
                typed("", 0, Opt, Type::Message, inner),
            ),
            map_entry(
                "ColorsEntry",
                Type::String,
                typed("", 0, Opt, Type::Enum, color),
            ),
        ],
        enum_type: vec![color_enum],
        extension: vec![FieldDescriptorProto {
            extendee: s(".google.protobuf.FieldOptions"),
            ..field("field_tag", 50003, Opt, Type::String)
        }],
        oneof_decl: ["choice", "other", "_o_int32", "_pub"]
            .iter()
            .map(|n| OneofDescriptorProto {
                name: s(n),
                options: None,
            })
            .collect(),
        options: Some(MessageOptions {
            deprecated: Some(true),
            ..Default::default()
        }),
        reserved_range: vec![
            ReservedRange {
                start: Some(100),
                end: Some(101),
            },
            ReservedRange {
                start: Some(200),
                end: Some(300),
            },
            ReservedRange {
                start: Some(1000),
                end: Some(MAX_FIELD_NUMBER + 1),
            },
        ],
        reserved_name: vec!["old".to_owned(), "older".to_owned()],
        ..Default::default()
    };

    FileDescriptorProto {
        name: s("test/everything.proto"),
        package: s("test.pkg"),
        dependency: vec![
            "google/protobuf/timestamp.proto".to_owned(),
            "dep/public.proto".to_owned(),
            "dep/weak.proto".to_owned(),
            "google/protobuf/descriptor.proto".to_owned(),
        ],
        public_dependency: vec![1],
        weak_dependency: vec![2],
        message_type: vec![everything, message("Req", vec![]), message("Resp", vec![])],
        enum_type: vec![EnumDescriptorProto {
            name: s("Status"),
            value: vec![value("STATUS_UNKNOWN", 0), value("STATUS_OK", 1)],
            options: Some(EnumOptions {
                deprecated: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        }],
        service: vec![
            ServiceDescriptorProto {
                name: s("Svc"),
                method: vec![
                    method("Unary", false, false),
                    method("ClientStream", true, false),
                    MethodDescriptorProto {
                        options: Some(MethodOptions {
                            deprecated: Some(true),
                            ..Default::default()
                        }),
                        ..method("ServerStream", false, true)
                    },
                    MethodDescriptorProto {
                        options: Some(MethodOptions {
                            idempotency_level: Some(IdempotencyLevel::Idempotent as i32),
                            ..Default::default()
                        }),
                        ..method("Bidi", true, true)
                    },
                ],
                options: Some(ServiceOptions {
                    deprecated: Some(true),
                    ..Default::default()
                }),
            },
            ServiceDescriptorProto {
                name: s("EmptySvc"),
                ..Default::default()
            },
        ],
        extension: vec![
            FieldDescriptorProto {
                extendee: s(".google.protobuf.MessageOptions"),
                ..field("my_tag", 50001, Opt, Type::String)
            },
            FieldDescriptorProto {
                extendee: s(".google.protobuf.MessageOptions"),
                ..field("my_nums", 50002, Rep, Type::Int32)
            },
            FieldDescriptorProto {
                extendee: s(".google.protobuf.EnumOptions"),
                ..typed("my_enum", 50001, Opt, Type::Enum, ".test.pkg.Status")
            },
        ],
        options: Some(FileOptions {
            java_package: s("com.example.test"),
            java_outer_classname: s("EverythingProto"),
            java_multiple_files: Some(true),
            java_string_check_utf8: Some(true),
            optimize_for: Some(OptimizeMode::CodeSize as i32),
            go_package: s("example.com/test/pkg;pkg"),
            cc_generic_services: Some(false),
            java_generic_services: Some(true),
            py_generic_services: Some(false),
            deprecated: Some(true),
            cc_enable_arenas: Some(true),
            objc_class_prefix: s("TST"),
            csharp_namespace: s("Test.\"Quoted\"\\Ns"),
            swift_prefix: s("Tst"),
            php_class_prefix: s("Tst_"),
            php_namespace: s("Test\\Pkg"),
            php_metadata_namespace: s("Test\\Meta"),
            ruby_package: s("Test::Pkg"),
            ..Default::default()
        }),
        source_code_info: None,
        syntax: s("proto3"),
    }
}

/// A proto2 file with labels, defaults, groups, extensions and ranges.
fn everything_proto2() -> FileDescriptorProto {
    use Label::{Optional as Opt, Repeated as Rep, Required as Req};
    let with_default = |f: FieldDescriptorProto, d: &str| FieldDescriptorProto {
        default_value: s(d),
        ..f
    };
    let kind = ".legacy.Old.Kind";
    let old = DescriptorProto {
        name: s("Old"),
        field: vec![
            field("id", 1, Req, Type::Int32),
            with_default(
                field("name", 2, Opt, Type::String),
                "a \"quoted\"\n\tname \u{fc}",
            ),
            with_default(field("data", 3, Opt, Type::Bytes), "\\001\\377ab\\\"\\\\"),
            with_default(typed("kind", 4, Opt, Type::Enum, kind), "SECOND"),
            with_default(field("ratio", 5, Opt, Type::Double), "inf"),
            with_default(field("neg", 6, Opt, Type::Float), "-inf"),
            with_default(field("nan_val", 7, Opt, Type::Float), "nan"),
            with_default(field("big", 8, Opt, Type::Sint64), "-9223372036854775808"),
            with_default(field("on", 9, Opt, Type::Bool), "true"),
            FieldDescriptorProto {
                options: Some(FieldOptions {
                    packed: Some(true),
                    ..Default::default()
                }),
                ..field("packed_nums", 10, Rep, Type::Int32)
            },
            typed("result", 11, Opt, Type::Group, ".legacy.Old.Result"),
            FieldDescriptorProto {
                oneof_index: Some(0),
                ..field("a", 14, Opt, Type::Int32)
            },
            FieldDescriptorProto {
                oneof_index: Some(0),
                ..typed("choice", 15, Opt, Type::Group, ".legacy.Old.Choice")
            },
            with_default(field("u", 17, Opt, Type::Uint32), "4294967295"),
            with_default(field("d", 18, Opt, Type::Double), "1.5"),
            typed("olds", 20, Rep, Type::Message, ".legacy.Old.OldsEntry"),
            FieldDescriptorProto {
                options: Some(FieldOptions {
                    ctype: Some(CType::Cord as i32),
                    lazy: Some(false),
                    ..Default::default()
                }),
                ..field("cord", 21, Opt, Type::String)
            },
            with_default(field("empty_str", 22, Opt, Type::String), ""),
        ],
        nested_type: vec![
            message(
                "Result",
                vec![
                    field("url", 12, Req, Type::String),
                    field("count", 13, Opt, Type::Int32),
                ],
            ),
            message("Choice", vec![field("c", 16, Opt, Type::Int32)]),
            map_entry(
                "OldsEntry",
                Type::String,
                typed("", 0, Opt, Type::Message, ".legacy.Old"),
            ),
            message("ExtGroup", vec![field("g", 1, Opt, Type::Int32)]),
        ],
        enum_type: vec![EnumDescriptorProto {
            name: s("Kind"),
            value: vec![value("FIRST", 1), value("SECOND", 2)],
            ..Default::default()
        }],
        extension_range: vec![
            ExtensionRange {
                start: Some(100),
                end: Some(200),
                options: None,
            },
            ExtensionRange {
                start: Some(1000),
                end: Some(MAX_FIELD_NUMBER + 1),
                options: None,
            },
        ],
        extension: vec![
            FieldDescriptorProto {
                extendee: s(".legacy.Old"),
                ..field("ext_in_scope", 150, Opt, Type::Int32)
            },
            FieldDescriptorProto {
                extendee: s(".legacy.Old"),
                ..typed("extgroup", 151, Opt, Type::Group, ".legacy.Old.ExtGroup")
            },
        ],
        oneof_decl: vec![OneofDescriptorProto {
            name: s("pick"),
            options: None,
        }],
        reserved_range: vec![ReservedRange {
            start: Some(30),
            end: Some(41),
        }],
        ..Default::default()
    };
    let message_set = DescriptorProto {
        name: s("Set"),
        options: Some(MessageOptions {
            message_set_wire_format: Some(true),
            ..Default::default()
        }),
        extension_range: vec![ExtensionRange {
            start: Some(4),
            end: Some(i32::MAX),
            options: None,
        }],
        ..Default::default()
    };
    FileDescriptorProto {
        name: s("test/legacy.proto"),
        package: s("legacy"),
        message_type: vec![
            old,
            message_set,
            message("TopGroup", vec![field("x", 1, Opt, Type::Int32)]),
        ],
        extension: vec![
            FieldDescriptorProto {
                extendee: s(".legacy.Old"),
                ..with_default(typed("top_ext", 160, Opt, Type::Enum, kind), "FIRST")
            },
            FieldDescriptorProto {
                extendee: s(".legacy.Old"),
                ..typed("topgroup", 161, Rep, Type::Group, ".legacy.TopGroup")
            },
            FieldDescriptorProto {
                extendee: s(".legacy.Set"),
                ..typed("in_set", 1000, Opt, Type::Message, ".legacy.Old")
            },
        ],
        options: Some(FileOptions {
            optimize_for: Some(OptimizeMode::LiteRuntime as i32),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Compiles `file` after rendering it, with `extra` sources available.
fn render_and_compile(
    file: &FileDescriptorProto,
    extra: HashMap<String, String>,
) -> (String, FileDescriptorProto) {
    let text = render_file(file);
    let mut sources = extra;
    sources.insert(file.name().to_owned(), text.clone());
    protoc_cross_check(std::slice::from_ref(file), &sources);
    let files = compile_sources(&sources, &[file.name()])
        .unwrap_or_else(|e| panic!("rendered text does not compile: {e:?}\n{text}"));
    let again = files
        .into_iter()
        .find(|f| f.name() == file.name())
        .expect("compiled file");
    (text, again)
}

// ------------------------------------------------------------- tests

#[test]
fn hand_built_proto3_roundtrips() {
    let file = everything_proto3();
    let (text, again) = render_and_compile(&file, dep_sources());
    assert_same(&normalize(file), &normalize(again), &text);
}

#[test]
fn hand_built_proto2_roundtrips() {
    let file = everything_proto2();
    let (text, again) = render_and_compile(&file, HashMap::new());
    assert_same(&normalize(file), &normalize(again), &text);
}

#[test]
fn proto3_text_shape() {
    let text = render_file(&everything_proto3());
    assert!(text.starts_with("syntax = \"proto3\";\n\npackage test.pkg;\n\n"));
    assert!(text.contains("import public \"dep/public.proto\";\n"));
    assert!(text.contains("import weak \"dep/weak.proto\";\n"));
    assert!(text.contains("  map<string, int32> counts = 22;\n"));
    assert!(text.contains("  map<int64, .test.pkg.Everything.Inner> inners = 25;\n"));
    assert!(text.contains("  optional int32 o_int32 = 18;\n"));
    assert!(text.contains("  repeated int32 r_int32 = 16 [packed = false];\n"));
    assert!(text.contains("  .test.pkg.Everything.Color color = 21 [json_name = \"colour\"];\n"));
    assert!(text.contains("  oneof choice {\n    string name = 23;\n"));
    assert!(text.contains("  rpc Bidi(stream .test.pkg.Req) returns (stream .test.pkg.Resp) {\n"));
    assert!(text.contains("  reserved 100, 200 to 299, 1000 to max;\n"));
    assert!(text.contains("    reserved 5, 10 to 20, -10 to -8, 100 to max;\n"));
    assert!(text.contains("option csharp_namespace = \"Test.\\\"Quoted\\\"\\\\Ns\";\n"));
    assert!(
        !text.contains("CountsEntry"),
        "map entries are not rendered"
    );
    assert!(
        !text.contains("_o_int32"),
        "synthetic oneofs are not rendered"
    );
    assert!(
        !text.contains("json_name = \"fDouble\""),
        "default json names are implicit"
    );
    assert!(text.contains("\n}\n\nmessage Req {}\n\nmessage Resp {}\n"));
    // Deterministic.
    assert_eq!(text, render_file(&everything_proto3()));
}

#[test]
fn proto2_text_shape() {
    let text = render_file(&everything_proto2());
    assert!(text.starts_with("syntax = \"proto2\";\n\npackage legacy;\n\n"));
    assert!(text.contains("  required int32 id = 1;\n"));
    assert!(text.contains("  optional group Result = 11 {\n    required string url = 12;\n"));
    assert!(text.contains("    group Choice = 15 {\n"));
    assert!(text.contains("  optional bytes data = 3 [default = \"\\001\\377ab\\\"\\\\\"];\n"));
    assert!(text.contains("  optional double ratio = 5 [default = inf];\n"));
    assert!(text.contains("  extensions 1000 to max;\n"));
    assert!(text.contains("  extensions 4 to max;\n"));
    assert!(text.contains("extend .legacy.Old {\n  optional .legacy.Old.Kind top_ext = 160 [default = FIRST];\n  repeated group TopGroup = 161 {\n"));
}

#[test]
fn minimal_text_is_exact() {
    let file = FileDescriptorProto {
        name: s("m.proto"),
        package: s("m"),
        message_type: vec![DescriptorProto {
            nested_type: vec![message("B", vec![])],
            ..message(
                "A",
                vec![
                    typed("b", 1, Label::Optional, Type::Message, ".m.A.B"),
                    field("n", 2, Label::Repeated, Type::Int32),
                ],
            )
        }],
        enum_type: vec![EnumDescriptorProto {
            name: s("E"),
            value: vec![value("E_ZERO", 0)],
            ..Default::default()
        }],
        service: vec![ServiceDescriptorProto {
            name: s("S"),
            method: vec![MethodDescriptorProto {
                name: s("Call"),
                input_type: s(".m.A"),
                output_type: s(".m.A"),
                ..Default::default()
            }],
            options: None,
        }],
        syntax: s("proto3"),
        ..Default::default()
    };
    let expected = "\
syntax = \"proto3\";

package m;

message A {
  .m.A.B b = 1;
  repeated int32 n = 2;
  message B {}
}

enum E {
  E_ZERO = 0;
}

service S {
  rpc Call(.m.A) returns (.m.A);
}
";
    assert_eq!(render_file(&file), expected);
}

#[test]
fn canonical_helloworld_and_route_guide() {
    // The project's copies of the canonical protos.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/python/protos");
    for name in ["helloworld.proto", "route_guide.proto"] {
        roundtrip(&compile_dir(&dir, name));
    }
}

#[test]
fn grpc_testing_protos() {
    let dir = Path::new("/usr/share/grpc-proto");
    if !dir.join("grpc/testing").exists() {
        require_in_ci("the grpc-proto package (apt-get install grpc-proto)");
        return;
    }
    for name in ["empty", "messages", "test"] {
        roundtrip(&compile_dir(dir, &format!("grpc/testing/{name}.proto")));
    }
}

#[test]
fn bundled_google_files() {
    // descriptor.proto is proto2 with defaults, extension ranges and
    // reserved ranges; the others cover maps, oneofs and imports.
    for name in [
        "google/protobuf/descriptor.proto",
        "google/protobuf/any.proto",
        "google/protobuf/api.proto",
        "google/protobuf/duration.proto",
        "google/protobuf/empty.proto",
        "google/protobuf/field_mask.proto",
        "google/protobuf/source_context.proto",
        "google/protobuf/struct.proto",
        "google/protobuf/timestamp.proto",
        "google/protobuf/type.proto",
        "google/protobuf/wrappers.proto",
        "google/protobuf/compiler/plugin.proto",
    ] {
        roundtrip(&compile_dir(Path::new("/nonexistent-include-dir"), name));
    }
}

#[test]
fn compiled_proto2_source_roundtrips() {
    // Groups, defaults and extensions as a compiler produces them.
    let source = r#"
syntax = "proto2";
package p2;
import "google/protobuf/descriptor.proto";
message Outer {
  message Before {}
  optional group Grp = 1 { optional int32 x = 2 [default = -7]; }
  message Middle {}
  map<int32, Before> m = 3;
  optional float f = 4 [default = 0.1];
  optional double d = 5 [default = 1e+300];
  optional double small = 6 [default = -2.5e-10];
  optional float big_float = 13 [default = 3.4028235e38];
  optional double whole = 14 [default = 5];
  optional bytes b = 7 [default = "\x01\x7f\\\"'\n"];
  optional string s = 8 [default = "caf\303\251 \x01"];
  optional int64 h = 9 [default = 0x7fffffffffffffff];
  optional int32 o = 10 [default = -012];
  extend Outer { optional group Eg = 100 { optional int32 y = 1; } }
  extensions 100 to 200;
  oneof k { group OneG = 11 { optional int32 z = 1; } string t = 12; }
}
extend google.protobuf.FieldOptions { optional string note = 51234; }
message WithOpt { optional int32 v = 1 [(note) = "hi", deprecated = true]; }
"#;
    let mut sources = HashMap::new();
    sources.insert("p2.proto".to_owned(), source.to_owned());
    let files = compile_sources(&sources, &["p2.proto"]).expect("source compiles");
    roundtrip(&files);
}

#[test]
fn json_names() {
    assert_eq!(json_name("foo_bar_baz"), "fooBarBaz");
    assert_eq!(json_name("_leading"), "Leading");
    assert_eq!(json_name("trailing_"), "trailing");
    assert_eq!(json_name("double__under"), "doubleUnder");
    assert_eq!(json_name("already_Upper"), "alreadyUpper");
    assert_eq!(json_name("x1_2y"), "x12y");
}

#[test]
fn string_escaping() {
    assert_eq!(quote_str("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\001é\"");
    assert_eq!(quote_bytes(&[0, b'a', 0xff, b'"']), "\"\\000a\\377\\\"\"");
    assert_eq!(
        unescape_c("\\001\\x41\\n\\\\\\\"z"),
        b"\x01A\n\\\"z".to_vec()
    );
    assert_eq!(unescape_c("\\"), b"\\".to_vec());
    assert_eq!(unescape_c("\\xZZ\\9"), b"\\xZZ9".to_vec());
}

#[test]
fn uninterpreted_options_are_rendered() {
    let option = UninterpretedOption {
        name: vec![
            NamePart {
                name_part: "my.ext".to_owned(),
                is_extension: true,
            },
            NamePart {
                name_part: "sub".to_owned(),
                is_extension: false,
            },
        ],
        string_value: Some(b"v\x00".to_vec()),
        ..Default::default()
    };
    assert_eq!(uninterpreted(&option), "(my.ext).sub = \"v\\000\"");
    let neg = UninterpretedOption {
        name: vec![NamePart {
            name_part: "x".to_owned(),
            is_extension: true,
        }],
        double_value: Some(f64::NEG_INFINITY),
        ..Default::default()
    };
    assert_eq!(uninterpreted(&neg), "(x) = -inf");
}

#[test]
fn unnamed_and_dangling_references_do_not_panic() {
    let mut file = everything_proto3();
    file.public_dependency = vec![-1, 99, i32::MIN];
    file.weak_dependency = vec![i32::MAX];
    file.syntax = None;
    let m = &mut file.message_type[0];
    m.oneof_decl.clear();
    m.field[0].oneof_index = Some(-5);
    m.field[1].oneof_index = Some(i32::MAX);
    m.field[2].r#type = Some(12345);
    m.field[3].label = Some(-1);
    m.field[4].name = None;
    m.field[4].number = None;
    m.field[5].r#type = Some(Type::Group as i32);
    m.field[6].r#type = None;
    m.field[6].type_name = None;
    m.reserved_range.push(ReservedRange {
        start: Some(i32::MIN),
        end: Some(i32::MIN),
    });
    m.reserved_range.push(ReservedRange {
        start: None,
        end: None,
    });
    m.extension_range.push(ExtensionRange {
        start: Some(i32::MAX),
        end: Some(i32::MAX),
        options: None,
    });
    m.nested_type[1].field.clear(); // map entry without key/value
    m.nested_type.push(DescriptorProto::default());
    file.enum_type.push(EnumDescriptorProto {
        reserved_range: vec![EnumReservedRange {
            start: Some(i32::MIN),
            end: Some(i32::MAX),
        }],
        ..Default::default()
    });
    file.service.push(ServiceDescriptorProto {
        method: vec![MethodDescriptorProto::default()],
        ..Default::default()
    });
    if let Some(o) = file.options.as_mut() {
        o.optimize_for = Some(99);
    }
    let text = render_file(&file);
    assert!(text.contains("message Everything"));
    let _ = render_file(&FileDescriptorProto::default());
    for syntax in ["proto2", "proto3", "editions", "bogus"] {
        let mut f = everything_proto2();
        f.syntax = s(syntax);
        let _ = render_file(&f);
    }
}

#[test]
fn random_mutations_do_not_panic() {
    // A small deterministic fuzzer over the numeric/index fields.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let interesting = [0, 1, -1, 2, 3, 9, 11, 18, i32::MIN, i32::MAX, 536_870_912];
    for round in 0..300 {
        let mut file = if round % 2 == 0 {
            everything_proto3()
        } else {
            everything_proto2()
        };
        let pick = |r: u64| interesting[(r % interesting.len() as u64) as usize];
        for message in &mut file.message_type {
            for f in message.field.iter_mut().chain(message.extension.iter_mut()) {
                match next() % 6 {
                    0 => f.oneof_index = Some(pick(next())),
                    1 => f.r#type = Some(pick(next())),
                    2 => f.label = Some(pick(next())),
                    3 => f.proto3_optional = Some(next() % 2 == 0),
                    4 => f.type_name = s(".test.pkg.Everything.CountsEntry"),
                    _ => f.number = Some(pick(next())),
                }
            }
            for n in &mut message.nested_type {
                if next() % 3 == 0 {
                    n.options = Some(MessageOptions {
                        map_entry: Some(true),
                        ..Default::default()
                    });
                }
            }
            if next() % 4 == 0 {
                message.nested_type.reverse();
            }
            if next() % 4 == 0 {
                message.field.reverse();
            }
        }
        let _ = render_file(&file);
    }
}

// ---------------------------------------------------------------- comments

/// Leading comments by path, as protox records them.
fn leading_comments(file: &FileDescriptorProto) -> Vec<(Vec<i32>, String)> {
    let mut out: Vec<(Vec<i32>, String)> = file
        .source_code_info
        .iter()
        .flat_map(|info| &info.location)
        .filter_map(|l| Some((l.path.clone(), l.leading_comments.clone()?)))
        .collect();
    out.sort();
    out
}

fn compile_with_comments(name: &str, source: &str) -> FileDescriptorProto {
    let sources = HashMap::from([(name.to_owned(), source.to_owned())]);
    let mut chain = ChainFileResolver::new();
    chain.add(MemResolver(sources));
    let mut compiler = protox::Compiler::with_file_resolver(chain);
    compiler.include_source_info(true);
    compiler.open_files([name]).expect("compiles");
    compiler
        .file_descriptor_set()
        .file
        .into_iter()
        .find(|f| f.name() == name)
        .expect("the file")
}

#[test]
fn leading_comments_are_rendered_and_read_back_in_place() {
    let source = r#"syntax = "proto3";
package c;

// A point.
// Two lines.
message Point {
  // Latitude.
  int32 lat = 1;
  // Which.
  oneof which {
    // A name.
    string name = 2;
  }
  // Nested.
  message Inner {
    // Deep.
    bool deep = 1;
  }
  // Kind.
  enum Kind {
    // Zero.
    KIND_UNSPECIFIED = 0;
  }
}

// Mood.
enum Mood {
  // None.
  MOOD_UNSPECIFIED = 0;
}

// Greets.
service Greeter {
  // Says hello.
  //
  // With a blank line.
  rpc Hello(Point) returns (Point);
}
"#;
    let parsed = compile_with_comments("c.proto", source);
    let text = render_file(&parsed);
    for line in [
        "// A point.\n// Two lines.\nmessage Point {",
        "  // Latitude.\n  int32 lat = 1;",
        "  // Which.\n  oneof which {",
        "    // Deep.\n    bool deep = 1;",
        "    // Zero.\n    KIND_UNSPECIFIED = 0;",
        "// Mood.\nenum Mood {",
        "  // Says hello.\n  //\n  // With a blank line.\n  rpc Hello",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }
    let reparsed = compile_with_comments("c.proto", &text);
    assert_eq!(leading_comments(&reparsed), leading_comments(&parsed));
}
