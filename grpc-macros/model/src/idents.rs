//! Rust identifiers: keywords, names that cannot be identifiers at all, and names the
//! generated code already uses.

/// Keywords (strict, reserved and edition-dependent) that are written as raw identifiers.
pub const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static",
    "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "gen",
];

/// Names that cannot even be raw identifiers.
pub const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Method names the generated client already defines, so a service method cannot use them.
pub const CLIENT_METHODS: &[&str] = &["new", "channel", "with_runtime", "clone", "fmt"];

/// How a name is written as a Rust identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustIdent {
    /// The identifier's text, without the raw prefix.
    pub text: String,
    /// Whether it must be written raw (`r#type`).
    pub raw: bool,
    /// Whether `text` differs from the name (`self` -> `self_`, `1x` -> `_1x`).
    pub renamed: bool,
}

/// The identifier for `name`: raw for keywords, `name_` for the few that cannot be raw, `_`
/// in front of a leading digit.
pub fn rust_ident(name: &str) -> RustIdent {
    if NOT_RAW.contains(&name) {
        return RustIdent {
            text: format!("{name}_"),
            raw: false,
            renamed: true,
        };
    }
    if KEYWORDS.contains(&name) {
        return RustIdent {
            text: name.to_owned(),
            raw: true,
            renamed: false,
        };
    }
    let text = if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name.to_owned()
    };
    RustIdent {
        renamed: text != name,
        text,
        raw: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idents() {
        assert!(rust_ident("type").raw);
        assert_eq!(rust_ident("self").text, "self_");
        assert!(rust_ident("self").renamed);
        assert_eq!(rust_ident("1x").text, "_1x");
        assert_eq!(
            rust_ident("plain"),
            RustIdent {
                text: "plain".into(),
                raw: false,
                renamed: false
            }
        );
    }
}
