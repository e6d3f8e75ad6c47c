//! `grpc.health.v1`: the message types, the `Health` trait, its server adapter and its client,
//! as in the canonical `grpc/health/v1/health.proto` (written with our own macros, first by
//! `grpc-proto-import --drop-unknown`, and owned here since).
#[derive(::grpc_macros::Message, Clone, PartialEq, Debug)]
#[grpc(
    crate = "crate",
    package = "grpc.health.v1",
    file = "grpc/health/v1/health.proto"
)]
pub struct HealthCheckRequest {
    #[grpc(tag = 1)]
    pub service: ::std::string::String,
}

#[derive(::grpc_macros::Message, Clone, PartialEq, Debug)]
#[grpc(
    crate = "crate",
    package = "grpc.health.v1",
    file = "grpc/health/v1/health.proto"
)]
pub struct HealthCheckResponse {
    #[grpc(tag = 1)]
    pub status: health_check_response::ServingStatus,
}

/// Types nested in [`HealthCheckResponse`].
pub mod health_check_response {
    #[derive(
        ::grpc_macros::Enumeration, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug,
    )]
    #[grpc(
        crate = "crate",
        package = "grpc.health.v1",
        file = "grpc/health/v1/health.proto",
        name = "HealthCheckResponse.ServingStatus"
    )]
    pub enum ServingStatus {
        #[grpc(name = "UNKNOWN")]
        Unknown = 0,
        #[grpc(name = "SERVING")]
        Serving = 1,
        #[grpc(name = "NOT_SERVING")]
        NotServing = 2,
        /// Used only by the Watch method.
        #[grpc(name = "SERVICE_UNKNOWN")]
        ServiceUnknown = 3,
    }
}

#[::grpc_macros::service(
    crate = "crate",
    package = "grpc.health.v1",
    file = "grpc/health/v1/health.proto"
)]
pub trait Health: Send + Sync + 'static {
    /// If the requested service is unknown, the call will fail with status
    /// NOT_FOUND.
    async fn check(
        &self,
        ctx: &crate::ServerContext,
        request: HealthCheckRequest,
    ) -> ::core::result::Result<HealthCheckResponse, crate::Status>;
    /// Performs a watch for the serving status of the requested service.
    /// The server will immediately send back a message indicating the current
    /// serving status.  It will then subsequently send a new message whenever
    /// the service's serving status changes.
    ///
    /// If the requested service is unknown when the call is received, the
    /// server will send a message setting the serving status to
    /// SERVICE_UNKNOWN but will *not* terminate the call.  If at some
    /// future point, the serving status of the service becomes known, the
    /// server will send a new message with the service's serving status.
    ///
    /// If the call terminates with status UNIMPLEMENTED, then clients
    /// should assume this method is not supported and should not retry the
    /// call.  If the call terminates with any other status (including OK),
    /// clients should retry the call with appropriate exponential backoff.
    async fn watch(
        &self,
        ctx: &crate::ServerContext,
        request: HealthCheckRequest,
    ) -> ::core::result::Result<crate::ServerStream<HealthCheckResponse>, crate::Status>;
}

/// The descriptors of every type and service this module defines, with the files
/// they import: for reflection and `.proto` export.
pub fn file_descriptor_set() -> crate::descriptor::FileDescriptorSet {
    let mut registry = crate::descriptor::Registry::new();
    registry.add::<HealthCheckRequest>();
    registry.add::<HealthCheckResponse>();
    registry.add::<health_check_response::ServingStatus>();
    registry.add::<HealthClient>();
    registry.into_file_descriptor_set()
}
