//! `#[derive(Enumeration)]`: a fieldless enum becomes a protobuf enum.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Expr, ExprLit, ExprUnary, Fields, Lit, UnOp};

use crate::attrs::{self, Place};
use crate::ctx::{self, Ctx};
use crate::message::{type_names, TypeNames};
use crate::reserved::{Kind, Reserved};
use grpc_model::names;

struct Variant<'a> {
    ident: &'a syn::Ident,
    number: i32,
    name: String,
    doc: Option<String>,
    /// `builder.value_option(...)` for each `option = "..."`.
    options: TokenStream,
}

pub(crate) fn expand(input: DeriveInput) -> TokenStream {
    match expand_checked(&input) {
        Ok(tokens) => tokens,
        Err(error) => ctx::fail(error, TokenStream::new()),
    }
}

fn expand_checked(input: &DeriveInput) -> syn::Result<TokenStream> {
    let ctx = Ctx::new();
    let container = attrs::parse(&ctx, &input.attrs, Place::EnumType);
    let type_names = type_names(&ctx, &input.ident, &container);
    let Data::Enum(data) = &input.data else {
        ctx.error(&input.ident, "`Enumeration` can only be derived for enums");
        return ctx.finish().map(|_| TokenStream::new());
    };
    if !input.generics.params.is_empty() {
        ctx.error(
            &input.generics,
            "an enumeration cannot have generic parameters",
        );
    }
    let enum_ident = input.ident.to_string();
    let mut variants = Vec::new();
    let mut next = 0i64;
    for variant in &data.variants {
        let attrs = attrs::parse(&ctx, &variant.attrs, Place::EnumVariant);
        if !matches!(variant.fields, Fields::Unit) {
            ctx.error(
                &variant.fields,
                "enumeration variants cannot hold data; use `Oneof` for that",
            );
            continue;
        }
        let number = match &variant.discriminant {
            Some((_, expr)) => match discriminant(expr) {
                Some(value) => value,
                None => {
                    ctx.error(expr, "the value must be an integer literal");
                    continue;
                }
            },
            None => next,
        };
        next = number + 1;
        let Ok(number) = i32::try_from(number) else {
            ctx.error(variant, "protobuf enum values must fit in an i32");
            continue;
        };
        let name = attrs.name.as_ref().map_or_else(
            || names::enum_value_name(&enum_ident, &variant.ident.to_string()),
            |n| n.value(),
        );
        if !names::is_proto_ident(&name) {
            ctx.error(
                &variant.ident,
                format!("`{name}` is not a valid protobuf name"),
            );
        }
        let options =
            attrs::option_statements(&attrs, |text| quote!(builder.value_option(#name, #text);));
        variants.push(Variant {
            options,
            ident: &variant.ident,
            number,
            name,
            doc: attrs::doc(&variant.attrs),
        });
    }
    check_numbers(&ctx, input, &variants);
    let proto2 = attrs::proto2(&ctx, &container);
    let reserved = Reserved::check(&ctx, &container.reserved, Kind::Enum);
    for variant in &variants {
        if let Some(range) = reserved.number(variant.number.into()) {
            ctx.error(
                variant.ident,
                format!(
                    "value {} is reserved by this enum (reserved {range})",
                    variant.number
                ),
            );
        }
        if reserved.name(&variant.name) {
            ctx.error(
                variant.ident,
                format!("value name `{}` is reserved by this enum", variant.name),
            );
        }
    }
    ctx.finish()?;
    let mut describe_reserved = reserved.describe(&quote!(builder), Kind::Enum);
    if proto2 {
        describe_reserved.extend(quote!(builder.proto2();));
    }
    Ok(emit(input, &type_names, &variants, &describe_reserved))
}

fn discriminant(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_parse().ok(),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => discriminant(expr).map(|v| -v),
        _ => None,
    }
}

/// A zero value must exist (it is the default), and values must be unique (no aliases yet).
fn check_numbers(ctx: &Ctx, input: &DeriveInput, variants: &[Variant<'_>]) {
    if !variants.iter().any(|v| v.number == 0) {
        ctx.error(
            &input.ident,
            "a protobuf enum needs a variant with value 0: it is the default",
        );
    }
    let mut seen: HashMap<i32, &syn::Ident> = HashMap::new();
    for variant in variants {
        if let Some(previous) = seen.insert(variant.number, variant.ident) {
            ctx.error(
                variant.ident,
                format!("value {} is already used by `{previous}`", variant.number),
            );
        }
    }
}

fn emit(
    input: &DeriveInput,
    names: &TypeNames,
    variants: &[Variant<'_>],
    describe_reserved: &TokenStream,
) -> TokenStream {
    let krate = &names.krate;
    let p = quote!(#krate::__private);
    let hidden = attrs::hidden_from_diagnostics(krate);
    let ident = &input.ident;
    let TypeNames {
        package,
        full_name,
        file,
        file_options,
        options,
        ..
    } = names;
    let enum_options = options.iter().map(|text| quote!(builder.option(#text);));
    let zero = variants.iter().find(|v| v.number == 0).map(|v| v.ident);
    let to_arms = variants.iter().map(|v| {
        let (variant, number) = (v.ident, v.number);
        quote!(#ident::#variant => #number,)
    });
    let from_arms = variants.iter().map(|v| {
        let (variant, number) = (v.ident, v.number);
        quote!(#number => ::core::option::Option::Some(#ident::#variant),)
    });
    let values = variants.iter().map(|v| {
        let (name, number) = (&v.name, v.number);
        let doc = v
            .doc
            .as_ref()
            .map(|doc| quote!(builder.member_doc(#name, #doc);));
        let options = &v.options;
        quote!(builder.value(#name, #number); #doc #options)
    });
    let value_names = variants.iter().map(|v| &v.name);
    let value_numbers = variants.iter().map(|v| v.number);
    let enum_doc = attrs::doc(&input.attrs).map(|doc| quote!(builder.doc(#doc);));
    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::core::default::Default for #ident {
                fn default() -> Self {
                    #ident::#zero
                }
            }

            #[automatically_derived]
            #hidden
            impl #p::Enumeration for #ident {
                fn to_i32(self) -> i32 {
                    match self {
                        #(#to_arms)*
                    }
                }
                fn from_i32(value: i32) -> ::core::option::Option<Self> {
                    match value {
                        #(#from_arms)*
                        _ => ::core::option::Option::None,
                    }
                }
                const VALUES: &'static [(&'static str, i32)] = &[#((#value_names, #value_numbers)),*];
            }

            #[automatically_derived]
            impl ::core::convert::From<#ident> for i32 {
                fn from(value: #ident) -> i32 {
                    #p::Enumeration::to_i32(value)
                }
            }

            #[automatically_derived]
            impl #p::Describe for #ident {
                fn register(registry: &mut #p::Registry) {
                    if !registry.begin(#full_name) {
                        return;
                    }
                    registry.declare(#full_name, ::core::file!(), ::core::line!(), ::core::column!());
                    let mut builder = #p::EnumBuilder::new(#full_name);
                    #enum_doc
                    #(#enum_options)*
                    #(#values)*
                    #describe_reserved
                    #file_options
                    registry.add_enum(#file, #package, builder);
                }
                fn file_name() -> &'static str {
                    #file
                }
                fn full_name() -> #p::String {
                    #p::ToOwned::to_owned(#full_name)
                }
            }

            #[automatically_derived]
            impl #p::NamedKind for #ident {
                const KIND: #p::TypeKind = #p::TypeKind::Enum;
            }

            #p::__impl_enum_field!(#hidden #ident);
        };
    }
}
