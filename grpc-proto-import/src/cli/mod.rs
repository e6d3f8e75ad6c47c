//! `grpc-cli`: list, describe and call the services of a running server (through server
//! reflection) or of `.proto` files (parsed in process, no `protoc`); export a server's
//! contract as `.proto` files; import `.proto` files as code-first Rust; check two versions of
//! a contract for breaking changes.
//!
//! The binary is `src/bin/grpc_cli.rs`, which only calls [`main`]. Exit codes: 0 on success,
//! 1 on an error before or outside any call (bad input, unreadable file, breaking changes
//! found), 2 on a usage error, and 64 + the gRPC status code when a call or reflection request
//! fails (grpcurl's convention: NOT_FOUND exits 69, UNAVAILABLE 78).

mod call;
mod connect;
mod describe;
mod export;
mod schema;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::Error;

/// A gRPC command-line client: reflection or .proto files, no protoc.
#[derive(Debug, Parser)]
#[command(name = "grpc-cli", bin_name = "grpc-cli", version, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the services (or, given SERVICE, its methods) of a server or of .proto files.
    List(describe::ListArgs),
    /// Describe a service, method, message, enum, field or enum value by its full name.
    Describe(describe::DescribeArgs),
    /// Call a method with JSON: one message per line in, one message per line out.
    Call(call::CallArgs),
    /// Write the .proto files of a server (through reflection) or of a descriptor set.
    Export(export::ExportArgs),
    /// Import .proto files as code-first Rust (what the grpc-proto-import binary does).
    Import(export::ImportArgs),
    /// Report the changes in NEW that break clients of OLD (buf's WIRE and WIRE_JSON rules).
    Breaking(export::BreakingArgs),
}

/// Runs `grpc-cli` with the process's arguments.
pub fn main() -> ExitCode {
    run(std::env::args_os())
}

/// Runs `grpc-cli` with `args` (the first is the program name), on stdin, stdout and stderr.
///
/// ```
/// use std::process::ExitCode;
///
/// let dir = std::env::temp_dir().join(format!("grpc-cli-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// std::fs::write(dir.join("a.proto"), "syntax = \"proto3\";\nmessage M { int32 x = 1; }\n").unwrap();
/// let dir = dir.to_str().unwrap();
/// // A schema against itself: no finding, success.
/// let code = grpc_proto_import::cli::run(["grpc-cli", "breaking", "--against", dir, dir].map(Into::into));
/// assert_eq!(code, ExitCode::SUCCESS);
/// ```
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    let outcome = match cli.command {
        Command::List(args) => block_on(describe::list(args)),
        Command::Describe(args) => block_on(describe::describe(args)),
        Command::Call(args) => block_on(call::call(args)),
        Command::Export(args) => block_on(export::export(args)),
        Command::Import(args) => export::import(args),
        Command::Breaking(args) => export::breaking(args),
    };
    match outcome {
        Ok(code) => code,
        Err(failure) => fail(failure),
    }
}

/// Runs a command that talks to servers on a single-threaded runtime.
fn block_on(command: impl std::future::Future<Output = Outcome>) -> Outcome {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(format!("starting tokio: {e}")))?;
    runtime.block_on(command)
}

/// Why a command failed.
#[derive(Debug)]
enum Failure {
    /// A call or reflection request failed with this status.
    Status(grpc_core::Status),
    /// Anything else.
    Other(String),
}

impl From<grpc_core::Status> for Failure {
    fn from(status: grpc_core::Status) -> Failure {
        Failure::Status(status)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure::Other(error.to_string())
    }
}

impl From<grpc_core::Error> for Failure {
    fn from(error: grpc_core::Error) -> Failure {
        Failure::Other(error.to_string())
    }
}

type Outcome = Result<ExitCode, Failure>;

fn fail(failure: Failure) -> ExitCode {
    match failure {
        Failure::Status(status) => {
            let code = status.code();
            eprintln!(
                "ERROR: {} ({}): {}",
                code.name(),
                code.to_i32(),
                status.message()
            );
            if status.message().contains("InvalidContentType") {
                eprintln!("(the server does not speak TLS: use an http:// target or --plaintext)");
            }
            ExitCode::from(64 + code.to_i32().clamp(0, 100) as u8)
        }
        Failure::Other(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Writes `text` to stdout, a broken pipe (`| head`) ending the program quietly.
fn print_line(text: &str) -> Result<(), Failure> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(Failure::Other(format!("writing to stdout: {e}"))),
    }
}
