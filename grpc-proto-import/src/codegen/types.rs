//! Type mapping: protobuf field types to Rust types, well-known types to grpc-core's.

use proc_macro2::TokenStream;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FieldDescriptorProto};
use quote::quote;

use crate::error::Error;
use grpc_model::scalar::Scalar;

use super::*;

impl<'a> Generator<'a> {
    /// The Rust type of a non-oneof field, and its encoding override (a map's is its key's and
    /// its value's: `sint32, _`).
    pub(super) fn field_type(
        &self,
        ctx: &FileCtx<'_>,
        full_name: &str,
        _message: &DescriptorProto,
        field: &FieldDescriptorProto,
        module: &[String],
        line: Option<u32>,
    ) -> Result<(TokenStream, Option<String>), Error> {
        if field.label() == Label::Repeated {
            if let Some(entry) = self.map_entries.get(field.type_name()) {
                let key = entry.field.iter().find(|f| f.number() == 1);
                let value = entry.field.iter().find(|f| f.number() == 2);
                let (Some(key), Some(value)) = (key, value) else {
                    return Err(ctx.error("malformed map entry", line));
                };
                let (key_ty, key_encoding) = self.value_type(ctx, full_name, key, module, line)?;
                let (value_ty, value_encoding) =
                    self.value_type(ctx, full_name, value, module, line)?;
                // `encoding = "sint32, _"`: the key's and the value's, `_` for their own.
                let encoding = (key_encoding.is_some() || value_encoding.is_some()).then(|| {
                    format!(
                        "{}, {}",
                        key_encoding.unwrap_or("_"),
                        value_encoding.unwrap_or("_")
                    )
                });
                return Ok((
                    quote!(::std::collections::HashMap<#key_ty, #value_ty>),
                    encoding,
                ));
            }
            let (ty, encoding) = self.value_type(ctx, full_name, field, module, line)?;
            return Ok((quote!(::std::vec::Vec<#ty>), encoding.map(str::to_owned)));
        }
        let (ty, encoding) = self.value_type(ctx, full_name, field, module, line)?;
        let encoding = encoding.map(str::to_owned);
        let explicit_presence =
            field.proto3_optional() || (!ctx.proto3 && field.r#type() != Type::Message);
        Ok(match field.r#type() {
            Type::Message => (quote!(::core::option::Option<#ty>), None),
            _ if explicit_presence => (quote!(::core::option::Option<#ty>), encoding),
            _ => (ty, encoding),
        })
    }

    /// The Rust type of one value of `field` (ignoring its cardinality), boxing messages that
    /// could contain the message holding them.
    pub(super) fn value_type(
        &self,
        ctx: &FileCtx<'_>,
        holder: &str,
        field: &FieldDescriptorProto,
        module: &[String],
        line: Option<u32>,
    ) -> Result<(TokenStream, Option<&'static str>), Error> {
        Ok(match field.r#type() {
            Type::Enum => {
                let path = self.path_to(field.type_name(), module, ctx.file.name(), line)?;
                if self.options.preserve_unknown {
                    (quote!(::grpc_core::OpenEnum<#path>), None)
                } else {
                    (path, None)
                }
            }
            Type::Message => {
                let path = self.path_to(field.type_name(), module, ctx.file.name(), line)?;
                if field.label() != Label::Repeated && self.reaches(field.type_name(), holder) {
                    (quote!(::std::boxed::Box<#path>), None)
                } else {
                    (path, None)
                }
            }
            Type::Group => {
                return Err(ctx.error(format!("group `{}` is not supported", field.name()), line))
            }
            scalar => {
                let Some(scalar) = Scalar::from_type_number(scalar as i32) else {
                    return Err(ctx.error(format!("unknown type of `{}`", field.name()), line));
                };
                let rust: TokenStream = scalar.rust_type().parse().unwrap_or_default();
                (rust, scalar.encoding_attr())
            }
        })
    }
}
