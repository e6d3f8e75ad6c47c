//! A breaking-change lock for code-first services: the `.proto` files of the contract,
//! committed next to the code, and a test that fails when the code breaks them.
//!
//! [`Lock::check`] renders the code's descriptors (a `FileDescriptorSet`, e.g. from
//! [`ProtoExport`](grpc_core::descriptor::ProtoExport) or a service's
//! `file_descriptor_set()`) and compares them with the lock's `.proto` files under the
//! [`crate::breaking`] rules:
//!
//! - a break (a removed field without `reserved`, a changed type, a removed method...) fails
//!   with one line per finding;
//! - a compatible change (a new field, a new method, a new comment) fails too, asking for the
//!   lock to be updated, so that the lock always holds the contract the code serves and the
//!   next break is caught against it;
//! - with the environment variable `GRPC_LOCK_UPDATE=1` set, the lock is rewritten from the
//!   code instead (also when it breaks: that is how a break is accepted on purpose), and the
//!   check passes. A missing lock is written the same way, and fails until it is committed
//!   (`GRPC_LOCK_UPDATE=1` or not), so that CI never passes on a lock nobody wrote.
//!
//! ```
//! use grpc_core::descriptor::ProtoExport;
//! use grpc_core::Message;
//! use grpc_proto_import::lock::Lock;
//!
//! #[derive(Message, Clone, PartialEq, Debug)]
//! #[grpc(package = "shop")]
//! pub struct Order {
//!     pub id: u64,
//!     pub item: String,
//! }
//!
//! let dir = std::env::temp_dir().join(format!("lock-doc-{}", std::process::id()));
//! let lock = Lock::new(&dir);
//! // The first run writes the lock (and asks for it to be committed).
//! assert!(lock.check(&ProtoExport::new().add::<Order>().file_descriptor_set()).is_err());
//! // From then on, the same contract passes.
//! lock.check(&ProtoExport::new().add::<Order>().file_descriptor_set()).unwrap();
//!
//! // Renumbering `item` (tag 2 to 3) breaks existing clients.
//! let mut renumbered = ProtoExport::new().add::<Order>().file_descriptor_set();
//! let file = renumbered.file.iter_mut().find(|f| f.name() == "shop.proto").unwrap();
//! file.message_type[0].field[1].number = Some(3);
//! let error = lock.check(&renumbered).unwrap_err().to_string();
//! assert!(error.contains("shop.Order: field 2 (\"item\") renumbered to 3 without reserving 2"));
//! ```
//!
//! In a test, [`Lock::assert`] panics with the findings:
//!
//! ```no_run
//! # use grpc_core::descriptor::ProtoExport;
//! # use grpc_proto_import::lock::Lock;
//! # struct RouteGuideClient;
//! Lock::new(concat!(env!("CARGO_MANIFEST_DIR"), "/locks/routeguide"))
//!     .assert(&ProtoExport::new()/* .add::<RouteGuideClient>() */.file_descriptor_set());
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use prost_types::FileDescriptorSet;

use crate::breaking::{self, Finding};

/// The environment variable that rewrites locks instead of checking them (`1` or `true`).
pub const UPDATE_ENV: &str = "GRPC_LOCK_UPDATE";

/// A lock directory; see the [module](self) docs.
#[derive(Debug, Clone)]
pub struct Lock {
    dir: PathBuf,
}

/// Why a lock check failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum LockError {
    /// The code breaks the lock's contract.
    Breaking(Vec<Finding>),
    /// The code changed the contract compatibly; these lock files differ from it.
    Stale(Vec<String>),
    /// There was no lock: it has been written and needs committing.
    Created(Vec<PathBuf>),
    /// The lock could not be read or written.
    Io(String),
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Breaking(findings) => {
                writeln!(
                    f,
                    "the code breaks the locked contract ({} finding{}):",
                    findings.len(),
                    if findings.len() == 1 { "" } else { "s" }
                )?;
                for finding in findings {
                    writeln!(f, "  {finding}")?;
                }
                write!(
                    f,
                    "if the break is intended, rewrite the lock with {UPDATE_ENV}=1 and commit it"
                )
            }
            LockError::Stale(files) => write!(
                f,
                "the contract changed compatibly and the lock is out of date ({}): rerun with \
                 {UPDATE_ENV}=1 and commit the lock",
                files.join(", ")
            ),
            LockError::Created(paths) => {
                let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                write!(
                    f,
                    "there was no lock; wrote {}: review and commit it",
                    paths.join(", ")
                )
            }
            LockError::Io(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for LockError {}

impl Lock {
    /// The lock in `dir` (one `.proto` file per file of the contract, by its import path).
    pub fn new(dir: impl AsRef<Path>) -> Lock {
        Lock {
            dir: dir.as_ref().to_path_buf(),
        }
    }

    /// Checks `code` (the code's descriptors) against the lock, or rewrites the lock when
    /// [`UPDATE_ENV`] asks.
    pub fn check(&self, code: &FileDescriptorSet) -> Result<(), LockError> {
        let rendered = render(code);
        let update = std::env::var(UPDATE_ENV).is_ok_and(|v| v == "1" || v == "true");
        if !self.dir.exists() {
            return Err(LockError::Created(self.write(&rendered)?));
        }
        if update {
            self.write(&rendered)?;
            return Ok(());
        }
        let locked = breaking::load(&self.dir)
            .map_err(|e| LockError::Io(format!("reading the lock {}: {e}", self.dir.display())))?;
        let findings = breaking::compare(&locked, code);
        if !findings.is_empty() {
            return Err(LockError::Breaking(findings));
        }
        let on_disk = self.read()?;
        let stale: Vec<String> = rendered
            .keys()
            .chain(on_disk.keys())
            .filter(|name| rendered.get(*name) != on_disk.get(*name))
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if stale.is_empty() {
            Ok(())
        } else {
            Err(LockError::Stale(stale))
        }
    }

    /// [`check`](Self::check), panicking with the findings (for tests).
    #[track_caller]
    pub fn assert(&self, code: &FileDescriptorSet) {
        if let Err(error) = self.check(code) {
            panic!("lock {}: {error}", self.dir.display());
        }
    }

    /// Replaces the lock's `.proto` files with `files`.
    fn write(&self, files: &BTreeMap<String, String>) -> Result<Vec<PathBuf>, LockError> {
        let io = |what: &str, path: &Path, e: std::io::Error| {
            LockError::Io(format!("{what} {}: {e}", path.display()))
        };
        for old in self.read()?.keys() {
            let path = self.dir.join(old);
            std::fs::remove_file(&path).map_err(|e| io("removing", &path, e))?;
        }
        let mut written = Vec::new();
        for (name, text) in files {
            if Path::new(name).is_absolute() || name.split('/').any(|part| part == "..") {
                return Err(LockError::Io(format!(
                    "file name {name:?} would be written outside {}",
                    self.dir.display()
                )));
            }
            let path = self.dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io("creating", parent, e))?;
            }
            std::fs::write(&path, text).map_err(|e| io("writing", &path, e))?;
            written.push(path);
        }
        Ok(written)
    }

    /// The lock's `.proto` files by name (relative path with `/`), with their text.
    fn read(&self) -> Result<BTreeMap<String, String>, LockError> {
        let mut files = BTreeMap::new();
        if self.dir.exists() {
            read_dir(&self.dir, &self.dir, &mut files)?;
        }
        Ok(files)
    }
}

fn read_dir(
    root: &Path,
    dir: &Path,
    files: &mut BTreeMap<String, String>,
) -> Result<(), LockError> {
    let io = |path: &Path, e: std::io::Error| {
        LockError::Io(format!("reading the lock {}: {e}", path.display()))
    };
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let path = entry.map_err(|e| io(dir, e))?.path();
        if path.is_dir() {
            read_dir(root, &path, files)?;
        } else if path.extension().is_some_and(|ext| ext == "proto") {
            let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
            let name = path.strip_prefix(root).unwrap_or(&path);
            let name: Vec<String> = name
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.insert(name.join("/"), text);
        }
    }
    Ok(())
}

/// The `.proto` text of every file of `set` but protobuf's own, by file name.
fn render(set: &FileDescriptorSet) -> BTreeMap<String, String> {
    set.file
        .iter()
        .filter(|file| !grpc_model::well_known::is_well_known_file(file.name()))
        .map(|file| {
            (
                file.name().to_owned(),
                grpc_core::descriptor::render_proto(file),
            )
        })
        .collect()
}
