//! Imports `.proto` files as grpc-core code-first Rust, and loads them at run time.
//!
//! Teams with existing `.proto` contracts adopt grpc-core without changing a byte on the wire:
//! the importer parses the files in pure Rust (protox; no `protoc`) and emits the equivalent
//! `#[derive(Message)]` structs, enums, oneofs and `#[service]` traits, with every package,
//! name, number and type preserved. The output is readable, formatted and stable, and meant to
//! be checked in and edited: it is the migration path from proto-first to code-first.
//!
//! The generated types are lossless by default, like protoc's: every message keeps the fields
//! it does not know (`grpc_core::UnknownFields`) and enum fields keep unknown numbers
//! (`grpc_core::OpenEnum<E>`), so a service built from an older copy of the contract passes on
//! what newer peers send; see [`Builder::preserve_unknown`] to turn that off.
//!
//! Two ways to use it:
//!
//! - From `build.rs`, into `OUT_DIR`, included with `grpc_core::include_proto!`:
//!
//!   ```no_run
//!   // build.rs
//!   grpc_proto_import::Builder::new()
//!       .include("protos")
//!       .compile(&["route_guide.proto"])
//!       .expect("import protos");
//!   ```
//!
//! - From the command line, writing checked-in source:
//!   `cargo run -p grpc-proto-import -- -I protos -o src/gen protos/route_guide.proto`.
//!
//! With the `dynamic` feature, `dynamic` loads `.proto` files at run time and calls any method
//! with JSON messages (it needs the grpc-core runtime; code generation alone does not).
//!
//! [`breaking`] compares two schemas for changes that break existing clients; with the `lock`
//! feature, `lock` checks code-first services against a committed `.proto` lock with the same
//! rules. The `cli` feature builds the `grpc-cli` binary (list, describe, call, export, import,
//! breaking).

pub mod breaking;
#[cfg(feature = "cli")]
pub mod cli;
mod codegen;
mod custom_options;
#[cfg(feature = "dynamic")]
pub mod dynamic;
mod error;
#[cfg(feature = "lock")]
pub mod lock;
mod parse;
#[cfg(feature = "dynamic")]
pub mod reflection;

use std::path::{Path, PathBuf};

pub use codegen::{generate, GeneratedModule};
pub use error::Error;
pub use parse::parse;

/// The well-known files (`google/protobuf/*.proto`) among `files`, by their names in `set`
/// (a file may be given relative to an include path or as a path inside one).
fn requested_well_known(
    set: &prost_types::FileDescriptorSet,
    files: &[impl AsRef<Path>],
) -> Vec<String> {
    let requested: Vec<String> = files
        .iter()
        .map(|f| f.as_ref().to_string_lossy().replace('\\', "/"))
        .collect();
    set.file
        .iter()
        .map(|f| f.name())
        .filter(|name| grpc_model::well_known::is_well_known_file(name))
        .filter(|name| {
            requested
                .iter()
                .any(|r| r == name || r.ends_with(&format!("/{name}")))
        })
        .map(str::to_owned)
        .collect()
}

/// Imports `.proto` files into Rust source files, one per protobuf package.
#[derive(Debug, Clone, Default)]
pub struct Builder {
    includes: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    options: codegen::Options,
}

impl Builder {
    /// A builder with no include paths.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Whether the generated types keep what they do not know (default: yes).
    ///
    /// With `true`, every message gets a `#[grpc(unknown_fields)] pub unknown_fields:
    /// grpc_core::UnknownFields` field and enum-typed fields are `grpc_core::OpenEnum<E>`, so
    /// fields and enum values added by a newer version of the schema survive a decode and
    /// re-encode byte for byte (a service passes them on, as protoc-generated code does).
    ///
    /// With `false`, messages hold only their declared fields (unknown fields are skipped on
    /// decode) and enum fields have the enum's own type (an unknown number decodes to the
    /// zero value): plainer structs, for code that never forwards messages. The CLI's
    /// `--drop-unknown` sets this.
    pub fn preserve_unknown(mut self, preserve: bool) -> Self {
        self.options.preserve_unknown = preserve;
        self
    }

    /// Whether to leave out, with a warning each, every custom option
    /// (`option (google.api.http) = {...}`, `[(google.api.field_behavior) = REQUIRED]`), `extend`
    /// declaration and option on an extension range (default: no; custom options, extension
    /// ranges and `extend` declarations, with their options, are then carried into the
    /// generated code, and what cannot be carried, options on extension ranges, is an error
    /// naming file, line and construct, or left out alone with
    /// [`skip_unsupported`](Builder::skip_unsupported)). With it the generated types and services work on the
    /// wire as before, but their descriptors (reflection, `.proto` export) lack those options
    /// and extensions. The CLI's `--skip-custom-options` sets this.
    pub fn skip_custom_options(mut self, skip: bool) -> Self {
        self.options.skip_custom_options = skip;
        self
    }

    /// Whether to leave out, with a warning each naming file, line and construct, what the
    /// generated code cannot represent, instead of refusing it with an error (default: no):
    ///
    /// - group fields: the field is not in the struct. With
    ///   [`preserve_unknown`](Builder::preserve_unknown) (the default) its bytes are kept in
    ///   the message's unknown fields and re-encoded as they came, so nothing is lost on the
    ///   way through; with `preserve_unknown(false)` they are dropped on decode;
    /// - enum aliases (`option allow_alias = true`): the option and every value whose number an
    ///   earlier value already has are left out (the first value of each number stays);
    /// - options the macros do not take: on extension ranges, `message_set_wire_format` (the
    ///   message-set items then stay in the unknown fields, out of reach of extension
    ///   constants, and `extensions N to max` ends at the ordinary maximum), and standard
    ///   options prost-types cannot hold (`debug_redact`, `retention`, `targets`, ...);
    /// - group extensions: no typed constant (their declaration is kept).
    ///
    /// The descriptors of the generated code (reflection, `.proto` export) then lack what was
    /// left out. A file in editions syntax stays an error: a whole file cannot be left out
    /// sensibly. The CLI's `--skip-unsupported` sets this.
    pub fn skip_unsupported(mut self, skip: bool) -> Self {
        self.options.skip_unsupported = skip;
        self
    }

    /// Adds an import path (like `protoc -I`).
    pub fn include(mut self, path: impl AsRef<Path>) -> Self {
        self.includes.push(path.as_ref().to_owned());
        self
    }

    /// Where to write the modules (default: `$OUT_DIR`).
    pub fn out_dir(mut self, path: impl AsRef<Path>) -> Self {
        self.out_dir = Some(path.as_ref().to_owned());
        self
    }

    /// Parses `files` (relative to an include path) and writes `<package>.rs` for each package
    /// they and their imports define. Returns the files written. From `build.rs`, also tells
    /// cargo to rerun when an input changes.
    pub fn compile(&self, files: &[impl AsRef<Path>]) -> Result<Vec<PathBuf>, Error> {
        let includes = if self.includes.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            self.includes.clone()
        };
        let set = parse(&includes, files)?;
        let mut options = self.options.clone();
        options.requested_well_known = requested_well_known(&set, files);
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| {
                    Error::new("OUT_DIR is not set: call from build.rs or set out_dir")
                })?,
        };
        std::fs::create_dir_all(&out_dir)
            .map_err(|e| Error::new(format!("create {}: {e}", out_dir.display())))?;
        if std::env::var_os("OUT_DIR").is_some() {
            for file in &set.file {
                if let Some(path) = includes
                    .iter()
                    .map(|i| i.join(file.name()))
                    .find(|p| p.exists())
                {
                    println!("cargo:rerun-if-changed={}", path.display());
                }
            }
        }
        let mut written = Vec::new();
        for module in codegen::generate_with(&set, &options)? {
            let path = out_dir.join(&module.file_name);
            std::fs::write(&path, &module.code)
                .map_err(|e| Error::new(format!("write {}: {e}", path.display())))?;
            written.push(path);
        }
        Ok(written)
    }

    /// Generates the modules for an already parsed `set` (see [`parse`]) without writing them.
    pub fn generate(
        &self,
        set: &prost_types::FileDescriptorSet,
    ) -> Result<Vec<GeneratedModule>, Error> {
        codegen::generate_with(set, &self.options)
    }
}
