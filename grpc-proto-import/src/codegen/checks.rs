//! Checks: constructs the importer does not support, each an error naming file and line.

use prost_types::field_descriptor_proto::Type;
use prost_types::FieldDescriptorProto;

use crate::error::Error;

use super::*;

/// `, json_name = "..."` when the field's JSON name is not the default lowerCamelCase one.
pub(super) fn json_name_key(field: &FieldDescriptorProto) -> Option<proc_macro2::TokenStream> {
    field
        .json_name
        .as_deref()
        .filter(|json| *json != grpc_model::names::json_name(field.name()))
        .map(|json| quote::quote!(, json_name = #json))
}

/// `#[grpc(option = "...")]` for each custom option of the field.
pub(super) fn field_options(field: &FieldDescriptorProto) -> proc_macro2::TokenStream {
    super::custom::attrs(
        field
            .options
            .as_ref()
            .map_or(&[][..], |o| &o.uninterpreted_option[..]),
    )
}

pub(super) fn deprecated(field: &FieldDescriptorProto) -> bool {
    field.options.as_ref().and_then(|o| o.deprecated) == Some(true)
}

impl<'a> Generator<'a> {
    pub(super) fn check_field(
        &self,
        ctx: &FileCtx<'_>,
        message: &str,
        field: &FieldDescriptorProto,
        line: Option<u32>,
    ) -> Result<(), Error> {
        let name = field.name();
        if field.r#type() == Type::Group {
            return Err(ctx.error(
                format!("group `{name}` in message `{message}` is not supported"),
                line,
            ));
        }
        let (_, other) = super::custom::split(
            &field.options,
            |o| &mut o.uninterpreted_option,
            |o| {
                o.deprecated = None;
                o.packed = None;
            },
        );
        if other {
            return Err(ctx.error(
                format!(
                    "options on field `{message}.{name}` are not supported (only `deprecated`, `packed` and custom options)"
                ),
                line,
            ));
        }
        if field.default_value.is_some() && ctx.proto3 {
            return Err(ctx.error(format!("default value on `{message}.{name}`"), line));
        }
        Ok(())
    }
}
