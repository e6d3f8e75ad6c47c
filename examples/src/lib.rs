//! Shared pieces of the examples: the greeter and route guide contracts (wire-identical to
//! the canonical `helloworld.proto` and `route_guide.proto`), their server implementations,
//! and a tiny argument parser for the example programs.

pub mod args;
pub mod bench;
pub mod helloworld;
pub mod imported;
pub mod interceptors;
pub mod routeguide;
pub mod routeguide_blocking;
pub mod routeguide_tour;
