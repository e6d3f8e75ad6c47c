//! Standard gRPC services, written with our own macros: health checking
//! ([`health`], `grpc.health.v1.Health`) and server reflection ([`reflection`],
//! `grpc.reflection.v1` and `v1alpha`).

pub mod health;
pub mod reflection;
