//! Procedural macros for [grpc-core](https://docs.rs/grpc-core): `#[service]` on traits and
//! `#[derive(Message)]`, `#[derive(Enumeration)]`, `#[derive(Oneof)]` on types.
//!
//! Use them through `grpc-core`, which re-exports them; the generated code calls only
//! `grpc_core::__private`.

mod attrs;
mod ctx;
mod enumeration;
mod message;
mod oneof;
mod package;
mod reserved;
mod service;
mod types;

use proc_macro::TokenStream;

/// Makes a struct a protobuf message: implements `prost::Message`, `Default` and
/// `grpc_core::descriptor::Describe`. See `grpc_core::message` for the type mapping.
#[proc_macro_derive(Message, attributes(grpc))]
pub fn derive_message(input: TokenStream) -> TokenStream {
    message::expand(syn::parse_macro_input!(input)).into()
}

/// Makes a fieldless enum a protobuf enum.
#[proc_macro_derive(Enumeration, attributes(grpc))]
pub fn derive_enumeration(input: TokenStream) -> TokenStream {
    enumeration::expand(syn::parse_macro_input!(input)).into()
}

/// Makes an enum whose variants hold one value each a protobuf oneof.
#[proc_macro_derive(Oneof, attributes(grpc))]
pub fn derive_oneof(input: TokenStream) -> TokenStream {
    oneof::expand(syn::parse_macro_input!(input)).into()
}

/// Turns a trait into a gRPC service: generates `XxxServer<T>`, `XxxClient` and descriptors.
#[proc_macro_attribute]
pub fn service(args: TokenStream, input: TokenStream) -> TokenStream {
    service::expand(args.into(), input.into()).into()
}

/// Gives every message, enum and service in an inline module (and its inline submodules) the
/// protobuf package `"..."` unless it names its own: `#[grpc_core::package("routeguide")]
/// mod routeguide { ... }`. `file = "..."` sets the default file the same way.
#[proc_macro_attribute]
pub fn package(args: TokenStream, input: TokenStream) -> TokenStream {
    package::expand(args.into(), input.into()).into()
}
