//! Emitting messages (with their oneofs and nested types).

use grpc_model::options::Element;
use std::collections::HashSet;

use proc_macro2::TokenStream;
use prost_types::{DescriptorProto, FieldDescriptorProto};
use quote::quote;

use crate::error::Error;

use crate::codegen::checks::{deprecated, field_options, json_name_key};
use crate::codegen::*;

/// The Rust name of a message's unknown-fields field: `unknown_fields`, with underscores added
/// while a protobuf field (or oneof) already has that name.
fn unknown_fields_name(message: &DescriptorProto) -> String {
    let taken: HashSet<String> = message
        .field
        .iter()
        .map(|f| names::snake(f.name()))
        .chain(message.oneof_decl.iter().map(|o| names::snake(o.name())))
        .collect();
    let mut name = "unknown_fields".to_owned();
    while taken.contains(&name) {
        name.push('_');
    }
    name
}

impl<'a> Generator<'a> {
    /// For a map field of `message` (full name `full_name`, with a leading dot): the full name
    /// of the nested message declared last before it, which its entry message follows in
    /// `nested_type` (protoc lists nested messages and map entries in declaration order).
    /// `None` for other fields and for maps declared before every nested message.
    fn entry_follows(
        &self,
        message: &DescriptorProto,
        full_name: &str,
        field: &FieldDescriptorProto,
    ) -> Option<String> {
        self.map_entries.get(field.type_name())?;
        let is_entry =
            |m: &DescriptorProto| m.options.as_ref().and_then(|o| o.map_entry) == Some(true);
        let entry = message.nested_type.iter().position(|m| {
            is_entry(m) && format!("{full_name}.{}", m.name()) == field.type_name()
        })?;
        message.nested_type[..entry]
            .iter()
            .rev()
            .find(|m| !is_entry(m))
            .map(|m| format!("{full_name}.{}", m.name()))
    }

    /// `#[grpc(extensions(100..=199, 1000..=max))]` for a message's extension ranges; nothing
    /// when it has none. Their extensions live in the unknown fields, so those must be kept.
    fn extensions_attr(
        &self,
        ctx: &FileCtx<'_>,
        message: &DescriptorProto,
        line: Option<u32>,
    ) -> Result<TokenStream, Error> {
        if message.extension_range.is_empty() {
            return Ok(TokenStream::new());
        }
        let name = message.name();
        if message.extension_range.iter().any(|r| r.options.is_some()) {
            return Err(ctx.error(
                format!("options on the extension ranges of `{name}` are not supported"),
                line,
            ));
        }
        if !self.options.preserve_unknown {
            return Err(ctx.error(
                format!("message `{name}` declares extension ranges, whose extensions live in the unknown fields: they cannot be dropped (leave out preserve_unknown(false) / --drop-unknown)"),
                line,
            ));
        }
        let max = i64::from(grpc_model::layout::MAX_FIELD_NUMBER);
        // A message-set's ranges reach past the ordinary maximum; without the format (left
        // out with `skip_unsupported`, refused otherwise) they end at it.
        let message_set = message
            .options
            .as_ref()
            .and_then(|o| o.message_set_wire_format)
            == Some(true);
        let ranges = message.extension_range.iter().map(|r| {
            // Descriptors store extension ranges end-exclusive.
            let (start, mut end) = (i64::from(r.start()), i64::from(r.end()) - 1);
            if message_set {
                end = end.min(max);
            }
            let first = proc_macro2::Literal::u64_unsuffixed(start as u64);
            if start == end {
                quote!(#first)
            } else if end == max {
                quote!(#first..=max)
            } else {
                let last = proc_macro2::Literal::u64_unsuffixed(end as u64);
                quote!(#first..=#last)
            }
        });
        Ok(quote!(#[grpc(extensions(#(#ranges),*))]))
    }

    pub(in crate::codegen) fn message(
        &self,
        ctx: &FileCtx<'_>,
        message: &DescriptorProto,
        path: &[i32],
        parents: &[&str],
        module: &[String],
    ) -> Result<TokenStream, Error> {
        let line = ctx.comments.line(path);
        let name = message.name();
        if message.options.as_ref().and_then(|o| o.map_entry) == Some(true) {
            return Ok(TokenStream::new());
        }
        let message_options = self.take_options(
            ctx,
            &format!("message `{name}`"),
            line,
            custom::element_texts(&message.options, Element::Message),
        )?;
        let message_options = custom::attrs(&message_options);
        let extension_ranges = self.extensions_attr(ctx, message, line)?;
        let full_name = format!(
            "{}.{}",
            if ctx.file.package().is_empty() {
                String::new()
            } else {
                format!(".{}", ctx.file.package())
            },
            [parents, &[name]].concat().join(".")
        );
        let (ident, _) = names::ident(name);
        let doc = ctx.comments.doc(path);
        let attrs = Self::type_attrs(ctx, parents, name);
        let reserved_ranges: Vec<(i64, i64)> = message
            .reserved_range
            .iter()
            // Message ranges are end-exclusive in descriptors.
            .map(|r| (i64::from(r.start()), i64::from(r.end()) - 1))
            .collect();
        let reserved = Self::reserved_attr(
            &reserved_ranges,
            &message.reserved_name,
            grpc_model::layout::MAX_FIELD_NUMBER.into(),
        );
        let inner_module_name = names::snake(name);
        let (inner_module_ident, _) = names::ident(&inner_module_name);
        let mut inner_module = module.to_vec();
        inner_module.push(inner_module_name.clone());

        let mut fields = Vec::new();
        let mut oneofs_done = HashSet::new();
        let mut oneof_enums = Vec::new();
        // Fields the generated code cannot represent, left out (`skip_unsupported`): their
        // bytes end up in the unknown fields.
        let mut left_out = HashSet::new();
        for (i, field) in message.field.iter().enumerate() {
            let field_line = ctx.comments.line(&[path, &[2, i as i32]].concat());
            if !self.check_field(ctx, name, field, field_line)? {
                left_out.insert(i);
            }
        }
        for (i, field) in message.field.iter().enumerate() {
            if left_out.contains(&i) {
                continue;
            }
            let field_path = [path, &[2, i as i32]].concat();
            let field_line = ctx.comments.line(&field_path);
            let real_oneof = field.oneof_index.filter(|_| !field.proto3_optional());
            if let Some(index) = real_oneof {
                if !oneofs_done.insert(index) {
                    continue;
                }
                let decl = message
                    .oneof_decl
                    .get(index as usize)
                    .ok_or_else(|| ctx.error("oneof index out of range", field_line))?;
                let members: Vec<(usize, &FieldDescriptorProto)> = message
                    .field
                    .iter()
                    .enumerate()
                    .filter(|(j, f)| {
                        f.oneof_index == Some(index)
                            && !f.proto3_optional()
                            && !left_out.contains(j)
                    })
                    .collect();
                let enum_name = names::upper_camel(decl.name());
                let (enum_ident, _) = names::ident(&enum_name);
                let field_name = names::snake(decl.name());
                let (field_ident, renamed) = names::ident(&field_name);
                let name_attr = (renamed || field_name != decl.name()).then(|| {
                    let wire = decl.name();
                    quote!(#[grpc(name = #wire)])
                });
                let oneof_doc = ctx.comments.doc(&[path, &[8, index]].concat());
                let oneof_options = self.take_options(
                    ctx,
                    &format!("oneof `{name}.{}`", decl.name()),
                    line,
                    custom::element_texts(&decl.options, Element::Oneof),
                )?;
                let oneof_options = custom::attrs(&oneof_options);
                fields.push(quote! {
                    #oneof_doc
                    #[grpc(oneof)]
                    #oneof_options
                    #name_attr
                    pub #field_ident: ::core::option::Option<#inner_module_ident::#enum_ident>,
                });
                let mut variants = Vec::new();
                for (j, member) in members {
                    let member_path = [path, &[2, j as i32]].concat();
                    let member_doc = ctx.comments.doc(&member_path);
                    let variant_name = names::upper_camel(member.name());
                    let (variant_ident, _) = names::ident(&variant_name);
                    let (ty, encoding) = self.value_type(
                        ctx,
                        &full_name,
                        member,
                        &inner_module,
                        ctx.comments.line(&member_path),
                    )?;
                    let number = proc_macro2::Literal::u32_unsuffixed(member.number() as u32);
                    let wire = member.name();
                    let name_attr = (grpc_model::names::oneof_variant_name(&variant_name) != wire)
                        .then(|| quote!(, name = #wire));
                    let encoding = encoding.map(|e| quote!(, encoding = #e));
                    let deprecated = deprecated(member).then(|| quote!(, deprecated));
                    let json_name = json_name_key(member);
                    let member_options = field_options(member);
                    let default = member
                        .default_value
                        .as_ref()
                        .map(|d| quote!(, default = #d));
                    variants.push(quote! {
                        #member_doc
                        #[grpc(tag = #number #name_attr #encoding #deprecated #json_name #default)]
                        #member_options
                        #variant_ident(#ty),
                    });
                }
                let doc = format!(" The `{}` oneof of [`super::{}`].", decl.name(), ident);
                oneof_enums.push(quote! {
                    #[doc = #doc]
                    #[derive(::grpc_core::Oneof, Clone, PartialEq, Debug)]
                    pub enum #enum_ident {
                        #(#variants)*
                    }
                });
                continue;
            }
            let field_doc = ctx.comments.doc(&field_path);
            let field_name = names::snake(field.name());
            let (field_ident, renamed) = names::ident(&field_name);
            let wire = field.name();
            let name_attr = (renamed || field_name != wire).then(|| quote!(, name = #wire));
            let number = proc_macro2::Literal::u32_unsuffixed(field.number() as u32);
            let (ty, encoding) =
                self.field_type(ctx, &full_name, message, field, module, field_line)?;
            let encoding = encoding.map(|e| quote!(, encoding = #e));
            let deprecated = deprecated(field).then(|| quote!(, deprecated));
            let packed = field
                .options
                .as_ref()
                .and_then(|o| o.packed)
                .map(|packed| quote!(, packed = #packed));
            let default = field.default_value.as_ref().map(|d| quote!(, default = #d));
            let required = (field.label() == prost_types::field_descriptor_proto::Label::Required)
                .then(|| quote!(, required));
            let json_name = json_name_key(field);
            let options = field_options(field);
            let declared_after = self
                .entry_follows(message, &full_name, field)
                .map(|nested| self.path_to(&nested, module, ctx.file.name(), field_line))
                .transpose()?
                .map(|path| {
                    let path = path.to_string().replace(' ', "");
                    quote!(, declared_after = #path)
                });
            fields.push(quote! {
                #field_doc
                #[grpc(tag = #number #name_attr #encoding #deprecated #packed #default #required #json_name #declared_after)]
                #options
                pub #field_ident: #ty,
            });
        }

        if self.options.preserve_unknown {
            let (unknown_ident, _) = names::ident(&unknown_fields_name(message));
            fields.push(quote! {
                #[grpc(unknown_fields)]
                pub #unknown_ident: ::grpc_core::UnknownFields,
            });
        }

        let mut nested_items = TokenStream::new();
        let my_parents: Vec<&str> = [parents, &[name]].concat();
        for (i, nested) in message.nested_type.iter().enumerate() {
            nested_items.extend(self.message(
                ctx,
                nested,
                &[path, &[3, i as i32]].concat(),
                &my_parents,
                &inner_module,
            )?);
        }
        for (i, enumeration) in message.enum_type.iter().enumerate() {
            nested_items.extend(self.enumeration(
                ctx,
                enumeration,
                &[path, &[4, i as i32]].concat(),
                &my_parents,
            )?);
        }
        nested_items.extend(oneof_enums);
        // `extend` declarations inside the message: their constants live in its module.
        nested_items.extend(self.extension_constants(
            ctx,
            &message.extension,
            &[path, &[6]].concat(),
            full_name.trim_start_matches('.'),
            &inner_module,
        )?);
        let nested_module = (!nested_items.is_empty()).then(|| {
            let doc = format!(" Types nested in [`{ident}`].");
            quote! {
                #[doc = #doc]
                pub mod #inner_module_ident {
                    #nested_items
                }
            }
        });
        Ok(quote! {
            #doc
            #[derive(::grpc_core::Message, Clone, PartialEq, Debug)]
            #attrs
            #reserved
            #extension_ranges
            #message_options
            pub struct #ident {
                #(#fields)*
            }
            #nested_module
        })
    }
}
