//! `#[derive(Message)]`: parse the struct into a model, check it, emit the codec, `Default` and
//! descriptor impls.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Data, DeriveInput, Fields, Ident, LitStr};

use crate::attrs::{self, Place};
use crate::ctx::{self, Ctx};
use crate::reserved::{range_text, Kind, Reserved};
use crate::types::{self, Card, Scalar, Shape};
use grpc_model::{layout, names, options::Element};

/// Field numbers protobuf reserves for itself.
const RESERVED_TAGS: std::ops::RangeInclusive<u32> = 19000..=19999;
pub(crate) const MAX_TAG: u32 = grpc_model::layout::MAX_FIELD_NUMBER;

struct Field<'a> {
    ident: &'a Ident,
    /// Whether the number was given with `#[grpc(tag = N)]` (or counted on from the last one).
    explicit_tag: bool,
    /// The `#[grpc(name = "...")]` literal, for error spans.
    name_attr: Option<syn::LitStr>,
    /// `#[grpc(deprecated)]`: the descriptor marks the field deprecated.
    deprecated: bool,
    /// `#[grpc(json_name = "...")]`: the statement that sets it in the descriptor.
    json_name: TokenStream,
    /// `#[grpc(option = "...")]`: the statements adding them to the field's (or, for a oneof
    /// field, the oneof's) options.
    options: TokenStream,
    /// The doc comment, for the descriptor.
    doc: Option<String>,
    /// `#[grpc(packed = ...)]`.
    packed: Option<syn::LitBool>,
    /// `#[grpc(required)]` (proto2): where it was written.
    required: Option<Span>,
    /// `#[grpc(default = "...")]`, checked: the literal and the value's Rust expression.
    default: Option<(LitStr, TokenStream)>,
    /// `#[grpc(declared_after = "...")]` on a map field: the statement listing its entry
    /// message after that nested message.
    declared_after: TokenStream,
    /// `None` for a oneof field: its numbers come from the variants.
    tag: Option<u32>,
    tag_span: Span,
    name: String,
    shape: Shape,
}

/// The struct's fields: the protobuf fields, and the `#[grpc(unknown_fields)]` field if any.
struct Model<'a> {
    fields: Vec<Field<'a>>,
    unknown: Option<&'a Ident>,
}

pub(crate) fn expand(input: DeriveInput) -> TokenStream {
    match expand_checked(&input) {
        Ok(tokens) => tokens,
        Err(error) => ctx::fail(error, TokenStream::new()),
    }
}

/// The message-level facts shared by the emitters.
pub(crate) struct TypeNames {
    pub(crate) krate: TokenStream,
    pub(crate) package: String,
    pub(crate) full_name: String,
    pub(crate) file: String,
    /// Gives the file its options (`file_options = "..."`), or nothing.
    pub(crate) file_options: TokenStream,
    /// The type's `option = "..."` texts (checked).
    pub(crate) options: Vec<LitStr>,
}

/// Reads `name`, `package`, `file` and `crate` of a message or enum, checking them.
pub(crate) fn type_names(ctx: &Ctx, ident: &Ident, attrs: &attrs::Attrs) -> TypeNames {
    let name = attrs
        .name
        .as_ref()
        .map_or_else(|| ident.to_string(), |n| n.value());
    // A dotted name (`Outer.Inner`) nests the type inside the message `Outer`.
    if !name.split('.').all(names::is_proto_ident) {
        ctx.error(
            attrs
                .name
                .as_ref()
                .map_or_else(|| quote!(#ident), |n| quote!(#n)),
            format!("`{name}` is not a valid protobuf name"),
        );
    }
    let package = attrs
        .package
        .as_ref()
        .map(|p| p.value())
        .unwrap_or_default();
    if !names::is_proto_package(&package) {
        ctx.error(
            &attrs.package,
            format!("`{package}` is not a valid protobuf package"),
        );
    }
    let file = attrs
        .file
        .as_ref()
        .map_or_else(|| layout::default_proto_file(&package), |f| f.value());
    TypeNames {
        krate: attrs::crate_path(attrs),
        file_options: attrs::file_options(attrs, &file, &package),
        options: attrs.options.clone(),
        full_name: names::full_name(&package, &name),
        package,
        file,
    }
}

fn expand_checked(input: &DeriveInput) -> syn::Result<TokenStream> {
    let ctx = Ctx::new();
    let container = attrs::parse(&ctx, &input.attrs, Place::MessageType);
    let type_names = type_names(&ctx, &input.ident, &container);
    if !input.generics.params.is_empty() {
        ctx.error(&input.generics, "a message cannot have generic parameters");
    }
    let empty = Model {
        fields: Vec::new(),
        unknown: None,
    };
    let model = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => parse_fields(&ctx, named.named.iter()),
            Fields::Unit => empty,
            Fields::Unnamed(_) => {
                ctx.error(
                    &data.fields,
                    "a message needs named fields (or none at all)",
                );
                empty
            }
        },
        _ => {
            ctx.error(
                &input.ident,
                "`Message` can only be derived for structs; use `Enumeration` or `Oneof` for enums",
            );
            empty
        }
    };
    check_tags(&ctx, &model.fields);
    check_names(&ctx, &model.fields);
    let reserved = Reserved::check(&ctx, &container.reserved, Kind::Message);
    check_reserved(&ctx, &reserved, &model.fields);
    let proto2 = attrs::proto2(&ctx, &container);
    check_syntax(&ctx, proto2, &model.fields);
    let extensions = Reserved::check(&ctx, &container.extensions, Kind::Extensions);
    check_extensions(&ctx, &extensions, &reserved, &model);
    ctx.finish()?;
    let describe_reserved = {
        let reserved = reserved.describe(&quote!(message), Kind::Message);
        let extensions = extensions.describe(&quote!(message), Kind::Extensions);
        quote!(#reserved #extensions)
    };
    let syntax = Syntax { proto2 };
    Ok(emit(
        input,
        &type_names,
        &model,
        &describe_reserved,
        (&reserved, &extensions),
        syntax,
    ))
}

fn parse_fields<'a>(ctx: &Ctx, fields: impl Iterator<Item = &'a syn::Field>) -> Model<'a> {
    let mut next_tag = 1u32;
    let mut out = Vec::new();
    let mut unknown = None;
    for field in fields {
        let Some(ident) = field.ident.as_ref() else {
            continue;
        };
        let attrs = attrs::parse(ctx, &field.attrs, Place::MessageField);
        if let Some(marker) = attrs.unknown_fields {
            check_unknown_fields(ctx, field, &attrs, marker, unknown);
            unknown = unknown.or(Some(ident));
            continue;
        }
        let oneof = attrs.oneof.is_some();
        let Some(shape) = types::classify_field(ctx, &field.ty, attrs.encoding.as_ref(), oneof)
        else {
            continue;
        };
        let (tag, tag_span) = match (oneof, attrs.tag) {
            (true, Some((_, span))) => {
                ctx.push(syn::Error::new(
                    span,
                    "a oneof field has no number of its own: tag its variants",
                ));
                (None, span)
            }
            (true, None) => (None, ident.span()),
            (false, Some((tag, span))) => (Some(tag), span),
            (false, None) => (Some(next_tag), ident.span()),
        };
        if let Some(tag) = tag {
            next_tag = tag.saturating_add(1);
        }
        let name = attrs
            .name
            .as_ref()
            .map_or_else(|| names::field_name(&ident.to_string()), |n| n.value());
        if !names::is_proto_ident(&name) {
            ctx.error(
                attrs
                    .name
                    .as_ref()
                    .map_or_else(|| quote!(#ident), |n| quote!(#n)),
                format!("`{name}` is not a valid protobuf field name"),
            );
        }
        if let (Some(json), None) = (&attrs.json_name, tag) {
            ctx.error(
                json,
                "a oneof has no JSON name of its own: put `json_name` on its variants",
            );
        }
        let declared_after = match (&attrs.declared_after, &shape, tag) {
            (Some(path), Shape::Map { .. }, Some(tag)) => {
                quote!(message.map_declared_after::<#path>(registry, #tag);)
            }
            (Some(path), _, _) => {
                ctx.error(
                    path,
                    "`declared_after` places a map field's entry message among the nested messages; this field is not a map",
                );
                TokenStream::new()
            }
            (None, _, _) => TokenStream::new(),
        };
        out.push(Field {
            ident,
            declared_after,
            explicit_tag: attrs.tag.is_some(),
            name_attr: attrs.name.clone(),
            deprecated: attrs.deprecated.is_some(),
            json_name: attrs::json_name_statement(&attrs, tag),
            options: match tag {
                Some(tag) => {
                    attrs::check_options(ctx, &attrs, Element::Field);
                    attrs::option_statements(
                        &attrs,
                        |text| quote!(message.field_option(#tag, #text);),
                    )
                }
                None => {
                    attrs::check_options(ctx, &attrs, Element::Oneof);
                    attrs::option_statements(
                        &attrs,
                        |text| quote!(message.oneof_option(#name, #text);),
                    )
                }
            },
            doc: attrs::doc(&field.attrs),
            packed: attrs.packed.clone(),
            required: attrs.required,
            default: attrs
                .default
                .as_ref()
                .and_then(|lit| default_value(ctx, lit, &shape).map(|v| (lit.clone(), v))),
            tag,
            tag_span,
            name,
            shape,
        });
    }
    Model {
        fields: out,
        unknown,
    }
}

/// The `#[grpc(unknown_fields)]` field: one per message, of type `UnknownFields`, with no other
/// keys (it has no number or name of its own).
fn check_unknown_fields(
    ctx: &Ctx,
    field: &syn::Field,
    attrs: &attrs::Attrs,
    marker: Span,
    previous: Option<&Ident>,
) {
    if let Some(previous) = previous {
        ctx.push(syn::Error::new(
            marker,
            format!("only one field can hold the unknown fields, and `{previous}` already does"),
        ));
    }
    for (key, span) in &attrs.keys {
        let message = match key.as_str() {
            "unknown_fields" => continue,
            "tag" => "the unknown-fields field has no field number: it holds the fields whose numbers the message does not declare".to_owned(),
            other => format!("`{other}` does not apply to the unknown-fields field"),
        };
        ctx.push(syn::Error::new(*span, message));
    }
    if !types::is_unknown_fields(&field.ty) {
        ctx.error(
            &field.ty,
            "the unknown-fields field must have type `grpc_core::UnknownFields`",
        );
    }
}

/// Field numbers must be in range, outside the reserved block, and unique.
fn check_tags(ctx: &Ctx, fields: &[Field<'_>]) {
    let mut seen: HashMap<u32, &Ident> = HashMap::new();
    for field in fields {
        let Some(tag) = field.tag else { continue };
        if tag == 0 || tag > MAX_TAG {
            ctx.push(syn::Error::new(
                field.tag_span,
                format!("field number {tag} is out of range (1 to {MAX_TAG})"),
            ));
        } else if RESERVED_TAGS.contains(&tag) {
            ctx.push(syn::Error::new(
                field.tag_span,
                format!("field number {tag} is reserved by protobuf (19000 to 19999)"),
            ));
        }
        if let Some(previous) = seen.insert(tag, field.ident) {
            let how = if field.explicit_tag {
                ""
            } else {
                " (numbered after the previous field)"
            };
            ctx.push(syn::Error::new(
                field.tag_span,
                format!("field number {tag}{how} is already used by field `{previous}`"),
            ));
        }
    }
}

/// The message's syntax, as far as the emitters care.
#[derive(Clone, Copy)]
struct Syntax {
    proto2: bool,
}

/// proto2 has no implicit presence (a singular scalar or enum is `Option<T>`), and
/// `packed = ...` applies only to repeated scalars and enums.
fn check_syntax(ctx: &Ctx, proto2: bool, fields: &[Field<'_>]) {
    for field in fields {
        let implicit = matches!(
            field.shape,
            Shape::Scalar(_, Card::Implicit) | Shape::Named(_, Card::Implicit)
        );
        if let Some(span) = field.required {
            let optional = matches!(
                field.shape,
                Shape::Scalar(_, Card::Optional) | Shape::Named(_, Card::Optional)
            );
            if !proto2 {
                ctx.push(syn::Error::new(
                    span,
                    "`required` exists only in proto2: add `#[grpc(syntax = \"proto2\")]` to the message",
                ));
            } else if !optional {
                ctx.push(syn::Error::new(
                    span,
                    "a required field is an `Option<T>` (a decoded message without it is an error)",
                ));
            }
        }
        if proto2 && implicit {
            ctx.error(
                field.ident,
                "a proto2 field has explicit presence: make it `Option<T>`",
            );
        }
        let Some(packed) = &field.packed else {
            continue;
        };
        match &field.shape {
            Shape::Scalar(scalar, Card::Repeated) if scalar.packable() => {}
            Shape::Named(_, Card::Repeated) => {}
            _ => ctx.error(
                packed,
                "`packed` applies only to repeated scalar (number or bool) and enum fields",
            ),
        }
    }
}

/// The Rust value of a `#[grpc(default = "...")]` (protoc's `default_value` text) on a field
/// of `shape`: only `Option<scalar>` fields have one.
fn default_value(ctx: &Ctx, lit: &LitStr, shape: &Shape) -> Option<TokenStream> {
    if let Shape::Named(_, Card::Optional) = shape {
        // An enum's value name: checked against the enum's `VALUES` at compile time (see
        // `enum_default_checks`); the accessor looks its number up.
        return Some(TokenStream::new());
    }
    let Shape::Scalar(scalar, Card::Optional) = shape else {
        ctx.error(
            lit,
            "a default applies only to an `Option<T>` scalar field (proto2 `optional`)",
        );
        return None;
    };
    scalar_default(ctx, lit, *scalar)
}

/// The Rust value of a default (protoc's `default_value` text) for a scalar of type `scalar`,
/// checked: `&str` for strings, `&[u8]` for bytes, the number or bool otherwise.
pub(crate) fn scalar_default(ctx: &Ctx, lit: &LitStr, scalar: Scalar) -> Option<TokenStream> {
    use grpc_model::literals::{parse_default, Default};
    let value = match parse_default(scalar, &lit.value()) {
        Ok(value) => value,
        Err(message) => {
            ctx.error(lit, message);
            return None;
        }
    };
    let rust_type: TokenStream = scalar.rust_type().parse().unwrap_or_default();
    Some(match value {
        Default::Int(v) => {
            let v = proc_macro2::Literal::i64_unsuffixed(v);
            quote!(#v as #rust_type)
        }
        Default::Uint(v) => {
            let v = proc_macro2::Literal::u64_unsuffixed(v);
            quote!(#v as #rust_type)
        }
        Default::Float(v) if v.is_nan() => quote!(#rust_type::NAN),
        Default::Float(v) if v == f64::INFINITY => quote!(#rust_type::INFINITY),
        Default::Float(v) if v == f64::NEG_INFINITY => quote!(#rust_type::NEG_INFINITY),
        Default::Float(v) => {
            let v = proc_macro2::Literal::f64_unsuffixed(v);
            quote!(#v as #rust_type)
        }
        Default::Bool(v) => quote!(#v),
        Default::String(v) => quote!(#v),
        Default::Bytes(v) => quote!(&[#(#v),*]),
    })
}

/// "field number 7", saying when the number was counted rather than written.
fn field_number(field: &Field<'_>) -> String {
    let tag = field.tag.unwrap_or_default();
    let how = if field.explicit_tag {
        ""
    } else {
        " (numbered after the previous field)"
    };
    format!("field number {tag}{how}")
}

/// No field may use a number or name the message reserves.
fn check_reserved(ctx: &Ctx, reserved: &Reserved, fields: &[Field<'_>]) {
    for field in fields {
        if let Some(range) = field.tag.and_then(|tag| reserved.number(tag.into())) {
            ctx.push(syn::Error::new(
                field.tag_span,
                format!(
                    "{} is reserved by this message (reserved {range})",
                    field_number(field)
                ),
            ));
        }
        if reserved.name(&field.name) {
            let message = format!("field name `{}` is reserved by this message", field.name);
            match &field.name_attr {
                Some(literal) => ctx.error(literal, message),
                None => ctx.error(field.ident, message),
            }
        }
    }
}

/// Extension ranges (`#[grpc(extensions(100..=199))]`): no field number in them, no overlap
/// with reserved numbers, and an unknown-fields field to keep the extensions in.
fn check_extensions(ctx: &Ctx, extensions: &Reserved, reserved: &Reserved, model: &Model<'_>) {
    for field in &model.fields {
        if let Some(range) = field.tag.and_then(|tag| extensions.number(tag.into())) {
            ctx.push(syn::Error::new(
                field.tag_span,
                format!(
                    "{} is in this message's extension range {range}",
                    field_number(field)
                ),
            ));
        }
    }
    for (start, end, span) in extensions.spanned_ranges() {
        if let Some(range) = (start..=end).find_map(|n| reserved.number(n)) {
            ctx.push(syn::Error::new(
                span,
                format!("this extension range overlaps reserved numbers ({range})"),
            ));
        }
    }
    if let (Some((_, _, span)), None) = (extensions.spanned_ranges().next(), model.unknown) {
        ctx.push(syn::Error::new(
            span,
            "a message with extension ranges keeps its extensions in its unknown fields: add a `#[grpc(unknown_fields)] pub unknown_fields: grpc_core::UnknownFields` field",
        ));
    }
}

fn check_names(ctx: &Ctx, fields: &[Field<'_>]) {
    let mut seen: HashMap<&str, &Ident> = HashMap::new();
    for field in fields {
        if let Some(previous) = seen.insert(&field.name, field.ident) {
            let message = format!(
                "field name `{}` is already used by field `{previous}`",
                field.name
            );
            match &field.name_attr {
                Some(literal) => ctx.error(literal, message),
                None => ctx.error(field.ident, message),
            }
        }
    }
}

fn emit(
    input: &DeriveInput,
    names: &TypeNames,
    model: &Model<'_>,
    describe_reserved: &TokenStream,
    (reserved, extensions): (&Reserved, &Reserved),
    syntax: Syntax,
) -> TokenStream {
    let fields = &model.fields[..];
    let krate = &names.krate;
    let p = quote!(#krate::__private);
    let ident = &input.ident;
    let struct_name = ident.to_string();
    let hidden = attrs::hidden_from_diagnostics(krate);
    let TypeNames {
        package,
        full_name,
        file,
        file_options,
        options,
        ..
    } = names;
    let message_options = options.iter().map(|text| quote!(message.option(#text);));

    let codes: Vec<_> = fields
        .iter()
        .map(|field| {
            let member = field.ident;
            let code = types::field_code(
                krate,
                &field.shape,
                &quote!(self.#member),
                field.tag.unwrap_or(0),
                &field.name,
                field.packed.as_ref().map_or(!syntax.proto2, |p| p.value),
            );
            (field, code)
        })
        .collect();

    // Encode in field-number order, as protoc does; a oneof's value goes where its number falls.
    let oneofs: Vec<(&Field<'_>, Ident, TokenStream)> = fields
        .iter()
        .filter_map(|field| match &field.shape {
            Shape::Oneof(ty) => Some((
                field,
                format_ident!("__oneof_{}", field.ident),
                quote!(<#ty as #p::Oneof>),
            )),
            _ => None,
        })
        .collect();
    let mut ordered: Vec<_> = codes
        .iter()
        .filter(|(field, _)| field.tag.is_some())
        .collect();
    ordered.sort_by_key(|(field, _)| field.tag);
    let pending_init = oneofs.iter().map(|(field, var, _)| {
        let member = field.ident;
        quote!(let mut #var = self.#member.as_ref();)
    });
    let encode_steps = ordered.iter().map(|(field, code)| {
        let tag = field.tag.unwrap_or(0);
        let flush = oneofs.iter().map(|(_, var, oneof)| {
            quote! {
                if let ::core::option::Option::Some(value) = #var {
                    if #oneof::tag(value) < #tag {
                        #oneof::encode(value, buf);
                        #var = ::core::option::Option::None;
                    }
                }
            }
        });
        let encode = &code.encode;
        quote!(#(#flush)* #encode)
    });
    let encode_rest = oneofs.iter().map(|(_, var, oneof)| {
        quote!(if let ::core::option::Option::Some(value) = #var { #oneof::encode(value, buf); })
    });

    // Unknown fields are written after the known ones, as protoc's C++ does; without an
    // unknown-fields field they are skipped.
    let unknown_set = quote!(<#p::UnknownFields as #p::prost::Message>);
    let (encode_unknown, merge_unknown, len_unknown) = match model.unknown {
        Some(member) => (
            quote!(#unknown_set::encode_raw(&self.#member, buf);),
            quote!(#unknown_set::merge_field(&mut self.#member, tag, wire_type, buf, ctx)),
            quote!(+ #unknown_set::encoded_len(&self.#member)),
        ),
        None => (
            TokenStream::new(),
            quote!(#p::prost::encoding::skip_field(wire_type, tag, buf, ctx)),
            TokenStream::new(),
        ),
    };

    let merge_arms = codes.iter().map(|(field, code)| {
        let merge = &code.merge;
        let field_name = field.ident.to_string();
        let pattern = match (&field.shape, field.tag) {
            (Shape::Oneof(ty), _) => quote!(tag if <#ty as #p::Oneof>::TAGS.contains(&tag)),
            (_, Some(tag)) => quote!(#tag),
            (_, None) => quote!(_ if false),
        };
        quote! {
            #pattern => #merge.map_err(|mut error| {
                error.push(#struct_name, #field_name);
                error
            }),
        }
    });
    let lens = codes.iter().map(|(_, code)| &code.encoded_len);
    let describes = codes.iter().map(|(field, code)| {
        let describe = &code.describe;
        let deprecate = match (field.deprecated, field.tag) {
            (true, Some(tag)) => quote!(message.deprecate(#tag);),
            _ => quote!(),
        };
        let name = &field.name;
        let doc = field
            .doc
            .as_ref()
            .map(|doc| quote!(message.member_doc(#name, #doc);));
        let require = match (field.required, field.tag) {
            (Some(_), Some(tag)) => quote!(message.require(#tag);),
            _ => quote!(),
        };
        let default = match (&field.default, field.tag) {
            (Some((lit, _)), Some(tag)) => quote!(message.default_value(#tag, #lit);),
            _ => quote!(),
        };
        let packed = match (&field.packed, field.tag) {
            (Some(packed), Some(tag)) => {
                let packed = packed.value;
                quote!(message.packed(#tag, #packed);)
            }
            _ => quote!(),
        };
        let json_name = &field.json_name;
        let options = &field.options;
        let declared_after = &field.declared_after;
        quote!(#describe #deprecate #json_name #doc #packed #default #require #options #declared_after)
    });
    let message_doc = attrs::doc(&input.attrs).map(|doc| quote!(message.doc(#doc);));
    let proto2 = syntax.proto2.then(|| quote!(message.proto2();));
    let defaults = fields
        .iter()
        .map(|field| field.ident)
        .chain(model.unknown)
        .map(|member| quote!(#member: ::core::default::Default::default()));
    let p_ref = &p;
    let oneof_checks = oneofs.iter().flat_map(|(oneof_field, _, oneof)| {
        let p = p_ref;
        fields
            .iter()
            .filter_map(|field| field.tag.map(|tag| (field, tag)))
            .map(move |(field, tag)| {
                let message = format!(
                    "oneof `{}` uses field number {tag}, already used by field `{}`",
                    oneof_field.ident, field.ident
                );
                let name = &field.name;
                let name_message = format!(
                    "oneof `{}` has a member named `{name}`, already the name of field `{}`",
                    oneof_field.ident, field.ident
                );
                quote_spanned! {oneof_field.ident.span()=>
                    const _: () = {
                        if #p::tags_contain(#oneof::TAGS, #tag) {
                            ::core::panic!(#message);
                        }
                        if #p::names_contain(#oneof::NAMES, #name) {
                            ::core::panic!(#name_message);
                        }
                    };
                }
            })
    });

    // A oneof's numbers and names are its derive's: check them against the reserved list when
    // the constants are known.
    let reserved_checks = oneofs.iter().flat_map(|(oneof_field, _, oneof)| {
        let p = p_ref;
        let span = oneof_field.ident.span();
        // The oneof's tags against one range of numbers it may not use.
        let tags_outside = move |(start, end): (i64, i64), message: String| {
            let (start, end) = (start as u32, end as u32);
            quote_spanned! {span=>
                const _: () = {
                    if #p::tags_in_range(#oneof::TAGS, #start, #end) {
                        ::core::panic!(#message);
                    }
                };
            }
        };
        let ident = &oneof_field.ident;
        let ranges = reserved.ranges().map(move |(start, end)| {
            let message = format!(
                "oneof `{ident}` uses a field number this message reserves (reserved {})",
                range_text(start, end)
            );
            tags_outside((start, end), message)
        });
        let names = reserved.names().map(move |name| {
            let message = format!(
                "oneof `{}` has a member named `{name}`, which this message reserves",
                oneof_field.ident
            );
            quote_spanned! {span=>
                const _: () = {
                    if #p::names_contain(#oneof::NAMES, #name) {
                        ::core::panic!(#message);
                    }
                };
            }
        });
        let in_extensions = extensions.ranges().map(move |(start, end)| {
            let message = format!(
                "oneof `{ident}` uses a field number in this message's extension range {}",
                range_text(start, end)
            );
            tags_outside((start, end), message)
        });
        ranges.chain(names).chain(in_extensions).collect::<Vec<_>>()
    });
    let oneof_checks: Vec<TokenStream> = oneof_checks.chain(reserved_checks).collect();

    // Extension ranges make the message `Extendable`: its extensions live in its unknown fields.
    let extendable = match (extensions.is_empty(), model.unknown) {
        (false, Some(member)) => {
            let ranges = extensions.ranges().map(|(start, end)| {
                let (start, end) = (start as u32, end as u32);
                quote!((#start, #end))
            });
            quote! {
                #[automatically_derived]
                impl #p::Extendable for #ident {
                    const EXTENSION_RANGES: &'static [(u32, u32)] = &[#(#ranges),*];
                    fn extension_fields(&self) -> &#p::UnknownFields {
                        &self.#member
                    }
                    fn extension_fields_mut(&mut self) -> &mut #p::UnknownFields {
                        &mut self.#member
                    }
                }
            }
        }
        _ => TokenStream::new(),
    };

    // A proto2 enum default names a value of the field's enum (or `OpenEnum` of it).
    let enum_default_checks: Vec<TokenStream> = fields
        .iter()
        .filter_map(|field| match (&field.default, &field.shape) {
            (Some((lit, _)), Shape::Named(ty, _)) => {
                let message = format!(
                    "default `{}` of field `{}` is not a value of its enum",
                    lit.value(),
                    field.ident
                );
                Some(quote_spanned! {lit.span()=>
                    const _: () = {
                        if #p::enum_value_number(<#ty as #p::Enumeration>::VALUES, #lit).is_none() {
                            ::core::panic!(#message);
                        }
                    };
                })
            }
            _ => None,
        })
        .collect();
    let accessors = fields.iter().filter_map(|field| {
        let (lit, value) = field.default.as_ref()?;
        let member = field.ident;
        let doc = format!(
            "The value of `{}`, or its default `{}` when it is not set.",
            field.name,
            lit.value()
        );
        let scalar = match &field.shape {
            Shape::Scalar(scalar, _) => scalar,
            Shape::Named(ty, _) => {
                return Some(quote! {
                    #[doc = #doc]
                    pub fn #member(&self) -> #ty {
                        match self.#member {
                            ::core::option::Option::Some(value) => value,
                            ::core::option::Option::None => {
                                let number = #p::enum_value_number(<#ty as #p::Enumeration>::VALUES, #lit);
                                number
                                    .and_then(<#ty as #p::Enumeration>::from_i32)
                                    .unwrap_or_default()
                            }
                        }
                    }
                })
            }
            _ => return None,
        };
        Some(match scalar {
            Scalar::String => quote! {
                #[doc = #doc]
                pub fn #member(&self) -> &str {
                    match &self.#member {
                        ::core::option::Option::Some(value) => value,
                        ::core::option::Option::None => #value,
                    }
                }
            },
            Scalar::Bytes => quote! {
                #[doc = #doc]
                pub fn #member(&self) -> &[u8] {
                    match &self.#member {
                        ::core::option::Option::Some(value) => value,
                        ::core::option::Option::None => #value,
                    }
                }
            },
            _ => {
                let rust_type: TokenStream = scalar.rust_type().parse().unwrap_or_default();
                quote! {
                    #[doc = #doc]
                    pub fn #member(&self) -> #rust_type {
                        match self.#member {
                            ::core::option::Option::Some(value) => value,
                            ::core::option::Option::None => #value,
                        }
                    }
                }
            }
        })
    });
    let accessors: Vec<TokenStream> = accessors.collect();
    let accessors = (!accessors.is_empty()).then(|| {
        quote! {
            #[automatically_derived]
            impl #ident {
                #(#accessors)*
            }
        }
    });

    let (required_check, merge_override) = if syntax.proto2 {
        let checks = fields.iter().filter_map(|field| {
            let member = field.ident;
            let name = format!("{full_name}.{}", field.name);
            match &field.shape {
                Shape::Scalar(_, Card::Optional) if field.required.is_some() => Some(quote! {
                    if self.#member.is_none() {
                        return ::core::option::Option::Some(#p::ToOwned::to_owned(#name));
                    }
                }),
                Shape::Named(_, Card::Optional) if field.required.is_some() => Some(quote! {
                    match &self.#member {
                        ::core::option::Option::None => {
                            return ::core::option::Option::Some(#p::ToOwned::to_owned(#name));
                        }
                        ::core::option::Option::Some(value) => {
                            if let ::core::option::Option::Some(missing) = #p::NamedField::missing_required(value) {
                                return ::core::option::Option::Some(missing);
                            }
                        }
                    }
                }),
                Shape::Named(_, Card::Optional) => Some(quote! {
                    if let ::core::option::Option::Some(value) = &self.#member {
                        if let ::core::option::Option::Some(missing) = #p::NamedField::missing_required(value) {
                            return ::core::option::Option::Some(missing);
                        }
                    }
                }),
                Shape::Named(_, Card::Repeated) => Some(quote! {
                    for value in &self.#member {
                        if let ::core::option::Option::Some(missing) = #p::NamedField::missing_required(value) {
                            return ::core::option::Option::Some(missing);
                        }
                    }
                }),
                _ => None,
            }
        });
        (
            quote!(#(#checks)* ::core::option::Option::None),
            quote! {
                fn merge(&mut self, mut buf: impl #p::Buf) -> ::core::result::Result<(), #p::DecodeError>
                where
                    Self: ::core::marker::Sized,
                {
                    let ctx = <#p::DecodeContext as ::core::default::Default>::default();
                    while #p::Buf::has_remaining(&buf) {
                        let (tag, wire_type) = #p::prost::encoding::decode_key(&mut buf)?;
                        #p::prost::Message::merge_field(self, tag, wire_type, &mut buf, ::core::clone::Clone::clone(&ctx))?;
                    }
                    match #p::RequiredFields::missing_required(self) {
                        ::core::option::Option::Some(field) => ::core::result::Result::Err(#p::missing_required_error(field)),
                        ::core::option::Option::None => ::core::result::Result::Ok(()),
                    }
                }
            },
        )
    } else {
        (quote!(::core::option::Option::None), quote!())
    };

    quote! {
        const _: () = {
            #accessors

            #[automatically_derived]
            impl #p::RequiredFields for #ident {
                fn missing_required(&self) -> ::core::option::Option<#p::String> {
                    #required_check
                }
            }

            #[automatically_derived]
            impl #p::prost::Message for #ident {
                #[allow(unused_variables, unused_mut)]
                fn encode_raw(&self, buf: &mut impl #p::BufMut) {
                    #(#pending_init)*
                    #(#encode_steps)*
                    #(#encode_rest)*
                    #encode_unknown
                }

                #merge_override

                #[allow(unused_variables)]
                fn merge_field(
                    &mut self,
                    tag: u32,
                    wire_type: #p::WireType,
                    buf: &mut impl #p::Buf,
                    ctx: #p::DecodeContext,
                ) -> ::core::result::Result<(), #p::DecodeError> {
                    match tag {
                        #(#merge_arms)*
                        _ => #merge_unknown,
                    }
                }

                fn encoded_len(&self) -> usize {
                    0 #(+ #lens)* #len_unknown
                }

                fn clear(&mut self) {
                    *self = ::core::default::Default::default();
                }
            }

            #[automatically_derived]
            impl ::core::default::Default for #ident {
                fn default() -> Self {
                    #ident { #(#defaults),* }
                }
            }

            #[automatically_derived]
            impl #p::Describe for #ident {
                #[allow(unused_mut, unused_variables)]
                fn register(registry: &mut #p::Registry) {
                    if !registry.begin(#full_name) {
                        return;
                    }
                    registry.declare(#full_name, ::core::file!(), ::core::line!(), ::core::column!());
                    let mut message = #p::MessageBuilder::new(#full_name);
                    #proto2
                    #message_doc
                    #(#message_options)*
                    #(#describes)*
                    #describe_reserved
                    #file_options
                    registry.add_message(#file, #package, message);
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
                const KIND: #p::TypeKind = #p::TypeKind::Message;
            }

            #[automatically_derived]
            #hidden
            impl #p::MessageType for #ident {}

            #p::__impl_message_field!(#hidden #ident);

            #(#oneof_checks)*
            #(#enum_default_checks)*
            #extendable
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(input: TokenStream) -> String {
        expand(syn::parse2(input).expect("derive input")).to_string()
    }

    #[test]
    fn encodes_in_tag_order_not_declaration_order() {
        let out = expand_str(quote! {
            struct M { #[grpc(tag = 5)] late: i32, #[grpc(tag = 2)] early: String }
        });
        let early = out
            .find("encoding :: string :: encode (2u32")
            .expect("tag 2 encoded");
        let late = out
            .find("encoding :: int32 :: encode (5u32")
            .expect("tag 5 encoded");
        assert!(early < late, "{out}");
    }

    #[test]
    fn declared_after_places_a_map_entry_and_only_a_map_entry() {
        let out = expand_str(quote! {
            struct M {
                #[grpc(declared_after = "m::Nested")]
                counts: HashMap<String, i32>,
            }
        });
        assert!(
            out.contains("message . map_declared_after :: < m :: Nested > (registry , 1u32)"),
            "{out}"
        );
        let out = expand_str(quote! {
            struct M { #[grpc(declared_after = "m::Nested")] count: i32 }
        });
        assert!(out.contains("this field is not a map"), "{out}");
    }

    #[test]
    fn extension_ranges_make_the_message_extendable() {
        let out = expand_str(quote! {
            #[grpc(extensions(100..=199, 1000..=max))]
            struct M { a: i32, #[grpc(unknown_fields)] rest: UnknownFields }
        });
        assert!(
            out.contains("message . extension_range (100u32 , 199u32)"),
            "{out}"
        );
        assert!(
            out.contains("impl :: grpc_core :: __private :: Extendable for M"),
            "{out}"
        );
        assert!(
            out.contains("EXTENSION_RANGES : & 'static [(u32 , u32)] = & [(100u32 , 199u32) , (1000u32 , 536870911u32)]"),
            "{out}"
        );
        assert!(out.contains("& mut self . rest"), "{out}");
    }

    #[test]
    fn extension_range_misuse_is_reported_at_each_place() {
        let out = expand_str(quote! {
            #[grpc(reserved(150), extensions(100..=199, "name", 300..=200))]
            struct M { a: i32, #[grpc(tag = 120)] b: i32, c: i32 }
        });
        for message in [
            "field number 120 is in this message's extension range 100 to 199",
            "field number 121 (numbered after the previous field) is in this message's extension range",
            "extension ranges take numbers and ranges, not names",
            "an empty extension range",
            "this extension range overlaps reserved numbers (150)",
            "keeps its extensions in its unknown fields",
        ] {
            assert!(out.contains(message), "{message} in {out}");
        }
        assert!(!out.contains("impl"), "no impls on error: {out}");
    }

    #[test]
    fn default_tags_follow_the_previous_field() {
        let out = expand_str(quote! {
            struct M { a: i32, #[grpc(tag = 10)] b: i32, c: i32 }
        });
        for tag in ["1u32", "10u32", "11u32"] {
            assert!(out.contains(&format!("encode ({tag}")), "{tag} in {out}");
        }
    }

    #[test]
    fn all_errors_are_reported_together() {
        let out = expand_str(quote! {
            struct M { #[grpc(tag = 1)] a: i32, #[grpc(tag = 1)] b: i32, #[grpc(bogus = 1)] c: i32, d: &'static str }
        });
        assert!(out.contains("already used by field `a`"), "{out}");
        assert!(out.contains("unknown attribute `bogus`"), "{out}");
        assert!(out.contains("unsupported field type"), "{out}");
        assert!(!out.contains("impl"), "no impls on error: {out}");
    }

    #[test]
    fn unknown_fields_are_collected_and_written_last() {
        let out = expand_str(quote! {
            struct M { a: i32, #[grpc(unknown_fields)] rest: UnknownFields, b: String }
        });
        // The field takes no number: `b` is 2.
        assert!(out.contains("encoding :: string :: encode (2u32"), "{out}");
        let merge = out
            .find("merge_field (& mut self . rest , tag , wire_type , buf , ctx)")
            .expect("unknown fields merged");
        assert!(!out.contains("skip_field"), "nothing skipped: {out}");
        let last_known = out.find("encoding :: string :: encode (2u32").unwrap_or(0);
        let encode = out
            .find("encode_raw (& self . rest , buf)")
            .expect("encoded");
        assert!(
            last_known < encode && encode < merge,
            "written after the known fields"
        );
        assert!(out.contains("encoded_len (& self . rest)"), "{out}");
        assert!(!out.contains("\"rest\""), "not in the descriptor: {out}");
    }

    #[test]
    fn without_unknown_fields_unknowns_are_skipped() {
        let out = expand_str(quote! { struct M { a: i32 } });
        assert!(out.contains("skip_field"), "{out}");
    }

    #[test]
    fn unknown_fields_misuse_is_reported_at_each_place() {
        let out = expand_str(quote! {
            struct M {
                #[grpc(unknown_fields)] one: UnknownFields,
                #[grpc(unknown_fields, tag = 3, name = "x")] two: UnknownFields,
                #[grpc(unknown_fields)] three: Vec<u8>,
            }
        });
        assert!(out.contains("`one` already does"), "{out}");
        assert!(out.contains("has no field number"), "{out}");
        assert!(out.contains("`name` does not apply"), "{out}");
        assert!(
            out.contains("must have type `grpc_core::UnknownFields`"),
            "{out}"
        );
    }

    #[test]
    fn crate_path_is_configurable() {
        let out = expand_str(quote! {
            #[grpc(crate = "my::grpc")]
            struct M { a: i32 }
        });
        assert!(out.contains("my :: grpc :: __private"), "{out}");
        assert!(!out.contains(":: grpc_core ::"), "{out}");
    }

    #[test]
    fn grpc_core_own_types_stay_out_of_implementor_lists() {
        let own = expand_str(quote! {
            #[grpc(crate = "crate")]
            struct M { a: i32 }
        });
        assert!(own.contains("diagnostic :: do_not_recommend"), "{own}");
        let users = expand_str(quote! { struct M { a: i32 } });
        assert!(!users.contains("do_not_recommend"), "{users}");
    }

    #[test]
    fn custom_options_reach_the_builder() {
        let out = expand_str(quote! {
            #[grpc(option = "(my.label) = \"cart\"")]
            struct M {
                #[grpc(option = "(my.rule) = { path: \"/v1\" }")]
                a: i32,
                #[grpc(oneof, option = "(my.group) = 1")]
                choice: Option<Choice>,
            }
        });
        assert!(
            out.contains("message . option (\"(my.label) = \\\"cart\\\"\")"),
            "{out}"
        );
        assert!(
            out.contains("message . field_option (1u32 , \"(my.rule)"),
            "{out}"
        );
        assert!(
            out.contains("message . oneof_option (\"choice\" , \"(my.group) = 1\")"),
            "{out}"
        );
    }

    #[test]
    fn bad_option_text_is_a_spanned_error() {
        let out = expand_str(quote! {
            struct M {
                #[grpc(option = "my.plain = 1")]
                a: i32,
                #[grpc(option = "(my.x) = ")]
                b: i32,
            }
        });
        assert!(out.contains("is not an option name"), "{out}");
        assert!(out.contains("the option has no value after `=`"), "{out}");
        assert!(!out.contains("impl"), "no impls on error: {out}");
    }

    #[test]
    fn enum_defaults_are_checked_and_applied() {
        let out = expand_str(quote! {
            #[grpc(syntax = "proto2")]
            struct M {
                #[grpc(default = "LEVEL_HIGH")]
                level: Option<Level>,
            }
        });
        // Checked against the enum's values at compile time...
        assert!(out.contains("enum_value_number (< Level as"), "{out}");
        assert!(out.contains("is not a value of its enum"), "{out}");
        // ...recorded in the descriptor, and applied by the accessor.
        assert!(
            out.contains("default_value (1u32 , \"LEVEL_HIGH\")"),
            "{out}"
        );
        assert!(out.contains("pub fn level (& self) -> Level"), "{out}");
    }
}
