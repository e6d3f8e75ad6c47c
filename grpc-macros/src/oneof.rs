//! `#[derive(Oneof)]`: an enum whose variants each hold one value becomes a protobuf oneof,
//! used as an `Option<T>` field marked `#[grpc(oneof)]`.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Data, DeriveInput, Fields, Ident};

use crate::attrs::{self, Place};
use crate::ctx::{self, Ctx};
use crate::types::{self, Scalar, ScalarCode, Shape};
use grpc_model::names;

struct Variant<'a> {
    ident: &'a Ident,
    deprecated: bool,
    /// `#[grpc(json_name = "...")]`: the statement that sets it in the descriptor.
    json_name: TokenStream,
    /// `#[grpc(option = "...")]`: the statements adding them to the member's options.
    options: TokenStream,
    /// `#[grpc(default = "...")]` (proto2): the literal, and the value's Rust expression for a
    /// scalar (an enum's is looked up by name).
    default: Option<(syn::LitStr, TokenStream)>,
    tag: u32,
    name: String,
    shape: Shape,
}

pub(crate) fn expand(input: DeriveInput) -> TokenStream {
    match expand_checked(&input) {
        Ok(tokens) => tokens,
        Err(error) => ctx::fail(error, TokenStream::new()),
    }
}

fn expand_checked(input: &DeriveInput) -> syn::Result<TokenStream> {
    let ctx = Ctx::new();
    let container = attrs::parse(&ctx, &input.attrs, Place::OneofType);
    let krate = attrs::crate_path(&container);
    let Data::Enum(data) = &input.data else {
        ctx.error(&input.ident, "`Oneof` can only be derived for enums");
        return ctx.finish().map(|_| TokenStream::new());
    };
    if !input.generics.params.is_empty() {
        ctx.error(&input.generics, "a oneof cannot have generic parameters");
    }
    let mut variants = Vec::new();
    let mut seen: HashMap<u32, &Ident> = HashMap::new();
    for variant in &data.variants {
        let attrs = attrs::parse(&ctx, &variant.attrs, Place::OneofVariant);
        let field = match &variant.fields {
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => &fields.unnamed[0],
            Fields::Unit => {
                ctx.error(
                    &variant.ident,
                    "a oneof variant holds exactly one value: `Name(Type)`",
                );
                continue;
            }
            _ => {
                ctx.error(
                    &variant.fields,
                    "a oneof variant holds exactly one value: `Name(Type)`",
                );
                continue;
            }
        };
        let Some((tag, tag_span)) = attrs.tag else {
            ctx.error(
                &variant.ident,
                "a oneof variant needs its field number: `#[grpc(tag = N)]`",
            );
            continue;
        };
        check_tag(&ctx, tag, tag_span);
        if let Some(previous) = seen.insert(tag, &variant.ident) {
            ctx.push(syn::Error::new(
                tag_span,
                format!("field number {tag} is already used by `{previous}`"),
            ));
        }
        let Some(shape) = types::classify_variant(&ctx, &field.ty, attrs.encoding.as_ref()) else {
            continue;
        };
        let name = attrs.name.as_ref().map_or_else(
            || names::oneof_variant_name(&variant.ident.to_string()),
            |n| n.value(),
        );
        let default = attrs.default.as_ref().and_then(|lit| match &shape {
            Shape::Scalar(scalar, _) => {
                crate::message::scalar_default(&ctx, lit, *scalar).map(|v| (lit.clone(), v))
            }
            // An enum's value name, checked against its `VALUES` at compile time (a message
            // type has none, and fails that check).
            _ => Some((lit.clone(), TokenStream::new())),
        });
        variants.push(Variant {
            ident: &variant.ident,
            default,
            deprecated: attrs.deprecated.is_some(),
            json_name: attrs::json_name_statement(&attrs, Some(tag)),
            options: attrs::option_statements(
                &attrs,
                |text| quote!(message.field_option(#tag, #text);),
            ),
            tag,
            name,
            shape,
        });
    }
    if data.variants.is_empty() {
        ctx.error(&input.ident, "a oneof needs at least one variant");
    }
    ctx.finish()?;
    Ok(emit(input, &krate, &variants))
}

fn check_tag(ctx: &Ctx, tag: u32, span: Span) {
    if tag == 0 || tag > (1 << 29) - 1 || (19000..=19999).contains(&tag) {
        ctx.push(syn::Error::new(
            span,
            format!("field number {tag} is not allowed (1 to 536870911, except 19000 to 19999)"),
        ));
    }
}

fn emit(input: &DeriveInput, krate: &TokenStream, variants: &[Variant<'_>]) -> TokenStream {
    let p = quote!(#krate::__private);
    let ident = &input.ident;
    let tags = variants.iter().map(|v| v.tag);
    let names = variants.iter().map(|v| &v.name);
    let mut tag_arms = Vec::new();
    let mut encode_arms = Vec::new();
    let mut len_arms = Vec::new();
    let mut merge_arms = Vec::new();
    let mut describes = Vec::new();
    for variant in variants {
        let (v, tag, name) = (variant.ident, variant.tag, &variant.name);
        tag_arms.push(quote!(#ident::#v(_) => #tag,));
        let (encode, encoded_len, merge, field_type) = match &variant.shape {
            Shape::Scalar(scalar, _) => {
                let codec = scalar.codec(krate);
                let proto_type = scalar.proto_type(krate);
                (
                    quote!(#codec::encode),
                    quote!(#codec::encoded_len),
                    quote!(#codec::merge),
                    quote!(#p::FieldType::scalar(#proto_type)),
                )
            }
            Shape::Named(ty, _) => {
                let named = quote!(<#ty as #p::NamedField>);
                (
                    quote!(#named::encode_value),
                    quote!(#named::encoded_len_value),
                    quote!(#named::merge_value),
                    quote!(#p::FieldType::named::<#ty>(registry)),
                )
            }
            // classify_variant only returns scalars and named types.
            _ => continue,
        };
        encode_arms.push(quote!(#ident::#v(value) => #encode(#tag, value, buf),));
        len_arms.push(quote!(#ident::#v(value) => #encoded_len(#tag, value),));
        merge_arms.push(quote! {
            #tag => match field {
                ::core::option::Option::Some(#ident::#v(value)) => #merge(wire_type, value, buf, ctx),
                _ => {
                    let mut value = ::core::default::Default::default();
                    let result = #merge(wire_type, &mut value, buf, ctx);
                    *field = ::core::option::Option::Some(#ident::#v(value));
                    result
                }
            },
        });
        describes.push(quote!(message.oneof_field(index, #name, #tag, #field_type);));
        if variant.deprecated {
            describes.push(quote!(message.deprecate(#tag);));
        }
        describes.push(variant.json_name.clone());
        describes.push(variant.options.clone());
        if let Some((lit, _)) = &variant.default {
            describes.push(quote!(message.default_value(#tag, #lit);));
        }
    }
    let (accessors, default_checks) = default_accessors(ident, &p, variants);
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #p::Oneof for #ident {
                const TAGS: &'static [u32] = &[#(#tags),*];
                const NAMES: &'static [&'static str] = &[#(#names),*];

                fn tag(&self) -> u32 {
                    match self {
                        #(#tag_arms)*
                    }
                }

                fn encode(&self, buf: &mut impl #p::BufMut) {
                    match self {
                        #(#encode_arms)*
                    }
                }

                fn merge(
                    field: &mut ::core::option::Option<Self>,
                    tag: u32,
                    wire_type: #p::WireType,
                    buf: &mut impl #p::Buf,
                    ctx: #p::DecodeContext,
                ) -> ::core::result::Result<(), #p::DecodeError> {
                    match tag {
                        #(#merge_arms)*
                        _ => #p::prost::encoding::skip_field(wire_type, tag, buf, ctx),
                    }
                }

                fn encoded_len(&self) -> usize {
                    match self {
                        #(#len_arms)*
                    }
                }

                fn describe(message: &mut #p::MessageBuilder, registry: &mut #p::Registry, name: &str) {
                    let index = message.oneof(name);
                    #(#describes)*
                }
            }

            #accessors
            #(#default_checks)*
        };
    }
}

/// For the variants with a proto2 `#[grpc(default = "...")]`: an associated function named
/// after the member that gives the value the oneof holds for it, or the default when it holds
/// another member or none (protoc's accessor for a oneof member with a default), and the
/// compile-time checks that an enum default names a value of the enum.
fn default_accessors(
    ident: &Ident,
    p: &TokenStream,
    variants: &[Variant<'_>],
) -> (Option<TokenStream>, Vec<TokenStream>) {
    let mut accessors = Vec::new();
    let mut checks = Vec::new();
    for variant in variants {
        let Some((lit, value)) = &variant.default else {
            continue;
        };
        let v = variant.ident;
        let function = {
            let name = names::snake(&v.to_string());
            let rust = grpc_model::idents::rust_ident(&name);
            if rust.raw {
                Ident::new_raw(&rust.text, v.span())
            } else {
                Ident::new(&rust.text, v.span())
            }
        };
        let doc = format!(
            "The value of `{}` held by `oneof`, or its default `{}` when it holds another member or none.",
            variant.name,
            lit.value()
        );
        let (ty, held, fallback) = match &variant.shape {
            Shape::Scalar(Scalar::String, _) => (quote!(&str), quote!(value), quote!(#value)),
            Shape::Scalar(Scalar::Bytes, _) => (quote!(&[u8]), quote!(value), quote!(#value)),
            Shape::Scalar(scalar, _) => {
                let rust_type: TokenStream = scalar.rust_type().parse().unwrap_or_default();
                (rust_type, quote!(*value), quote!(#value))
            }
            Shape::Named(ty, _) => {
                let message = format!(
                    "default `{}` of oneof member `{}` is not a value of its enum",
                    lit.value(),
                    variant.name
                );
                checks.push(quote_spanned! {lit.span()=>
                    const _: () = {
                        if #p::enum_value_number(<#ty as #p::Enumeration>::VALUES, #lit).is_none() {
                            ::core::panic!(#message);
                        }
                    };
                });
                let fallback = quote! {
                    #p::enum_value_number(<#ty as #p::Enumeration>::VALUES, #lit)
                        .and_then(<#ty as #p::Enumeration>::from_i32)
                        .unwrap_or_default()
                };
                (quote!(#ty), quote!(*value), fallback)
            }
            _ => continue,
        };
        accessors.push(quote! {
            #[doc = #doc]
            pub fn #function(oneof: &::core::option::Option<Self>) -> #ty {
                match oneof {
                    ::core::option::Option::Some(#ident::#v(value)) => #held,
                    _ => #fallback,
                }
            }
        });
    }
    let accessors = (!accessors.is_empty()).then(|| {
        quote! {
            #[automatically_derived]
            impl #ident {
                #(#accessors)*
            }
        }
    });
    (accessors, checks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(input: TokenStream) -> String {
        expand(syn::parse2(input).expect("derive input")).to_string()
    }

    #[test]
    fn member_defaults_reach_the_descriptor_and_an_accessor() {
        let out = expand_str(quote! {
            enum Pick {
                #[grpc(tag = 1, default = "12")]
                Amount(i32),
                #[grpc(tag = 2, default = "LEVEL_HIGH")]
                Level(Level),
                #[grpc(tag = 3)]
                Plain(String),
            }
        });
        assert!(
            out.contains("message . default_value (1u32 , \"12\")"),
            "{out}"
        );
        assert!(
            out.contains("pub fn amount (oneof : & :: core :: option :: Option < Self >) -> i32"),
            "{out}"
        );
        assert!(out.contains("pub fn level (oneof"), "{out}");
        assert!(!out.contains("pub fn plain"), "{out}");
        assert!(out.contains("is not a value of its enum"), "{out}");
    }

    #[test]
    fn a_bad_member_default_is_an_error() {
        let out = expand_str(quote! {
            enum Pick { #[grpc(tag = 1, default = "twelve")] Amount(i32) }
        });
        assert!(out.contains("compile_error"), "{out}");
    }
}
