//! Writing the complete `.proto` tree of a set of services and types.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use prost_types::{FileDescriptorSet, FileOptions};

use super::{render_proto, Describe, Registry};

/// The `.proto` files of a set of services and types, with file options (`go_package`,
/// `java_package`, ...) that other languages' generators read.
///
/// Every file the registered types live in, and every file those import, is written, except
/// protobuf's own `google/protobuf/*.proto` (every `protoc` ships them). Doc comments on the
/// Rust items (and so the comments of imported `.proto` files) are written above what they
/// describe.
///
/// ```
/// use grpc_core::descriptor::{FileOptions, ProtoExport};
/// use grpc_core::Message;
///
/// /// A greeting.
/// #[derive(Message, Clone, PartialEq, Debug)]
/// #[grpc(package = "hello")]
/// pub struct Greeting {
///     /// Who is greeted.
///     pub name: String,
/// }
///
/// let export = ProtoExport::new().add::<Greeting>().file_options(
///     "hello.proto",
///     FileOptions {
///         go_package: Some("example.com/hello".to_owned()),
///         ..Default::default()
///     },
/// );
/// let files = export.files();
/// assert_eq!(files[0].0, "hello.proto");
/// assert!(files[0].1.contains("option go_package = \"example.com/hello\";"));
/// assert!(files[0].1.contains("// A greeting.\nmessage Greeting {"));
/// let dir = std::env::temp_dir().join(format!("grpc-export-doc-{}", std::process::id()));
/// let written = export.write_to(&dir).unwrap();
/// assert_eq!(written, [dir.join("hello.proto")]);
/// ```
#[derive(Default)]
pub struct ProtoExport {
    registrations: Vec<fn(&mut Registry)>,
    options: HashMap<String, FileOptions>,
    default_options: Option<FileOptions>,
}

impl std::fmt::Debug for ProtoExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProtoExport")
            .field("types", &self.registrations.len())
            .field("options", &self.options)
            .field("default_options", &self.default_options)
            .finish()
    }
}

impl ProtoExport {
    /// An export of nothing yet.
    pub fn new() -> ProtoExport {
        ProtoExport::default()
    }

    /// Adds a service (its client type, e.g. `RouteGuideClient`), message or enum, with
    /// everything it refers to.
    pub fn add<T: Describe>(mut self) -> Self {
        self.registrations.push(T::register);
        self
    }

    /// Sets the options of file `file` (e.g. `routeguide.proto`), replacing any default.
    pub fn file_options(mut self, file: &str, options: FileOptions) -> Self {
        self.options.insert(file.to_owned(), options);
        self
    }

    /// Sets the options of every file that [`file_options`](Self::file_options) does not name.
    pub fn default_file_options(mut self, options: FileOptions) -> Self {
        self.default_options = Some(options);
        self
    }

    /// The descriptors of every file, dependencies first, options applied (the well-known
    /// files included, as reflection needs them).
    pub fn file_descriptor_set(&self) -> FileDescriptorSet {
        let mut registry = Registry::new();
        for register in &self.registrations {
            register(&mut registry);
        }
        let mut set = registry.into_file_descriptor_set();
        for file in &mut set.file {
            if grpc_model::well_known::is_well_known_file(file.name()) {
                continue;
            }
            let options = self
                .options
                .get(file.name())
                .or(self.default_options.as_ref());
            if let Some(options) = options {
                file.options = Some(options.clone());
            }
        }
        set
    }

    /// Each file's name (a relative path such as `grpc/testing/test.proto`) and `.proto` text,
    /// dependencies first, without protobuf's own files.
    pub fn files(&self) -> Vec<(String, String)> {
        self.file_descriptor_set()
            .file
            .iter()
            .filter(|file| !grpc_model::well_known::is_well_known_file(file.name()))
            .map(|file| (file.name().to_owned(), render_proto(file)))
            .collect()
    }

    /// Writes [`files`](Self::files) under `dir` (creating directories as the file names
    /// need), returning the paths written.
    pub fn write_to(&self, dir: impl AsRef<Path>) -> std::io::Result<Vec<PathBuf>> {
        let dir = dir.as_ref();
        let mut written = Vec::new();
        for (name, text) in self.files() {
            if Path::new(&name).is_absolute() || name.split('/').any(|part| part == "..") {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!(
                        "file name {name:?} would be written outside {}",
                        dir.display()
                    ),
                ));
            }
            let path = dir.join(&name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, text)?;
            written.push(path);
        }
        Ok(written)
    }
}
