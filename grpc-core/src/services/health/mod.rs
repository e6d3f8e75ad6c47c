//! Health checking: the `grpc.health.v1.Health` protocol.

#[allow(missing_docs)]
pub mod v1;
