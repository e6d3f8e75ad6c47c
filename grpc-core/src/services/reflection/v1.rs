//! `grpc.reflection.v1`: the message types, the `ServerReflection` trait, its server adapter
//! and its client, as in the canonical `grpc/reflection/v1/reflection.proto`.

reflection_protocol!("grpc.reflection.v1", "grpc/reflection/v1/reflection.proto");
