//! Protobuf descriptors built from Rust code.
//!
//! Every `#[derive(Message)]`, `#[derive(Enumeration)]` and `#[service]` type describes itself:
//! [`Describe::file_descriptor_set`] gives the real `FileDescriptorProto`s (the type's file and
//! every file it depends on, dependencies first), and [`Describe::proto_source`] renders the
//! type's file as `.proto` text that `protoc` accepts.
//!
//! Files are laid out by package: all types of package `a.b` live in `a/b.proto` unless a type
//! names its file with `#[grpc(file = "...")]`. Types without a package live in `default.proto`.
//!
//! ```
//! use grpc_core::{descriptor::Describe, Message};
//!
//! #[derive(Message, Clone, PartialEq, Debug)]
//! #[grpc(package = "helloworld")]
//! pub struct HelloRequest {
//!     pub name: String,
//! }
//!
//! let file = HelloRequest::file_descriptor();
//! assert_eq!(file.name(), "helloworld.proto");
//! assert_eq!(HelloRequest::full_name(), "helloworld.HelloRequest");
//! assert!(HelloRequest::proto_source().contains("message HelloRequest {"));
//! ```

mod builder;
mod custom_options;
mod docs;
mod export;
mod index;
mod render;
mod wkt;

use std::collections::{BTreeSet, HashMap};

pub use prost_types::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorProto,
    FileDescriptorSet, FileOptions, ServiceDescriptorProto, UninterpretedOption,
};

pub use custom_options::{encode_file_descriptor_set, encode_files};

pub use export::ProtoExport;
pub use index::DescriptorIndex;

pub use builder::json_name;

#[doc(hidden)]
pub use builder::{
    Cardinality, EnumBuilder, FieldType, MessageBuilder, MethodShape, NamedKind, ServiceBuilder,
    TypeKind,
};

/// Custom options as a descriptor keeps them before they are resolved: each text is what a
/// `.proto` file has after `option` (`(my.ext) = 1`, `(google.api.http) = { get: "/v1/x" }`),
/// checked as `#[grpc(option = "...")]` is. A malformed text is left out, with a `tracing`
/// warning. For the options of declarations a [`FileSpec`] lists, such as its extensions
/// (`FieldOptions::uninterpreted_option`); the importer writes such calls.
///
/// ```
/// let options = grpc_core::descriptor::uninterpreted_options(&["(shop.label) = \"cart\""]);
/// assert_eq!(options[0].name[0].name_part, "shop.label");
/// assert!(options[0].name[0].is_extension);
/// assert_eq!(options[0].string_value.as_deref(), Some(&b"cart"[..]));
/// ```
pub fn uninterpreted_options(texts: &[&str]) -> Vec<UninterpretedOption> {
    texts
        .iter()
        .filter_map(|text| builder::parsed_option(text))
        .collect()
}

/// Renders a file descriptor as `.proto` source text.
///
/// The output is deterministic and parses back (with `protoc` or protox) to the same
/// descriptor, apart from source locations.
pub fn render_proto(file: &FileDescriptorProto) -> String {
    render::render_file(file)
}

/// A type that knows its protobuf descriptor: messages, enums and services made by the macros.
pub trait Describe {
    /// Adds this type's definition, and the definitions it refers to, to `registry`.
    #[doc(hidden)]
    fn register(registry: &mut Registry);

    /// The file this type's definition lives in, e.g. `routeguide.proto`.
    #[doc(hidden)]
    fn file_name() -> &'static str;

    /// The fully-qualified protobuf name, e.g. `routeguide.Point`.
    fn full_name() -> String;

    /// The type's file and every file it imports, transitively, dependencies first.
    fn file_descriptor_set() -> FileDescriptorSet {
        let mut registry = Registry::new();
        Self::register(&mut registry);
        registry.into_file_descriptor_set()
    }

    /// The file that defines this type.
    fn file_descriptor() -> FileDescriptorProto {
        Self::file_descriptor_set()
            .file
            .into_iter()
            .find(|file| file.name() == Self::file_name())
            .unwrap_or_default()
    }

    /// The `.proto` source of the file that defines this type.
    fn proto_source() -> String {
        render_proto(&Self::file_descriptor())
    }
}

/// Collects descriptors while types register themselves; see [`Describe`].
///
/// A registry is what reflection and `.proto` export read: register any number of services
/// and messages, then take the [`FileDescriptorSet`].
#[derive(Debug, Default)]
pub struct Registry {
    /// Files in the order they were first touched.
    files: Vec<FileDescriptorProto>,
    index: HashMap<String, usize>,
    /// Imports per file, kept sorted.
    imports: HashMap<String, BTreeSet<String>>,
    /// Full names already registered (guards recursion through `Box<Self>`).
    seen: BTreeSet<String>,
    /// Per file, the full names of the messages and enums added, in order (for nesting).
    added: HashMap<String, Added>,
    /// Doc comments by full name with a leading dot (`.pkg.Msg`, `.pkg.Msg.field`).
    docs: HashMap<String, String>,
    /// Where each definition is declared in Rust source, by full name (see [`Registry::declare`]).
    declared: HashMap<String, Declared>,
    /// Files given a [`FileSpec`] already (the first one wins).
    specified: BTreeSet<String>,
    /// Imports in the file's own order, from its [`FileSpec`].
    declared_imports: HashMap<String, Vec<String>>,
    /// Per message (full name), map entries to list after one of its nested messages.
    entries_after: HashMap<String, Vec<builder::EntryAfter>>,
    /// Per file, extensions declared inside its messages, from its [`FileSpec`].
    message_extensions: HashMap<String, Vec<(&'static str, FieldDescriptorProto)>>,
}

/// What a file declares besides its types: its options, its imports in the file's order, and
/// its `extend` declarations (the extensions that custom options are).
///
/// Every type and service of a file names the function that makes it with
/// `#[grpc(file_options = "path::to::fn")]` (a `fn() -> FileSpec`, or a `fn() -> FileOptions`
/// when options are all there is). The importer writes one for each file that has options,
/// imports or extensions.
///
/// ```
/// use grpc_core::descriptor::{Describe, FieldDescriptorProto, FileOptions, FileSpec};
///
/// /// `extend google.protobuf.MessageOptions { string label = 50001; }`, and `go_package`.
/// pub fn shop_file() -> FileSpec {
///     FileSpec {
///         options: Some(FileOptions {
///             go_package: Some("example.com/shop".to_owned()),
///             ..Default::default()
///         }),
///         dependencies: vec!["google/protobuf/descriptor.proto".to_owned()],
///         extensions: vec![FieldDescriptorProto {
///             name: Some("label".to_owned()),
///             number: Some(50001),
///             label: Some(1),  // optional
///             r#type: Some(9), // string
///             extendee: Some(".google.protobuf.MessageOptions".to_owned()),
///             json_name: Some("label".to_owned()),
///             ..Default::default()
///         }],
///         register: Some(|registry| registry.add_well_known_file("google/protobuf/descriptor.proto")),
///         ..Default::default()
///     }
/// }
///
/// #[derive(grpc_core::Message, Clone, PartialEq, Debug)]
/// #[grpc(package = "shop", file_options = "shop_file", option = r#"(shop.label) = "cart""#)]
/// pub struct Cart { pub id: u64 }
///
/// let file = Cart::file_descriptor();
/// assert_eq!(file.extension[0].name(), "label");
/// assert_eq!(file.dependency, ["google/protobuf/descriptor.proto"]);
/// let options = &file.message_type[0].options.as_ref().unwrap().uninterpreted_option;
/// assert_eq!(options.len(), 1);
/// // Encoded for reflection, the option is a real extension field of `MessageOptions`
/// // (which prost-types' structs do not keep), no longer an uninterpreted one.
/// use prost::Message as _;
/// let encoded = grpc_core::descriptor::encode_files(&Cart::file_descriptor_set());
/// let decoded = grpc_core::descriptor::FileDescriptorProto::decode(&encoded.last().unwrap()[..]).unwrap();
/// assert!(decoded.message_type[0].options.as_ref().unwrap().uninterpreted_option.is_empty());
/// assert!(String::from_utf8_lossy(encoded.last().unwrap()).contains("cart"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct FileSpec {
    /// The file's options (`go_package`, `java_package`, ..., custom file options as
    /// uninterpreted options).
    pub options: Option<FileOptions>,
    /// Custom file options, as after `option` in a `.proto` file
    /// (`r#"(my.file_label) = "shop""#`), like `#[grpc(option = "...")]` on types.
    pub custom_options: Vec<&'static str>,
    /// The file's imports, in the order the file lists them (protoc keeps that order). Imports
    /// the registry finds through field and method types but not listed here follow them.
    pub dependencies: Vec<String>,
    /// The file's top-level `extend` declarations (`extendee` set on each).
    pub extensions: Vec<FieldDescriptorProto>,
    /// The `extend` declarations inside its messages (`message Scope { extend Base { ... } }`):
    /// the scope message's name within the package (`"Scope"`, `"Outer.Scope"`) and the
    /// declaration, which goes into that message's `extension` list.
    pub message_extensions: Vec<(&'static str, FieldDescriptorProto)>,
    /// Registers what the declarations need that no type of the file reaches: the files it
    /// imports (the ones without types of their own too) and the extensions' message types.
    pub register: Option<fn(&mut Registry)>,
    /// Whether the file is proto2 (its types say so too; this matters for a file that has
    /// only extensions).
    pub proto2: bool,
}

impl From<FileOptions> for FileSpec {
    fn from(options: FileOptions) -> FileSpec {
        FileSpec {
            options: Some(options),
            ..Default::default()
        }
    }
}

/// Where a definition is declared in Rust source: `file!()`, `line!()` and `column!()` as seen
/// by its macro's expansion.
type Declared = (&'static str, u32, u32);

/// Full names of the definitions added to one file, in the order they were added.
#[derive(Debug, Default)]
struct Added {
    messages: Vec<String>,
    enums: Vec<String>,
    services: Vec<String>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Registers `T` and everything it refers to.
    pub fn add<T: Describe>(&mut self) -> &mut Self {
        T::register(self);
        self
    }

    /// Marks a definition as being registered; false if it already was.
    #[doc(hidden)]
    pub fn begin(&mut self, full_name: &str) -> bool {
        self.seen.insert(full_name.to_owned())
    }

    /// Records where `full_name` is declared, so that its file lists its messages, enums and
    /// services in declaration order, as protoc does, and not in the order registration (which
    /// goes through field types first) reached them.
    #[doc(hidden)]
    pub fn declare(&mut self, full_name: &str, file: &'static str, line: u32, column: u32) {
        self.declared
            .insert(full_name.to_owned(), (file, line, column));
    }

    fn file_mut(&mut self, file: &str, package: &str) -> &mut FileDescriptorProto {
        let at = match self.index.get(file) {
            Some(at) => *at,
            None => {
                let proto = match wkt::well_known_file(file) {
                    Some(proto) => proto,
                    None => FileDescriptorProto {
                        name: Some(file.to_owned()),
                        package: (!package.is_empty()).then(|| package.to_owned()),
                        syntax: Some("proto3".to_owned()),
                        ..Default::default()
                    },
                };
                self.files.push(proto);
                self.index.insert(file.to_owned(), self.files.len() - 1);
                self.files.len() - 1
            }
        };
        &mut self.files[at]
    }

    /// Adds a well-known type's whole file (e.g. `google/protobuf/timestamp.proto`), and the
    /// well-known files it imports (`api.proto` imports `type.proto`...).
    #[doc(hidden)]
    pub fn add_well_known_file(&mut self, file: &str) {
        if self.index.contains_key(file) {
            return;
        }
        let dependencies = self.file_mut(file, "google.protobuf").dependency.clone();
        for dependency in dependencies {
            self.add_well_known_file(&dependency);
        }
    }

    /// Gives `file` its options, imports and extensions (`#[grpc(file_options = "...")]`, a
    /// [`FileSpec`] or plain [`FileOptions`]), unless something registered earlier already did:
    /// every type of a file is meant to name the same ones.
    #[doc(hidden)]
    pub fn set_file_options(&mut self, file: &str, package: &str, spec: impl Into<FileSpec>) {
        if !self.specified.insert(file.to_owned()) {
            return;
        }
        let spec = spec.into();
        let proto = self.file_mut(file, package);
        if let Some(options) = spec.options {
            proto.options.get_or_insert(options);
        }
        for text in spec.custom_options {
            if let Some(option) = builder::parsed_option(text) {
                let options = proto.options.get_or_insert_with(Default::default);
                builder::add_option(options, option);
            }
        }
        proto.extension.extend(spec.extensions);
        if !spec.message_extensions.is_empty() {
            self.message_extensions
                .insert(file.to_owned(), spec.message_extensions);
        }
        if spec.proto2 {
            self.mark_proto2(file, package);
        }
        if !spec.dependencies.is_empty() {
            self.declared_imports
                .insert(file.to_owned(), spec.dependencies);
        }
        if let Some(register) = spec.register {
            register(self);
        }
    }

    /// Adds a message definition to `file`.
    #[doc(hidden)]
    pub fn add_message(&mut self, file: &str, package: &str, mut message: MessageBuilder) {
        let full_name = message.full_name().to_owned();
        self.note_docs(&full_name, message.take_docs());
        if message.is_proto2() {
            self.mark_proto2(file, package);
        }
        let (proto, imports, entries_after) = message.finish();
        if !entries_after.is_empty() {
            self.entries_after.insert(full_name.clone(), entries_after);
        }
        self.note_imports(file, imports);
        self.file_mut(file, package).message_type.push(proto);
        self.added
            .entry(file.to_owned())
            .or_default()
            .messages
            .push(full_name);
    }

    /// Adds an enum definition to `file`.
    #[doc(hidden)]
    pub fn add_enum(&mut self, file: &str, package: &str, mut enumeration: EnumBuilder) {
        let full_name = enumeration.full_name().to_owned();
        self.note_docs(&full_name, enumeration.take_docs());
        if enumeration.is_proto2() {
            self.mark_proto2(file, package);
        }
        let proto = enumeration.finish();
        self.file_mut(file, package).enum_type.push(proto);
        self.added
            .entry(file.to_owned())
            .or_default()
            .enums
            .push(full_name);
    }

    /// Adds a service definition to `file`.
    #[doc(hidden)]
    pub fn add_service(&mut self, file: &str, package: &str, mut service: ServiceBuilder) {
        let docs = service.take_docs();
        if service.is_proto2() {
            self.mark_proto2(file, package);
        }
        let (proto, imports) = service.finish();
        let full_name = grpc_model::names::full_name(package, proto.name());
        self.note_docs(&full_name, docs);
        self.note_imports(file, imports);
        self.file_mut(file, package).service.push(proto);
        self.added
            .entry(file.to_owned())
            .or_default()
            .services
            .push(full_name);
    }

    /// A proto2 file has no `syntax` in its descriptor, as protoc writes it (absent means
    /// proto2; `.proto` export writes `syntax = "proto2";`).
    fn mark_proto2(&mut self, file: &str, package: &str) {
        self.file_mut(file, package).syntax = None;
    }

    fn note_docs(&mut self, full_name: &str, docs: builder::Docs) {
        for (member, text) in docs {
            let key = match member {
                Some(member) => format!(".{full_name}.{member}"),
                None => format!(".{full_name}"),
            };
            self.docs.insert(key, text);
        }
    }

    fn note_imports(&mut self, file: &str, imports: BTreeSet<String>) {
        let entry = self.imports.entry(file.to_owned()).or_default();
        entry.extend(imports.into_iter().filter(|import| import != file));
    }

    /// The registered files, each listing its imports, ordered so that every file comes after
    /// the files it imports.
    pub fn into_file_descriptor_set(mut self) -> FileDescriptorSet {
        for file in &mut self.files {
            let declared = self.declared_imports.remove(file.name());
            let found = self.imports.remove(file.name());
            if declared.is_some() || found.is_some() {
                let mut dependency = declared.unwrap_or_default();
                for import in found.into_iter().flatten() {
                    if !dependency.contains(&import) {
                        dependency.push(import);
                    }
                }
                file.dependency = dependency;
            }
            if let Some(mut added) = self.added.remove(file.name()) {
                in_declaration_order(file, &mut added, &self.declared);
                nest(file, added);
            }
            for (scope, extension) in self
                .message_extensions
                .remove(file.name())
                .into_iter()
                .flatten()
            {
                match message_mut(&mut file.message_type, scope) {
                    Some(message) => message.extension.push(extension),
                    None => tracing::warn!(
                        file = file.name(),
                        scope,
                        extension = extension.name(),
                        "an extension's scope message is not in its file: left out"
                    ),
                }
            }
            if !self.entries_after.is_empty() {
                let package = file.package().to_owned();
                for message in &mut file.message_type {
                    place_map_entries(message, &package, &self.entries_after);
                }
            }
            if !self.docs.is_empty() {
                docs::attach(file, &self.docs);
            }
        }
        FileDescriptorSet {
            file: topological_order(self.files),
        }
    }
}

/// Sorts the definitions added to `file` (messages, enums and services alike, with their names
/// in `added`) by where they are declared. Definitions with no recorded place keep their
/// registration order, after the others.
fn in_declaration_order(
    file: &mut FileDescriptorProto,
    added: &mut Added,
    declared: &HashMap<String, Declared>,
) {
    fn sort<T>(defs: &mut Vec<T>, names: &mut Vec<String>, declared: &HashMap<String, Declared>) {
        let first = defs.len().saturating_sub(names.len());
        let mut pairs: Vec<(T, String)> = defs.drain(first..).zip(names.drain(..)).collect();
        // A stable sort: `None` sorts last, ties keep registration order.
        pairs.sort_by_key(|(_, name)| declared.get(name).map_or((1, None), |at| (0, Some(*at))));
        for (def, name) in pairs {
            defs.push(def);
            names.push(name);
        }
    }
    sort(&mut file.message_type, &mut added.messages, declared);
    sort(&mut file.enum_type, &mut added.enums, declared);
    sort(&mut file.service, &mut added.services, declared);
}

/// Moves messages and enums whose full name is `<message>.<name>` into that message, deepest
/// first, so nested types (`#[grpc(name = "Outer.Inner")]`) end up where protoc puts them.
fn nest(file: &mut FileDescriptorProto, added: Added) {
    let first_message = file.message_type.len().saturating_sub(added.messages.len());
    let first_enum = file.enum_type.len().saturating_sub(added.enums.len());
    let mut messages: Vec<Option<DescriptorProto>> =
        file.message_type.drain(first_message..).map(Some).collect();
    let index: HashMap<&str, usize> = added
        .messages
        .iter()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i))
        .collect();
    let parent_of = |name: &str| {
        name.rsplit_once('.')
            .and_then(|(parent, _)| index.get(parent).copied())
    };
    let enums: Vec<EnumDescriptorProto> = file.enum_type.drain(first_enum..).collect();
    for (name, enumeration) in added.enums.iter().zip(enums) {
        match parent_of(name).and_then(|p| messages[p].as_mut()) {
            Some(parent) => parent.enum_type.push(enumeration),
            None => file.enum_type.push(enumeration),
        }
    }
    let mut order: Vec<usize> = (0..messages.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(added.messages[i].matches('.').count()));
    for child in order {
        if let Some(parent) = parent_of(&added.messages[child]) {
            if let Some(message) = messages[child].take() {
                if let Some(parent) = messages[parent].as_mut() {
                    parent.nested_type.push(message);
                }
            }
        }
    }
    file.message_type.extend(messages.into_iter().flatten());
}

/// Moves the map-entry messages of `message` (declared in scope `scope`) and of the messages
/// nested in it that follow a nested message (`#[grpc(declared_after = "...")]`) right after
/// that message, as protoc lists a map entry where its field is declared among the nested
/// messages. Entries that follow none stay first, where [`MessageBuilder::map`] put them.
fn place_map_entries(
    message: &mut DescriptorProto,
    scope: &str,
    entries_after: &HashMap<String, Vec<builder::EntryAfter>>,
) {
    let full = grpc_model::names::full_name(scope, message.name());
    for nested in &mut message.nested_type {
        place_map_entries(nested, &full, entries_after);
    }
    let Some(after) = entries_after.get(&full) else {
        return;
    };
    let is_entry = |m: &DescriptorProto| m.options.as_ref().and_then(|o| o.map_entry) == Some(true);
    // The nested message each entry follows, by its name, when it is one of this message's.
    let anchor = |entry: &DescriptorProto| -> Option<String> {
        let (_, nested) = after.iter().find(|(name, _)| name == entry.name())?;
        let name = nested.strip_prefix(&full)?.strip_prefix('.')?;
        let found = message
            .nested_type
            .iter()
            .any(|m| m.name() == name && !is_entry(m));
        if !found {
            tracing::warn!(
                message = %full,
                nested = %nested,
                "`declared_after` names a type not nested in this message: ignored"
            );
        }
        found.then(|| name.to_owned())
    };
    let anchors: Vec<Option<String>> = message
        .nested_type
        .iter()
        .map(|m| if is_entry(m) { anchor(m) } else { None })
        .collect();
    let mut moved: Vec<(String, DescriptorProto)> = Vec::new();
    let mut rest = Vec::new();
    for (nested, anchor) in std::mem::take(&mut message.nested_type)
        .into_iter()
        .zip(anchors)
    {
        match anchor {
            Some(anchor) => moved.push((anchor, nested)),
            None => rest.push(nested),
        }
    }
    for nested in rest {
        let name = (!is_entry(&nested)).then(|| nested.name().to_owned());
        message.nested_type.push(nested);
        if let Some(name) = name {
            let (follow, keep): (Vec<_>, Vec<_>) =
                moved.into_iter().partition(|(anchor, _)| *anchor == name);
            moved = keep;
            message
                .nested_type
                .extend(follow.into_iter().map(|(_, entry)| entry));
        }
    }
}

/// The message named `path` (`Outer.Inner`, relative to the file's package) among `messages`.
fn message_mut<'m>(
    messages: &'m mut [DescriptorProto],
    path: &str,
) -> Option<&'m mut DescriptorProto> {
    let (first, rest) = match path.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (path, None),
    };
    let message = messages.iter_mut().find(|m| m.name() == first)?;
    match rest {
        Some(rest) => message_mut(&mut message.nested_type, rest),
        None => Some(message),
    }
}

/// Orders files so that each follows its dependencies; ties keep registration order.
fn topological_order(files: Vec<FileDescriptorProto>) -> Vec<FileDescriptorProto> {
    let known: BTreeSet<String> = files.iter().map(|file| file.name().to_owned()).collect();
    let mut pending: Vec<Option<FileDescriptorProto>> = files.into_iter().map(Some).collect();
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut ordered = Vec::with_capacity(pending.len());
    while ordered.len() < pending.len() {
        let before = ordered.len();
        for slot in pending.iter_mut() {
            let ready = slot.as_ref().is_some_and(|file| {
                file.dependency
                    .iter()
                    .all(|dep| placed.contains(dep) || !known.contains(dep))
            });
            if ready {
                if let Some(file) = slot.take() {
                    placed.insert(file.name().to_owned());
                    ordered.push(file);
                }
            }
        }
        if ordered.len() == before {
            // An import cycle (not valid protobuf, but possible across code-first files):
            // emit the rest in registration order rather than loop forever.
            ordered.extend(pending.iter_mut().filter_map(Option::take));
        }
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dependencies: &[&str], go_package: &str) -> FileSpec {
        FileSpec {
            options: Some(FileOptions {
                go_package: Some(go_package.to_owned()),
                ..Default::default()
            }),
            custom_options: vec!["(x.note) = 1"],
            dependencies: dependencies.iter().map(|d| (*d).to_owned()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_file_spec_gives_imports_in_its_order_and_the_first_one_wins() {
        let mut registry = Registry::new();
        registry.set_file_options("a.proto", "a", spec(&["z.proto", "b.proto"], "first"));
        registry.set_file_options("a.proto", "a", spec(&["other.proto"], "second"));
        // An import found through a type but not listed follows the listed ones.
        registry.note_imports(
            "a.proto",
            ["c.proto".to_owned(), "b.proto".to_owned()].into(),
        );
        let set = registry.into_file_descriptor_set();
        let file = &set.file[0];
        assert_eq!(file.dependency, ["z.proto", "b.proto", "c.proto"]);
        let options = file.options.as_ref().unwrap();
        assert_eq!(options.go_package(), "first");
        assert_eq!(options.uninterpreted_option.len(), 1);
    }

    #[test]
    fn map_entries_follow_the_nested_message_they_name_and_only_their_own() {
        use prost_types::field_descriptor_proto::Type;
        let scalar = || FieldType::scalar(Type::Int32);
        let mut registry = Registry::new();
        let mut outer = MessageBuilder::new("p.Outer");
        outer.map("early", 1, scalar(), scalar());
        outer.map("late", 2, scalar(), scalar());
        outer.map("stray", 3, scalar(), scalar());
        outer.entry_after(2, "p.Outer.Inner".to_owned());
        // Not a message nested in Outer: ignored, the entry stays first.
        outer.entry_after(3, "p.Elsewhere".to_owned());
        // Not a map field: ignored.
        outer.entry_after(9, "p.Outer.Inner".to_owned());
        registry.add_message("p.proto", "p", outer);
        registry.add_message("p.proto", "p", MessageBuilder::new("p.Outer.Inner"));
        registry.add_message("p.proto", "p", MessageBuilder::new("p.Outer.Last"));
        let set = registry.into_file_descriptor_set();
        let nested: Vec<&str> = set.file[0].message_type[0]
            .nested_type
            .iter()
            .map(|m| m.name())
            .collect();
        assert_eq!(
            nested,
            ["EarlyEntry", "StrayEntry", "Inner", "LateEntry", "Last"]
        );
    }

    #[test]
    fn a_file_of_extensions_only_is_a_proto2_file_when_it_says_so() {
        let mut registry = Registry::new();
        registry.set_file_options(
            "ext.proto",
            "ext",
            FileSpec {
                extensions: vec![FieldDescriptorProto {
                    name: Some("tag".to_owned()),
                    number: Some(100),
                    extendee: Some(".ext.Base".to_owned()),
                    ..Default::default()
                }],
                proto2: true,
                ..Default::default()
            },
        );
        let set = registry.into_file_descriptor_set();
        assert_eq!(set.file[0].extension[0].name(), "tag");
        assert_eq!(set.file[0].syntax, None);
    }
}
