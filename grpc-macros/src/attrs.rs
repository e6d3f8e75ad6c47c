//! `#[grpc(...)]` attributes: parsed once per item, each key checked against where it may
//! appear.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, LitInt, LitStr};

use grpc_model::options::Element;

use crate::ctx::Ctx;

/// Keys a `#[grpc(...)]` attribute (or `#[service(...)]` arguments) can carry.
#[derive(Default)]
pub(crate) struct Attrs {
    pub(crate) tag: Option<(u32, Span)>,
    pub(crate) name: Option<LitStr>,
    pub(crate) package: Option<LitStr>,
    pub(crate) file: Option<LitStr>,
    pub(crate) encoding: Option<LitStr>,
    pub(crate) syntax: Option<LitStr>,
    pub(crate) default: Option<LitStr>,
    pub(crate) json_name: Option<LitStr>,
    pub(crate) required: Option<Span>,
    pub(crate) packed: Option<syn::LitBool>,
    pub(crate) krate: Option<syn::Path>,
    /// `file_options = "path::to::fn"`: a `fn() -> FileOptions` or `fn() -> FileSpec` giving
    /// the file's options (and imports and extensions).
    pub(crate) file_options: Option<syn::Path>,
    /// `declared_after = "path::to::Nested"` on a map field: the nested message its entry
    /// message follows among the message's nested types (protoc's declaration order).
    pub(crate) declared_after: Option<syn::Path>,
    pub(crate) oneof: Option<Span>,
    pub(crate) deprecated: Option<Span>,
    /// A method's `empty_options`: its descriptor carries an empty `MethodOptions`.
    pub(crate) empty_options: Option<Span>,
    pub(crate) unknown_fields: Option<Span>,
    /// `option = "(ext.name) = value"`: custom options, checked, in order.
    pub(crate) options: Vec<LitStr>,
    /// `reserved(...)` items, from every such key in order.
    pub(crate) reserved: Vec<crate::reserved::Item>,
    /// `extensions(...)` items (numbers and ranges), from every such key in order.
    pub(crate) extensions: Vec<crate::reserved::Item>,
    /// Every key given, with its span, in order.
    pub(crate) keys: Vec<(String, Span)>,
}

/// Where an attribute sits, which decides the keys it accepts.
#[derive(Clone, Copy)]
pub(crate) enum Place {
    MessageType,
    MessageField,
    EnumType,
    EnumVariant,
    OneofType,
    OneofVariant,
    Service,
    Method,
}

impl Place {
    /// The element whose `*Options` an `option = "..."` here sets, when the place alone says
    /// (a message field's are its oneof's when it has no tag).
    fn element(self) -> Option<Element> {
        Some(match self {
            Place::MessageType => Element::Message,
            Place::MessageField => return None,
            Place::EnumType => Element::Enum,
            Place::EnumVariant => Element::EnumValue,
            Place::OneofType => Element::Oneof,
            Place::OneofVariant => Element::Field,
            Place::Service => Element::Service,
            Place::Method => Element::Method,
        })
    }

    fn allowed(self) -> &'static [&'static str] {
        match self {
            Place::MessageType => &[
                "name",
                "package",
                "file",
                "file_options",
                "crate",
                "reserved",
                "extensions",
                "syntax",
                "option",
            ],
            Place::EnumType => &[
                "name",
                "package",
                "file",
                "file_options",
                "crate",
                "reserved",
                "syntax",
                "option",
            ],
            Place::MessageField => &[
                "tag",
                "name",
                "encoding",
                "oneof",
                "deprecated",
                "unknown_fields",
                "packed",
                "default",
                "required",
                "json_name",
                "option",
                "declared_after",
            ],
            Place::EnumVariant => &["name", "option"],
            Place::OneofType => &["crate"],
            Place::OneofVariant => &[
                "tag",
                "name",
                "encoding",
                "deprecated",
                "json_name",
                "option",
                "default",
            ],
            Place::Service => &[
                "name",
                "package",
                "file",
                "file_options",
                "crate",
                "syntax",
                "option",
            ],
            Place::Method => &["name", "empty_options", "option"],
        }
    }
}

/// Parses every `#[grpc(...)]` among `attrs`.
pub(crate) fn parse(ctx: &Ctx, attrs: &[Attribute], place: Place) -> Attrs {
    let mut out = Attrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("grpc")) {
        let result = attr.parse_nested_meta(|meta| parse_key(ctx, &mut out, place, meta));
        if let Err(error) = result {
            ctx.push(error);
        }
    }
    out
}

/// Parses the arguments of `#[service(...)]`.
pub(crate) fn parse_args(ctx: &Ctx, args: proc_macro2::TokenStream) -> Attrs {
    let mut out = Attrs::default();
    let parser = syn::meta::parser(|meta| parse_key(ctx, &mut out, Place::Service, meta));
    if let Err(error) = syn::parse::Parser::parse2(parser, args) {
        ctx.push(error);
    }
    out
}

fn parse_key(
    ctx: &Ctx,
    out: &mut Attrs,
    place: Place,
    meta: syn::meta::ParseNestedMeta<'_>,
) -> syn::Result<()> {
    let key = meta
        .path
        .get_ident()
        .map(|ident| ident.to_string())
        .unwrap_or_default();
    let allowed = place.allowed();
    if !allowed.contains(&key.as_str()) {
        let expected = allowed
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(meta.error(format!(
            "unknown attribute `{}` here; expected one of: {expected}",
            meta.path.to_token_stream_string()
        )));
    }
    let span = meta.path.span();
    out.keys.push((key.clone(), span));
    let duplicate = || syn::Error::new(span, format!("duplicate attribute `{key}`"));
    match key.as_str() {
        "tag" => {
            let lit: LitInt = meta.value()?.parse()?;
            let tag = lit.base10_parse::<u32>()?;
            if out.tag.replace((tag, lit.span())).is_some() {
                ctx.push(duplicate());
            }
        }
        "oneof" => {
            if out.oneof.replace(span).is_some() {
                ctx.push(duplicate());
            }
        }
        "required" => {
            if out.required.replace(span).is_some() {
                ctx.push(duplicate());
            }
        }
        "deprecated" => {
            if out.deprecated.replace(span).is_some() {
                ctx.push(duplicate());
            }
        }
        "unknown_fields" => {
            if out.unknown_fields.replace(span).is_some() {
                ctx.push(duplicate());
            }
        }
        "empty_options" => {
            if out.empty_options.replace(span).is_some() {
                ctx.push(duplicate());
            }
        }
        "reserved" => out.reserved.extend(crate::reserved::parse(meta.input)?),
        "extensions" => out.extensions.extend(crate::reserved::parse(meta.input)?),
        "option" => {
            let lit: LitStr = meta.value()?.parse()?;
            match grpc_model::options::parse(&lit.value()) {
                Ok(option) => {
                    // A message field's options are its oneof's when it has no tag, which is
                    // known only once the field is read: `check_options` checks those.
                    if let Some(element) = place.element() {
                        if let Err(error) = grpc_model::options::check_standard(element, &option) {
                            ctx.error(&lit, error);
                        }
                    }
                    out.options.push(lit);
                }
                Err(error) => ctx.error(&lit, format!("{error}; write the option as in a .proto file, e.g. `option = r#\"(google.api.http) = {{ get: \"/v1/things\" }}\"#` or `option = \"deprecated = true\"`")),
            }
        }
        "packed" => {
            let lit: syn::LitBool = meta.value()?.parse()?;
            if out.packed.replace(lit).is_some() {
                ctx.push(duplicate());
            }
        }
        "crate" | "file_options" | "declared_after" => {
            let lit: LitStr = meta.value()?.parse()?;
            let path = lit.parse::<syn::Path>().map_err(|_| {
                let what = match key.as_str() {
                    "crate" => "the path grpc-core is reached by, e.g. `crate = \"::grpc_core\"`",
                    "file_options" => "the path of a `fn() -> FileOptions` (or `FileSpec`), e.g. `file_options = \"shop_options\"`",
                    _ => "the path of a nested message, e.g. `declared_after = \"order::Line\"`",
                };
                syn::Error::new(lit.span(), format!("expected {what}"))
            })?;
            let slot = match key.as_str() {
                "crate" => &mut out.krate,
                "file_options" => &mut out.file_options,
                _ => &mut out.declared_after,
            };
            if slot.replace(path).is_some() {
                ctx.push(duplicate());
            }
        }
        _ => {
            let lit: LitStr = meta.value()?.parse()?;
            let slot = match key.as_str() {
                "name" => &mut out.name,
                "package" => &mut out.package,
                "file" => &mut out.file,
                "syntax" => &mut out.syntax,
                "default" => &mut out.default,
                "json_name" => &mut out.json_name,
                _ => &mut out.encoding,
            };
            if slot.replace(lit).is_some() {
                ctx.push(duplicate());
            }
        }
    }
    Ok(())
}

trait PathString {
    fn to_token_stream_string(&self) -> String;
}

impl PathString for syn::Path {
    fn to_token_stream_string(&self) -> String {
        quote::ToTokens::to_token_stream(self)
            .to_string()
            .replace(' ', "")
    }
}

/// Whether `syntax = "..."` says proto2 (proto3 when absent); anything else is an error.
pub(crate) fn proto2(ctx: &Ctx, attrs: &Attrs) -> bool {
    let Some(syntax) = &attrs.syntax else {
        return false;
    };
    match syntax.value().as_str() {
        "proto2" => true,
        "proto3" => false,
        other => {
            ctx.error(
                syntax,
                format!("syntax must be \"proto2\" or \"proto3\", not \"{other}\" (editions are not supported)"),
            );
            false
        }
    }
}

/// The text of the `///` doc comments among `attrs` as protoc stores a comment: one
/// `\n`-ended line per line, leading spaces kept (`/// A point.` gives `" A point.\n"`).
pub(crate) fn doc(attrs: &[Attribute]) -> Option<String> {
    let mut out = String::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(syn::MetaNameValue {
            value:
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }),
            ..
        }) = &attr.meta
        {
            for line in text.value().lines() {
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
    }
    (!out.trim().is_empty()).then_some(out)
}

/// The statement that sets the JSON name of field `tag` (`#[grpc(json_name = "...")]`), when
/// given; nothing otherwise (the descriptor then has protoc's default lowerCamelCase name).
pub(crate) fn json_name_statement(attrs: &Attrs, tag: Option<u32>) -> proc_macro2::TokenStream {
    match (&attrs.json_name, tag) {
        (Some(json), Some(tag)) => quote::quote!(message.json_name(#tag, #json);),
        _ => proc_macro2::TokenStream::new(),
    }
}

/// Checks the standard options (`option = "deprecated = true"`) of `attrs` against `element`,
/// for the places where [`Place`] alone does not say which element they are on.
pub(crate) fn check_options(ctx: &Ctx, attrs: &Attrs, element: Element) {
    for lit in &attrs.options {
        // A text that does not parse was reported when it was read.
        let Ok(option) = grpc_model::options::parse(&lit.value()) else {
            continue;
        };
        if let Err(error) = grpc_model::options::check_standard(element, &option) {
            ctx.error(lit, error);
        }
    }
}

/// The statements adding each `option = "..."` of `attrs` with `add` (e.g.
/// `|text| quote!(message.option(#text);)`).
pub(crate) fn option_statements(
    attrs: &Attrs,
    add: impl Fn(&LitStr) -> proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    attrs.options.iter().map(add).collect()
}

/// The statement that gives the type's file its options, when `file_options = "..."` names
/// the function that makes them; nothing otherwise.
pub(crate) fn file_options(attrs: &Attrs, file: &str, package: &str) -> proc_macro2::TokenStream {
    match &attrs.file_options {
        Some(path) => quote::quote!(registry.set_file_options(#file, #package, #path());),
        None => proc_macro2::TokenStream::new(),
    }
}

/// `#[diagnostic::do_not_recommend]` for the impls of types grpc-core defines itself
/// (`crate = "crate"`: its standard services and rich-error types), so that compile errors
/// listing "other types that implement `MessageType`" show the user's own types, as they do
/// for the well-known types.
pub(crate) fn hidden_from_diagnostics(
    krate: &proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    if krate.to_string() == "crate" {
        quote::quote!(#[diagnostic::do_not_recommend])
    } else {
        proc_macro2::TokenStream::new()
    }
}

/// The path generated code uses to reach grpc-core: `::grpc_core` unless `crate = "..."`.
pub(crate) fn crate_path(attrs: &Attrs) -> proc_macro2::TokenStream {
    match &attrs.krate {
        Some(path) => quote::quote!(#path),
        None => quote::quote!(::grpc_core),
    }
}
