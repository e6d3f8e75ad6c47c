//! Emitting a file's items and the package's `file_descriptor_set()`.

use proc_macro2::TokenStream;
use prost_types::{FileDescriptorProto, FileDescriptorSet, FileOptions};
use quote::{format_ident, quote};

use crate::error::Error;
use comments::Comments;

use crate::codegen::*;

/// `files` and every file they import, transitively, leaving out the well-known files (their
/// types come from `grpc_core::well_known`, which describes them whole).
fn imported_closure<'s>(
    files: &[&'s FileDescriptorProto],
    all: &'s FileDescriptorSet,
) -> Vec<&'s FileDescriptorProto> {
    let by_name: std::collections::HashMap<&str, &FileDescriptorProto> =
        all.file.iter().map(|f| (f.name(), f)).collect();
    let mut out: Vec<&FileDescriptorProto> = files.to_vec();
    let mut seen: std::collections::HashSet<&str> = files.iter().map(|f| f.name()).collect();
    let mut next = 0;
    while next < out.len() {
        for dependency in &out[next].dependency {
            if grpc_model::well_known::is_well_known_file(dependency) {
                continue;
            }
            if let Some(file) = by_name.get(dependency.as_str()) {
                if seen.insert(file.name()) {
                    out.push(file);
                }
            }
        }
        next += 1;
    }
    out
}

/// Whether any of `messages` (or a message nested in one) declares an `extend` inside it.
fn has_message_extensions(messages: &[prost_types::DescriptorProto]) -> bool {
    messages
        .iter()
        .any(|m| !m.extension.is_empty() || has_message_extensions(&m.nested_type))
}

/// The extensions declared inside `messages` (whose source path is `path`, and whose names
/// within the package start with `prefix`), each with its scope message's dotted name and the
/// declaration's source path, in declaration order, outer messages first.
fn collect_message_extensions<'m>(
    messages: &'m [prost_types::DescriptorProto],
    path: &[i32],
    prefix: &str,
    out: &mut Vec<(String, Vec<i32>, &'m prost_types::FieldDescriptorProto)>,
) {
    for (i, message) in messages.iter().enumerate() {
        let scope = format!("{prefix}{}", message.name());
        let here = [path, &[i as i32]].concat();
        for (j, extension) in message.extension.iter().enumerate() {
            out.push((
                scope.clone(),
                [&here[..], &[6, j as i32]].concat(),
                extension,
            ));
        }
        collect_message_extensions(
            &message.nested_type,
            &[&here[..], &[3]].concat(),
            &format!("{scope}."),
            out,
        );
    }
}

impl<'a> Generator<'a> {
    /// `file_descriptor_set()`: every type and service of the package, and of every file the
    /// package's files import (transitively), so that each file in the set is complete, not
    /// just the part the package reaches: for reflection and export.
    pub(in crate::codegen) fn descriptor_set_fn(
        &self,
        files: &[&FileDescriptorProto],
        all: &FileDescriptorSet,
    ) -> TokenStream {
        let package_module = |package: &str| -> Vec<String> {
            package
                .split('.')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let here = files
            .first()
            .map(|f| package_module(f.package()))
            .unwrap_or_default();
        let mut paths = Vec::new();
        let mut specs = Vec::new();
        for file in imported_closure(files, all) {
            // The file's declarations (a file of extensions only has nothing else).
            if let Some(spec) = Self::file_options_name(file) {
                let path = index::relative_path(&here, &package_module(file.package()), &spec);
                let (name, package) = (file.name(), file.package());
                specs.push(quote!(registry.set_file_options(#name, #package, #path());));
            }
            let prefix = if file.package().is_empty() {
                String::new()
            } else {
                format!(".{}", file.package())
            };
            let mut names = Vec::new();
            collect_type_names(&prefix, &file.message_type, &file.enum_type, &mut names);
            for name in names {
                if self.map_entries.contains_key(&name) {
                    continue;
                }
                if let Ok(path) = self.path_to(&name, &here, file.name(), None) {
                    paths.push(path);
                }
            }
            for service in &file.service {
                let client = format!(
                    "{}Client",
                    names::ident(service.name())
                        .0
                        .to_string()
                        .trim_start_matches("r#")
                );
                paths.push(index::relative_path(
                    &here,
                    &package_module(file.package()),
                    &client,
                ));
            }
        }
        quote! {
            /// The descriptors of every type and service this module defines, with the files
            /// they import (complete): for reflection and `.proto` export.
            pub fn file_descriptor_set() -> ::grpc_core::descriptor::FileDescriptorSet {
                let mut registry = ::grpc_core::descriptor::Registry::new();
                #(#specs)*
                #(registry.add::<#paths>();)*
                registry.into_file_descriptor_set()
            }
        }
    }

    pub(in crate::codegen) fn file(
        &self,
        file: &'a FileDescriptorProto,
    ) -> Result<TokenStream, Error> {
        let ctx = FileCtx {
            file,
            comments: Comments::of(file),
            proto3: file.syntax() == "proto3",
        };
        match file.syntax() {
            "" | "proto2" | "proto3" => {}
            other => {
                return Err(Error::at(
                    format!("syntax `{other}` (editions) is not supported, even with Builder::skip_unsupported / --skip-unsupported: a whole file cannot be left out"),
                    file.name(),
                    Some(1),
                ))
            }
        }
        let module: Vec<String> = file
            .package()
            .split('.')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let mut items = self.file_spec_fn(&ctx, &module)?;
        for (i, message) in file.message_type.iter().enumerate() {
            items.extend(self.message(&ctx, message, &[4, i as i32], &[], &module)?);
        }
        for (i, enumeration) in file.enum_type.iter().enumerate() {
            items.extend(self.enumeration(&ctx, enumeration, &[5, i as i32], &[])?);
        }
        for (i, service) in file.service.iter().enumerate() {
            items.extend(self.service(&ctx, service, &[6, i as i32], &module)?);
        }
        items.extend(self.extension_constants(
            &ctx,
            &file.extension,
            &[7],
            file.package(),
            &module,
        )?);
        Ok(items)
    }

    /// `#[grpc(reserved(2, 9..=11, 40..=max, "foo"))]` for inclusive `ranges` (`max` for the
    /// kind's largest number) and `names`; nothing when both are empty.
    pub(in crate::codegen) fn reserved_attr(
        ranges: &[(i64, i64)],
        names: &[String],
        max: i64,
    ) -> TokenStream {
        if ranges.is_empty() && names.is_empty() {
            return TokenStream::new();
        }
        let number = |n: i64| {
            let abs = proc_macro2::Literal::u64_unsuffixed(n.unsigned_abs());
            if n < 0 {
                quote!(-#abs)
            } else {
                quote!(#abs)
            }
        };
        let ranges = ranges.iter().map(|&(start, end)| {
            let first = number(start);
            if start == end {
                first
            } else if end == max {
                quote!(#first..=max)
            } else {
                let last = number(end);
                quote!(#first..=#last)
            }
        });
        quote!(#[grpc(reserved(#(#ranges,)* #(#names),*))])
    }

    /// Attributes naming the package, file, file options and (for nested types) the dotted
    /// name.
    pub(in crate::codegen) fn type_attrs(
        ctx: &FileCtx<'_>,
        parents: &[&str],
        name: &str,
    ) -> TokenStream {
        let package = ctx.file.package();
        let file = ctx.file.name();
        let syntax = (!ctx.proto3).then(|| quote!(, syntax = "proto2"));
        let options = Self::file_options_key(ctx.file, parents.len());
        if parents.is_empty() {
            quote!(#[grpc(package = #package, file = #file #options #syntax)])
        } else {
            let dotted = format!("{}.{name}", parents.join("."));
            quote!(#[grpc(package = #package, file = #file, name = #dotted #options #syntax)])
        }
    }

    /// The name of the function giving `file`'s [`FileSpec`](grpc_core::descriptor::FileSpec)
    /// (`google/api/http.proto` gives `google_api_http_proto_options`), if the file sets
    /// options, imports anything or declares extensions.
    fn file_options_name(file: &FileDescriptorProto) -> Option<String> {
        let options = file
            .options
            .as_ref()
            .is_some_and(|o| *o != FileOptions::default());
        if !options
            && file.dependency.is_empty()
            && file.extension.is_empty()
            && !has_message_extensions(&file.message_type)
        {
            return None;
        }
        let stem: String = file
            .name()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        Some(format!("{stem}_options"))
    }

    /// `, file_options = "super::...::name"` for an item `depth` modules below the package's
    /// module; nothing if the file sets no options.
    pub(in crate::codegen) fn file_options_key(
        file: &FileDescriptorProto,
        depth: usize,
    ) -> TokenStream {
        match Self::file_options_name(file) {
            Some(name) => {
                let path = format!("{}{name}", "super::".repeat(depth));
                quote!(, file_options = #path)
            }
            None => TokenStream::new(),
        }
    }

    /// The function that gives the file's `FileSpec`: its options (`option go_package = ...;`,
    /// the other standard file options, custom ones), its imports in the file's order, its
    /// `extend` declarations, and a function registering what those need. Every item of the
    /// file names it with `file_options`.
    fn file_spec_fn(&self, ctx: &FileCtx<'_>, module: &[String]) -> Result<TokenStream, Error> {
        let file = ctx.file;
        let Some(name) = Self::file_options_name(file) else {
            return Ok(TokenStream::new());
        };
        let ident = format_ident!("{name}");
        let register_ident = format_ident!("{}_register", name.trim_end_matches("_options"));
        let (custom, standard) = custom::split(&file.options, |_| {});
        let options = {
            let literal = Self::file_options_literal(file.options.as_ref());
            quote!(::core::option::Option::Some(#literal))
        };
        let custom = custom::texts(&custom);
        let custom = custom.iter().map(|text| custom::raw_literal(text));
        let dependencies = &file.dependency;
        let mut extensions = Vec::new();
        let mut register = Vec::new();
        for dependency in &file.dependency {
            if grpc_model::well_known::is_well_known_file(dependency) {
                register.push(quote!(registry.add_well_known_file(#dependency);));
                continue;
            }
            let Some(imported) = self.files.get(dependency) else {
                continue;
            };
            let there: Vec<String> = imported
                .package()
                .split('.')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if let Some(spec) = Self::file_options_name(imported) {
                let path = index::relative_path(module, &there, &spec);
                let package = imported.package();
                register.push(quote!(registry.set_file_options(#dependency, #package, #path());));
            }
            let prefix = match imported.package() {
                "" => String::new(),
                package => format!(".{package}"),
            };
            let first = imported
                .message_type
                .first()
                .map(|m| m.name())
                .or_else(|| imported.enum_type.first().map(|e| e.name()));
            if let Some(first) = first {
                let path = self.path_to(&format!("{prefix}.{first}"), module, file.name(), None)?;
                register.push(quote!(registry.add::<#path>();));
            }
        }
        for (i, extension) in file.extension.iter().enumerate() {
            let line = ctx.comments.line(&[7, i as i32]);
            extensions.push(self.extension_literal(ctx, extension, module, line, &mut register)?);
        }
        let mut message_extensions = Vec::new();
        let mut scopes = Vec::new();
        collect_message_extensions(&file.message_type, &[4], "", &mut scopes);
        for (scope, path, extension) in scopes {
            let line = ctx.comments.line(&path);
            let literal = self.extension_literal(ctx, extension, module, line, &mut register)?;
            message_extensions.push(quote!((#scope, #literal)));
        }
        let register_fn = (!register.is_empty()).then(|| {
            let doc = format!(
                " Registers what the declarations of `{}` need beyond its own types.",
                file.name()
            );
            quote! {
                #[doc = #doc]
                fn #register_ident(registry: &mut ::grpc_core::descriptor::Registry) {
                    #(#register)*
                }
            }
        });
        let register = quote!(::core::option::Option::Some(#register_ident));
        let mut fields = Vec::new();
        if standard {
            fields.push(quote!(options: #options,));
        }
        let custom: Vec<_> = custom.collect();
        if !custom.is_empty() {
            fields.push(quote!(custom_options: ::std::vec::Vec::from([#(#custom),*]),));
        }
        if !dependencies.is_empty() {
            fields.push(quote!(dependencies: ::std::vec::Vec::from([#(::std::string::String::from(#dependencies)),*]),));
        }
        if !extensions.is_empty() {
            fields.push(quote!(extensions: ::std::vec::Vec::from([#(#extensions),*]),));
        }
        if !message_extensions.is_empty() {
            fields.push(
                quote!(message_extensions: ::std::vec::Vec::from([#(#message_extensions),*]),),
            );
        }
        if register_fn.is_some() {
            fields.push(quote!(register: #register,));
        }
        if !ctx.proto3 {
            fields.push(quote!(proto2: true,));
        }
        let doc = format!(
            " The declarations of `{}` besides its types: options, imports (in the file's order) and extensions.",
            file.name()
        );
        Ok(quote! {
            #[doc = #doc]
            #[allow(deprecated)]
            pub fn #ident() -> ::grpc_core::descriptor::FileSpec {
                ::grpc_core::descriptor::FileSpec {
                    #(#fields)*
                    ..::core::default::Default::default()
                }
            }
            #register_fn
        })
    }

    /// An `extend` declaration as a `FieldDescriptorProto` literal; the registration its type
    /// needs goes to `register`.
    fn extension_literal(
        &self,
        ctx: &FileCtx<'_>,
        extension: &prost_types::FieldDescriptorProto,
        module: &[String],
        line: Option<u32>,
        register: &mut Vec<TokenStream>,
    ) -> Result<TokenStream, Error> {
        let options = match &extension.options {
            Some(options) => {
                // What the macros do not take is refused, or left out with
                // `skip_unsupported`, as on an ordinary field.
                let mut options = options.clone();
                let (kept, refused) = custom::check_uninterpreted(
                    grpc_model::options::Element::Field,
                    std::mem::take(&mut options.uninterpreted_option),
                );
                for reason in refused {
                    self.unsupported(
                        ctx,
                        &format!("options on extension `{}`: {reason}", extension.name()),
                        line,
                    )?;
                }
                options.uninterpreted_option = kept;
                let literal = Self::extension_options_literal(&options);
                quote!(options: #literal,)
            }
            None => TokenStream::new(),
        };
        let string = |value: &Option<String>| match value {
            Some(v) => quote!(::core::option::Option::Some(::std::string::String::from(#v))),
            None => quote!(::core::option::Option::None),
        };
        if let Some(type_name) = &extension.type_name {
            let path = self.path_to(type_name, module, ctx.file.name(), line)?;
            register.push(quote!(registry.add::<#path>();));
        }
        let name = string(&extension.name);
        let number = proc_macro2::Literal::i32_unsuffixed(extension.number());
        let label = format_ident!("{}", format!("{:?}", extension.label()));
        let ty = format_ident!("{}", format!("{:?}", extension.r#type()));
        let type_name = string(&extension.type_name);
        let extendee = string(&extension.extendee);
        let json_name = string(&extension.json_name);
        let default_value = string(&extension.default_value);
        let proto3_optional = match extension.proto3_optional {
            Some(v) => quote!(::core::option::Option::Some(#v)),
            None => quote!(::core::option::Option::None),
        };
        Ok(quote! {
            ::grpc_core::descriptor::FieldDescriptorProto {
                name: #name,
                number: ::core::option::Option::Some(#number),
                label: ::core::option::Option::Some(::grpc_core::well_known::field_descriptor_proto::Label::#label as i32),
                r#type: ::core::option::Option::Some(::grpc_core::well_known::field_descriptor_proto::Type::#ty as i32),
                type_name: #type_name,
                extendee: #extendee,
                json_name: #json_name,
                default_value: #default_value,
                proto3_optional: #proto3_optional,
                #options
                ..::core::default::Default::default()
            }
        })
    }

    /// An extension's options (`[packed = true, deprecated = true, (my.note) = "x"]`) as an
    /// `Option<FieldOptions>` literal: the standard ones (every one prost-types' `FieldOptions`
    /// has: `ctype`, `packed`, `jstype`, `lazy`, `deprecated`, `weak`) and custom ones as their
    /// text.
    fn extension_options_literal(options: &prost_types::FieldOptions) -> TokenStream {
        let custom = &options.uninterpreted_option;
        let mut fields = Vec::new();
        let flags = [
            ("packed", options.packed),
            ("lazy", options.lazy),
            ("deprecated", options.deprecated),
            ("weak", options.weak),
        ];
        for (field, value) in flags {
            if let Some(value) = value {
                let field = format_ident!("{field}");
                fields.push(quote!(#field: ::core::option::Option::Some(#value),));
            }
        }
        for (field, value) in [("ctype", options.ctype), ("jstype", options.jstype)] {
            if let Some(value) = value {
                let field = format_ident!("{field}");
                fields.push(quote!(#field: ::core::option::Option::Some(#value),));
            }
        }
        if !custom.is_empty() {
            let texts = custom::texts(custom);
            let texts = texts.iter().map(|text| custom::raw_literal(text));
            fields.push(quote! {
                uninterpreted_option: ::grpc_core::descriptor::uninterpreted_options(&[#(#texts),*]),
            });
        }
        quote! {
            ::core::option::Option::Some(::grpc_core::well_known::FieldOptions {
                #(#fields)*
                ..::core::default::Default::default()
            })
        }
    }

    /// The standard file options as a `FileOptions` literal.
    // `java_generate_equals_and_hash` is deprecated in descriptor.proto, and files still set it.
    #[allow(deprecated)]
    fn file_options_literal(options: Option<&FileOptions>) -> TokenStream {
        let Some(options) = options else {
            return quote!(::core::default::Default::default());
        };
        let text = |value: &Option<String>| {
            value
                .as_ref()
                .map(|v| quote!(::std::string::String::from(#v)))
        };
        let mut fields = Vec::new();
        let strings = [
            ("java_package", &options.java_package),
            ("java_outer_classname", &options.java_outer_classname),
            ("go_package", &options.go_package),
            ("objc_class_prefix", &options.objc_class_prefix),
            ("csharp_namespace", &options.csharp_namespace),
            ("swift_prefix", &options.swift_prefix),
            ("php_class_prefix", &options.php_class_prefix),
            ("php_namespace", &options.php_namespace),
            ("php_metadata_namespace", &options.php_metadata_namespace),
            ("ruby_package", &options.ruby_package),
        ];
        for (field, value) in strings {
            if let Some(value) = text(value) {
                fields.push((field, value));
            }
        }
        let flags = [
            ("java_multiple_files", options.java_multiple_files),
            (
                "java_generate_equals_and_hash",
                options.java_generate_equals_and_hash,
            ),
            ("java_string_check_utf8", options.java_string_check_utf8),
            ("cc_generic_services", options.cc_generic_services),
            ("java_generic_services", options.java_generic_services),
            ("py_generic_services", options.py_generic_services),
            ("php_generic_services", options.php_generic_services),
            ("deprecated", options.deprecated),
            ("cc_enable_arenas", options.cc_enable_arenas),
        ];
        for (field, value) in flags {
            if let Some(value) = value {
                fields.push((field, quote!(#value)));
            }
        }
        if let Some(mode) = options.optimize_for {
            fields.push(("optimize_for", quote!(#mode)));
        }
        let fields = fields.into_iter().map(|(field, value)| {
            let field = format_ident!("{field}");
            quote!(#field: ::core::option::Option::Some(#value),)
        });
        quote! {
            ::grpc_core::descriptor::FileOptions {
                #(#fields)*
                ..::core::default::Default::default()
            }
        }
    }
}
