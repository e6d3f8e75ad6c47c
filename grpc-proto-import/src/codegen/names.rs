//! Rust identifiers for protobuf names. The naming rules themselves are `grpc_model`'s, shared
//! with the macros that read the generated code back.

use proc_macro2::{Ident, Span};

pub(crate) use grpc_model::names::{snake, upper_camel};

/// An identifier for `name`: raw (`r#type`) for keywords, `name_` for the few that cannot be.
/// Returns the identifier and whether it differs from `name` beyond a raw prefix.
pub(crate) fn ident(name: &str) -> (Ident, bool) {
    let ident = grpc_model::idents::rust_ident(name);
    let token = if ident.raw {
        Ident::new_raw(&ident.text, Span::call_site())
    } else {
        Ident::new(&ident.text, Span::call_site())
    };
    (token, ident.renamed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idents() {
        assert_eq!(ident("type").0.to_string(), "r#type");
        assert_eq!(ident("self").0.to_string(), "self_");
        assert_eq!(ident("1x"), (Ident::new("_1x", Span::call_site()), true));
    }
}
