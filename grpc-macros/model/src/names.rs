//! Name conversions between Rust and protobuf conventions.
//!
//! Two directions meet here. The macros derive protobuf names from Rust ones
//! ([`method_wire_name`], [`enum_value_name`], [`field_name`], [`oneof_variant_name`]); the
//! importer derives Rust names from protobuf ones ([`snake`], [`upper_camel`]) and then asks the
//! macro-direction functions whether the derived name gives back the protobuf one, writing a
//! `name = "..."` attribute only when it does not.

/// `r#type` -> `type`: the name a raw identifier stands for.
pub fn unraw(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// `fooBar_baz` / `CreditCard` / `HTTPServer` -> `foo_bar_baz` / `credit_card` /
/// `http_server` (prost-build's rule; a raw prefix is dropped).
pub fn snake(name: &str) -> String {
    let name = unraw(name);
    let mut out = String::with_capacity(name.len() + 4);
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1);
            let boundary = match prev {
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(|n| n.is_lowercase()),
                _ => false,
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `foo_bar` / `FOO_BAR` / `fooBar` -> `FooBar`: a protobuf name as a Rust type or variant
/// name (prost-build's rule: split into snake-case words, capitalise each).
pub fn upper_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in snake(name).split('_').filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

/// `CreditCard` -> `CREDIT_CARD`.
pub fn screaming(name: &str) -> String {
    snake(name).to_uppercase()
}

/// Drops each `_` and upper-cases the character after it; with `upper` the first character
/// too. protoc's rule for JSON names and map entry names.
fn camel(name: &str, mut upper: bool) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The wire name the service macro gives a Rust method: `say_hello` -> `SayHello`,
/// `r#type` -> `Type`.
pub fn method_wire_name(rust_method: &str) -> String {
    camel(unraw(rust_method), true)
}

/// The wire name the enumeration macro gives a variant: `Color` + `Red` -> `COLOR_RED`.
pub fn enum_value_name(enum_ident: &str, variant: &str) -> String {
    format!("{}_{}", screaming(enum_ident), screaming(variant))
}

/// The prefix protobuf style puts on the values of enum `name`: `Color` -> `COLOR_`.
pub fn enum_value_prefix(enum_name: &str) -> String {
    format!("{}_", screaming(enum_name))
}

/// The wire name the message macro gives a field: the identifier without a raw prefix.
pub fn field_name(rust_field: &str) -> String {
    unraw(rust_field).to_owned()
}

/// The wire name the oneof macro gives a variant: `CreditCard` -> `credit_card`.
pub fn oneof_variant_name(variant: &str) -> String {
    snake(variant)
}

/// protoc's default JSON name: `foo_bar_baz` -> `fooBarBaz` (each `_` dropped and the
/// character after it upper-cased).
pub fn json_name(field: &str) -> String {
    camel(field, false)
}

/// protoc's name for the entry message of map field `field`: `my_field` -> `MyFieldEntry`.
pub fn map_entry_name(field: &str) -> String {
    format!("{}Entry", camel(field, true))
}

/// Whether `name` is a valid protobuf identifier.
pub fn is_proto_ident(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `package` is a valid (possibly empty) dotted protobuf package name.
pub fn is_proto_package(package: &str) -> bool {
    package.is_empty() || package.split('.').all(is_proto_ident)
}

/// `package.Name`, or `Name` without a package.
pub fn full_name(package: &str, name: &str) -> String {
    if package.is_empty() {
        name.to_owned()
    } else {
        format!("{package}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_to_proto() {
        assert_eq!(method_wire_name("say_hello"), "SayHello");
        assert_eq!(method_wire_name("r#type"), "Type");
        assert_eq!(
            enum_value_name("PayloadType", "Compressable"),
            "PAYLOAD_TYPE_COMPRESSABLE"
        );
        assert_eq!(enum_value_name("r#Type", "Red"), "TYPE_RED");
        assert_eq!(field_name("r#type"), "type");
        assert_eq!(oneof_variant_name("CreditCard"), "credit_card");
        assert_eq!(json_name("foo_bar_baz"), "fooBarBaz");
        assert_eq!(json_name("a__b_"), "aB");
        assert_eq!(map_entry_name("map_si"), "MapSiEntry");
    }

    #[test]
    fn proto_to_rust() {
        assert_eq!(snake("fooBar"), "foo_bar");
        assert_eq!(snake("FooBar"), "foo_bar");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(snake("already_snake"), "already_snake");
        assert_eq!(snake("r#Type"), "type");
        assert_eq!(upper_camel("route_note"), "RouteNote");
        assert_eq!(upper_camel("RPC_TYPE"), "RpcType");
        assert_eq!(screaming("Red"), "RED");
    }

    #[test]
    fn validity() {
        assert!(is_proto_package("a.b_c"));
        assert!(!is_proto_package("a..b"));
        assert!(!is_proto_ident("1x"));
        assert_eq!(full_name("", "A"), "A");
        assert_eq!(full_name("a.b", "C"), "a.b.C");
    }
}
