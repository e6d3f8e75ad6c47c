//! `grpc-proto-import -I <include>... [--drop-unknown] [--skip-custom-options]
//! [--skip-unsupported] -o <out dir> <file.proto>...`: writes the code-first Rust for the given
//! `.proto` files (and their imports), one `<package>.rs` per protobuf package.
//! `--drop-unknown` is `Builder::preserve_unknown(false)`, `--skip-custom-options` is
//! `Builder::skip_custom_options(true)`, `--skip-unsupported` is
//! `Builder::skip_unsupported(true)`.

use std::process::ExitCode;

const USAGE: &str =
    "usage: grpc-proto-import [-I <include dir>]... [--drop-unknown] [--skip-custom-options] [--skip-unsupported] -o <out dir> <file.proto>...

  -I, --include <dir>   an import path (like protoc -I); repeatable
  -o, --out <dir>       where to write <package>.rs files
  --drop-unknown        generate messages without an UnknownFields field and enum fields of
                        the enum's own type (unknown fields and enum values are then lost on
                        decode); by default both are kept and re-encoded
  --skip-custom-options leave out custom options (option (google.api.http) = ...), extend
                        declarations and options on extension ranges, with a warning each; by
                        default custom options, extension ranges and extends are carried, and
                        options on extension ranges are an error
  --skip-unsupported    leave out what the generated code cannot represent (groups, enum
                        aliases, options the macros do not take), with a warning each naming
                        file and line; by default each is an error. Editions files stay an
                        error";

fn main() -> ExitCode {
    let mut builder = grpc_proto_import::Builder::new();
    let mut out_dir = None;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-I" | "--include" => match args.next() {
                Some(dir) => builder = builder.include(dir),
                None => return usage("-I needs a directory"),
            },
            "-o" | "--out" => match args.next() {
                Some(dir) => out_dir = Some(dir),
                None => return usage("-o needs a directory"),
            },
            "--drop-unknown" => builder = builder.preserve_unknown(false),
            "--skip-custom-options" => builder = builder.skip_custom_options(true),
            "--skip-unsupported" => builder = builder.skip_unsupported(true),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other if other.starts_with("-I") => builder = builder.include(&other[2..]),
            other if other.starts_with('-') => return usage(&format!("unknown option {other}")),
            file => files.push(file.to_owned()),
        }
    }
    let Some(out_dir) = out_dir else {
        return usage("-o is required");
    };
    if files.is_empty() {
        return usage("no .proto files given");
    }
    match builder.out_dir(&out_dir).compile(&files) {
        Ok(written) => {
            for path in written {
                println!("wrote {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("error: {problem}\n{USAGE}");
    ExitCode::from(2)
}
