//! The messages and service of server reflection, once for both versions: `grpc.reflection.v1`
//! and `grpc.reflection.v1alpha` are the same schema (the same names, field numbers, oneofs and
//! service) in two packages. The text is the canonical v1 `reflection.proto`'s (first written
//! by `grpc-proto-import --drop-unknown`, and owned here since).

/// Defines the reflection messages, the `ServerReflection` trait, its server adapter and its
/// client in package `$package`, file `$file`.
macro_rules! reflection_protocol {
    ($package:tt, $file:tt) => {
        /// The message sent by the client when calling ServerReflectionInfo method.
        #[derive(::grpc_macros::Message, Clone, PartialEq, Debug)]
        #[grpc(
            crate = "crate",
            package = $package,
            file = $file
        )]
        pub struct ServerReflectionRequest {
            #[grpc(tag = 1)]
            pub host: ::std::string::String,
            /// To use reflection service, the client should set one of the following
            /// fields in message_request. The server distinguishes requests by their
            /// defined field and then handles them using corresponding methods.
            #[grpc(oneof)]
            pub message_request: ::core::option::Option<server_reflection_request::MessageRequest>,
        }

        /// Types nested in [`ServerReflectionRequest`].
        pub mod server_reflection_request {
            /// The `message_request` oneof of [`super::ServerReflectionRequest`].
            #[derive(::grpc_macros::Oneof, Clone, PartialEq, Debug)]
            #[grpc(crate = "crate")]
            pub enum MessageRequest {
                /// Find a proto file by the file name.
                #[grpc(tag = 3)]
                FileByFilename(::std::string::String),
                /// Find the proto file that declares the given fully-qualified symbol name.
                /// This field should be a fully-qualified symbol name
                /// (e.g. \<package\>.\<service\>\[.\<method\>\] or \<package\>.\<type\>).
                #[grpc(tag = 4)]
                FileContainingSymbol(::std::string::String),
                /// Find the proto file which defines an extension extending the given
                /// message type with the given field number.
                #[grpc(tag = 5)]
                FileContainingExtension(super::ExtensionRequest),
                /// Finds the tag numbers used by all known extensions of the given message
                /// type, and appends them to ExtensionNumberResponse in an undefined order.
                /// Its corresponding method is best-effort: it's not guaranteed that the
                /// reflection service will implement this method, and it's not guaranteed
                /// that this method will provide all extensions. Returns
                /// StatusCode::UNIMPLEMENTED if it's not implemented.
                /// This field should be a fully-qualified type name. The format is
                /// \<package\>.\<type\>
                #[grpc(tag = 6)]
                AllExtensionNumbersOfType(::std::string::String),
                /// List the full names of registered services. The content will not be
                /// checked.
                #[grpc(tag = 7)]
                ListServices(::std::string::String),
            }
        }

        /// The type name and extension number sent by the client when requesting
        /// file_containing_extension.
        #[derive(::grpc_macros::Message, Clone, PartialEq, Debug)]
        #[grpc(
            crate = "crate",
            package = $package,
            file = $file
        )]
        pub struct ExtensionRequest {
            /// Fully-qualified type name. The format should be \<package\>.\<type\>
            #[grpc(tag = 1)]
            pub containing_type: ::std::string::String,
            #[grpc(tag = 2)]
            pub extension_number: i32,
        }

        /// The message sent by the server to answer ServerReflectionInfo method.
        #[derive(::grpc_macros::Message, Clone, PartialEq, Debug)]
        #[grpc(
            crate = "crate",
            package = $package,
            file = $file
        )]
        pub struct ServerReflectionResponse {
            #[grpc(tag = 1)]
            pub valid_host: ::std::string::String,
            #[grpc(tag = 2)]
            pub original_request: ::core::option::Option<ServerReflectionRequest>,
            /// The server sets one of the following fields according to the message_request
            /// in the request.
            #[grpc(oneof)]
            pub message_response: ::core::option::Option<server_reflection_response::MessageResponse>,
        }

        /// Types nested in [`ServerReflectionResponse`].
        pub mod server_reflection_response {
            /// The `message_response` oneof of [`super::ServerReflectionResponse`].
            #[derive(::grpc_macros::Oneof, Clone, PartialEq, Debug)]
            #[grpc(crate = "crate")]
            pub enum MessageResponse {
                /// This message is used to answer file_by_filename, file_containing_symbol,
                /// file_containing_extension requests with transitive dependencies.
                /// As the repeated label is not allowed in oneof fields, we use a
                /// FileDescriptorResponse message to encapsulate the repeated fields.
                /// The reflection service is allowed to avoid sending FileDescriptorProtos
                /// that were previously sent in response to earlier requests in the stream.
                #[grpc(tag = 4)]
                FileDescriptorResponse(super::FileDescriptorResponse),
                /// This message is used to answer all_extension_numbers_of_type requests.
                #[grpc(tag = 5)]
                AllExtensionNumbersResponse(super::ExtensionNumberResponse),
                /// This message is used to answer list_services requests.
                #[grpc(tag = 6)]
                ListServicesResponse(super::ListServiceResponse),
                /// This message is used when an error occurs.
                #[grpc(tag = 7)]
                ErrorResponse(super::ErrorResponse),
            }
        }

        /// Serialized FileDescriptorProto messages sent by the server answering
        /// a file_by_filename, file_containing_symbol, or file_containing_extension
        /// request.
        #[derive(::grpc_macros::Message, Clone, PartialEq, Debug)]
        #[grpc(
            crate = "crate",
            package = $package,
            file = $file
        )]
        pub struct FileDescriptorResponse {
            /// Serialized FileDescriptorProto messages. We avoid taking a dependency on
            /// descriptor.proto, which uses proto2 only features, by making them opaque
            /// bytes instead.
            #[grpc(tag = 1)]
            pub file_descriptor_proto: ::std::vec::Vec<::std::vec::Vec<u8>>,
        }

        /// A list of extension numbers sent by the server answering
        /// all_extension_numbers_of_type request.
        #[derive(::grpc_macros::Message, Clone, PartialEq, Debug)]
        #[grpc(
            crate = "crate",
            package = $package,
            file = $file
        )]
        pub struct ExtensionNumberResponse {
            /// Full name of the base type, including the package name. The format
            /// is \<package\>.\<type\>
            #[grpc(tag = 1)]
            pub base_type_name: ::std::string::String,
            #[grpc(tag = 2)]
            pub extension_number: ::std::vec::Vec<i32>,
        }

        /// A list of ServiceResponse sent by the server answering list_services request.
        #[derive(::grpc_macros::Message, Clone, PartialEq, Debug)]
        #[grpc(
            crate = "crate",
            package = $package,
            file = $file
        )]
        pub struct ListServiceResponse {
            /// The information of each service may be expanded in the future, so we use
            /// ServiceResponse message to encapsulate it.
            #[grpc(tag = 1)]
            pub service: ::std::vec::Vec<ServiceResponse>,
        }

        /// The information of a single service used by ListServiceResponse to answer
        /// list_services request.
        #[derive(::grpc_macros::Message, Clone, PartialEq, Debug)]
        #[grpc(
            crate = "crate",
            package = $package,
            file = $file
        )]
        pub struct ServiceResponse {
            /// Full name of a registered service, including its package name. The format
            /// is \<package\>.\<service\>
            #[grpc(tag = 1)]
            pub name: ::std::string::String,
        }

        /// The error code and error message sent by the server when an error occurs.
        #[derive(::grpc_macros::Message, Clone, PartialEq, Debug)]
        #[grpc(
            crate = "crate",
            package = $package,
            file = $file
        )]
        pub struct ErrorResponse {
            /// This field uses the error codes defined in grpc::StatusCode.
            #[grpc(tag = 1)]
            pub error_code: i32,
            #[grpc(tag = 2)]
            pub error_message: ::std::string::String,
        }

        #[::grpc_macros::service(
            crate = "crate",
            package = $package,
            file = $file
        )]
        pub trait ServerReflection: Send + Sync + 'static {
            /// The reflection service is structured as a bidirectional stream, ensuring
            /// all related requests go to a single server.
            async fn server_reflection_info(
                &self,
                ctx: &crate::ServerContext,
                request: crate::Streaming<ServerReflectionRequest>,
            ) -> ::core::result::Result<crate::ServerStream<ServerReflectionResponse>, crate::Status>;
        }

        /// The descriptors of every type and service this module defines, with the files
        /// they import: for reflection and `.proto` export.
        pub fn file_descriptor_set() -> crate::descriptor::FileDescriptorSet {
            let mut registry = crate::descriptor::Registry::new();
            registry.add::<ServerReflectionRequest>();
            registry.add::<ExtensionRequest>();
            registry.add::<ServerReflectionResponse>();
            registry.add::<FileDescriptorResponse>();
            registry.add::<ExtensionNumberResponse>();
            registry.add::<ListServiceResponse>();
            registry.add::<ServiceResponse>();
            registry.add::<ErrorResponse>();
            registry.add::<ServerReflectionClient>();
            registry.into_file_descriptor_set()
        }
    };
}
