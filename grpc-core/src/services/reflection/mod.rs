//! Server reflection: the `grpc.reflection.v1` and `grpc.reflection.v1alpha` protocols
//! (what grpcurl, Postman and grpcio-reflection speak).

#[allow(missing_docs)]
pub mod v1;
#[allow(missing_docs)]
pub mod v1alpha;
