//! `.proto` importer for grpc-core.
//!
//! Not implemented yet: this crate reserves its place in the workspace. The importer (parse
//! `.proto` files with protox and emit equivalent `#[service]` traits and `#[derive(Message)]`
//! structs) is tracked as its own issue.
