//! Options as text: `(google.api.http) = { get: "/v1/{name=operations/**}" }`, the
//! form they take after `option` (or inside `[...]`) in a `.proto` file.
//!
//! A name in parentheses is a custom option (an extension of the element's `*Options`
//! message); a plain name (`deprecated = true`, `idempotency_level = NO_SIDE_EFFECTS`) is a
//! standard one, a field of that message, which [`check_standard`] checks against
//! `descriptor.proto` for the element it is on.
//!
//! `#[grpc(option = "...")]` holds this text; the macros check it with [`parse`] at compile
//! time, grpc-core's descriptor builders parse it again into an `UninterpretedOption` (the
//! form protoc itself uses before it resolves an option against its extension's declaration),
//! and the importer writes it with [`render`].
//!
//! ```
//! use grpc_model::options::{parse, render, Value};
//! let option = parse(r#"(google.api.http) = { get: "/v1/things" }"#).unwrap();
//! assert_eq!(option.name[0].name, "google.api.http");
//! assert!(option.name[0].is_extension);
//! assert_eq!(option.value, Value::Aggregate(r#"get: "/v1/things""#.to_owned()));
//! assert_eq!(render(&option), r#"(google.api.http) = { get: "/v1/things" }"#);
//! assert_eq!(parse("(my.level) = -3").unwrap().value, Value::Negative(-3));
//! assert!(parse("my.level = ").is_err());
//!
//! use grpc_model::options::{check_standard, Element};
//! let level = parse("idempotency_level = NO_SIDE_EFFECTS").unwrap();
//! assert!(!level.name[0].is_extension);
//! assert_eq!(check_standard(Element::Method, &level), Ok(()));
//! assert!(check_standard(Element::Message, &level).unwrap_err().contains("idempotency_level"));
//! ```

/// One component of an option's name: `(google.api.http)` (an extension) or `get`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePart {
    /// The name, without parentheses (`google.api.http`).
    pub name: String,
    /// Whether it was in parentheses: an extension's full name.
    pub is_extension: bool,
}

/// An option's value, as protoc's `UninterpretedOption` keeps it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An identifier: `true`, `false`, `inf`, `nan` or an enum value's name.
    Identifier(String),
    /// A non-negative integer.
    Positive(u64),
    /// A negative integer.
    Negative(i64),
    /// A floating-point number (`-inf` and `-nan` included).
    Double(f64),
    /// A string literal, unescaped (adjacent literals joined).
    String(Vec<u8>),
    /// A message in text format, without its braces.
    Aggregate(String),
}

/// A custom option: its name and value.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomOption {
    /// The name's components (`(google.api.http).get` is two).
    pub name: Vec<NamePart>,
    /// The value.
    pub value: Value,
}

/// What an option is on: which `*Options` message of `descriptor.proto` its standard names
/// are fields of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    /// A message (`MessageOptions`).
    Message,
    /// A field (`FieldOptions`).
    Field,
    /// A oneof (`OneofOptions`).
    Oneof,
    /// An enum (`EnumOptions`).
    Enum,
    /// An enum value (`EnumValueOptions`).
    EnumValue,
    /// A service (`ServiceOptions`).
    Service,
    /// A method (`MethodOptions`).
    Method,
}

/// The type of a standard option's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    /// An enum, with its value names.
    Enum(&'static [&'static str]),
}

const CTYPE: &[&str] = &["STRING", "CORD", "STRING_PIECE"];
const JSTYPE: &[&str] = &["JS_NORMAL", "JS_STRING", "JS_NUMBER"];
const IDEMPOTENCY: &[&str] = &["IDEMPOTENCY_UNKNOWN", "NO_SIDE_EFFECTS", "IDEMPOTENT"];

impl Element {
    /// The `*Options` message's name.
    fn options_message(self) -> &'static str {
        match self {
            Element::Message => "MessageOptions",
            Element::Field => "FieldOptions",
            Element::Oneof => "OneofOptions",
            Element::Enum => "EnumOptions",
            Element::EnumValue => "EnumValueOptions",
            Element::Service => "ServiceOptions",
            Element::Method => "MethodOptions",
        }
    }

    /// The standard options this element takes as `option = "..."`: the scalar fields of its
    /// `*Options` message that prost-types' structs have (they are where grpc-core keeps them),
    /// apart from those with attributes of their own or that the element's shape decides.
    fn standard(self) -> &'static [(&'static str, Kind)] {
        use Kind::{Bool, Enum};
        match self {
            Element::Message => &[
                ("no_standard_descriptor_accessor", Bool),
                ("deprecated", Bool),
            ],
            Element::Field => &[
                ("ctype", Enum(CTYPE)),
                ("jstype", Enum(JSTYPE)),
                ("lazy", Bool),
                ("weak", Bool),
            ],
            Element::Oneof => &[],
            Element::Enum | Element::EnumValue | Element::Service => &[("deprecated", Bool)],
            Element::Method => &[
                ("deprecated", Bool),
                ("idempotency_level", Enum(IDEMPOTENCY)),
            ],
        }
    }

    /// Why a standard option that `descriptor.proto` has is not taken here, if it is one.
    fn refused(self, name: &str) -> Option<&'static str> {
        Some(match (self, name) {
            (_, "features") => "editions features are not supported",
            (_, "uninterpreted_option") => "it is what custom options become",
            (Element::Message, "map_entry") => "map entries are made by `map<K, V>` fields",
            (Element::Message, "message_set_wire_format") => {
                "the message-set wire format is not supported"
            }
            (_, "deprecated_legacy_json_field_conflicts" | "unverified_lazy" | "debug_redact") => {
                "prost-types' options structs have no field for it"
            }
            (Element::Field, "packed") => "write `#[grpc(packed = ...)]`",
            (Element::Field, "deprecated") => "write `#[grpc(deprecated)]`",
            (Element::Field, "retention" | "targets" | "edition_defaults" | "feature_support") => {
                "it is only meaningful on the fields of options messages"
            }
            (Element::Enum, "allow_alias") => "enum aliases are not supported",
            (Element::EnumValue, "feature_support") => "editions features are not supported",
            _ => return None,
        })
    }
}

/// Checks a standard option (a plain name, e.g. `deprecated = true`) against the fields of
/// `element`'s `*Options` message: the name must be one of them and the value must fit its
/// type. A custom option (a name in parentheses) passes: its declaration is checked when the
/// descriptors are encoded.
pub fn check_standard(element: Element, option: &CustomOption) -> Result<(), String> {
    let Some(first) = option.name.first().filter(|p| !p.is_extension) else {
        return Ok(());
    };
    let name = first.name.as_str();
    let message = element.options_message();
    if let Some(reason) = element.refused(name) {
        return Err(format!(
            "standard option `{name}` is not taken in `option = \"...\"` here: {reason}"
        ));
    }
    let Some((_, kind)) = element.standard().iter().find(|(n, _)| *n == name) else {
        let known: Vec<&str> = element.standard().iter().map(|(n, _)| *n).collect();
        return Err(format!(
            "`{name}` is not a standard option of `google.protobuf.{message}`{}",
            if known.is_empty() {
                String::new()
            } else {
                format!(" (those taken here: {})", known.join(", "))
            }
        ));
    };
    let fits = match (kind, &option.value) {
        (Kind::Bool, Value::Identifier(v)) => v == "true" || v == "false",
        (Kind::Enum(values), Value::Identifier(v)) => values.contains(&v.as_str()),
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        Err(format!(
            "standard option `{name}` takes {}, not `{}`",
            match kind {
                Kind::Bool => "`true` or `false`".to_owned(),
                Kind::Enum(values) => format!("one of {}", values.join(", ")),
            },
            render_value(&option.value)
        ))
    }
}

/// Reads `name = value` as it is written in a `.proto` file.
pub fn parse(text: &str) -> Result<CustomOption, String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected `(extension.name) = value`, not `{text}`"))?;
    let name = parse_name(name.trim())?;
    let value = parse_value(value.trim())?;
    Ok(CustomOption { name, value })
}

fn parse_name(text: &str) -> Result<Vec<NamePart>, String> {
    let bad = || {
        format!("`{text}` is not an option name (expected e.g. `(google.api.http)` or `(my.ext).field`)")
    };
    let mut parts = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (part, after) = if let Some(inner) = rest.strip_prefix('(') {
            let end = inner.find(')').ok_or_else(bad)?;
            let name = inner[..end].trim().trim_start_matches('.');
            (
                NamePart {
                    name: name.to_owned(),
                    is_extension: true,
                },
                &inner[end + 1..],
            )
        } else {
            let end = rest.find('.').unwrap_or(rest.len());
            (
                NamePart {
                    name: rest[..end].trim().to_owned(),
                    is_extension: false,
                },
                &rest[end..],
            )
        };
        let valid = !part.name.is_empty()
            && part.name.split('.').all(|segment| {
                segment
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && segment
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
        if !valid || (!part.is_extension && part.name.contains('.')) {
            return Err(bad());
        }
        parts.push(part);
        rest = match after.trim_start() {
            "" => "",
            more => match more.strip_prefix('.').map(str::trim_start) {
                Some(next) if !next.is_empty() => next,
                _ => return Err(bad()),
            },
        };
    }
    if !parts.first().is_some_and(|p| p.is_extension) && parts.len() > 1 {
        return Err(format!(
            "`{text}` is not an option name: a standard option is one name (`deprecated`), a custom option starts with an extension in parentheses (`(google.api.http)`)"
        ));
    }
    Ok(parts)
}

fn parse_value(text: &str) -> Result<Value, String> {
    if text.is_empty() {
        return Err("the option has no value after `=`".to_owned());
    }
    let bad = || {
        format!(
            "`{text}` is not an option value (a number, identifier, string literal or `{{ ... }}`)"
        )
    };
    if let Some(inner) = text.strip_prefix('{') {
        let inner = inner.strip_suffix('}').ok_or_else(bad)?;
        return Ok(Value::Aggregate(inner.trim().to_owned()));
    }
    if text.starts_with('"') || text.starts_with('\'') {
        return parse_strings(text).ok_or_else(bad).map(Value::String);
    }
    let (negative, number) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, text),
    };
    let first = number.chars().next().ok_or_else(bad)?;
    if first.is_ascii_alphabetic() || first == '_' {
        if !number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(bad());
        }
        if !negative {
            return Ok(Value::Identifier(number.to_owned()));
        }
        return match number {
            "inf" | "infinity" => Ok(Value::Double(f64::NEG_INFINITY)),
            "nan" => Ok(Value::Double(-f64::NAN)),
            _ => Err(bad()),
        };
    }
    if let Some(int) = parse_int(number) {
        return Ok(if negative {
            match i64::try_from(int) {
                Ok(v) => Value::Negative(-v),
                Err(_) if int == 1 << 63 => Value::Negative(i64::MIN),
                Err(_) => Value::Double(-(int as f64)),
            }
        } else {
            Value::Positive(int)
        });
    }
    let float: f64 = number
        .trim_end_matches(['f', 'F'])
        .parse()
        .map_err(|_| bad())?;
    Ok(Value::Double(if negative { -float } else { float }))
}

/// A decimal, `0x` hex or `0` octal integer, as protoc reads one.
fn parse_int(text: &str) -> Option<u64> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok();
    }
    if text.len() > 1 && text.starts_with('0') && text.chars().all(|c| c.is_ascii_digit()) {
        return u64::from_str_radix(&text[1..], 8).ok();
    }
    if text.chars().all(|c| c.is_ascii_digit()) {
        return text.parse().ok();
    }
    None
}

/// One or more adjacent quoted literals, unescaped and joined.
fn parse_strings(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let quote = rest.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let body = &rest[1..];
        let mut end = None;
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                c if c == quote => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end?;
        out.extend(crate::literals::unescape_c(&body[..end]));
        rest = body[end + 1..].trim_start();
    }
    Some(out)
}

/// `name = value` as a `.proto` file writes it; [`parse`] reads it back to the same option.
pub fn render(option: &CustomOption) -> String {
    let name: Vec<String> = option
        .name
        .iter()
        .map(|part| {
            if part.is_extension {
                format!("({})", part.name)
            } else {
                part.name.clone()
            }
        })
        .collect();
    format!("{} = {}", name.join("."), render_value(&option.value))
}

/// A value as `.proto` text.
pub fn render_value(value: &Value) -> String {
    match value {
        Value::Identifier(ident) => ident.clone(),
        Value::Positive(v) => v.to_string(),
        Value::Negative(v) => v.to_string(),
        Value::Double(v) if v.is_nan() => {
            if v.is_sign_negative() { "-nan" } else { "nan" }.to_owned()
        }
        Value::Double(v) if v.is_infinite() => if *v > 0.0 { "inf" } else { "-inf" }.to_owned(),
        Value::Double(v) => format!("{v:?}"),
        Value::String(bytes) => quote_bytes(bytes),
        Value::Aggregate(text) if text.is_empty() => "{}".to_owned(),
        Value::Aggregate(text) => format!("{{ {text} }}"),
    }
}

/// A string literal protoc reads back to `bytes` (C escapes for quotes, backslashes, control
/// and non-ASCII bytes).
pub fn quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push('"');
    out
}

/// An option as protoc's `UninterpretedOption` (the form of an option before it is linked).
#[cfg(feature = "descriptor")]
pub fn to_uninterpreted(option: &CustomOption) -> prost_types::UninterpretedOption {
    let mut out = prost_types::UninterpretedOption {
        name: option
            .name
            .iter()
            .map(|part| prost_types::uninterpreted_option::NamePart {
                name_part: part.name.clone(),
                is_extension: part.is_extension,
            })
            .collect(),
        ..Default::default()
    };
    match &option.value {
        Value::Identifier(v) => out.identifier_value = Some(v.clone()),
        Value::Positive(v) => out.positive_int_value = Some(*v),
        Value::Negative(v) => out.negative_int_value = Some(*v),
        Value::Double(v) => out.double_value = Some(*v),
        Value::String(v) => out.string_value = Some(v.clone()),
        Value::Aggregate(v) => out.aggregate_value = Some(v.clone()),
    }
    out
}

/// The model's form of an `UninterpretedOption` (for `.proto` text).
#[cfg(feature = "descriptor")]
pub fn from_uninterpreted(option: &prost_types::UninterpretedOption) -> CustomOption {
    let value = if let Some(v) = &option.identifier_value {
        Value::Identifier(v.clone())
    } else if let Some(v) = option.positive_int_value {
        Value::Positive(v)
    } else if let Some(v) = option.negative_int_value {
        Value::Negative(v)
    } else if let Some(v) = option.double_value {
        Value::Double(v)
    } else if let Some(v) = &option.string_value {
        Value::String(v.clone())
    } else if let Some(v) = &option.aggregate_value {
        Value::Aggregate(v.clone())
    } else {
        Value::String(Vec::new())
    };
    CustomOption {
        name: option
            .name
            .iter()
            .map(|part| NamePart {
                name: part.name_part.clone(),
                is_extension: part.is_extension,
            })
            .collect(),
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_kind_round_trips() {
        for text in [
            "(a.b) = IDENT",
            "(a.b) = 7",
            "(a.b) = -7",
            "(a.b) = 1.5",
            "(a.b) = -inf",
            "(a.b) = inf",
            r#"(a.b) = "q\"\\\n\001""#,
            "(a.b) = { x: 1 y { z: \"w\" } }",
            "(a.b).c.d = 1",
            "(a.b) = {}",
        ] {
            let option = parse(text).unwrap();
            assert_eq!(render(&option), text, "{text}");
            assert_eq!(parse(&render(&option)).unwrap(), option);
        }
    }

    #[test]
    fn literals_follow_protoc() {
        assert_eq!(parse("(x) = 0x10").unwrap().value, Value::Positive(16));
        assert_eq!(parse("(x) = 010").unwrap().value, Value::Positive(8));
        assert_eq!(
            parse("(x) = -9223372036854775808").unwrap().value,
            Value::Negative(i64::MIN)
        );
        assert_eq!(
            parse(r#"(x) = "a" 'b'"#).unwrap().value,
            Value::String(b"ab".to_vec())
        );
        assert_eq!(parse("(x) = 1e3").unwrap().value, Value::Double(1000.0));
    }

    #[test]
    fn bad_text_is_an_error() {
        for text in [
            "x",
            "(x) =",
            "plain.sub = 1",
            "(x = 1",
            "(x).a.b. = 1",
            "(x) = {",
            "(x) = \"open",
            "(x) = 1.2.3",
            "(x) = -foo",
            "(x y) = 1",
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn standard_options_are_checked_against_their_element() {
        let check = |element, text: &str| check_standard(element, &parse(text).unwrap());
        assert_eq!(check(Element::Message, "deprecated = true"), Ok(()));
        assert_eq!(check(Element::Field, "jstype = JS_STRING"), Ok(()));
        assert_eq!(
            check(Element::Method, "idempotency_level = IDEMPOTENT"),
            Ok(())
        );
        assert_eq!(check(Element::Service, "(any.ext) = 1"), Ok(()));
        let error = check(Element::Message, "deprecatd = true").unwrap_err();
        assert!(
            error.contains(
                "`deprecatd` is not a standard option of `google.protobuf.MessageOptions`"
            ),
            "{error}"
        );
        let error = check(Element::Field, "jstype = JS_STRNG").unwrap_err();
        assert!(
            error.contains("one of JS_NORMAL, JS_STRING, JS_NUMBER"),
            "{error}"
        );
        let error = check(Element::Enum, "deprecated = 1").unwrap_err();
        assert!(error.contains("`true` or `false`"), "{error}");
        let error = check(Element::Enum, "allow_alias = true").unwrap_err();
        assert!(error.contains("aliases"), "{error}");
        let error = check(Element::Field, "packed = true").unwrap_err();
        assert!(error.contains("#[grpc(packed"), "{error}");
        let error = check(Element::Oneof, "deprecated = true").unwrap_err();
        assert!(error.contains("OneofOptions"), "{error}");
    }
}
