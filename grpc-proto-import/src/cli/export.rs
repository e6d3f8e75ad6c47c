//! `export`, `import` and `breaking`: the commands about whole schemas.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use prost_types::FileDescriptorSet;

use super::describe::SourceArgs;
use super::{print_line, Failure, Outcome};

#[derive(Debug, Args)]
pub(super) struct ExportArgs {
    /// Write the .proto files under DIR (by their import paths) instead of to stdout.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also write the files as one binary FileDescriptorSet (for `breaking`, `--protoset`).
    #[arg(long, value_name = "FILE")]
    descriptor_set_out: Option<PathBuf>,
    #[command(flatten)]
    source: SourceArgs,
}

pub(super) async fn export(args: ExportArgs) -> Outcome {
    let set = if args.source.schema.given() {
        args.source.schema.file_descriptor_set()?
    } else {
        let mut reflection = args.source.reflection()?;
        reflection.pool_for_all_services().await?;
        reflection.file_descriptor_set()
    };
    if let Some(path) = &args.descriptor_set_out {
        // Custom options as extension fields, as protoc writes them.
        write_file(
            path,
            &grpc_core::descriptor::encode_file_descriptor_set(&set),
        )?;
    }
    let files = set
        .file
        .iter()
        .filter(|file| !grpc_model::well_known::is_well_known_file(file.name()));
    for file in files {
        let text = grpc_core::descriptor::render_proto(file);
        match &args.out {
            Some(dir) => {
                let path = safe_join(dir, file.name())?;
                write_file(&path, text.as_bytes())?;
                print_line(&format!("wrote {}", path.display()))?;
            }
            None => print_line(&format!("// {}\n{text}", file.name()))?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `path`, creating the directories it needs.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure::Other(format!("creating {}: {e}", parent.display())))?;
    }
    std::fs::write(path, bytes)
        .map_err(|e| Failure::Other(format!("writing {}: {e}", path.display())))
}

/// `dir/name`, refusing names that leave `dir` (a server chooses them).
fn safe_join(dir: &Path, name: &str) -> Result<PathBuf, Failure> {
    if Path::new(name).is_absolute() || name.split(['/', '\\']).any(|part| part == "..") {
        return Err(Failure::Other(format!(
            "file name {name:?} would be written outside {}",
            dir.display()
        )));
    }
    Ok(dir.join(name))
}

#[derive(Debug, Args)]
pub(super) struct ImportArgs {
    /// The .proto files to import (relative to an import path, or inside one).
    #[arg(required = true, value_name = "FILE.proto")]
    files: Vec<PathBuf>,
    /// An import path (like protoc -I); repeatable.
    #[arg(short = 'I', long = "include", value_name = "DIR")]
    includes: Vec<PathBuf>,
    /// Where to write one <package>.rs per protobuf package.
    #[arg(short = 'o', long = "out", value_name = "DIR", required = true)]
    out: PathBuf,
    /// Generate messages without an UnknownFields field and enum fields of the enum's own
    /// type (unknown fields and enum values are then lost on decode); by default both are
    /// kept and re-encoded.
    #[arg(long)]
    drop_unknown: bool,
    /// Leave out custom options, extend declarations and options on extension ranges, with a
    /// warning each; by default custom options, extension ranges and extends are carried, and
    /// options on extension ranges are an error.
    #[arg(long)]
    skip_custom_options: bool,
    /// Leave out, with a warning each, what the generated code cannot represent (groups,
    /// enum aliases, options the macros do not take); by default each is an error. Editions
    /// files stay an error.
    #[arg(long)]
    skip_unsupported: bool,
}

pub(super) fn import(args: ImportArgs) -> Outcome {
    let mut builder = crate::Builder::new()
        .preserve_unknown(!args.drop_unknown)
        .skip_custom_options(args.skip_custom_options)
        .skip_unsupported(args.skip_unsupported)
        .out_dir(&args.out);
    for include in &args.includes {
        builder = builder.include(include);
    }
    for path in builder.compile(&args.files)? {
        print_line(&format!("wrote {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub(super) struct BreakingArgs {
    /// The old schema: a directory of .proto files, one .proto file, or a FileDescriptorSet.
    #[arg(long, value_name = "OLD")]
    against: PathBuf,
    /// The new schema, in the same forms.
    #[arg(value_name = "NEW")]
    new: PathBuf,
}

/// Prints one line per finding; exits 1 when there is any.
pub(super) fn breaking(args: BreakingArgs) -> Outcome {
    let old = load(&args.against)?;
    let new = load(&args.new)?;
    let findings = crate::breaking::compare(&old, &new);
    for finding in &findings {
        print_line(&finding.to_string())?;
    }
    if findings.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{} breaking change{} in {} against {}",
            findings.len(),
            if findings.len() == 1 { "" } else { "s" },
            args.new.display(),
            args.against.display()
        );
        Ok(ExitCode::FAILURE)
    }
}

fn load(path: &Path) -> Result<FileDescriptorSet, Failure> {
    Ok(crate::breaking::load(path)?)
}
