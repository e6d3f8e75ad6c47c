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
/// attributes of their own).
fn field_option_texts(field: &FieldDescriptorProto) -> super::custom::OptionTexts {
    super::custom::all_texts(&field.options, grpc_model::options::Element::Field, |o| {
        o.deprecated = None;
        o.packed = None;
    })
}

/// `#[grpc(option = "...")]` for each option of the field but `deprecated` and `packed`.
/// [`Generator::check_field`], which runs first, reports the options this cannot write.
pub(super) fn field_options(field: &FieldDescriptorProto) -> proc_macro2::TokenStream {
    super::custom::attrs(&field_option_texts(field).texts)
}

pub(super) fn deprecated(field: &FieldDescriptorProto) -> bool {
    field.options.as_ref().and_then(|o| o.deprecated) == Some(true)
}

impl<'a> Generator<'a> {
    /// The texts of `options`, the options of `what` (`field \`M.x\``) at `line`: the first
    /// one the macros do not take is an error, or with `skip_unsupported` each of those is
    /// left out with a warning.
    pub(super) fn take_options(
        &self,
        ctx: &FileCtx<'_>,
        what: &str,
        line: Option<u32>,
        options: super::custom::OptionTexts,
    ) -> Result<Vec<String>, Error> {
        for reason in &options.refused {
            self.unsupported(ctx, &format!("options on {what}: {reason}"), line)?;
        }
        Ok(options.texts)
    }

    /// Checks a field of `message` and reports what of it cannot be represented; `Ok(false)`
    /// when the field itself is left out (`skip_unsupported`).
    pub(super) fn check_field(
        &self,
        ctx: &FileCtx<'_>,
        message: &str,
        field: &FieldDescriptorProto,
        line: Option<u32>,
    ) -> Result<bool, Error> {
        let name = field.name();
        let unrepresentable = (field.r#type() == Type::Group)
            .then(|| format!("group `{name}` in message `{message}` is not supported"));
        if let Some(what) = unrepresentable {
            self.unsupported(ctx, &what, line)?;
            return Ok(false);
        }
        self.take_options(
            ctx,
            &format!("field `{message}.{name}`"),
            line,
            field_option_texts(field),
        )?;
        if field.default_value.is_some() && ctx.proto3 {
            return Err(ctx.error(format!("default value on `{message}.{name}`"), line));
        }
        Ok(true)
    }
}
