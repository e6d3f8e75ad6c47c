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

/// The field's options as `.proto` texts, apart from `deprecated` and `packed` (which have
/// attributes of their own); `Err` names one the macros do not take.
fn field_option_texts(field: &FieldDescriptorProto) -> Result<Vec<String>, String> {
    super::custom::all_texts(
        &field.options,
        grpc_model::options::Element::Field,
        |o| &mut o.uninterpreted_option,
        |o| {
            o.deprecated = None;
            o.packed = None;
        },
    )
}

/// `#[grpc(option = "...")]` for each option of the field but `deprecated` and `packed`.
/// [`Generator::check_field`], which runs first, reports the options this cannot write.
pub(super) fn field_options(field: &FieldDescriptorProto) -> proc_macro2::TokenStream {
    super::custom::attrs(&field_option_texts(field).unwrap_or_default())
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
        if let Err(error) = field_option_texts(field) {
            return Err(ctx.error(
                format!("options on field `{message}.{name}`: {error}"),
                line,
            ));
        }
        if field.default_value.is_some() && ctx.proto3 {
            return Err(ctx.error(format!("default value on `{message}.{name}`"), line));
        }
        Ok(())
    }
}
