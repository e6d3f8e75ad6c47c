//! `#[grpc(reserved(2, 15, 9..=11, 40..=max, "foo"))]` on a message or an enum: numbers and
//! names no field (or value) may use, kept in the descriptor so `.proto` export and breaking
//! change checks see them.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::ParseStream;
use syn::{LitInt, LitStr, Token};

use crate::ctx::Ctx;

/// One item of a `reserved(...)` list.
#[derive(Clone)]
pub(crate) enum Item {
    /// `N`, `N..=M`, `N..M` or `N..=max`: the numbers `start..=end`; `end` is `None` for `max`.
    Range {
        start: i64,
        end: Option<i64>,
        span: Span,
    },
    /// `"foo"`.
    Name(LitStr),
}

/// What a list applies to, which decides the number range: a message's or an enum's reserved
/// numbers, or a message's extension ranges (`extensions(100..=199)`, same syntax, no names).
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Message,
    Enum,
    Extensions,
}

impl Kind {
    fn bounds(self) -> (i64, i64) {
        match self {
            Kind::Message | Kind::Extensions => (1, crate::message::MAX_TAG.into()),
            Kind::Enum => (i32::MIN.into(), i32::MAX.into()),
        }
    }

    /// What the numbers are, in messages.
    fn noun(self) -> &'static str {
        match self {
            Kind::Message | Kind::Enum => "reserved",
            Kind::Extensions => "extension",
        }
    }
}

/// Parses the parenthesised list after `reserved`.
pub(crate) fn parse(input: ParseStream<'_>) -> syn::Result<Vec<Item>> {
    let content;
    syn::parenthesized!(content in input);
    let mut items = Vec::new();
    while !content.is_empty() {
        items.push(parse_item(&content)?);
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(items)
}

fn parse_item(input: ParseStream<'_>) -> syn::Result<Item> {
    if input.peek(LitStr) {
        return Ok(Item::Name(input.parse()?));
    }
    let span = input.span();
    let start = parse_number(input)?;
    let end = if input.peek(Token![..=]) {
        input.parse::<Token![..=]>()?;
        if input.peek(syn::Ident) {
            let max: syn::Ident = input.parse()?;
            if max != "max" {
                return Err(syn::Error::new(max.span(), "expected a number or `max`"));
            }
            None
        } else {
            Some(parse_number(input)?)
        }
    } else if input.peek(Token![..]) {
        input.parse::<Token![..]>()?;
        Some(parse_number(input)? - 1)
    } else {
        Some(start)
    };
    let span = span.join(input.span()).unwrap_or(span);
    Ok(Item::Range { start, end, span })
}

fn parse_number(input: ParseStream<'_>) -> syn::Result<i64> {
    let negative = input.peek(Token![-]);
    if negative {
        input.parse::<Token![-]>()?;
    }
    let lit: LitInt = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected a field number, a range (`9..=11`, `40..=max`) or a quoted name",
        )
    })?;
    let value: i64 = lit.base10_parse()?;
    Ok(if negative { -value } else { value })
}

/// The checked reserved list of one message or enum.
#[derive(Default)]
pub(crate) struct Reserved {
    /// Inclusive ranges with the span of their item.
    ranges: Vec<(i64, i64, Span)>,
    names: Vec<LitStr>,
}

impl Reserved {
    /// Checks `items` (ranges in bounds and not overlapping, names valid and not repeated).
    pub(crate) fn check(ctx: &Ctx, items: &[Item], kind: Kind) -> Reserved {
        let (min, max) = kind.bounds();
        let mut out = Reserved::default();
        for item in items {
            match item {
                Item::Range { start, end, span } => {
                    let end = end.unwrap_or(max);
                    let noun = kind.noun();
                    if *start < min || end > max {
                        ctx.push(syn::Error::new(
                            *span,
                            format!("{noun} numbers must be in {min} to {max}"),
                        ));
                        continue;
                    }
                    if *start > end {
                        ctx.push(syn::Error::new(
                            *span,
                            format!("an empty {noun} range: the start is after the end"),
                        ));
                        continue;
                    }
                    if let Some((s, e, _)) = out
                        .ranges
                        .iter()
                        .find(|(s, e, _)| *start <= *e && *s <= end)
                    {
                        ctx.push(syn::Error::new(
                            *span,
                            format!("{noun} numbers overlap: {}", range_text(*s, *e)),
                        ));
                        continue;
                    }
                    out.ranges.push((*start, end, *span));
                }
                Item::Name(name) if matches!(kind, Kind::Extensions) => {
                    ctx.error(name, "extension ranges take numbers and ranges, not names");
                }
                Item::Name(name) => {
                    let value = name.value();
                    if !grpc_model::names::is_proto_ident(&value) {
                        ctx.error(name, format!("`{value}` is not a valid protobuf name"));
                    } else if out.names.iter().any(|n| n.value() == value) {
                        ctx.error(name, format!("`{value}` is already reserved"));
                    } else {
                        out.names.push(name.clone());
                    }
                }
            }
        }
        out
    }

    /// The reserved range holding `number`, as text (`9 to 11`).
    pub(crate) fn number(&self, number: i64) -> Option<String> {
        self.ranges
            .iter()
            .find(|(s, e, _)| (*s..=*e).contains(&number))
            .map(|(s, e, _)| range_text(*s, *e))
    }

    /// The ranges and their spans, inclusive.
    pub(crate) fn spanned_ranges(&self) -> impl Iterator<Item = (i64, i64, Span)> + '_ {
        self.ranges.iter().copied()
    }

    /// Whether no number is listed.
    pub(crate) fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The reserved ranges, inclusive.
    pub(crate) fn ranges(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.ranges.iter().map(|(s, e, _)| (*s, *e))
    }

    /// The reserved names.
    pub(crate) fn names(&self) -> impl Iterator<Item = String> + '_ {
        self.names.iter().map(LitStr::value)
    }

    /// Whether `name` is reserved.
    pub(crate) fn name(&self, name: &str) -> bool {
        self.names.iter().any(|n| n.value() == name)
    }

    /// The builder calls that put the list in the descriptor (`builder` is the builder's name).
    pub(crate) fn describe(&self, builder: &TokenStream, kind: Kind) -> TokenStream {
        let ranges = self.ranges.iter().map(|(start, end, _)| match kind {
            Kind::Extensions => {
                let (start, end) = (*start as u32, *end as u32);
                quote!(#builder.extension_range(#start, #end);)
            }
            Kind::Message => {
                let (start, end) = (*start as u32, *end as u32);
                quote!(#builder.reserved_range(#start, #end);)
            }
            Kind::Enum => {
                let (start, end) = (*start as i32, *end as i32);
                quote!(#builder.reserved_range(#start, #end);)
            }
        });
        let names = self.names.iter();
        quote!(#(#ranges)* #(#builder.reserved_name(#names);)*)
    }
}

/// A range as `.proto` text writes it: `5`, or `5 to 9`.
pub(crate) fn range_text(start: i64, end: i64) -> String {
    if start == end {
        format!("{start}")
    } else {
        format!("{start} to {end}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse::Parser;

    fn check(tokens: TokenStream, kind: Kind) -> (Reserved, usize) {
        let items = parse.parse2(quote!((#tokens))).expect("parses");
        let ctx = Ctx::new();
        let reserved = Reserved::check(&ctx, &items, kind);
        let errors = ctx.finish().err().map_or(0, |e| e.into_iter().count());
        (reserved, errors)
    }

    #[test]
    fn numbers_ranges_and_names() {
        let (reserved, errors) = check(quote!(2, 9..=11, 20..25, 40..=max, "foo"), Kind::Message);
        assert_eq!(errors, 0);
        assert_eq!(reserved.number(2).as_deref(), Some("2"));
        assert_eq!(reserved.number(10).as_deref(), Some("9 to 11"));
        assert_eq!(reserved.number(24).as_deref(), Some("20 to 24"));
        assert_eq!(reserved.number(25), None);
        assert_eq!(
            reserved.number(536_870_911).as_deref(),
            Some("40 to 536870911")
        );
        assert!(reserved.name("foo") && !reserved.name("bar"));
        let describe = reserved.describe(&quote!(m), Kind::Message).to_string();
        assert!(
            describe.contains("m . reserved_range (9u32 , 11u32)"),
            "{describe}"
        );
        assert!(
            describe.contains("m . reserved_name (\"foo\")"),
            "{describe}"
        );
    }

    #[test]
    fn enums_take_negative_numbers_and_messages_do_not() {
        let (reserved, errors) = check(quote!(-3..=-1, 0), Kind::Enum);
        assert_eq!(errors, 0);
        assert_eq!(reserved.number(-2).as_deref(), Some("-3 to -1"));
        assert_eq!(check(quote!(-1, 0), Kind::Message).1, 2);
    }

    #[test]
    fn syntax_errors() {
        assert!(parse.parse2(quote!((1..=top))).is_err());
        assert!(parse.parse2(quote!((x))).is_err());
    }
}
