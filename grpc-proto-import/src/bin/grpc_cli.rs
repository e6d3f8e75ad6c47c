//! `grpc-cli`: list, describe and call gRPC services (reflection or `.proto` files, no
//! protoc), export their `.proto` files, import `.proto` files as Rust, and check two versions
//! of a contract for breaking changes. `grpc-cli --help` and `grpc-cli <command> --help` say
//! how; see `grpc_proto_import::cli`.
//!
//! Run with: `cargo run -p grpc-proto-import --features cli --bin grpc-cli -- --help`

fn main() -> std::process::ExitCode {
    grpc_proto_import::cli::main()
}
