//! `#[service]`: a trait becomes a gRPC service. Parses the trait into a model of methods
//! (with their call shapes), checks it, then emits the rewritten trait, the server adapter,
//! the typed client and the service descriptor.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{
    FnArg, GenericArgument, Ident, ItemTrait, PathArguments, ReturnType, TraitItem, TraitItemFn,
    Type,
};

use crate::attrs::{self, Place};
use crate::ctx::{self, Ctx};
use grpc_model::{idents, layout, names};

/// The four call shapes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Unary,
    ServerStreaming,
    ClientStreaming,
    Bidi,
}

struct Method<'a> {
    item: &'a TraitItemFn,
    ident: &'a Ident,
    /// Name on the wire, e.g. `SayHello`.
    wire_name: String,
    takes_context: bool,
    /// A plain `fn`: runs on the server's worker pool.
    blocking: bool,
    /// `#[grpc(empty_options)]`: the descriptor carries an empty `MethodOptions` (as protoc's
    /// for a method declared with a `{ }` body).
    empty_options: bool,
    /// `#[grpc(option = "...")]`: custom method options, checked.
    options: Vec<syn::LitStr>,
    request: Type,
    response: Type,
    shape: Shape,
}

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let item: ItemTrait = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            let error = syn::Error::new_spanned(&input, "`#[service]` goes on a trait");
            return ctx::fail(error, input);
        }
    };
    match expand_checked(args, &item) {
        Ok(tokens) => tokens,
        Err(error) => ctx::fail(error, without_grpc_attrs(item)),
    }
}

fn expand_checked(args: TokenStream, item: &ItemTrait) -> syn::Result<TokenStream> {
    let ctx = Ctx::new();
    let args = attrs::parse_args(&ctx, args);
    let name = args
        .name
        .as_ref()
        .map_or_else(|| item.ident.to_string(), |n| n.value());
    if !names::is_proto_ident(&name) {
        ctx.error(
            &args.name,
            format!("`{name}` is not a valid protobuf service name"),
        );
    }
    let package = args.package.as_ref().map(|p| p.value()).unwrap_or_default();
    if !names::is_proto_package(&package) {
        ctx.error(
            &args.package,
            format!("`{package}` is not a valid protobuf package"),
        );
    }
    if !item.generics.params.is_empty() {
        ctx.error(
            &item.generics,
            "a service trait cannot have generic parameters",
        );
    }
    let mut methods = Vec::new();
    for trait_item in &item.items {
        match trait_item {
            TraitItem::Fn(function) => {
                if let Some(method) = parse_method(&ctx, function) {
                    methods.push(method);
                }
            }
            other => ctx.error(
                other,
                "a service trait may only contain methods (`async fn`, or `fn` for blocking handlers)",
            ),
        }
    }
    check_name_collisions(&ctx, &methods);
    let proto2 = attrs::proto2(&ctx, &args);
    ctx.finish()?;
    let file = args
        .file
        .as_ref()
        .map_or_else(|| layout::default_proto_file(&package), |f| f.value());
    let service = Service {
        krate: attrs::crate_path(&args),
        file_options: attrs::file_options(&args, &file, &package),
        options: args.options.clone(),
        proto2,
        full_name: names::full_name(&package, &name),
        file,
        package,
        name,
    };
    Ok(emit(item, &service, &methods))
}

fn parse_method<'a>(ctx: &Ctx, item: &'a TraitItemFn) -> Option<Method<'a>> {
    let attrs = attrs::parse(ctx, &item.attrs, Place::Method);
    let sig = &item.sig;
    let blocking = sig.asyncness.is_none();
    if item.default.is_some() {
        ctx.error(&item.default, "service methods cannot have a default body");
    }
    if !sig.generics.params.is_empty() {
        ctx.error(
            &sig.generics,
            "service methods cannot have generic parameters",
        );
    }
    let mut inputs = sig.inputs.iter();
    match inputs.next() {
        Some(FnArg::Receiver(receiver))
            if receiver.reference.is_some() && receiver.mutability.is_none() => {}
        Some(other) => ctx.error(other, "service methods take `&self` first"),
        None => ctx.error(&sig.ident, "service methods take `&self` first"),
    }
    let mut rest: Vec<&Type> = inputs
        .filter_map(|arg| match arg {
            FnArg::Typed(typed) => Some(&*typed.ty),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let takes_context = rest.first().is_some_and(|ty| is_context(ty));
    if takes_context {
        rest.remove(0);
    }
    let request = match rest.as_slice() {
        [request] => *request,
        [] => {
            ctx.error(
                &sig.ident,
                "a service method takes one request argument (after an optional `&ServerContext`)",
            );
            return None;
        }
        [_, extra, ..] => {
            ctx.error(extra, "a service method takes exactly one request argument (after an optional `&ServerContext`)");
            return None;
        }
    };
    if is_context(request) {
        ctx.error(
            request,
            "a service method takes one request argument after the `&ServerContext`",
        );
        return None;
    }
    // An `async fn` reads its request stream as `Streaming<T>`, a blocking `fn` as the
    // iterator `RequestIter<T>`.
    let (stream_type, other_type) = if blocking {
        ("RequestIter", "Streaming")
    } else {
        ("Streaming", "RequestIter")
    };
    if single_generic(request, other_type).is_some() {
        ctx.error(
            request,
            if blocking {
                "a blocking `fn` method reads its request stream as `RequestIter<T>` (an iterator); `Streaming<T>` is for `async fn`"
            } else {
                "an `async fn` method reads its request stream as `Streaming<T>`; `RequestIter<T>` is for blocking `fn` methods"
            },
        );
        return None;
    }
    let (client_streaming, request) = match single_generic(request, stream_type) {
        Some(inner) => (true, inner.clone()),
        None => (false, request.clone()),
    };
    let ReturnType::Type(_, output) = &sig.output else {
        ctx.error(
            &sig.ident,
            "a service method returns `Result<Response, Status>`",
        );
        return None;
    };
    let Some(ok) = result_ok_type(output) else {
        ctx.error(output, "a service method returns `Result<Response, Status>` (or `Result<ServerStream<Response>, Status>`)");
        return None;
    };
    let (server_streaming, response) = match single_generic(ok, "ServerStream") {
        Some(inner) => (true, inner.clone()),
        None => (false, ok.clone()),
    };
    for ty in [&request, &response] {
        if single_generic(ty, "Streaming").is_some()
            || single_generic(ty, "RequestIter").is_some()
            || single_generic(ty, "ServerStream").is_some()
        {
            ctx.error(ty, "`Streaming<T>` is a request argument and `ServerStream<T>` a response type; they do not nest");
        }
    }
    let shape = match (client_streaming, server_streaming) {
        (false, false) => Shape::Unary,
        (false, true) => Shape::ServerStreaming,
        (true, false) => Shape::ClientStreaming,
        (true, true) => Shape::Bidi,
    };
    let wire_name = attrs.name.as_ref().map_or_else(
        || names::method_wire_name(&sig.ident.to_string()),
        |n| n.value(),
    );
    if !names::is_proto_ident(&wire_name) {
        ctx.error(
            attrs
                .name
                .as_ref()
                .map_or_else(|| quote!(#sig.ident), |n| quote!(#n)),
            format!("`{wire_name}` is not a valid protobuf method name"),
        );
    }
    Some(Method {
        item,
        ident: &sig.ident,
        wire_name,
        takes_context,
        blocking,
        empty_options: attrs.empty_options.is_some(),
        options: attrs.options.clone(),
        request,
        response,
        shape,
    })
}

/// `&ServerContext` (any path ending in `ServerContext`).
fn is_context(ty: &Type) -> bool {
    match ty {
        Type::Reference(reference) => match &*reference.elem {
            Type::Path(path) => path
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "ServerContext"),
            _ => false,
        },
        _ => false,
    }
}

fn single_generic<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last()?;
    if segment.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

fn result_ok_type(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last()?;
    if segment.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) if args.args.len() == 2 => Some(inner),
        _ => None,
    }
}

/// Two methods may not share a wire name, and none may shadow the client's own methods.
fn check_name_collisions(ctx: &Ctx, methods: &[Method<'_>]) {
    let mut seen: HashMap<&str, &Ident> = HashMap::new();
    for method in methods {
        if let Some(previous) = seen.insert(&method.wire_name, method.ident) {
            ctx.error(method.ident, format!("method name `{}` on the wire is already used by `{previous}`; rename one with #[grpc(name = \"...\")]", method.wire_name));
        }
        let rust_name = method.ident.to_string();
        if idents::CLIENT_METHODS.contains(&rust_name.as_str()) {
            ctx.error(method.ident, format!("a method named `{rust_name}` clashes with the generated client's own `{rust_name}`; rename the Rust method (the wire name can stay with #[grpc(name = \"...\")])"));
        }
    }
}

struct Service {
    krate: TokenStream,
    /// Gives the file its options (`file_options = "..."`), or nothing.
    file_options: TokenStream,
    /// `option = "..."`: custom service options, checked.
    options: Vec<syn::LitStr>,
    proto2: bool,
    package: String,
    name: String,
    full_name: String,
    file: String,
}

fn emit(item: &ItemTrait, service: &Service, methods: &[Method<'_>]) -> TokenStream {
    let trait_def = emit_trait(item, service);
    let server = emit_server(item, service, methods);
    let client = emit_client(item, service, methods);
    quote! {
        #trait_def
        #server
        #client
    }
}

/// The trait as written minus our `#[grpc]` attributes: what a failed expansion keeps, so the
/// user sees only the real errors.
fn without_grpc_attrs(mut item: ItemTrait) -> TokenStream {
    for trait_item in &mut item.items {
        if let TraitItem::Fn(function) = trait_item {
            function.attrs.retain(|a| !a.path().is_ident("grpc"));
        }
    }
    quote!(#item)
}

/// The trait as written, with each `async fn` turned into a method returning
/// `impl Future + Send` so handlers can run on a multi-threaded runtime (blocking `fn`s stay
/// as they are).
fn emit_trait(item: &ItemTrait, _service: &Service) -> TokenStream {
    let mut item = item.clone();
    for trait_item in &mut item.items {
        if let TraitItem::Fn(function) = trait_item {
            function.attrs.retain(|a| !a.path().is_ident("grpc"));
            let sig = &mut function.sig;
            if sig.asyncness.is_none() {
                continue;
            }
            sig.asyncness = None;
            let output = match &sig.output {
                ReturnType::Type(_, ty) => quote!(#ty),
                ReturnType::Default => quote!(()),
            };
            let span = sig.ident.span();
            sig.output = syn::parse_quote_spanned! {span=>
                -> impl ::core::future::Future<Output = #output> + ::core::marker::Send
            };
        }
    }
    quote!(#item)
}

fn emit_server(item: &ItemTrait, service: &Service, methods: &[Method<'_>]) -> TokenStream {
    let krate = &service.krate;
    let p = quote!(#krate::__private);
    let vis = &item.vis;
    let trait_ident = &item.ident;
    let server = format_ident!("{}Server", trait_ident);
    let (describe_fn, file_fn) = describe_fns(item);
    let full_name = &service.full_name;
    let doc = format!(
        "Serves [`{trait_ident}`] as the gRPC service `{full_name}`: add it to a `Server`."
    );
    let arms = methods.iter().map(|method| {
        let wire = &method.wire_name;
        let ident = method.ident;
        let (request, response) = (&method.request, &method.response);
        if method.blocking {
            let call = if method.takes_context {
                quote!(<__GrpcImpl as #trait_ident>::#ident(&*service, ctx, request))
            } else {
                quote!({ let _ = ctx; <__GrpcImpl as #trait_ident>::#ident(&*service, request) })
            };
            let (adapter, request_ty) = match method.shape {
                Shape::Unary => (quote!(blocking_unary), quote!(#request)),
                Shape::ServerStreaming => (quote!(blocking_server_streaming), quote!(#request)),
                Shape::ClientStreaming => (quote!(blocking_client_streaming), quote!(#p::RequestIter<#request>)),
                Shape::Bidi => (quote!(blocking_streaming), quote!(#p::RequestIter<#request>)),
            };
            return quote! {
                #wire => {
                    let service = <#p::Arc<__GrpcImpl> as ::core::clone::Clone>::clone(&self.inner);
                    #p::#adapter::<#request, #response, _>(request, move |ctx: &#p::ServerContext, request: #request_ty| {
                        #call
                    })
                }
            };
        }
        let call = if method.takes_context {
            quote!(<__GrpcImpl as #trait_ident>::#ident(&*service, &ctx, request).await)
        } else {
            quote!({ let _ = &ctx; <__GrpcImpl as #trait_ident>::#ident(&*service, request).await })
        };
        let (adapter, request_ty) = match method.shape {
            Shape::Unary => (quote!(unary), quote!(#request)),
            Shape::ServerStreaming => (quote!(server_streaming), quote!(#request)),
            Shape::ClientStreaming => (quote!(client_streaming), quote!(#p::Streaming<#request>)),
            Shape::Bidi => (quote!(streaming), quote!(#p::Streaming<#request>)),
        };
        quote! {
            #wire => {
                let service = <#p::Arc<__GrpcImpl> as ::core::clone::Clone>::clone(&self.inner);
                #p::#adapter::<#request, #response, _, _>(request, move |ctx: #p::ServerContext, request: #request_ty| async move {
                    #call
                })
            }
        }
    });
    quote! {
        #[doc = #doc]
        #vis struct #server<__GrpcImpl> {
            inner: #p::Arc<__GrpcImpl>,
        }

        impl<__GrpcImpl> #server<__GrpcImpl> {
            /// Wraps a service implementation.
            #vis fn new(service: __GrpcImpl) -> Self {
                #server { inner: #p::Arc::new(service) }
            }

            /// Wraps a shared service implementation.
            #vis fn from_arc(service: #p::Arc<__GrpcImpl>) -> Self {
                #server { inner: service }
            }
        }

        impl<__GrpcImpl> ::core::clone::Clone for #server<__GrpcImpl> {
            fn clone(&self) -> Self {
                #server { inner: <#p::Arc<__GrpcImpl> as ::core::clone::Clone>::clone(&self.inner) }
            }
        }

        impl<__GrpcImpl> ::core::fmt::Debug for #server<__GrpcImpl> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(::core::stringify!(#server))
            }
        }

        impl<__GrpcImpl> #p::Service for #server<__GrpcImpl>
        where
            __GrpcImpl: #trait_ident + ::core::marker::Send + ::core::marker::Sync + 'static,
        {
            fn name(&self) -> &'static str {
                #full_name
            }

            fn call(
                &self,
                method: &str,
                request: #p::Request<#p::RequestBody>,
            ) -> #p::BoxFuture<#p::Response<#p::ResponseBody>> {
                match method {
                    #(#arms)*
                    _ => #p::unimplemented_method(#full_name, method),
                }
            }

            fn register(&self, registry: &mut #p::Registry) {
                <Self as #p::Describe>::register(registry)
            }
        }

        impl<__GrpcImpl> #p::Describe for #server<__GrpcImpl> {
            fn register(registry: &mut #p::Registry) {
                #describe_fn(registry)
            }
            fn file_name() -> &'static str {
                #file_fn()
            }
            fn full_name() -> #p::String {
                #p::ToOwned::to_owned(#full_name)
            }
        }
    }
}

fn emit_client(item: &ItemTrait, service: &Service, methods: &[Method<'_>]) -> TokenStream {
    let krate = &service.krate;
    let p = quote!(#krate::__private);
    let vis = &item.vis;
    let client = format_ident!("{}Client", item.ident);
    let (describe_fn, file_fn) = describe_fns(item);
    let full_name = &service.full_name;
    let doc = format!("A typed client for the gRPC service `{full_name}`.");
    let client_methods = methods.iter().map(|method| {
        let ident = method.ident;
        let path = format!("/{full_name}/{}", method.wire_name);
        let (request, response) = (&method.request, &method.response);
        let docs = method.item.attrs.iter().filter(|a| a.path().is_ident("doc"));
        match method.shape {
            Shape::Unary => quote! {
                #(#docs)*
                #vis fn #ident(&self, request: #request) -> #p::UnaryCall<#request, #response> {
                    #p::unary_call::<#request, #response>(&self.channel, #path, request)
                }
            },
            Shape::ServerStreaming => quote! {
                #(#docs)*
                #vis fn #ident(&self, request: #request) -> #p::StreamingCall<#request, #response> {
                    #p::server_streaming_call::<#request, #response>(&self.channel, #path, request)
                }
            },
            Shape::ClientStreaming => quote! {
                #(#docs)*
                #vis fn #ident<__GrpcRequests>(&self, requests: __GrpcRequests) -> #p::UnaryCall<#request, #response>
                where
                    __GrpcRequests: #p::Stream + ::core::marker::Send + 'static,
                    <__GrpcRequests as #p::Stream>::Item: #p::IntoRequest<#request>,
                {
                    #p::client_streaming_call::<#request, #response, _>(&self.channel, #path, requests)
                }
            },
            Shape::Bidi => quote! {
                #(#docs)*
                #vis fn #ident<__GrpcRequests>(&self, requests: __GrpcRequests) -> #p::StreamingCall<#request, #response>
                where
                    __GrpcRequests: #p::Stream + ::core::marker::Send + 'static,
                    <__GrpcRequests as #p::Stream>::Item: #p::IntoRequest<#request>,
                {
                    #p::bidi_streaming_call::<#request, #response, _>(&self.channel, #path, requests)
                }
            },
        }
    });
    let blocking = emit_blocking_client(item, service, methods);
    let package = &service.package;
    let name = &service.name;
    let file = &service.file;
    let file_options = &service.file_options;
    let describe_methods = methods.iter().map(|method| {
        let (request, response, wire) = (&method.request, &method.response, &method.wire_name);
        let shape = match method.shape {
            Shape::Unary => quote!(Unary),
            Shape::ServerStreaming => quote!(ServerStreaming),
            Shape::ClientStreaming => quote!(ClientStreaming),
            Shape::Bidi => quote!(BidiStreaming),
        };
        let doc = attrs::doc(&method.item.attrs).map(|doc| quote!(builder.member_doc(#wire, #doc);));
        let empty_options = method
            .empty_options
            .then(|| quote!(builder.empty_method_options(#wire);));
        let options = method
            .options
            .iter()
            .map(|text| quote!(builder.method_option(#wire, #text);));
        quote!(builder.method::<#request, #response>(registry, #wire, #p::MethodShape::#shape); #empty_options #(#options)* #doc)
    });
    let service_doc = attrs::doc(&item.attrs).map(|doc| quote!(builder.doc(#doc);));
    let proto2 = service.proto2.then(|| quote!(builder.proto2();));
    let service_options = service
        .options
        .iter()
        .map(|text| quote!(builder.option(#text);));
    quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #vis struct #client {
            channel: #p::Channel,
        }

        impl #client {
            /// A client making its calls on `channel`.
            #vis fn new(channel: #p::Channel) -> Self {
                #client { channel }
            }

            /// The channel this client calls on.
            #vis fn channel(&self) -> &#p::Channel {
                &self.channel
            }

            #(#client_methods)*
        }

        #blocking

        impl #p::Describe for #client {
            fn register(registry: &mut #p::Registry) {
                #describe_fn(registry)
            }
            fn file_name() -> &'static str {
                #file_fn()
            }
            fn full_name() -> #p::String {
                #p::ToOwned::to_owned(#full_name)
            }
        }

        #[allow(non_snake_case)]
        fn #describe_fn(registry: &mut #p::Registry) {
            if !registry.begin(#full_name) {
                return;
            }
            registry.declare(#full_name, ::core::file!(), ::core::line!(), ::core::column!());
            let mut builder = #p::ServiceBuilder::new(#name);
            #proto2
            #service_doc
            #(#service_options)*
            #(#describe_methods)*
            #file_options
            registry.add_service(#file, #package, builder);
        }

        #[allow(non_snake_case)]
        fn #file_fn() -> &'static str {
            #file
        }
    }
}

/// `XxxBlockingClient`: the same calls as `XxxClient`, made from plain threads. Each method
/// returns a `BlockingCall` with the same per-call options; request streams are iterators,
/// response streams `BlockingStreaming` iterators.
fn emit_blocking_client(
    item: &ItemTrait,
    service: &Service,
    methods: &[Method<'_>],
) -> TokenStream {
    let krate = &service.krate;
    let p = quote!(#krate::__private);
    let vis = &item.vis;
    let client = format_ident!("{}BlockingClient", item.ident);
    let full_name = &service.full_name;
    let doc = format!(
        "A blocking client for the gRPC service `{full_name}`: no async in sight. Calls run on \
         the runtime the library manages (or the one given to `with_runtime`), and fail with \
         FAILED_PRECONDITION if made inside a tokio runtime."
    );
    let client_methods = methods.iter().map(|method| {
        let ident = method.ident;
        let path = format!("/{full_name}/{}", method.wire_name);
        let (request, response) = (&method.request, &method.response);
        let docs = method.item.attrs.iter().filter(|a| a.path().is_ident("doc"));
        let iterator_bounds = quote! {
            __GrpcRequests: ::core::iter::IntoIterator + ::core::marker::Send + 'static,
            <__GrpcRequests as ::core::iter::IntoIterator>::IntoIter: ::core::marker::Send + 'static,
            <__GrpcRequests as ::core::iter::IntoIterator>::Item: #p::IntoRequest<#request>,
        };
        match method.shape {
            Shape::Unary => quote! {
                #(#docs)*
                #vis fn #ident(&self, request: #request) -> #p::BlockingCall<#p::UnaryCall<#request, #response>> {
                    #p::BlockingCall::new(#p::unary_call::<#request, #response>(&self.channel, #path, request), &self.runtime)
                }
            },
            Shape::ServerStreaming => quote! {
                #(#docs)*
                #vis fn #ident(&self, request: #request) -> #p::BlockingCall<#p::StreamingCall<#request, #response>> {
                    #p::BlockingCall::new(#p::server_streaming_call::<#request, #response>(&self.channel, #path, request), &self.runtime)
                }
            },
            Shape::ClientStreaming => quote! {
                #(#docs)*
                #vis fn #ident<__GrpcRequests>(&self, requests: __GrpcRequests) -> #p::BlockingCall<#p::UnaryCall<#request, #response>>
                where
                    #iterator_bounds
                {
                    let requests = #p::blocking_requests::<#request, _>(&self.runtime, requests);
                    #p::BlockingCall::new(#p::client_streaming_call::<#request, #response, _>(&self.channel, #path, requests), &self.runtime)
                }
            },
            Shape::Bidi => quote! {
                #(#docs)*
                #vis fn #ident<__GrpcRequests>(&self, requests: __GrpcRequests) -> #p::BlockingCall<#p::StreamingCall<#request, #response>>
                where
                    #iterator_bounds
                {
                    let requests = #p::blocking_requests::<#request, _>(&self.runtime, requests);
                    #p::BlockingCall::new(#p::bidi_streaming_call::<#request, #response, _>(&self.channel, #path, requests), &self.runtime)
                }
            },
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #vis struct #client {
            channel: #p::Channel,
            runtime: #p::BlockingRuntime,
        }

        impl #client {
            /// A blocking client making its calls on `channel`, on the runtime the library
            /// manages.
            #vis fn new(channel: #p::Channel) -> Self {
                #client { channel, runtime: #p::BlockingRuntime::shared() }
            }

            /// A blocking client whose calls run on `runtime` (e.g.
            /// `BlockingRuntime::from_handle(runtime.handle().clone())`).
            #vis fn with_runtime(channel: #p::Channel, runtime: #p::BlockingRuntime) -> Self {
                #client { channel, runtime }
            }

            /// The channel this client calls on.
            #vis fn channel(&self) -> &#p::Channel {
                &self.channel
            }

            #(#client_methods)*
        }
    }
}

/// Names of the hidden functions that describe the service (one pair per trait).
fn describe_fns(item: &ItemTrait) -> (Ident, Ident) {
    (
        format_ident!("__{}_describe", item.ident),
        format_ident!("__{}_file", item.ident),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(args: TokenStream, input: TokenStream) -> String {
        expand(args, input).to_string()
    }

    #[test]
    fn custom_options_on_services_and_methods() {
        let out = expand_str(
            quote!(package = "p", option = "(my.host) = \"x.example.com\""),
            quote! {
                trait S {
                    #[grpc(option = "(google.api.http) = { get: \"/v1/a\" }")]
                    async fn a(&self, r: Req) -> Result<Resp, Status>;
                }
            },
        );
        assert!(out.contains("builder . option (\"(my.host)"), "{out}");
        assert!(
            out.contains("builder . method_option (\"A\" , \"(google.api.http)"),
            "{out}"
        );
    }

    #[test]
    fn shapes_follow_the_signature() {
        let out = expand_str(
            quote!(package = "p"),
            quote! {
                trait S {
                    async fn a(&self, r: Req) -> Result<Resp, Status>;
                    async fn b(&self, r: Req) -> Result<ServerStream<Resp>, Status>;
                    async fn c(&self, r: Streaming<Req>) -> Result<Resp, Status>;
                    async fn d(&self, ctx: &ServerContext, r: Streaming<Req>) -> Result<ServerStream<Resp>, Status>;
                }
            },
        );
        for (wire, adapter) in [
            ("A", "unary"),
            ("B", "server_streaming"),
            ("C", "client_streaming"),
            ("D", "streaming"),
        ] {
            assert!(out.contains(&format!("\"{wire}\" => {{")), "{wire}: {out}");
            assert!(
                out.contains(&format!("__private :: {adapter} ::")),
                "{adapter}: {out}"
            );
        }
        assert!(out.contains("\"/p.S/D\""), "{out}");
        assert!(out.contains("MethodShape :: BidiStreaming"), "{out}");
    }

    #[test]
    fn async_fns_become_send_futures() {
        let out = expand_str(
            quote!(),
            quote! {
                trait S { async fn a(&self, r: Req) -> Result<Resp, Status>; }
            },
        );
        assert!(out.contains("fn a (& self , r : Req) -> impl :: core :: future :: Future < Output = Result < Resp , Status > > + :: core :: marker :: Send"), "{out}");
    }

    #[test]
    fn misuse_keeps_the_trait_and_reports_every_error() {
        let out = expand_str(
            quote!(package = "a..b"),
            quote! {
                trait S {
                    fn blocking(&self, r: Streaming<Req>) -> Result<Resp, Status>;
                    async fn new(&self, r: Req) -> Result<Resp, Status>;
                    async fn two(&self, a: Req, b: Req) -> Result<Resp, Status>;
                }
            },
        );
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("not a valid protobuf package"), "{out}");
        assert!(
            out.contains("reads its request stream as `RequestIter<T>`"),
            "{out}"
        );
        assert!(out.contains("clashes with the generated client"), "{out}");
        assert!(out.contains("exactly one request argument"), "{out}");
        assert!(out.contains("trait S"), "the original trait is kept: {out}");
    }
}
