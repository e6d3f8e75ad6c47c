//! Emitting enums.

use grpc_model::options::Element;
use std::collections::{HashMap, HashSet};

use proc_macro2::TokenStream;
use prost_types::EnumDescriptorProto;
use quote::quote;

use crate::error::Error;

use crate::codegen::*;

impl<'a> Generator<'a> {
    pub(in crate::codegen) fn enumeration(
        &self,
        ctx: &FileCtx<'_>,
        enumeration: &EnumDescriptorProto,
        path: &[i32],
        parents: &[&str],
    ) -> Result<TokenStream, Error> {
        let name = enumeration.name();
        let line = ctx.comments.line(path);
        let enum_options = self.take_options(
            ctx,
            &format!("enum `{name}`"),
            line,
            custom::element_texts(&enumeration.options, Element::Enum),
        )?;
        let enum_options = custom::attrs(&enum_options);
        let (ident, _) = names::ident(name);
        let doc = ctx.comments.doc(path);
        let attrs = Self::type_attrs(ctx, parents, name);
        let reserved_ranges: Vec<(i64, i64)> = enumeration
            .reserved_range
            .iter()
            .map(|r| (i64::from(r.start()), i64::from(r.end())))
            .collect();
        let reserved = Self::reserved_attr(
            &reserved_ranges,
            &enumeration.reserved_name,
            i32::MAX.into(),
        );
        let prefix = grpc_model::names::enum_value_prefix(name);
        let mut seen = HashSet::new();
        // The first value of each number: with `allow_alias` (refused above unless
        // `skip_unsupported`), the later ones are aliases, left out.
        let mut numbers = HashMap::new();
        let mut variants = Vec::new();
        for (i, value) in enumeration.value.iter().enumerate() {
            let value_path = [path, &[2, i as i32]].concat();
            let value_line = ctx.comments.line(&value_path);
            if let Some(first) = numbers.get(&value.number()) {
                self.unsupported(
                    ctx,
                    &format!(
                        "enum value `{name}.{}`, an alias of `{first}` (number {}), is not supported",
                        value.name(),
                        value.number()
                    ),
                    value_line,
                )?;
                continue;
            }
            numbers.insert(value.number(), value.name());
            let value_options = self.take_options(
                ctx,
                &format!("enum value `{}`", value.name()),
                value_line,
                custom::element_texts(&value.options, Element::EnumValue),
            )?;
            let value_options = custom::attrs(&value_options);
            let stripped = value
                .name()
                .strip_prefix(&prefix)
                .filter(|s| !s.is_empty())
                .unwrap_or(value.name());
            let mut variant = names::upper_camel(stripped);
            if variant.is_empty() || variant.starts_with(|c: char| c.is_ascii_digit()) {
                variant = format!("V{variant}");
            }
            if !seen.insert(variant.clone()) {
                return Err(ctx.error(
                    format!("enum `{name}` has two values named `{variant}` in Rust"),
                    value_line,
                ));
            }
            let (variant_ident, _) = names::ident(&variant);
            let number = proc_macro2::Literal::i32_unsuffixed(value.number());
            let wire = value.name();
            let name_attr = (grpc_model::names::enum_value_name(&ident.to_string(), &variant)
                != wire)
                .then(|| quote!(#[grpc(name = #wire)]));
            let value_doc = ctx.comments.doc(&value_path);
            variants.push(quote! {
                #value_doc
                #name_attr
                #value_options
                #variant_ident = #number,
            });
        }
        Ok(quote! {
            #doc
            #[derive(::grpc_core::Enumeration, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
            #attrs
            #reserved
            #enum_options
            pub enum #ident {
                #(#variants)*
            }
        })
    }
}
