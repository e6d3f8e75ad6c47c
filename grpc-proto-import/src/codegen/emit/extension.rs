//! Emitting `extend` declarations of ordinary messages as typed constants
//! (`grpc_core::extension::Extension`), read and written through the extended message's
//! unknown fields.

use proc_macro2::TokenStream;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::FieldDescriptorProto;
use quote::{format_ident, quote};

use crate::error::Error;

use crate::codegen::*;

impl<'a> Generator<'a> {
    /// One constant per extension of `extensions` (declared in scope `scope`, the package or a
    /// message's full name, without a leading dot) that extends a message this import
    /// generates: `pub const WEIGHT: Extension<Base, SInt32> = Extension::new("pkg.weight", 100);`.
    /// Extensions of `google.protobuf.*Options` are custom options and get none. `path` is the
    /// source path of the first declaration's list (`[7]` for a file's, `[4, i, 6]` for a
    /// message's), for doc comments and lines.
    pub(in crate::codegen) fn extension_constants(
        &self,
        ctx: &FileCtx<'_>,
        extensions: &[FieldDescriptorProto],
        path: &[i32],
        scope: &str,
        module: &[String],
    ) -> Result<TokenStream, Error> {
        let mut out = TokenStream::new();
        for (i, extension) in extensions.iter().enumerate() {
            // grpc-core's well-known messages (the `*Options` custom options extend) keep no
            // unknown fields.
            let extendee_name = extension.extendee();
            if !self.extendable.contains(extendee_name)
                || grpc_model::well_known::lookup(extendee_name).is_some()
            {
                continue;
            }
            let decl_path = [path, &[i as i32]].concat();
            let line = ctx.comments.line(&decl_path);
            if extension.r#type() == Type::Group {
                // Its declaration stays in the file's `FileSpec`; its values stay in the
                // extended message's unknown fields.
                self.unsupported(
                    ctx,
                    &format!(
                        "group extension `{}` is not supported (no typed constant)",
                        extension.name()
                    ),
                    line,
                )?;
                continue;
            }
            let extendee = self.path_to(extension.extendee(), module, ctx.file.name(), line)?;
            let kind = self.extension_kind(ctx, extension, module, line)?;
            let ident = format_ident!("{}", grpc_model::names::screaming(extension.name()));
            let full_name = grpc_model::names::full_name(scope, extension.name());
            let number = proc_macro2::Literal::u32_unsuffixed(extension.number() as u32);
            let doc = ctx.comments.doc(&decl_path);
            let summary = format!(
                " The extension `{full_name}` (number {}) of [`{}`].",
                extension.number(),
                extendee.to_string().replace(' ', "")
            );
            let separator = (!doc.is_empty()).then(|| quote!(#[doc = ""]));
            out.extend(quote! {
                #doc
                #separator
                #[doc = #summary]
                pub const #ident: ::grpc_core::extension::Extension<#extendee, #kind> =
                    ::grpc_core::extension::Extension::new(#full_name, #number);
            });
        }
        Ok(out)
    }

    /// The `grpc_core::extension` kind of an extension's values.
    fn extension_kind(
        &self,
        ctx: &FileCtx<'_>,
        extension: &FieldDescriptorProto,
        module: &[String],
        line: Option<u32>,
    ) -> Result<TokenStream, Error> {
        let scalar = |name: &str| {
            let name = format_ident!("{name}");
            quote!(::grpc_core::extension::#name)
        };
        let packable = !matches!(
            extension.r#type(),
            Type::String | Type::Bytes | Type::Message | Type::Group
        );
        let single = match extension.r#type() {
            Type::Double => scalar("Double"),
            Type::Float => scalar("Float"),
            Type::Int64 => scalar("Int64"),
            Type::Uint64 => scalar("UInt64"),
            Type::Int32 => scalar("Int32"),
            Type::Fixed64 => scalar("Fixed64"),
            Type::Fixed32 => scalar("Fixed32"),
            Type::Bool => scalar("Bool"),
            Type::String => scalar("String"),
            Type::Bytes => scalar("Bytes"),
            Type::Uint32 => scalar("UInt32"),
            Type::Sfixed32 => scalar("SFixed32"),
            Type::Sfixed64 => scalar("SFixed64"),
            Type::Sint32 => scalar("SInt32"),
            Type::Sint64 => scalar("SInt64"),
            Type::Enum => {
                let path = self.path_to(extension.type_name(), module, ctx.file.name(), line)?;
                quote!(::grpc_core::extension::Enum<#path>)
            }
            Type::Message => {
                let path = self.path_to(extension.type_name(), module, ctx.file.name(), line)?;
                quote!(::grpc_core::extension::Message<#path>)
            }
            Type::Group => {
                return Err(ctx.error(
                    format!("internal error: group extension `{}`", extension.name()),
                    line,
                ))
            }
        };
        if extension.label() != Label::Repeated {
            return Ok(single);
        }
        let packed = extension
            .options
            .as_ref()
            .and_then(|o| o.packed)
            .unwrap_or(ctx.proto3);
        Ok(if packed && packable {
            quote!(::grpc_core::extension::Packed<#single>)
        } else {
            quote!(::grpc_core::extension::Repeated<#single>)
        })
    }
}
