//! Looking files up by name and by the symbols they define: what server reflection answers.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use prost_types::{DescriptorProto, FileDescriptorProto, FileDescriptorSet};

/// The files of a [`FileDescriptorSet`], by name and by every symbol they define, each
/// encoded once.
///
/// Symbols are fully-qualified names without the leading dot: packages' services, their
/// methods (`pkg.Service.Method`), messages and nested messages, enums, enum values (both
/// `pkg.Enum.VALUE` and, as protobuf scopes them, `pkg.VALUE`), fields, oneofs and
/// extensions.
///
/// ```
/// use grpc_core::descriptor::{Describe, DescriptorIndex};
/// use grpc_core::Message;
///
/// #[derive(Message, Clone, PartialEq, Debug)]
/// #[grpc(package = "hello")]
/// pub struct Greeting { pub name: String }
///
/// let index = DescriptorIndex::new(Greeting::file_descriptor_set());
/// assert_eq!(index.file_containing_symbol("hello.Greeting.name").unwrap().name(), "hello.proto");
/// assert!(index.file_containing_symbol("hello.Nothing").is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct DescriptorIndex {
    files: HashMap<String, IndexedFile>,
    symbols: HashMap<String, String>,
    /// `(extendee, number)` to the file declaring the extension.
    extensions: HashMap<(String, i32), String>,
    /// Message full names to the extension numbers declared for them.
    extension_numbers: HashMap<String, BTreeSet<i32>>,
    messages: HashSet<String>,
    services: BTreeSet<String>,
}

#[derive(Debug, Clone)]
struct IndexedFile {
    proto: FileDescriptorProto,
    encoded: Vec<u8>,
}

impl DescriptorIndex {
    /// Indexes every file of `set`. A file name or symbol seen twice keeps its first
    /// definition.
    pub fn new(set: FileDescriptorSet) -> DescriptorIndex {
        let mut index = DescriptorIndex::default();
        // Encoded with custom options as real extension fields, as protoc writes them.
        let encoded = super::encode_files(&set);
        for (file, encoded) in set.file.into_iter().zip(encoded) {
            index.add_file(file, encoded);
        }
        index
    }

    fn add_file(&mut self, file: FileDescriptorProto, encoded: Vec<u8>) {
        let name = file.name().to_owned();
        if self.files.contains_key(&name) {
            tracing::warn!(file = %name, "file described twice; keeping the first");
            return;
        }
        let package = file.package();
        let scope = |name: &str| match package {
            "" => name.to_owned(),
            package => format!("{package}.{name}"),
        };
        let mut symbols = Vec::new();
        for service in &file.service {
            let full = scope(service.name());
            for method in &service.method {
                symbols.push(format!("{full}.{}", method.name()));
            }
            self.services.insert(full.clone());
            symbols.push(full);
        }
        for message in &file.message_type {
            self.add_message(&scope(message.name()), message, &name, &mut symbols);
        }
        for enumeration in &file.enum_type {
            add_enum(&scope(""), enumeration, &mut symbols);
        }
        for extension in &file.extension {
            symbols.push(scope(extension.name()));
            self.add_extension(extension, &name);
        }
        for symbol in symbols {
            self.symbols.entry(symbol).or_insert_with(|| name.clone());
        }
        self.files.insert(
            name,
            IndexedFile {
                proto: file,
                encoded,
            },
        );
    }

    fn add_message(
        &mut self,
        full: &str,
        message: &DescriptorProto,
        file: &str,
        symbols: &mut Vec<String>,
    ) {
        self.messages.insert(full.to_owned());
        for field in &message.field {
            symbols.push(format!("{full}.{}", field.name()));
        }
        for oneof in &message.oneof_decl {
            symbols.push(format!("{full}.{}", oneof.name()));
        }
        for nested in &message.nested_type {
            self.add_message(&format!("{full}.{}", nested.name()), nested, file, symbols);
        }
        for enumeration in &message.enum_type {
            add_enum(&format!("{full}."), enumeration, symbols);
        }
        for extension in &message.extension {
            symbols.push(format!("{full}.{}", extension.name()));
            self.add_extension(extension, file);
        }
        symbols.push(full.to_owned());
    }

    fn add_extension(&mut self, extension: &prost_types::FieldDescriptorProto, file: &str) {
        let extendee = extension.extendee().trim_start_matches('.').to_owned();
        self.extension_numbers
            .entry(extendee.clone())
            .or_default()
            .insert(extension.number());
        self.extensions
            .entry((extendee, extension.number()))
            .or_insert_with(|| file.to_owned());
    }

    /// The file named `name` (e.g. `route_guide.proto`).
    pub fn file(&self, name: &str) -> Option<&FileDescriptorProto> {
        self.files.get(name).map(|file| &file.proto)
    }

    /// The file defining `symbol` (a fully-qualified name, with or without a leading dot).
    pub fn file_containing_symbol(&self, symbol: &str) -> Option<&FileDescriptorProto> {
        let symbol = symbol.strip_prefix('.').unwrap_or(symbol);
        self.symbols.get(symbol).and_then(|file| self.file(file))
    }

    /// The file declaring extension `number` of message `extendee`.
    pub fn file_containing_extension(
        &self,
        extendee: &str,
        number: i32,
    ) -> Option<&FileDescriptorProto> {
        let extendee = extendee.strip_prefix('.').unwrap_or(extendee);
        self.extensions
            .get(&(extendee.to_owned(), number))
            .and_then(|file| self.file(file))
    }

    /// The extension numbers declared for message `extendee` (empty when it has none), or
    /// `None` when no indexed file defines that message.
    pub fn extension_numbers(&self, extendee: &str) -> Option<Vec<i32>> {
        let extendee = extendee.strip_prefix('.').unwrap_or(extendee);
        if !self.messages.contains(extendee) {
            return None;
        }
        Some(
            self.extension_numbers
                .get(extendee)
                .map(|numbers| numbers.iter().copied().collect())
                .unwrap_or_default(),
        )
    }

    /// Every service's full name, sorted.
    pub fn services(&self) -> impl Iterator<Item = &str> {
        self.services.iter().map(String::as_str)
    }

    /// The encoded `FileDescriptorProto` of `name` followed by those of the files it imports,
    /// transitively, breadth first, leaving out the imports in `already_sent` and adding what
    /// it returns to it (the file itself is always included). This is how grpc-go's
    /// reflection answers: each dependency once per stream.
    pub fn encoded_with_dependencies(
        &self,
        name: &str,
        already_sent: &mut HashSet<String>,
    ) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut queue = VecDeque::from([name.to_owned()]);
        let mut visited = HashSet::new();
        while let Some(current) = queue.pop_front() {
            if !visited.insert(current.clone()) {
                continue;
            }
            let Some(file) = self.files.get(&current) else {
                continue; // an import outside the set; the client has its own or fails clearly
            };
            if out.is_empty() || !already_sent.contains(&current) {
                already_sent.insert(current.clone());
                out.push(file.encoded.clone());
            }
            queue.extend(file.proto.dependency.iter().cloned());
        }
        out
    }
}

/// Adds an enum's name and its values (`scope` is the enclosing prefix with its dot, or empty
/// at the top of a package-less file; `pkg.` or `pkg.Msg.` otherwise).
fn add_enum(
    scope: &str,
    enumeration: &prost_types::EnumDescriptorProto,
    symbols: &mut Vec<String>,
) {
    let full = format!("{scope}{}", enumeration.name());
    for value in &enumeration.value {
        symbols.push(format!("{full}.{}", value.name()));
        symbols.push(format!("{scope}{}", value.name()));
    }
    symbols.push(full);
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message as _;
    use prost_types::{
        EnumDescriptorProto, EnumValueDescriptorProto, FieldDescriptorProto, MethodDescriptorProto,
        OneofDescriptorProto, ServiceDescriptorProto,
    };

    fn named<T: Default>(set: impl FnOnce(&mut T)) -> T {
        let mut value = T::default();
        set(&mut value);
        value
    }

    fn set() -> FileDescriptorSet {
        let base = FileDescriptorProto {
            name: Some("base.proto".into()),
            package: Some("base".into()),
            message_type: vec![named(|m: &mut DescriptorProto| {
                m.name = Some("Extendable".into());
            })],
            ..Default::default()
        };
        let main = FileDescriptorProto {
            name: Some("main.proto".into()),
            package: Some("pkg".into()),
            dependency: vec!["base.proto".into()],
            message_type: vec![named(|m: &mut DescriptorProto| {
                m.name = Some("Outer".into());
                m.field = vec![named(|f: &mut FieldDescriptorProto| {
                    f.name = Some("inner".into());
                })];
                m.oneof_decl = vec![named(|o: &mut OneofDescriptorProto| {
                    o.name = Some("choice".into());
                })];
                m.nested_type = vec![named(|n: &mut DescriptorProto| {
                    n.name = Some("Inner".into());
                })];
                m.enum_type = vec![named(|e: &mut EnumDescriptorProto| {
                    e.name = Some("Kind".into());
                    e.value = vec![named(|v: &mut EnumValueDescriptorProto| {
                        v.name = Some("KIND_A".into());
                    })];
                })];
            })],
            service: vec![named(|s: &mut ServiceDescriptorProto| {
                s.name = Some("Svc".into());
                s.method = vec![named(|m: &mut MethodDescriptorProto| {
                    m.name = Some("Call".into());
                })];
            })],
            extension: vec![named(|f: &mut FieldDescriptorProto| {
                f.name = Some("ext".into());
                f.number = Some(100);
                f.extendee = Some(".base.Extendable".into());
            })],
            ..Default::default()
        };
        FileDescriptorSet {
            file: vec![base, main],
        }
    }

    #[test]
    fn every_kind_of_symbol_resolves() {
        let index = DescriptorIndex::new(set());
        for symbol in [
            "pkg.Svc",
            "pkg.Svc.Call",
            ".pkg.Outer",
            "pkg.Outer.inner",
            "pkg.Outer.choice",
            "pkg.Outer.Inner",
            "pkg.Outer.Kind",
            "pkg.Outer.Kind.KIND_A",
            "pkg.Outer.KIND_A",
            "pkg.ext",
        ] {
            let file = index.file_containing_symbol(symbol);
            assert_eq!(file.map(|f| f.name()), Some("main.proto"), "{symbol}");
        }
        assert_eq!(
            index
                .file_containing_symbol("base.Extendable")
                .map(|f| f.name()),
            Some("base.proto")
        );
        for missing in ["pkg", "pkg.Svc.Nope", "Outer", "pkg.Outer.Inner.x", ""] {
            assert!(index.file_containing_symbol(missing).is_none(), "{missing}");
        }
        assert_eq!(index.services().collect::<Vec<_>>(), ["pkg.Svc"]);
    }

    #[test]
    fn extensions_are_found_by_extendee_and_number() {
        let index = DescriptorIndex::new(set());
        let found = index.file_containing_extension("base.Extendable", 100);
        assert_eq!(found.map(|f| f.name()), Some("main.proto"));
        assert!(index
            .file_containing_extension("base.Extendable", 101)
            .is_none());
        assert_eq!(index.extension_numbers(".base.Extendable"), Some(vec![100]));
        assert_eq!(index.extension_numbers("pkg.Outer"), Some(vec![]));
        assert_eq!(index.extension_numbers("pkg.Nope"), None);
    }

    #[test]
    fn dependencies_are_sent_once_per_stream() {
        let index = DescriptorIndex::new(set());
        let mut sent = HashSet::new();
        let decode = |files: Vec<Vec<u8>>| -> Vec<String> {
            files
                .iter()
                .map(|bytes| {
                    FileDescriptorProto::decode(&bytes[..])
                        .unwrap()
                        .name()
                        .to_owned()
                })
                .collect()
        };
        assert_eq!(
            decode(index.encoded_with_dependencies("main.proto", &mut sent)),
            ["main.proto", "base.proto"]
        );
        // Asked again: the file itself comes back, its dependency does not.
        assert_eq!(
            decode(index.encoded_with_dependencies("main.proto", &mut sent)),
            ["main.proto"]
        );
        assert_eq!(
            decode(index.encoded_with_dependencies("base.proto", &mut sent)),
            ["base.proto"]
        );
        assert!(index
            .encoded_with_dependencies("nope.proto", &mut sent)
            .is_empty());
    }
}
