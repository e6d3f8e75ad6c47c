//! The Rust-type to protobuf-type mapping shared by messages and oneofs, and the codec and
//! descriptor code generated for each kind of field.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{GenericArgument, LitStr, PathArguments, Type};

use crate::ctx::Ctx;

pub(crate) use grpc_model::scalar::Scalar;

/// The code generated for a scalar (the mapping itself is `grpc_model`'s).
pub(crate) trait ScalarCode: Copy {
    /// `::grpc_core::__private::prost::encoding::int32`
    fn codec(self, krate: &TokenStream) -> TokenStream;
    /// `::grpc_core::__private::ProtoType::Int32`
    fn proto_type(self, krate: &TokenStream) -> TokenStream;
    /// An expression that is true when `value` (a reference) is not the default.
    fn is_set(self, value: &TokenStream) -> TokenStream;
}

impl ScalarCode for Scalar {
    fn codec(self, krate: &TokenStream) -> TokenStream {
        let module = format_ident!("{}", self.proto_name());
        quote!(#krate::__private::prost::encoding::#module)
    }

    fn proto_type(self, krate: &TokenStream) -> TokenStream {
        let variant = format_ident!("{}", grpc_model::names::upper_camel(self.proto_name()));
        quote!(#krate::__private::ProtoType::#variant)
    }

    fn is_set(self, value: &TokenStream) -> TokenStream {
        match self {
            Scalar::String | Scalar::Bytes => quote!(!(#value).is_empty()),
            Scalar::Bool => quote!(*(#value)),
            // protoc compares bit patterns: -0.0 is written.
            Scalar::Double | Scalar::Float => quote!((#value).to_bits() != 0),
            _ => quote!(*(#value) != 0),
        }
    }
}

/// The scalar a plain Rust type maps to, and the encodings it may be overridden to.
fn scalar_of_rust(ty: &Type) -> Option<(Scalar, &'static [Scalar])> {
    if let Some(inner) = generic_arg(ty, "Vec") {
        return is_ident(inner, "u8").then_some((Scalar::Bytes, &[]));
    }
    let scalar = Scalar::of_rust(&last_ident(ty)?)?;
    Some((scalar, scalar.overrides()))
}

/// How many values a field holds and how its presence works.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Card {
    /// `T`: proto3 implicit presence (scalars, enums).
    Implicit,
    /// `Option<T>`: a message field, or a proto3 `optional` scalar/enum.
    Optional,
    /// `Vec<T>`: `repeated`.
    Repeated,
}

/// A map value type.
pub(crate) enum MapValue {
    Scalar(Scalar),
    Named(Box<Type>),
}

/// What a field is on the wire.
pub(crate) enum Shape {
    Scalar(Scalar, Card),
    /// A message or enum (through its `NamedField` impl).
    Named(Type, Card),
    Map {
        btree: bool,
        key: Scalar,
        value: MapValue,
    },
    /// `Option<T>` where `T: Oneof`.
    Oneof(Type),
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        _ => None,
    }
}

fn last_ident(ty: &Type) -> Option<String> {
    last_segment(ty).map(|s| s.ident.to_string())
}

fn is_ident(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == name && s.arguments.is_none())
}

fn generic_args<'a>(ty: &'a Type, name: &str) -> Option<Vec<&'a Type>> {
    let segment = last_segment(ty)?;
    if segment.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    Some(
        args.args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
    )
}

/// Whether `ty` is `UnknownFields` (by its last path segment, like every type check here).
pub(crate) fn is_unknown_fields(ty: &Type) -> bool {
    is_ident(ty, "UnknownFields")
}

fn generic_arg<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    generic_args(ty, name).and_then(|args| (args.len() == 1).then(|| args[0]))
}

/// Applies a `#[grpc(encoding = "...")]` override to a scalar.
fn with_encoding(ctx: &Ctx, ty: &Type, encoding: Option<&LitStr>) -> Option<Scalar> {
    let (scalar, overrides) = scalar_of_rust(ty)?;
    let Some(encoding) = encoding else {
        return Some(scalar);
    };
    Some(chosen_encoding(
        ctx,
        encoding,
        &encoding.value(),
        "this field's type",
        scalar,
        overrides,
    ))
}

/// The encoding `wanted` (written in `encoding`) of a value of Rust scalar type `scalar`, which
/// `overrides` may replace; an error (and `scalar`) when it does not fit `what`.
fn chosen_encoding(
    ctx: &Ctx,
    encoding: &LitStr,
    wanted: &str,
    what: &str,
    scalar: Scalar,
    overrides: &[Scalar],
) -> Scalar {
    match Scalar::from_proto_name(wanted) {
        Some(chosen) if chosen == scalar || overrides.contains(&chosen) => chosen,
        _ => {
            let options: Vec<&str> = std::iter::once(scalar)
                .chain(overrides.iter().copied())
                .map(Scalar::proto_name)
                .collect();
            ctx.error(
                encoding,
                format!(
                    "encoding `{wanted}` does not fit {what}; it can be: {}",
                    options.join(", ")
                ),
            );
            scalar
        }
    }
}

/// Classifies a message field's type. Records an error and returns `None` if unsupported.
pub(crate) fn classify_field(
    ctx: &Ctx,
    ty: &Type,
    encoding: Option<&LitStr>,
    oneof: bool,
) -> Option<Shape> {
    if oneof {
        return match generic_arg(ty, "Option") {
            Some(inner) if encoding.is_none() => Some(Shape::Oneof(inner.clone())),
            Some(_) => {
                ctx.error(
                    encoding,
                    "a oneof field takes no encoding; set it on the variants",
                );
                None
            }
            None => {
                ctx.error(
                    ty,
                    "a oneof field must have type `Option<T>` where `T` derives `Oneof`",
                );
                None
            }
        };
    }
    if let Some(scalar) = with_encoding(ctx, ty, encoding) {
        return Some(Shape::Scalar(scalar, Card::Implicit));
    }
    if let Some(inner) = generic_arg(ty, "Option") {
        if let Some(scalar) = with_encoding(ctx, inner, encoding) {
            return Some(Shape::Scalar(scalar, Card::Optional));
        }
        return named(ctx, inner, encoding, Card::Optional);
    }
    if let Some(inner) = generic_arg(ty, "Vec") {
        if let Some(scalar) = with_encoding(ctx, inner, encoding) {
            return Some(Shape::Scalar(scalar, Card::Repeated));
        }
        return named(ctx, inner, encoding, Card::Repeated);
    }
    for (name, btree) in [("HashMap", false), ("BTreeMap", true)] {
        if let Some(args) = generic_args(ty, name) {
            return map(ctx, ty, &args, btree, encoding);
        }
    }
    if generic_arg(ty, "Box").is_some() {
        ctx.error(
            ty,
            "a boxed message field must be optional: write `Option<Box<T>>`",
        );
        return None;
    }
    named(ctx, ty, encoding, Card::Implicit)
}

fn named(ctx: &Ctx, ty: &Type, encoding: Option<&LitStr>, card: Card) -> Option<Shape> {
    if let Some(encoding) = encoding {
        ctx.error(
            encoding,
            "an encoding override applies only to integer fields",
        );
        return None;
    }
    match ty {
        Type::Tuple(tuple) if !tuple.elems.is_empty() => {
            ctx.error(
                ty,
                "protobuf has no tuples: define a message for these values",
            );
            None
        }
        Type::Path(_) | Type::Tuple(_) => Some(Shape::Named(ty.clone(), card)),
        _ => {
            ctx.error(ty, "unsupported field type: expected a scalar, `String`, `Vec<u8>`, a message, an enum, `Option<T>`, `Vec<T>` or a map");
            None
        }
    }
}

/// A map field; `encoding = "sint32, fixed64"` gives its key's and value's encodings (`_` keeps
/// one's own, and is the only one a message or enum value takes).
fn map(
    ctx: &Ctx,
    ty: &Type,
    args: &[&Type],
    btree: bool,
    encoding: Option<&LitStr>,
) -> Option<Shape> {
    let [key_ty, value_ty] = args else {
        ctx.error(ty, "a map field needs a key and a value type");
        return None;
    };
    let key = match scalar_of_rust(key_ty) {
        Some((scalar, overrides)) if scalar.map_key() => (scalar, overrides),
        _ => {
            ctx.error(key_ty, "a map key must be an integer, `bool` or `String`");
            return None;
        }
    };
    let value = match scalar_of_rust(value_ty) {
        Some(scalar) => Some(scalar),
        None if generic_arg(value_ty, "Option").is_some()
            || generic_arg(value_ty, "Vec").is_some() =>
        {
            ctx.error(value_ty, "a map value cannot be `Option` or `Vec`");
            return None;
        }
        None => None,
    };
    let (mut key_scalar, mut value_scalar) = (key.0, value.map(|(scalar, _)| scalar));
    if let Some(encoding) = encoding {
        let text = encoding.value();
        let Some((key_text, value_text)) = text.split_once(',') else {
            ctx.error(
                encoding,
                "a map field's encoding names its key's and its value's: `encoding = \"sint32, _\"` (`_` keeps one's own)",
            );
            return None;
        };
        let (key_text, value_text) = (key_text.trim(), value_text.trim());
        if key_text != "_" {
            key_scalar =
                chosen_encoding(ctx, encoding, key_text, "this map's key type", key.0, key.1);
        }
        match value {
            _ if value_text == "_" => {}
            Some((scalar, overrides)) => {
                value_scalar = Some(chosen_encoding(
                    ctx,
                    encoding,
                    value_text,
                    "this map's value type",
                    scalar,
                    overrides,
                ));
            }
            None => ctx.error(
                encoding,
                "a map's message or enum value takes no encoding: write `_` for it",
            ),
        }
    }
    let value = match value_scalar {
        Some(scalar) => MapValue::Scalar(scalar),
        None => MapValue::Named(Box::new((*value_ty).clone())),
    };
    Some(Shape::Map {
        btree,
        key: key_scalar,
        value,
    })
}

/// Classifies a oneof variant's type: a scalar, or a message or enum.
pub(crate) fn classify_variant(ctx: &Ctx, ty: &Type, encoding: Option<&LitStr>) -> Option<Shape> {
    if let Some(scalar) = with_encoding(ctx, ty, encoding) {
        return Some(Shape::Scalar(scalar, Card::Implicit));
    }
    if generic_arg(ty, "Option").is_some()
        || generic_arg(ty, "Vec").is_some()
        || generic_args(ty, "HashMap").is_some()
        || generic_args(ty, "BTreeMap").is_some()
    {
        ctx.error(
            ty,
            "a oneof variant holds a single scalar, message or enum value",
        );
        return None;
    }
    named(ctx, ty, encoding, Card::Implicit)
}

/// The generated code for one message field.
pub(crate) struct FieldCode {
    pub(crate) encode: TokenStream,
    pub(crate) merge: TokenStream,
    pub(crate) encoded_len: TokenStream,
    pub(crate) describe: TokenStream,
}

/// Code for a (non-oneof) message field accessed as `value` (an expression of the field).
pub(crate) fn field_code(
    krate: &TokenStream,
    shape: &Shape,
    value: &TokenStream,
    tag: u32,
    name: &str,
    packed: bool,
) -> FieldCode {
    let p = quote!(#krate::__private);
    match shape {
        Shape::Scalar(scalar, card) => {
            let codec = scalar.codec(krate);
            let proto_type = scalar.proto_type(krate);
            let (encode, merge, encoded_len, cardinality) = match card {
                Card::Implicit => {
                    let set = scalar.is_set(&quote!(&#value));
                    (
                        quote!(if #set { #codec::encode(#tag, &#value, buf); }),
                        quote!(#codec::merge(wire_type, &mut #value, buf, ctx)),
                        quote!(if #set { #codec::encoded_len(#tag, &#value) } else { 0 }),
                        quote!(Singular),
                    )
                }
                Card::Optional => (
                    quote!(if let ::core::option::Option::Some(value) = &#value { #codec::encode(#tag, value, buf); }),
                    quote!(#codec::merge(wire_type, #value.get_or_insert_with(::core::default::Default::default), buf, ctx)),
                    quote!(#value.as_ref().map_or(0, |value| #codec::encoded_len(#tag, value))),
                    quote!(Optional),
                ),
                Card::Repeated if packed && scalar.packable() => (
                    quote!(#codec::encode_packed(#tag, &#value, buf);),
                    quote!(#codec::merge_repeated(wire_type, &mut #value, buf, ctx)),
                    quote!(#codec::encoded_len_packed(#tag, &#value)),
                    quote!(Repeated),
                ),
                Card::Repeated => (
                    quote!(#codec::encode_repeated(#tag, &#value, buf);),
                    quote!(#codec::merge_repeated(wire_type, &mut #value, buf, ctx)),
                    quote!(#codec::encoded_len_repeated(#tag, &#value)),
                    quote!(Repeated),
                ),
            };
            FieldCode {
                encode,
                merge,
                encoded_len,
                describe: quote!(message.field(#name, #tag, #p::FieldType::scalar(#proto_type), #p::Cardinality::#cardinality);),
            }
        }
        Shape::Named(ty, card) => {
            let named = quote!(<#ty as #p::NamedField>);
            let field_type = quote!(#p::FieldType::named::<#ty>(registry));
            match card {
                Card::Implicit => {
                    let ef = quote!(#p::enum_field);
                    FieldCode {
                        encode: quote!(#ef::encode_implicit::<#ty>(#tag, &#value, buf);),
                        merge: quote!(#ef::merge_implicit::<#ty>(wire_type, &mut #value, buf, ctx)),
                        encoded_len: quote!(#ef::encoded_len_implicit::<#ty>(#tag, &#value)),
                        describe: quote!(message.field(#name, #tag, #field_type, #p::Cardinality::Singular);),
                    }
                }
                Card::Optional => FieldCode {
                    encode: quote!(#named::encode_optional(#tag, &#value, buf);),
                    merge: quote!(#named::merge_optional(wire_type, &mut #value, buf, ctx)),
                    encoded_len: quote!(#named::encoded_len_optional(#tag, &#value)),
                    describe: quote!(message.field(#name, #tag, #field_type, #named::OPTION_CARDINALITY);),
                },
                Card::Repeated => {
                    // Enums are packed unless `packed = false` (or proto2 says so); messages
                    // never are, either way.
                    let (encode, encoded_len) = if packed {
                        (quote!(encode_repeated), quote!(encoded_len_repeated))
                    } else {
                        (
                            quote!(encode_repeated_unpacked),
                            quote!(encoded_len_repeated_unpacked),
                        )
                    };
                    FieldCode {
                        encode: quote!(#named::#encode(#tag, &#value, buf);),
                        merge: quote!(#named::merge_repeated(wire_type, &mut #value, buf, ctx)),
                        encoded_len: quote!(#named::#encoded_len(#tag, &#value)),
                        describe: quote!(message.field(#name, #tag, #field_type, #p::Cardinality::Repeated);),
                    }
                }
            }
        }
        Shape::Map {
            btree,
            key,
            value: map_value,
        } => {
            let map = if *btree {
                quote!(btree_map)
            } else {
                quote!(hash_map)
            };
            let map = quote!(#p::prost::encoding::#map);
            let key_codec = key.codec(krate);
            let key_type = key.proto_type(krate);
            let (v_encode, v_len, v_merge, v_type) = match map_value {
                MapValue::Scalar(scalar) => {
                    let codec = scalar.codec(krate);
                    let proto_type = scalar.proto_type(krate);
                    (
                        quote!(#codec::encode),
                        quote!(#codec::encoded_len),
                        quote!(#codec::merge),
                        quote!(#p::FieldType::scalar(#proto_type)),
                    )
                }
                MapValue::Named(ty) => {
                    let named = quote!(<#ty as #p::NamedField>);
                    (
                        quote!(#named::encode_value),
                        quote!(#named::encoded_len_value),
                        quote!(#named::merge_value),
                        quote!(#p::FieldType::named::<#ty>(registry)),
                    )
                }
            };
            FieldCode {
                encode: quote!(#map::encode(#key_codec::encode, #key_codec::encoded_len, #v_encode, #v_len, #tag, &#value, buf);),
                merge: quote!(#map::merge(#key_codec::merge, #v_merge, &mut #value, buf, ctx)),
                encoded_len: quote!(#map::encoded_len(#key_codec::encoded_len, #v_len, #tag, &#value)),
                describe: quote!(message.map(#name, #tag, #p::FieldType::scalar(#key_type), #v_type);),
            }
        }
        Shape::Oneof(ty) => {
            let oneof = quote!(<#ty as #p::Oneof>);
            FieldCode {
                encode: quote!(if let ::core::option::Option::Some(value) = &#value { #oneof::encode(value, buf); }),
                merge: quote!(#oneof::merge(&mut #value, tag, wire_type, buf, ctx)),
                encoded_len: quote!(#value.as_ref().map_or(0, #oneof::encoded_len)),
                describe: quote!(#oneof::describe(&mut message, registry, #name);),
            }
        }
    }
}
