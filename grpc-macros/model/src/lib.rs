//! The rules that map Rust names and types to protobuf ones, shared by `grpc-macros` (which
//! reads Rust and writes descriptors), `grpc-core`'s descriptor builder and `grpc-proto-import`
//! (which reads `.proto` files and writes the Rust the macros read back). Keeping them in one
//! place is what makes an imported file round-trip: the importer asks the same functions the
//! macros use whether a name needs spelling out.
//!
//! Not a public API: the crate follows grpc-core's version exactly and may change with it
//! (like serde's `serde_derive_internals`). It has no dependencies (prost-types only with the
//! `descriptor` feature, for the option conversions grpc-core and the importer share), so a
//! `build.rs` that runs the importer does not compile the runtime.
//!
//! ```
//! use grpc_model::{names, scalar::Scalar};
//! assert_eq!(names::method_wire_name("say_hello"), "SayHello");
//! assert_eq!(names::enum_value_name("Color", "Red"), "COLOR_RED");
//! assert_eq!(Scalar::from_proto_name("sint32").unwrap().rust_type(), "i32");
//! ```

pub mod idents;
pub mod layout;
pub mod literals;
pub mod names;
pub mod options;
pub mod scalar;
pub mod well_known;
