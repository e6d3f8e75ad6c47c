//! The import corpus: every `.proto` file of googleapis-common-protos (PyPI, installed in the
//! `.venv` from `tests/python/requirements.txt`), of Debian's `grpc-proto`
//! (`/usr/share/grpc-proto`) and the protobuf well-known types (Debian's `libprotobuf-dev`,
//! `/usr/include/google/protobuf`), run through the importer end to end by
//! `tests/import_corpus.rs`.
//!
//! Per file, in order (a file stops at the first stage it fails):
//!
//! 1. **reference**: `protoc --include_imports --descriptor_set_out` parses it. A file whose
//!    imports are not installed (envoy's, for grpc's meshca config) is *skipped*.
//! 2. **import**: `grpc-proto-import` turns it and its imports into Rust. A well-known type's
//!    file is never generated (grpc-core provides those types), so it is imported through a
//!    probe file holding one field of each of its types.
//! 3. **compile**: all imported files are generated together into one crate (under
//!    `target/tests/import-corpus`), built once with cargo; a package whose code does not compile
//!    is reported and left out, and the crate is built again without it.
//! 4. **descriptors**: that crate's binary writes every package's `file_descriptor_set()`; each
//!    file's descriptor must equal protoc's, options included. Only `source_code_info` and
//!    `json_name` are cleared before comparing (see [`normalize`]). Custom options
//!    (`(google.api.http)` and the like) are extension fields that prost-types' structs drop,
//!    so they are compared separately, read from the encoded descriptors with prost-reflect
//!    (see [`custom_options`]). Ours are encoded as grpc-core encodes them for reflection
//!    (`grpc_core::descriptor::encode_files`: uninterpreted options resolved against the
//!    extensions declared in the set).
//! 5. **round trip**: every file of ours is rendered as `.proto` text (`render_proto`, custom
//!    options printed from their uninterpreted form) and protoc parses each one back to the
//!    same descriptor, custom options included.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use grpc_core::descriptor::{render_proto, FileDescriptorProto, FileDescriptorSet};
use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, Value as ReflectValue};
use prost_types::DescriptorProto;

use crate::python::workspace_root;

/// Where the three parts of the corpus come from.
#[derive(Debug, Clone)]
pub struct Source {
    /// Short name for the report: `googleapis`, `grpc-proto`, `well-known`.
    pub name: &'static str,
    /// The include directory the files are relative to.
    pub root: PathBuf,
    /// The files, relative to `root`, sorted.
    pub files: Vec<String>,
}

/// Debian's `grpc-proto` package.
pub const GRPC_PROTO_DIR: &str = "/usr/share/grpc-proto";
/// Debian's `libprotobuf-dev` (the well-known types' `.proto` files are under `google/protobuf`).
pub const PROTOBUF_INCLUDE_DIR: &str = "/usr/include";

/// The three sources, or what is missing.
pub fn sources() -> Result<Vec<Source>, String> {
    let mut missing = Vec::new();
    let googleapis = googleapis_root();
    if googleapis.is_none() {
        missing.push(
            "googleapis-common-protos in .venv (pip install -r tests/python/requirements.txt)",
        );
    }
    if !Path::new(GRPC_PROTO_DIR).join("grpc/channelz").is_dir() {
        missing.push("Debian grpc-proto (/usr/share/grpc-proto)");
    }
    let wkt = Path::new(PROTOBUF_INCLUDE_DIR).join("google/protobuf");
    if !wkt.join("wrappers.proto").is_file() {
        missing.push("Debian libprotobuf-dev (/usr/include/google/protobuf/*.proto)");
    }
    if !command_exists(&protoc()) {
        missing.push("protoc (Debian protobuf-compiler)");
    }
    if !missing.is_empty() {
        return Err(missing.join(", "));
    }
    let googleapis = googleapis.unwrap_or_default();
    let mut googleapis_files = list_protos(&googleapis, "google");
    googleapis_files.retain(|f| !f.starts_with("google/protobuf/"));
    let mut wkt_files: Vec<String> =
        list_protos(Path::new(PROTOBUF_INCLUDE_DIR), "google/protobuf")
            .into_iter()
            // Only the top directory: the well-known types and descriptor.proto, not the compiler's
            // plugin.proto.
            .filter(|f| f.matches('/').count() == 2)
            .collect();
    wkt_files.sort();
    Ok(vec![
        Source {
            name: "googleapis",
            root: googleapis,
            files: googleapis_files,
        },
        Source {
            name: "grpc-proto",
            root: PathBuf::from(GRPC_PROTO_DIR),
            files: list_protos(Path::new(GRPC_PROTO_DIR), "grpc"),
        },
        Source {
            name: "well-known",
            root: PathBuf::from(PROTOBUF_INCLUDE_DIR),
            files: wkt_files,
        },
    ])
}

fn command_exists(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The protoc binary: `$PROTOC`, else `protoc` from `PATH`.
pub fn protoc() -> String {
    std::env::var("PROTOC").unwrap_or_else(|_| "protoc".to_owned())
}

/// The `site-packages` directory of the `.venv` holding `google/api/annotations.proto`.
/// Where the `.venv` holds googleapis-common-protos (`google/api/*.proto`), if it does.
pub fn googleapis_root() -> Option<PathBuf> {
    let lib = workspace_root().join(".venv/lib");
    std::fs::read_dir(lib)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("site-packages"))
        .find(|dir| dir.join("google/api/annotations.proto").is_file())
}

/// Every `.proto` file under `root/sub`, as paths relative to `root`, sorted.
fn list_protos(root: &Path, sub: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.join(sub)];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "proto") {
                if let Ok(relative) = path.strip_prefix(root) {
                    out.push(relative.to_string_lossy().into_owned());
                }
            }
        }
    }
    out.sort();
    out
}

/// Runs protoc on `files` with `includes`, imports included; the error is protoc's stderr.
pub fn protoc_set(files: &[&str], includes: &[&Path]) -> Result<FileDescriptorSet, String> {
    let bytes = protoc_bytes(files, includes)?;
    FileDescriptorSet::decode(&bytes[..]).map_err(|e| format!("decode protoc output: {e}"))
}

/// [`protoc_set`] as protoc wrote it: custom options are extension fields of the options
/// messages, which prost-types' structs do not keep (see [`custom_options`]).
pub fn protoc_bytes(files: &[&str], includes: &[&Path]) -> Result<Vec<u8>, String> {
    let out = scratch_dir("protoc").join(format!(
        "{}.pb",
        files.first().copied().unwrap_or("none").replace('/', "_")
    ));
    let mut command = Command::new(protoc());
    for include in includes {
        command.arg("-I").arg(include);
    }
    let output = command
        .arg("--include_imports")
        .arg(format!("--descriptor_set_out={}", out.display()))
        .args(files)
        .output()
        .map_err(|e| format!("run protoc: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    std::fs::read(&out).map_err(|e| format!("read {}: {e}", out.display()))
}

/// Every custom option set anywhere in `file` (as encoded), as `path: (extension) = value`,
/// read with the extensions `pool` knows. prost-types' descriptor structs drop extension
/// fields on decode, so [`difference`] alone would not see a lost `(google.api.http)`: this is
/// the other half of "options included".
pub fn custom_options(pool: &DescriptorPool, file: &[u8]) -> Vec<String> {
    let Some(descriptor) = pool.get_message_by_name("google.protobuf.FileDescriptorProto") else {
        // Nothing imports descriptor.proto, so nothing can define a custom option.
        return Vec::new();
    };
    let Ok(message) = DynamicMessage::decode(descriptor, file) else {
        return vec!["(undecodable file descriptor)".to_owned()];
    };
    let mut out = Vec::new();
    walk_options(&message, "", &mut out);
    out
}

fn walk_options(message: &DynamicMessage, path: &str, out: &mut Vec<String>) {
    for (extension, value) in message.extensions() {
        out.push(format!("{path}: ({}) = {value:?}", extension.full_name()));
    }
    for (field, value) in message.fields() {
        let here = match message.get_field_by_name("name") {
            Some(name) if field.name() != "name" => {
                format!("{path}/{}", name.as_str().unwrap_or_default())
            }
            _ => path.to_owned(),
        };
        match value {
            ReflectValue::Message(inner) => {
                walk_options(inner, &format!("{here}.{}", field.name()), out)
            }
            ReflectValue::List(items) => {
                for item in items {
                    if let ReflectValue::Message(inner) = item {
                        walk_options(inner, &format!("{here}.{}", field.name()), out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `None` if both encoded files set the same custom options.
fn custom_options_difference(pool: &DescriptorPool, ours: &[u8], theirs: &[u8]) -> Option<String> {
    let (ours, theirs) = (custom_options(pool, ours), custom_options(pool, theirs));
    if ours == theirs {
        return None;
    }
    let missing: Vec<&String> = theirs.iter().filter(|o| !ours.contains(o)).collect();
    let extra: Vec<&String> = ours.iter().filter(|o| !theirs.contains(o)).collect();
    let cut = |list: &[&String]| {
        let mut text: String = list
            .iter()
            .take(2)
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        if text.len() > 240 {
            text.truncate(240);
            text.push_str("...");
        }
        if list.len() > 2 {
            text.push_str(&format!(" (+{} more)", list.len() - 2));
        }
        text
    };
    Some(format!(
        "custom options differ: {} missing [{}], {} extra [{}]",
        missing.len(),
        cut(&missing),
        extra.len(),
        cut(&extra)
    ))
}

/// The encoded file `name` of an encoded set.
pub fn file_bytes(set: &[u8], name: &str) -> Option<Vec<u8>> {
    FileDescriptorSet::decode(set).ok()?;
    // Walk the set's repeated field 1 by hand: each entry is one encoded file.
    let mut buf = set;
    while !buf.is_empty() {
        let (tag, wire_type) = prost::encoding::decode_key(&mut buf).ok()?;
        if tag != 1 || wire_type != prost::encoding::WireType::LengthDelimited {
            return None;
        }
        let len = prost::encoding::decode_varint(&mut buf).ok()? as usize;
        let (entry, rest) = buf.split_at(len.min(buf.len()));
        buf = rest;
        if FileDescriptorProto::decode(entry).ok()?.name() == name {
            return Some(entry.to_vec());
        }
    }
    None
}

/// A fresh directory for this test process under the system temp dir.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("grpc-corpus-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The comparison normal form: `source_code_info` and every `json_name` cleared, nothing else.
pub fn normalize(mut file: FileDescriptorProto) -> FileDescriptorProto {
    file.source_code_info = None;
    for field in &mut file.extension {
        field.json_name = None;
    }
    for message in &mut file.message_type {
        normalize_message(message);
    }
    file
}

fn normalize_message(message: &mut DescriptorProto) {
    for field in message.field.iter_mut().chain(&mut message.extension) {
        field.json_name = None;
    }
    for nested in &mut message.nested_type {
        normalize_message(nested);
    }
}

/// `None` if the two files are equal in normal form, else a short description of the first
/// difference.
pub fn difference(ours: &FileDescriptorProto, theirs: &FileDescriptorProto) -> Option<String> {
    let (ours, theirs) = (normalize(ours.clone()), normalize(theirs.clone()));
    if ours == theirs {
        return None;
    }
    let a = format!("{ours:#?}");
    let b = format!("{theirs:#?}");
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let first = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    // The innermost named element around the difference, for the report.
    let within = a[..first]
        .iter()
        .enumerate()
        .rev()
        .find(|(_, line)| line.trim() == "name: Some(")
        .and_then(|(i, _)| a.get(i + 1))
        .map(|name| name.trim().trim_end_matches(','))
        .unwrap_or("the file");
    let line = |lines: &[&str]| {
        lines
            .get(first)
            .map(|l| l.trim().to_owned())
            .unwrap_or_else(|| "(end)".to_owned())
    };
    Some(format!(
        "descriptor differs in {within}: ours `{}`, protoc `{}`",
        line(&a),
        line(&b)
    ))
}

/// How far a file got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// protoc parses it (the reference).
    Reference,
    /// The importer turns it into Rust.
    Import,
    /// The generated Rust compiles.
    Compile,
    /// The generated Rust's descriptors equal protoc's.
    Descriptors,
    /// Rendered back to `.proto`, protoc parses it to the same descriptors.
    RoundTrip,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Reference => "reference",
            Stage::Import => "import",
            Stage::Compile => "compile",
            Stage::Descriptors => "descriptors",
            Stage::RoundTrip => "round trip",
        })
    }
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Its imports are not installed.
    Skipped(String),
    /// It failed at this stage, for this reason.
    Failed(Stage, String),
    /// Every stage passed.
    Passed,
}

/// The result of a corpus run.
#[derive(Debug, Default)]
pub struct Report {
    /// Per file (relative name), with its source's name.
    pub files: BTreeMap<String, (&'static str, Outcome)>,
    /// What the one cargo build of the generated crate cost, in seconds (summed over rounds).
    pub build_seconds: f64,
    /// Number of cargo builds (1 unless a package failed to compile).
    pub build_rounds: usize,
}

impl Report {
    /// Files that got past `stage` (skipped files never count).
    pub fn passed(&self, stage: Stage) -> usize {
        self.files
            .values()
            .filter(|(_, outcome)| match outcome {
                Outcome::Passed => true,
                Outcome::Failed(failed_at, _) => *failed_at > stage,
                Outcome::Skipped(_) => false,
            })
            .count()
    }

    /// Files skipped.
    pub fn skipped(&self) -> usize {
        self.files
            .values()
            .filter(|(_, o)| matches!(o, Outcome::Skipped(_)))
            .count()
    }

    /// Files that failed a stage.
    pub fn failed(&self) -> usize {
        self.files
            .values()
            .filter(|(_, o)| matches!(o, Outcome::Failed(..)))
            .count()
    }

    /// The file names that passed every stage.
    pub fn passing(&self) -> BTreeSet<&str> {
        self.files
            .iter()
            .filter(|(_, (_, o))| *o == Outcome::Passed)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// One line per file, then the totals.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for (name, (source, outcome)) in &self.files {
            let line = match outcome {
                Outcome::Passed => format!("ok      {source:<10} {name}"),
                Outcome::Skipped(why) => format!("skipped {source:<10} {name}: {why}"),
                Outcome::Failed(stage, why) => {
                    format!("FAILED  {source:<10} {name} at {stage}: {why}")
                }
            };
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str(&format!("\n{}\n", self.totals()));
        out
    }

    /// `N files: imported I, compiled C, equal E, round trip R, failed F, skipped S`.
    pub fn totals(&self) -> String {
        format!(
            "{} files: imported {}, compiled {}, equal {}, round trip {}, failed {}, skipped {} (cargo build of the generated crate: {} round(s), {:.0} s)",
            self.files.len(),
            self.passed(Stage::Import),
            self.passed(Stage::Compile),
            self.passed(Stage::Descriptors),
            self.passed(Stage::RoundTrip),
            self.failed(),
            self.skipped(),
            self.build_rounds,
            self.build_seconds,
        )
    }
}

/// Runs the whole corpus (see the module docs).
pub fn run(sources: &[Source]) -> Report {
    let includes: Vec<PathBuf> = {
        // The well-known types first, so that nothing else can shadow them.
        let mut includes = vec![PathBuf::from(PROTOBUF_INCLUDE_DIR)];
        includes.extend(
            sources
                .iter()
                .map(|s| s.root.clone())
                .filter(|r| r != Path::new(PROTOBUF_INCLUDE_DIR)),
        );
        includes
    };
    let include_refs: Vec<&Path> = includes.iter().map(PathBuf::as_path).collect();
    let mut report = Report::default();
    let probe_dir = scratch_dir("probes");

    // 1. Reference descriptors, and 2. import, file by file.
    let mut reference: BTreeMap<String, FileDescriptorProto> = BTreeMap::new();
    // protoc's encoded set for each file, and the pool of it (for custom options).
    let mut reference_bytes: BTreeMap<String, (Vec<u8>, DescriptorPool)> = BTreeMap::new();
    // What to generate for each imported corpus file: the file itself, or its probe.
    let mut imported: BTreeMap<String, String> = BTreeMap::new();
    for source in sources {
        for file in &source.files {
            let outcome = match protoc_bytes(&[file], &include_refs) {
                Err(error) if error.contains("File not found") => {
                    Outcome::Skipped(first_line(&error))
                }
                Err(error) => Outcome::Failed(Stage::Reference, first_line(&error)),
                Ok(bytes) => {
                    let set = FileDescriptorSet::decode(&bytes[..]).expect("protoc's set decodes");
                    let pool = DescriptorPool::decode(&bytes[..]).expect("protoc's set is a pool");
                    let own = file_bytes(&bytes, file).expect("protoc's set has the file");
                    reference_bytes.insert(file.clone(), (own, pool));
                    let ours = crate::protos::find(&set, file);
                    let input = if source.name == "well-known" {
                        write_probe(&probe_dir, &ours)
                    } else {
                        file.clone()
                    };
                    reference.insert(file.clone(), ours);
                    match import(&[&input], &includes, &probe_dir) {
                        Ok(_) => {
                            imported.insert(file.clone(), input);
                            Outcome::Passed
                        }
                        Err(error) => Outcome::Failed(Stage::Import, error),
                    }
                }
            };
            report.files.insert(file.clone(), (source.name, outcome));
        }
    }

    // 3. Compile everything imported, as one crate; leave out packages that do not compile.
    let crate_dir = workspace_root().join("target/tests/import-corpus");
    let mut remaining = imported.clone();
    // Our files as the generated code describes them (custom options uninterpreted, as
    // `.proto` export prints them), in the set's order (dependencies first).
    let mut ours: BTreeMap<String, FileDescriptorProto> = BTreeMap::new();
    let mut our_order: Vec<FileDescriptorProto> = Vec::new();
    for _round in 0..4 {
        if remaining.is_empty() {
            break;
        }
        let inputs: Vec<&str> = remaining.values().map(String::as_str).collect();
        let modules = match import(&inputs, &includes, &probe_dir) {
            Ok(modules) => modules,
            Err(error) => {
                for file in remaining.keys() {
                    fail(
                        &mut report,
                        file,
                        Stage::Compile,
                        format!("importing the whole corpus at once: {error}"),
                    );
                }
                remaining.clear();
                break;
            }
        };
        let started = std::time::Instant::now();
        let built = build_crate(&crate_dir, &modules);
        report.build_seconds += started.elapsed().as_secs_f64();
        report.build_rounds += 1;
        match built {
            Ok(set) => {
                for file in set.file {
                    if !ours.contains_key(file.name()) {
                        our_order.push(file.clone());
                        ours.insert(file.name().to_owned(), file);
                    }
                }
                break;
            }
            Err(BuildError::Packages(errors)) => {
                // Leave out every file of a failing package, and every file importing one.
                let closures = closures(&remaining, &includes, &probe_dir);
                let mut dropped = Vec::new();
                for (file, input) in &remaining {
                    let package = reference.get(file).map(|f| f.package().to_owned());
                    let own = package.as_deref().and_then(|p| errors.get(p));
                    let via = closures.get(input).and_then(|deps| {
                        deps.iter().find_map(|(dep, package)| {
                            errors.get(package).map(|e| (dep.clone(), e))
                        })
                    });
                    let why = match (own, via) {
                        (Some(error), _) => error.clone(),
                        (_, Some((dep, error))) => format!("{dep} does not compile: {error}"),
                        _ => continue,
                    };
                    dropped.push((file.clone(), why));
                }
                if dropped.is_empty() {
                    for file in remaining.keys() {
                        fail(&mut report, file, Stage::Compile, format!("{errors:?}"));
                    }
                    remaining.clear();
                }
                for (file, why) in dropped {
                    fail(&mut report, &file, Stage::Compile, why);
                    remaining.remove(&file);
                }
            }
            Err(BuildError::Other(error)) => {
                for file in remaining.keys() {
                    fail(&mut report, file, Stage::Compile, error.clone());
                }
                remaining.clear();
            }
        }
    }
    // 4. Descriptors against protoc's, as grpc-core encodes them for reflection: custom options
    // resolved into extension fields (`encode_files`).
    let resolved: BTreeMap<String, (FileDescriptorProto, Vec<u8>)> = {
        let set = FileDescriptorSet { file: our_order };
        let encoded = grpc_core::descriptor::encode_files(&set);
        set.file
            .iter()
            .zip(encoded)
            .map(|(file, bytes)| {
                let decoded =
                    FileDescriptorProto::decode(&bytes[..]).expect("our encoding decodes");
                (file.name().to_owned(), (decoded, bytes))
            })
            .collect()
    };
    for (file, theirs) in &reference {
        if !matches!(report.files.get(file), Some((_, Outcome::Passed))) {
            continue;
        }
        match resolved.get(file) {
            None => fail(
                &mut report,
                file,
                Stage::Descriptors,
                "not in any generated package's file_descriptor_set()".to_owned(),
            ),
            Some((mine, my_bytes)) => {
                let (their_bytes, pool) = &reference_bytes[file];
                let diff = difference(mine, theirs)
                    .or_else(|| custom_options_difference(pool, my_bytes, their_bytes));
                if let Some(diff) = diff {
                    fail(&mut report, file, Stage::Descriptors, diff);
                }
            }
        }
    }

    // 5. Round trip: render every file of ours, protoc parses each back.
    let rendered = scratch_dir("rendered");
    for (name, file) in &ours {
        let path = rendered.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, render_proto(file)).expect("write rendered proto");
    }
    let round_trip_includes = [rendered.as_path(), Path::new(PROTOBUF_INCLUDE_DIR)];
    for file in report
        .passing()
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>()
    {
        let Some((mine, my_bytes)) = resolved.get(&file) else {
            continue;
        };
        let outcome = match protoc_bytes(&[&file], &round_trip_includes) {
            Err(error) => Some(format!(
                "protoc rejects the rendered file: {}",
                first_line(&error)
            )),
            Ok(bytes) => {
                let back = file_bytes(&bytes, &file)
                    .and_then(|own| Some((FileDescriptorProto::decode(&own[..]).ok()?, own)));
                let pool = DescriptorPool::decode(&bytes[..]).ok();
                match (back, pool) {
                    (Some((back, own)), Some(pool)) => difference(&back, mine)
                        .or_else(|| custom_options_difference(&pool, &own, my_bytes)),
                    _ => Some("protoc's set lacks it".to_owned()),
                }
            }
        };
        if let Some(why) = outcome {
            fail(&mut report, &file, Stage::RoundTrip, why);
        }
    }
    report
}

fn fail(report: &mut Report, file: &str, stage: Stage, why: String) {
    if let Some((_, outcome)) = report.files.get_mut(file) {
        *outcome = Outcome::Failed(stage, why);
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_owned()
}

/// Writes `corpus_probe/<stem>.proto` (package `corpus_probe.<stem>`): one field of each top-level type of the well-known
/// file `wkt` (enums only from proto3 files, where a proto3 message may use them). Returns its
/// name.
fn write_probe(dir: &Path, wkt: &FileDescriptorProto) -> String {
    let stem = Path::new(wkt.name())
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = format!("corpus_probe/{stem}.proto");
    let package = wkt.package();
    let mut fields = Vec::new();
    for message in &wkt.message_type {
        fields.push(format!(".{package}.{}", message.name()));
    }
    if wkt.syntax() == "proto3" {
        for enumeration in &wkt.enum_type {
            fields.push(format!(".{package}.{}", enumeration.name()));
        }
    }
    let message = format!(
        "{}Probe",
        stem.split('_')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect::<String>())
                    .unwrap_or_default()
            })
            .collect::<String>()
    );
    let body: String = fields
        .iter()
        .enumerate()
        .map(|(i, ty)| format!("  {ty} f{} = {};\n", i + 1, i + 1))
        .collect();
    let text = format!(
        "syntax = \"proto3\";\npackage corpus_probe.{stem};\nimport \"{}\";\nmessage {message} {{\n{body}}}\n",
        wkt.name()
    );
    let path = dir.join(&name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, text).expect("write probe");
    name
}

/// Parses and generates `inputs` with the importer.
fn import(
    inputs: &[&str],
    includes: &[PathBuf],
    probe_dir: &Path,
) -> Result<Vec<grpc_proto_import::GeneratedModule>, String> {
    let set = parse(inputs, includes, probe_dir)?;
    grpc_proto_import::Builder::new()
        .generate(&set)
        .map_err(|e| e.to_string())
}

fn parse(
    inputs: &[&str],
    includes: &[PathBuf],
    probe_dir: &Path,
) -> Result<prost_types::FileDescriptorSet, String> {
    let mut all = vec![probe_dir.to_owned()];
    all.extend(includes.iter().cloned());
    grpc_proto_import::parse(&all, inputs).map_err(|e| e.to_string())
}

/// For each input, the files it imports (transitively, itself included) with their packages.
fn closures(
    remaining: &BTreeMap<String, String>,
    includes: &[PathBuf],
    probe_dir: &Path,
) -> BTreeMap<String, Vec<(String, String)>> {
    remaining
        .values()
        .filter_map(|input| {
            let set = parse(&[input], includes, probe_dir).ok()?;
            Some((
                input.clone(),
                set.file
                    .iter()
                    .map(|f| (f.name().to_owned(), f.package().to_owned()))
                    .collect(),
            ))
        })
        .collect()
}

/// Why the generated crate did not build.
#[derive(Debug)]
enum BuildError {
    /// Compile errors, by the protobuf package whose generated module has them.
    Packages(BTreeMap<String, String>),
    /// Anything else (cargo could not run, the binary failed).
    Other(String),
}

/// Writes the generated modules into a crate at `dir`, builds it with cargo, runs it, and
/// returns every file descriptor its packages' `file_descriptor_set()`s hold.
fn build_crate(
    dir: &Path,
    modules: &[grpc_proto_import::GeneratedModule],
) -> Result<FileDescriptorSet, BuildError> {
    let root = workspace_root();
    let generated = dir.join("src/generated");
    let _ = std::fs::remove_dir_all(&generated);
    std::fs::create_dir_all(&generated).map_err(|e| BuildError::Other(e.to_string()))?;
    let write = |path: PathBuf, text: &str| {
        std::fs::write(&path, text)
            .map_err(|e| BuildError::Other(format!("write {}: {e}", path.display())))
    };
    write(
        dir.join("Cargo.toml"),
        &format!(
            r#"# Written by grpc-tests' import corpus test: the importer's output for the whole corpus.
[package]
name = "grpc-import-corpus"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
grpc-core = {{ path = {:?} }}
prost = "0.14"

[workspace]

[profile.dev]
debug = false
"#,
            root.join("grpc-core").display().to_string()
        ),
    )?;
    if !dir.join("Cargo.lock").exists() {
        // Start from the workspace's versions (cargo prunes what this crate does not use).
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
            .map_err(|e| BuildError::Other(format!("copy Cargo.lock: {e}")))?;
    }
    // Modules nested like their packages.
    #[derive(Default)]
    struct Tree {
        file: Option<String>,
        children: BTreeMap<String, Tree>,
    }
    let mut tree = Tree::default();
    let mut package_of_file = BTreeMap::new();
    for module in modules {
        write(generated.join(&module.file_name), &module.code)?;
        package_of_file.insert(module.file_name.clone(), module.package.clone());
        let mut node = &mut tree;
        for segment in module.package.split('.').filter(|s| !s.is_empty()) {
            node = node.children.entry(segment.to_owned()).or_default();
        }
        node.file = Some(module.file_name.clone());
    }
    fn emit(tree: &Tree, path: &[String], out: &mut String, calls: &mut Vec<String>) {
        if let Some(file) = &tree.file {
            out.push_str(&format!("include!(\"generated/{file}\");\n"));
            calls.push(if path.is_empty() {
                "crate::file_descriptor_set()".to_owned()
            } else {
                format!("crate::{}::file_descriptor_set()", path.join("::"))
            });
        }
        for (name, child) in &tree.children {
            let ident = rust_ident(name);
            out.push_str(&format!("pub mod {ident} {{\n"));
            let mut inner = path.to_vec();
            inner.push(ident);
            emit(child, &inner, out, calls);
            out.push_str("}\n");
        }
    }
    let mut modules_text = String::new();
    let mut calls = Vec::new();
    emit(&tree, &[], &mut modules_text, &mut calls);
    let main = format!(
        r#"//! Written by grpc-tests' import corpus test.
#![allow(missing_docs, unused, clippy::all)]

{modules_text}
fn main() {{
    use prost::Message as _;
    let mut set = ::grpc_core::descriptor::FileDescriptorSet::default();
    let mut seen = ::std::collections::BTreeMap::new();
    for package_set in [{calls}] {{
        for file in package_set.file {{
            match seen.get(file.name()) {{
                None => {{
                    seen.insert(file.name().to_owned(), file.clone());
                    set.file.push(file);
                }}
                Some(earlier) if *earlier != file => {{
                    eprintln!("{{}} differs between two packages' sets", file.name());
                    ::std::process::exit(1);
                }}
                Some(_) => {{}}
            }}
        }}
    }}
    let out = ::std::env::args().nth(1).expect("output path");
    ::std::fs::write(out, set.encode_to_vec()).expect("write");
}}
"#,
        calls = calls.join(", ")
    );
    write(dir.join("src/main.rs"), &main)?;

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .args(["build", "--quiet", "--message-format=json"])
        .output()
        .map_err(|e| BuildError::Other(format!("run cargo: {e}")))?;
    if !output.status.success() {
        let mut errors: BTreeMap<String, String> = BTreeMap::new();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let message = &value["message"];
            if value["reason"] != "compiler-message" || message["level"] != "error" {
                continue;
            }
            let text = message["message"].as_str().unwrap_or_default().to_owned();
            let spans = message["spans"].as_array().cloned().unwrap_or_default();
            for span in spans {
                let file = span["file_name"].as_str().unwrap_or_default();
                let Some(file) = file.strip_prefix("src/generated/") else {
                    continue;
                };
                if let Some(package) = package_of_file.get(file) {
                    let line = span["line_start"].as_u64().unwrap_or_default();
                    errors
                        .entry(package.clone())
                        .or_insert_with(|| format!("{text} (generated {file}:{line})"));
                }
            }
        }
        if errors.is_empty() {
            return Err(BuildError::Other(format!(
                "cargo build failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            )));
        }
        return Err(BuildError::Packages(errors));
    }
    let out = dir.join("descriptors.pb");
    let binary = dir.join("target/debug/grpc-import-corpus");
    let run = Command::new(&binary)
        .arg(&out)
        .output()
        .map_err(|e| BuildError::Other(format!("run {}: {e}", binary.display())))?;
    if !run.status.success() {
        return Err(BuildError::Other(format!(
            "the generated crate's binary failed: {}",
            String::from_utf8_lossy(&run.stderr)
        )));
    }
    let bytes = std::fs::read(&out).map_err(|e| BuildError::Other(e.to_string()))?;
    FileDescriptorSet::decode(&bytes[..]).map_err(|e| BuildError::Other(e.to_string()))
}

/// A package segment as the importer spells it in a module path.
fn rust_ident(segment: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if",
        "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
        "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async",
        "await", "dyn", "abstract", "become", "box", "do", "final", "macro", "override", "priv",
        "typeof", "unsized", "virtual", "yield", "try", "gen",
    ];
    if ["self", "Self", "super", "crate", "_"].contains(&segment) {
        format!("{segment}_")
    } else if KEYWORDS.contains(&segment) {
        format!("r#{segment}")
    } else {
        segment.to_owned()
    }
}
