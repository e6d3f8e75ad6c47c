//! Options in the generated code: `#[grpc(option = r#"(google.api.http) = {...}"#)]` or
//! `#[grpc(option = "deprecated = true")]`, the text a `.proto` file has after `option`, one
//! attribute per option.

use grpc_model::options::Element;
use proc_macro2::{Literal, TokenStream};
use prost_reflect::{Kind, ReflectMessage, Value};
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

/// `#[grpc(option = r#"..."#)]` for each option text.
pub(super) fn attrs(texts: &[String]) -> TokenStream {
    texts
        .iter()
        .map(|text| {
            let text = raw_literal(text);
            quote!(#[grpc(option = #text)])
        })
        .collect()
}

/// `, option = r#"..."#` for each option text (inside `#[service(...)]`).
pub(super) fn keys(texts: &[String]) -> TokenStream {
    texts
        .iter()
        .map(|text| {
            let text = raw_literal(text);
            quote!(, option = #text)
        })
        .collect()
}

/// An element's options as `.proto` text: those the macros take, and why each of the others
/// is not taken.
#[derive(Debug, Default)]
pub(super) struct OptionTexts {
    pub(super) texts: Vec<String>,
    pub(super) refused: Vec<String>,
}

/// The option messages of `descriptor.proto`, each with its custom options kept as written.
pub(super) trait WithUninterpreted: ReflectMessage + Clone {
    fn uninterpreted(&mut self) -> &mut Vec<UninterpretedOption>;
}

macro_rules! with_uninterpreted {
    ($($options:ty),*) => {
        $(impl WithUninterpreted for $options {
            fn uninterpreted(&mut self) -> &mut Vec<UninterpretedOption> {
                &mut self.uninterpreted_option
            }
        })*
    };
}

with_uninterpreted!(
    prost_types::MessageOptions,
    prost_types::FieldOptions,
    prost_types::OneofOptions,
    prost_types::EnumOptions,
    prost_types::EnumValueOptions,
    prost_types::ServiceOptions,
    prost_types::MethodOptions,
    prost_types::FileOptions
);

/// [`all_texts`] with nothing cleared: for every element but a field (whose `deprecated` and
/// `packed` the importer writes as attributes of their own).
pub(super) fn element_texts<T: WithUninterpreted>(
    options: &Option<T>,
    element: Element,
) -> OptionTexts {
    all_texts(options, element, |_| {})
}

/// Every option `options` sets, as `.proto` text: first its standard ones (`deprecated =
/// true`, `idempotency_level = NO_SIDE_EFFECTS`), apart from what `clear` clears (those the
/// importer writes with attributes of their own), then its custom ones as written. Those the
/// macros do not take on `element` are not in `texts` but in `refused`, each saying which and
/// why.
pub(super) fn all_texts<T: WithUninterpreted>(
    options: &Option<T>,
    element: Element,
    clear: impl Fn(&mut T),
) -> OptionTexts {
    let mut out = OptionTexts::default();
    let Some(options) = options else {
        return out;
    };
    let (custom, rest) = take_custom(options, clear);
    for (field, value) in rest.transcode_to_dynamic().fields() {
        let value = match (value, field.kind()) {
            (Value::Bool(flag), _) => Ok(flag.to_string()),
            (Value::EnumNumber(number), Kind::Enum(enumeration)) => enumeration
                .get_value(*number)
                .map(|v| v.name().to_owned())
                .ok_or_else(|| format!("`{}` has no value {number}", enumeration.full_name())),
            _ => Err(format!(
                "standard option `{}` is not supported",
                field.name()
            )),
        };
        let text = value.map(|value| format!("{} = {value}", field.name()));
        match text.and_then(|text| {
            let option = grpc_model::options::parse(&text)?;
            grpc_model::options::check_standard(element, &option)?;
            Ok(text)
        }) {
            Ok(text) => out.texts.push(text),
            Err(reason) => out.refused.push(reason),
        }
    }
    let (kept, refused) = check_uninterpreted(element, custom);
    out.texts.extend(texts(&kept));
    out.refused.extend(refused);
    out
}

/// `options`, kept uninterpreted, split into those the macros take on `element` and why each
/// of the others is refused: a standard option kept uninterpreted (one prost-types has no
/// field for, `debug_redact`...) is checked like the others, so that it is refused rather than
/// written. Custom options always pass.
pub(super) fn check_uninterpreted(
    element: Element,
    options: Vec<UninterpretedOption>,
) -> (Vec<UninterpretedOption>, Vec<String>) {
    let mut kept = Vec::new();
    let mut refused = Vec::new();
    for option in options {
        match grpc_model::options::check_standard(
            element,
            &grpc_model::options::from_uninterpreted(&option),
        ) {
            Ok(()) => kept.push(option),
            Err(reason) => refused.push(reason),
        }
    }
    (kept, refused)
}

/// The custom options of `options`, and whether it sets anything else (apart from what
/// `clear` clears: the standard options the importer carries itself).
pub(super) fn split<T: WithUninterpreted + Default + PartialEq>(
    options: &Option<T>,
    clear: impl Fn(&mut T),
) -> (Vec<UninterpretedOption>, bool) {
    let Some(options) = options else {
        return (Vec::new(), false);
    };
    let (custom, rest) = take_custom(options, clear);
    (custom, rest != T::default())
}

/// The custom options of `options`, and the rest of them without what `clear` clears.
fn take_custom<T: WithUninterpreted>(
    options: &T,
    clear: impl Fn(&mut T),
) -> (Vec<UninterpretedOption>, T) {
    let mut rest = options.clone();
    let custom = std::mem::take(rest.uninterpreted());
    clear(&mut rest);
    (custom, rest)
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
