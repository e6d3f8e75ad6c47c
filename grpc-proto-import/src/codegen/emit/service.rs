//! Emitting services.

use grpc_model::options::Element;
use proc_macro2::TokenStream;
use prost_types::ServiceDescriptorProto;
use quote::{format_ident, quote};

use crate::error::Error;

use crate::codegen::*;

impl<'a> Generator<'a> {
    pub(in crate::codegen) fn service(
        &self,
        ctx: &FileCtx<'_>,
        service: &ServiceDescriptorProto,
        path: &[i32],
        module: &[String],
    ) -> Result<TokenStream, Error> {
        let name = service.name();
        let line = ctx.comments.line(path);
        let service_options = self.take_options(
            ctx,
            &format!("service `{name}`"),
            line,
            custom::element_texts(&service.options, Element::Service),
        )?;
        let service_options = custom::keys(&service_options);
        let (ident, _) = names::ident(name);
        let doc = ctx.comments.doc(path);
        let package = ctx.file.package();
        let file = ctx.file.name();
        let syntax = (!ctx.proto3).then(|| quote!(, syntax = "proto2"));
        let options = Self::file_options_key(ctx.file, 0);
        let mut methods = Vec::new();
        for (i, method) in service.method.iter().enumerate() {
            let method_path = [path, &[2, i as i32]].concat();
            let method_line = ctx.comments.line(&method_path);
            let method_options = self.take_options(
                ctx,
                &format!("method `{name}.{}`", method.name()),
                method_line,
                custom::element_texts(&method.options, Element::Method),
            )?;
            let rust_name = names::snake(method.name());
            let (mut method_ident, _) = names::ident(&rust_name);
            if grpc_model::idents::CLIENT_METHODS.contains(&rust_name.as_str()) {
                method_ident = format_ident!("{}_", rust_name);
            }
            let wire = method.name();
            let name_attr = (grpc_model::names::method_wire_name(&method_ident.to_string())
                != wire)
                .then(|| quote!(#[grpc(name = #wire)]));
            let input = self.path_to(method.input_type(), module, file, method_line)?;
            let output = self.path_to(method.output_type(), module, file, method_line)?;
            let request = if method.client_streaming() {
                quote!(::grpc_core::Streaming<#input>)
            } else {
                input
            };
            let response = if method.server_streaming() {
                quote!(::grpc_core::ServerStream<#output>)
            } else {
                output
            };
            let method_doc = ctx.comments.doc(&method_path);
            // `rpc M(A) returns (B) {}`: protoc gives the method empty options.
            let empty_options = (method.options.is_some() && method_options.is_empty())
                .then(|| quote!(#[grpc(empty_options)]));
            let method_options = custom::attrs(&method_options);
            methods.push(quote! {
                #method_doc
                #name_attr
                #empty_options
                #method_options
                async fn #method_ident(&self, ctx: &::grpc_core::ServerContext, request: #request) -> ::core::result::Result<#response, ::grpc_core::Status>;
            });
        }
        Ok(quote! {
            #doc
            #[::grpc_core::service(package = #package, file = #file #options #syntax #service_options)]
            pub trait #ident: Send + Sync + 'static {
                #(#methods)*
            }
        })
    }
}
