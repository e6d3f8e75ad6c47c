//! Name conversions between Rust and protobuf conventions.

/// `say_hello` -> `SayHello`; `r#type` -> `Type`.
pub(crate) fn upper_camel(name: &str) -> String {
    let name = name.strip_prefix("r#").unwrap_or(name);
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

/// `CreditCard` -> `credit_card`.
pub(crate) fn snake(name: &str) -> String {
    let name = name.strip_prefix("r#").unwrap_or(name);
    let mut out = String::with_capacity(name.len() + 4);
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase())) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(*c);
        }
    }
    out
}

/// `CreditCard` -> `CREDIT_CARD`.
pub(crate) fn screaming(name: &str) -> String {
    snake(name).to_uppercase()
}

/// A field's wire name: the Rust identifier without a raw prefix.
pub(crate) fn unraw(ident: &syn::Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
}

/// Whether `name` is a valid protobuf identifier.
pub(crate) fn is_proto_ident(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `package` is a valid (possibly empty) dotted protobuf package name.
pub(crate) fn is_proto_package(package: &str) -> bool {
    package.is_empty() || package.split('.').all(is_proto_ident)
}

/// The default file of a package: `a.b` -> `a/b.proto`; no package -> `default.proto`.
pub(crate) fn default_file(package: &str) -> String {
    if package.is_empty() {
        "default.proto".to_owned()
    } else {
        format!("{}.proto", package.replace('.', "/"))
    }
}

/// `package.Name`, or `Name` without a package.
pub(crate) fn full_name(package: &str, name: &str) -> String {
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
    fn conversions() {
        assert_eq!(upper_camel("say_hello"), "SayHello");
        assert_eq!(upper_camel("r#type"), "Type");
        assert_eq!(snake("CreditCard"), "credit_card");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(screaming("Red"), "RED");
        assert_eq!(default_file("grpc.testing"), "grpc/testing.proto");
        assert_eq!(default_file(""), "default.proto");
        assert!(is_proto_package("a.b_c"));
        assert!(!is_proto_package("a..b"));
        assert!(!is_proto_ident("1x"));
    }
}
