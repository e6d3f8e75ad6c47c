//! Imports the canonical `route_guide.proto` at build time: the proto-first twin of the
//! code-first `examples::routeguide` (see `src/imported.rs`).

fn main() {
    grpc_proto_import::Builder::new()
        .include("../tests/python/protos")
        .compile(&["route_guide.proto"])
        .unwrap_or_else(|error| panic!("importing route_guide.proto: {error}"));
}
