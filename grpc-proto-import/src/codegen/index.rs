//! Indexing: where every message and enum lives in the generated Rust, which messages hold
//! which (to box recursive fields), and paths between modules.

use std::collections::{HashMap, HashSet};

use proc_macro2::TokenStream;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, EnumDescriptorProto, FileDescriptorSet};

use crate::error::Error;

use super::*;

/// Where a message or enum lives in the generated Rust.
#[derive(Debug, Clone)]
pub(super) struct TypeInfo {
    /// Module path from the crate's root of the imported packages (package, then enclosing
    /// messages in snake case).
    module: Vec<String>,
    ident: String,
}

/// Full names of all messages and enums, nested ones included.
pub(super) fn collect_type_names(
    prefix: &str,
    messages: &[DescriptorProto],
    enums: &[EnumDescriptorProto],
    out: &mut Vec<String>,
) {
    for message in messages {
        let name = format!("{prefix}.{}", message.name());
        out.push(name.clone());
        collect_type_names(&name, &message.nested_type, &message.enum_type, out);
    }
    for enumeration in enums {
        out.push(format!("{prefix}.{}", enumeration.name()));
    }
}

impl<'a> Generator<'a> {
    pub(super) fn new(set: &'a FileDescriptorSet, options: Options) -> Self {
        let mut generator = Generator {
            options,
            types: HashMap::new(),
            holds: HashMap::new(),
            map_entries: HashMap::new(),
            extendable: HashSet::new(),
            files: set.file.iter().map(|f| (f.name().to_owned(), f)).collect(),
        };
        for file in &set.file {
            let module: Vec<String> = file
                .package()
                .split('.')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let prefix = if file.package().is_empty() {
                String::new()
            } else {
                format!(".{}", file.package())
            };
            for message in &file.message_type {
                generator.index_message(message, &prefix, &module);
            }
            for enumeration in &file.enum_type {
                generator.types.insert(
                    format!("{prefix}.{}", enumeration.name()),
                    TypeInfo {
                        module: module.clone(),
                        ident: enumeration.name().to_owned(),
                    },
                );
            }
        }
        generator
    }

    pub(super) fn index_message(
        &mut self,
        message: &'a DescriptorProto,
        prefix: &str,
        module: &[String],
    ) {
        let full_name = format!("{prefix}.{}", message.name());
        if message.options.as_ref().and_then(|o| o.map_entry) == Some(true) {
            self.map_entries.insert(full_name, message);
            return;
        }
        self.types.insert(
            full_name.clone(),
            TypeInfo {
                module: module.to_vec(),
                ident: message.name().to_owned(),
            },
        );
        let held = message
            .field
            .iter()
            .filter(|f| f.r#type() == Type::Message && f.label() != Label::Repeated)
            .map(|f| f.type_name().to_owned())
            .collect();
        self.holds.insert(full_name.clone(), held);
        if !message.extension_range.is_empty() {
            self.extendable.insert(full_name.clone());
        }
        let mut inner = module.to_vec();
        inner.push(names::snake(message.name()));
        for nested in &message.nested_type {
            self.index_message(nested, &full_name, &inner);
        }
        for enumeration in &message.enum_type {
            self.types.insert(
                format!("{full_name}.{}", enumeration.name()),
                TypeInfo {
                    module: inner.clone(),
                    ident: enumeration.name().to_owned(),
                },
            );
        }
    }

    /// Whether a value of type `from` can (through singular fields) contain a `target`.
    pub(super) fn reaches(&self, from: &str, target: &str) -> bool {
        let mut seen = HashSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(current) = stack.pop() {
            if current == target {
                return true;
            }
            if seen.insert(current.clone()) {
                stack.extend(self.holds.get(&current).into_iter().flatten().cloned());
            }
        }
        false
    }

    /// A Rust path to `type_name` as seen from `module`.
    pub(super) fn path_to(
        &self,
        type_name: &str,
        module: &[String],
        file: &str,
        line: Option<u32>,
    ) -> Result<TokenStream, Error> {
        if let Some(known) = grpc_model::well_known::lookup(type_name) {
            return Ok(known.rust.parse().unwrap_or_default());
        }
        let info = self
            .types
            .get(type_name)
            .filter(|_| !type_name.starts_with(".google.protobuf."));
        let Some(info) = info else {
            let what = if type_name.starts_with(".google.protobuf.") {
                format!(
                    "type {} is not one grpc_core::well_known provides",
                    &type_name[1..]
                )
            } else {
                format!("unknown type {type_name}")
            };
            return Err(Error::at(what, file, line));
        };
        Ok(relative_path(module, &info.module, &info.ident))
    }
}

/// The path from code in module `from` to the item `ident` of module `to` (both from the root
/// of the imported packages): `super::`s up to the common ancestor, then down.
pub(super) fn relative_path(from: &[String], to: &[String], ident: &str) -> TokenStream {
    let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    let mut segments: Vec<String> =
        std::iter::repeat_n("super".to_owned(), from.len() - common).collect();
    segments.extend(to[common..].iter().map(|s| names::ident(s).0.to_string()));
    segments.push(names::ident(ident).0.to_string());
    segments.join("::").parse().unwrap_or_default()
}
