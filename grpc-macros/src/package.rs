//! `#[grpc_core::package("routeguide")]` on an inline module: every message, enum and service
//! in it (and in its inline submodules) that does not name a package gets this one, so each
//! type need not repeat `#[grpc(package = ...)]`. `file = "..."` does the same for the file.
//!
//! It works on the tokens before the derives and `#[service]` see them: it adds the missing
//! `package = ...` (and `file = ...`) to each item's attributes, which are then checked as if
//! written by hand. An explicit `package` on an item wins; a submodule with its own
//! `#[package]` is left to it.

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Item, ItemMod, LitStr, Meta, Token};

use crate::ctx::{self, Ctx};

/// `"pkg"` or `"pkg", file = "x.proto"`.
struct Args {
    package: LitStr,
    file: Option<LitStr>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Args> {
        let package: LitStr = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the package name: `#[package(\"my.package\")]`",
            )
        })?;
        let mut file = None;
        if input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let key: syn::Ident = input.parse()?;
            if key != "file" {
                return Err(syn::Error::new(key.span(), "expected `file = \"...\"`"));
            }
            input.parse::<Token![=]>()?;
            file = Some(input.parse()?);
            input.parse::<Option<Token![,]>>()?;
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the package"));
        }
        Ok(Args { package, file })
    }
}

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    match expand_checked(args, input.clone()) {
        Ok(tokens) => tokens,
        Err(error) => ctx::fail(error, input),
    }
}

fn expand_checked(args: TokenStream, input: TokenStream) -> syn::Result<TokenStream> {
    let ctx = Ctx::new();
    let args: Args = syn::parse2(args)?;
    let mut module: ItemMod = syn::parse2(input).map_err(|e| {
        syn::Error::new(
            e.span(),
            "`#[package]` goes on an inline module: `mod name { ... }`",
        )
    })?;
    if !grpc_model::names::is_proto_package(&args.package.value()) {
        ctx.error(
            &args.package,
            format!(
                "`{}` is not a valid protobuf package name",
                args.package.value()
            ),
        );
    }
    match &mut module.content {
        Some((_, items)) => apply(items, &args),
        None => ctx.error(
            &module,
            "`#[package]` needs the module's items: write `mod name { ... }` here",
        ),
    }
    ctx.finish()?;
    Ok(quote!(#module))
}

fn apply(items: &mut [Item], args: &Args) {
    for item in items {
        match item {
            Item::Struct(s) if derives(&s.attrs, "Message") => add_keys(&mut s.attrs, args),
            Item::Enum(e) if derives(&e.attrs, "Enumeration") => add_keys(&mut e.attrs, args),
            Item::Trait(t) => {
                if let Some(attr) = t.attrs.iter_mut().find(|a| last_is(a, "service")) {
                    add_service_args(attr, args);
                }
            }
            Item::Mod(m) if !m.attrs.iter().any(|a| last_is(a, "package")) => {
                if let Some((_, items)) = &mut m.content {
                    apply(items, args);
                }
            }
            _ => {}
        }
    }
}

/// Whether the attribute's path ends in `name` (`service`, `grpc_core::service`).
fn last_is(attr: &Attribute, name: &str) -> bool {
    attr.path().segments.last().is_some_and(|s| s.ident == name)
}

/// Whether `#[derive(...)]` among `attrs` names `derive` (by its last segment).
fn derives(attrs: &[Attribute], derive: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            a.parse_args_with(syn::punctuated::Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .is_ok_and(|paths| {
                    paths
                        .iter()
                        .any(|p| p.segments.last().is_some_and(|s| s.ident == derive))
                })
        })
}

/// Whether `key = ...` appears at the top level of `tokens`.
fn has_key(tokens: &TokenStream, key: &str) -> bool {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    tokens.windows(2).any(|pair| {
        matches!(&pair[0], TokenTree::Ident(i) if i == key)
            && matches!(&pair[1], TokenTree::Punct(p) if p.as_char() == '=')
    })
}

/// The `package = ..., file = ...` pairs `tokens` lacks.
fn missing(tokens: &TokenStream, args: &Args) -> Vec<TokenStream> {
    let mut out = Vec::new();
    if !has_key(tokens, "package") {
        let package = &args.package;
        out.push(quote!(package = #package));
    }
    if let Some(file) = args.file.as_ref().filter(|_| !has_key(tokens, "file")) {
        out.push(quote!(file = #file));
    }
    out
}

/// Adds `#[grpc(package = ..., file = ...)]` for the keys no `#[grpc(...)]` gives.
fn add_keys(attrs: &mut Vec<Attribute>, args: &Args) {
    let given: TokenStream = attrs
        .iter()
        .filter(|a| a.path().is_ident("grpc"))
        .filter_map(|a| match &a.meta {
            Meta::List(list) => Some(list.tokens.clone()),
            _ => None,
        })
        .map(|tokens| quote!(#tokens,))
        .collect();
    let keys = missing(&given, args);
    if !keys.is_empty() {
        attrs.push(syn::parse_quote!(#[grpc(#(#keys),*)]));
    }
}

/// Adds the missing keys to `#[service(...)]`'s arguments.
fn add_service_args(attr: &mut Attribute, args: &Args) {
    let path = attr.path().clone();
    let given = match &attr.meta {
        Meta::List(list) => list.tokens.clone(),
        _ => TokenStream::new(),
    };
    let keys = missing(&given, args);
    if keys.is_empty() {
        return;
    }
    let separator = (!given.is_empty()).then(|| quote!(,));
    *attr = syn::parse_quote!(#[#path(#given #separator #(#keys),*)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_in_what_items_leave_out() {
        let out = expand(
            quote!("shop.v1", file = "shop.proto"),
            quote! {
                mod shop {
                    #[derive(Message)]
                    pub struct Order { pub id: u64 }
                    #[derive(grpc_core::Enumeration)]
                    #[grpc(package = "common")]
                    pub enum Kind { A = 0 }
                    #[derive(Debug)]
                    pub struct Plain;
                    #[grpc_core::service]
                    pub trait Shop {}
                    #[service(name = "Other")]
                    pub trait Other {}
                    mod inner {
                        #[derive(Message)]
                        pub struct Line {}
                    }
                    #[package("elsewhere")]
                    mod own {
                        #[derive(Message)]
                        pub struct Kept {}
                    }
                }
            },
        )
        .to_string();
        let added = "# [grpc (package = \"shop.v1\" , file = \"shop.proto\")]";
        assert_eq!(out.matches(added).count(), 2, "{out}");
        assert!(out.contains("# [grpc (file = \"shop.proto\")]"), "{out}");
        assert!(
            out.contains(
                "# [grpc_core :: service (package = \"shop.v1\" , file = \"shop.proto\")]"
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "# [service (name = \"Other\" , package = \"shop.v1\" , file = \"shop.proto\")]"
            ),
            "{out}"
        );
        assert!(!out.contains("struct Plain ; # [grpc ("), "{out}");
        assert!(
            out.contains(
                "# [package (\"elsewhere\")] mod own { # [derive (Message)] pub struct Kept { } }"
            ),
            "{out}"
        );
    }

    #[test]
    fn misuse() {
        let out = expand(
            quote!("not a package"),
            quote!(
                mod m {}
            ),
        )
        .to_string();
        assert!(
            out.contains("is not a valid protobuf package name"),
            "{out}"
        );
        let out = expand(
            quote!("p"),
            quote!(
                mod m;
            ),
        )
        .to_string();
        assert!(out.contains("write `mod name { ... }`"), "{out}");
        let out = expand(
            quote!(),
            quote!(
                mod m {}
            ),
        )
        .to_string();
        assert!(out.contains("expected the package name"), "{out}");
    }
}
