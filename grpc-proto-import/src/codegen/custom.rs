//! Custom options in the generated code: `#[grpc(option = r#"(google.api.http) = {...}"#)]`,
//! the text a `.proto` file has after `option`, one attribute per option.

use proc_macro2::{Literal, TokenStream};
use prost_types::UninterpretedOption;
use quote::quote;

/// Each option as `.proto` text.
pub(super) fn texts(options: &[UninterpretedOption]) -> Vec<String> {
    options
        .iter()
        .map(|option| grpc_model::options::render(&grpc_model::options::from_uninterpreted(option)))
        .collect()
}

/// `text` as a raw string literal (`r#"..."#`, with enough `#`s), which reads as the `.proto`
/// text it is.
pub(super) fn raw_literal(text: &str) -> Literal {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .unwrap_or_else(|_| Literal::string(text))
}

/// `#[grpc(option = r#"..."#)]` for each option.
pub(super) fn attrs(options: &[UninterpretedOption]) -> TokenStream {
    texts(options)
        .iter()
        .map(|text| {
            let text = raw_literal(text);
            quote!(#[grpc(option = #text)])
        })
        .collect()
}

/// `, option = r#"..."#` for each option (inside `#[service(...)]`).
pub(super) fn keys(options: &[UninterpretedOption]) -> TokenStream {
    texts(options)
        .iter()
        .map(|text| {
            let text = raw_literal(text);
            quote!(, option = #text)
        })
        .collect()
}

/// The custom options of `options`, and whether it sets anything else (apart from what
/// `clear` clears: the standard options the importer carries itself).
pub(super) fn split<T: Default + PartialEq + Clone>(
    options: &Option<T>,
    uninterpreted: impl Fn(&mut T) -> &mut Vec<UninterpretedOption>,
    clear: impl Fn(&mut T),
) -> (Vec<UninterpretedOption>, bool) {
    let Some(options) = options else {
        return (Vec::new(), false);
    };
    let mut rest = options.clone();
    let custom = std::mem::take(uninterpreted(&mut rest));
    clear(&mut rest);
    (custom, rest != T::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_literals_take_enough_hashes() {
        assert_eq!(raw_literal("a").to_string(), "r#\"a\"#");
        assert_eq!(raw_literal("x = \"#y").to_string(), "r##\"x = \"#y\"##");
    }
}
