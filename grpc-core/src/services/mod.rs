//! Standard gRPC services, written with our own macros: health checking
//! ([`health`], `grpc.health.v1.Health`) and server reflection ([`reflection`],
//! `grpc.reflection.v1` and `v1alpha`).

pub mod health;
pub mod reflection;

#[cfg(test)]
mod tests {
    #[test]
    fn builders_with_standard_services_stay_send_and_sync() {
        fn send_sync<T: Send + Sync>(_: &T) {}
        let builder = crate::Server::builder().with_health().with_reflection();
        send_sync(&builder);
        send_sync(&builder.build());
    }
}
