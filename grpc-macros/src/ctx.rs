//! Collects every error a macro finds so the user sees them all at once, each at its span.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::TokenStream;
use quote::ToTokens;

/// Error collector (serde_derive's habit).
#[derive(Default)]
pub(crate) struct Ctx {
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctx {
    pub(crate) fn new() -> Self {
        Ctx::default()
    }

    /// Records an error at the span of `tokens`.
    pub(crate) fn error(&self, tokens: impl ToTokens, message: impl Display) {
        self.errors
            .borrow_mut()
            .push(syn::Error::new_spanned(tokens.into_token_stream(), message));
    }

    /// Records an already built error.
    pub(crate) fn push(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    /// All errors combined, if there were any.
    pub(crate) fn finish(self) -> Result<(), syn::Error> {
        let mut errors = self.errors.into_inner().into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}

/// The output for a failed expansion: the errors, plus `original` so IDEs keep working.
pub(crate) fn fail(error: syn::Error, original: TokenStream) -> TokenStream {
    let errors = error.to_compile_error();
    quote::quote! { #errors #original }
}
