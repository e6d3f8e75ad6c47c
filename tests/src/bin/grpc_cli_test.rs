//! `grpc-cli` for the tests: the same entry point as grpc-proto-import's `grpc-cli` binary
//! (`grpc_proto_import::cli::main`), built in this package so that tests find it through
//! `CARGO_BIN_EXE_grpc-cli-test`.

fn main() -> std::process::ExitCode {
    grpc_proto_import::cli::main()
}
