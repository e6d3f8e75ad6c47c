//! `grpc.reflection.v1alpha`: the message types, the `ServerReflection` trait, its server
//! adapter and its client, as in the canonical `grpc/reflection/v1alpha/reflection.proto`
//! (deprecated upstream in favour of v1, and still what many tools ask first).

reflection_protocol!(
    "grpc.reflection.v1alpha",
    "grpc/reflection/v1alpha/reflection.proto"
);
