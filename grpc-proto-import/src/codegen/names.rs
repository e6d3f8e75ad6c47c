//! Rust names for protobuf names, following prost-build's conventions.

use proc_macro2::{Ident, Span};

/// `fooBar_baz` -> `foo_bar_baz`.
pub(crate) fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1);
            let boundary = match prev {
                Some('_') => false,
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

/// `foo_bar` / `FOO_BAR` / `fooBar` -> `FooBar`.
pub(crate) fn upper_camel(name: &str) -> String {
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

/// What the service macro derives from a Rust method name: `say_hello` -> `SayHello`.
pub(crate) fn macro_upper_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
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

/// What the enumeration macro derives from Rust names: `Color` + `Red` -> `COLOR_RED`.
pub(crate) fn macro_enum_value(enum_ident: &str, variant: &str) -> String {
    format!(
        "{}_{}",
        snake(enum_ident).to_uppercase(),
        snake(variant).to_uppercase()
    )
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static",
    "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "gen",
];

/// Names that cannot even be raw identifiers.
const RESERVED: &[&str] = &["self", "Self", "super", "crate", "_"];

/// An identifier for `name`: raw (`r#type`) for keywords, `name_` for the few that cannot be.
/// Returns the identifier and whether it differs from `name` beyond a raw prefix.
pub(crate) fn ident(name: &str) -> (Ident, bool) {
    if RESERVED.contains(&name) {
        return (Ident::new(&format!("{name}_"), Span::call_site()), true);
    }
    if KEYWORDS.contains(&name) {
        return (Ident::new_raw(name, Span::call_site()), false);
    }
    let safe = if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name.to_owned()
    };
    let changed = safe != name;
    (Ident::new(&safe, Span::call_site()), changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(snake("fooBar"), "foo_bar");
        assert_eq!(snake("FooBar"), "foo_bar");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(snake("already_snake"), "already_snake");
        assert_eq!(upper_camel("route_note"), "RouteNote");
        assert_eq!(upper_camel("RPC_TYPE"), "RpcType");
        assert_eq!(macro_upper_camel("get_feature"), "GetFeature");
        assert_eq!(
            macro_enum_value("PayloadType", "Compressable"),
            "PAYLOAD_TYPE_COMPRESSABLE"
        );
        assert_eq!(ident("type").0.to_string(), "r#type");
        assert_eq!(ident("self").0.to_string(), "self_");
    }
}
