//! Server reflection: `grpc.reflection.v1` and `grpc.reflection.v1alpha`, what grpcurl,
//! Postman, Evans and grpcio-reflection's `ProtoReflectionDescriptorDatabase` ask.
//!
//! One line on the builder serves both versions from the descriptors the macros made, for
//! every service of the server (the reflection and health services included), with no
//! descriptor set to pass by hand:
//!
//! ```
//! use grpc_core::{Message, Server, Status};
//!
//! #[derive(Message, Clone, PartialEq, Debug)]
//! #[grpc(package = "hello")]
//! pub struct Greeting { pub name: String }
//!
//! #[grpc_core::service(package = "hello")]
//! pub trait Greeter: Send + Sync + 'static {
//!     async fn greet(&self, request: Greeting) -> Result<Greeting, Status>;
//! }
//! # struct MyGreeter;
//! # impl Greeter for MyGreeter {
//! #     async fn greet(&self, request: Greeting) -> Result<Greeting, Status> { Ok(request) }
//! # }
//!
//! let server = Server::builder()
//!     .add_service(GreeterServer::new(MyGreeter))
//!     .with_reflection()
//!     .build();
//! ```
//!
//! Then `grpcurl -plaintext localhost:50051 list` lists `hello.Greeter` and
//! `grpcurl -plaintext localhost:50051 describe hello.Greeter.Greet` describes the method.
//!
//! What it answers, on both versions:
//! - `list_services`: every service's full name;
//! - `file_by_filename` and `file_containing_symbol` (services, methods, messages, nested
//!   types, enums, enum values, fields, oneofs): the file, then the files it imports,
//!   transitively; within one stream each dependency is sent once (the file asked for is
//!   always sent), as grpc-go does;
//! - `file_containing_extension` and `all_extension_numbers_of_type`: code-first types
//!   declare no extensions, so the first is NOT_FOUND and the second an empty list for a known
//!   message (NOT_FOUND for an unknown one);
//! - an unknown file or symbol is an `error_response` with NOT_FOUND, and the stream goes on.
//!
//! Each file is whole: the server describes all its services into one
//! [`Registry`], so several services of one package give one
//! file with all of them and every message they use. The [`error_details`](crate::error_details)
//! types are served too, so that clients (grpcurl) can decode a status' details. A message no
//! method uses is not in any service's descriptors; add it with [`ServerBuilder::describe`]
//! (your own error detail types, say). The same
//! holds for `.proto` export: [`ProtoExport`](crate::descriptor::ProtoExport)`::new()`
//! `.add::<AClient>().add::<BClient>().add::<Unused>()` writes the complete package.

#[macro_use]
mod protocol;
#[allow(missing_docs)]
pub mod v1;
#[allow(missing_docs)]
pub mod v1alpha;

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use crate::descriptor::{Describe, DescriptorIndex, FileDescriptorSet, Registry};
use crate::server::ServerBuilder;
use crate::{Code, ServerContext, ServerStream, Status, Streaming};
use v1::server_reflection_request::MessageRequest;
use v1::server_reflection_response::MessageResponse;
use v1::{
    ErrorResponse, ExtensionNumberResponse, FileDescriptorResponse, ListServiceResponse,
    ServerReflectionRequest, ServerReflectionResponse, ServiceResponse,
};

/// The reflection service (both versions) over a set of descriptors. Cheap to clone.
///
/// [`ServerBuilder::with_reflection`] makes one for the server's services; build one yourself
/// to serve a chosen set:
///
/// ```
/// use grpc_core::descriptor::Describe;
/// use grpc_core::services::health::v1::HealthClient;
/// use grpc_core::services::reflection::ReflectionService;
///
/// let reflection = ReflectionService::new(HealthClient::file_descriptor_set());
/// let builder = grpc_core::Server::builder()
///     .add_service(reflection.v1())
///     .add_service(reflection.v1alpha());
/// ```
#[derive(Debug, Clone)]
pub struct ReflectionService {
    /// Filled by [`ServerBuilder::build`] for [`ServerBuilder::with_reflection`].
    index: Arc<OnceLock<DescriptorIndex>>,
}

impl ReflectionService {
    /// Reflection over the files of `set`.
    pub fn new(set: FileDescriptorSet) -> ReflectionService {
        let index = OnceLock::new();
        let _ = index.set(DescriptorIndex::new(set));
        ReflectionService {
            index: Arc::new(index),
        }
    }

    /// The `grpc.reflection.v1.ServerReflection` service.
    pub fn v1(&self) -> v1::ServerReflectionServer<ReflectionService> {
        v1::ServerReflectionServer::new(self.clone())
    }

    /// The `grpc.reflection.v1alpha.ServerReflection` service.
    pub fn v1alpha(&self) -> v1alpha::ServerReflectionServer<ReflectionService> {
        v1alpha::ServerReflectionServer::new(self.clone())
    }

    fn index(&self) -> Result<&DescriptorIndex, Status> {
        self.index
            .get()
            .ok_or_else(|| Status::unavailable("reflection: descriptors not built yet"))
    }

    /// Answers one stream: each request in turn, remembering the files sent.
    fn answer_stream<Req, Resp>(
        &self,
        requests: Streaming<Req>,
        to_v1: fn(Req) -> ServerReflectionRequest,
        from_v1: fn(ServerReflectionResponse) -> Resp,
    ) -> Result<ServerStream<Resp>, Status>
    where
        Req: Send + 'static,
        Resp: Send + 'static,
    {
        self.index()?;
        struct State<Req> {
            service: ReflectionService,
            requests: Streaming<Req>,
            sent: HashSet<String>,
            done: bool,
        }
        let state = State {
            service: self.clone(),
            requests,
            sent: HashSet::new(),
            done: false,
        };
        Ok(ServerStream::new(futures_util::stream::unfold(
            state,
            move |mut state| async move {
                if state.done {
                    return None;
                }
                let item = match state.requests.message().await {
                    Ok(Some(request)) => {
                        let index = match state.service.index() {
                            Ok(index) => index,
                            Err(status) => return Some((Err(status), state)),
                        };
                        Ok(from_v1(answer(index, to_v1(request), &mut state.sent)))
                    }
                    Ok(None) => return None,
                    Err(status) => {
                        state.done = true;
                        Err(status)
                    }
                };
                Some((item, state))
            },
        )))
    }
}

/// The answer to one request.
fn answer(
    index: &DescriptorIndex,
    request: ServerReflectionRequest,
    sent: &mut HashSet<String>,
) -> ServerReflectionResponse {
    let mut files = |name: &str| {
        MessageResponse::FileDescriptorResponse(FileDescriptorResponse {
            file_descriptor_proto: index.encoded_with_dependencies(name, sent),
        })
    };
    let response = match &request.message_request {
        Some(MessageRequest::FileByFilename(name)) => match index.file(name) {
            Some(_) => files(name),
            None => error(Code::NotFound, format!("file not found: {name:?}")),
        },
        Some(MessageRequest::FileContainingSymbol(symbol)) => {
            match index.file_containing_symbol(symbol) {
                Some(file) => files(file.name()),
                None => error(Code::NotFound, format!("symbol not found: {symbol:?}")),
            }
        }
        Some(MessageRequest::FileContainingExtension(extension)) => {
            let (extendee, number) = (&extension.containing_type, extension.extension_number);
            match index.file_containing_extension(extendee, number) {
                Some(file) => files(file.name()),
                None => error(
                    Code::NotFound,
                    format!("extension {number} of {extendee:?} not found"),
                ),
            }
        }
        Some(MessageRequest::AllExtensionNumbersOfType(extendee)) => {
            match index.extension_numbers(extendee) {
                Some(numbers) => {
                    MessageResponse::AllExtensionNumbersResponse(ExtensionNumberResponse {
                        base_type_name: extendee.clone(),
                        extension_number: numbers,
                    })
                }
                None => error(
                    Code::NotFound,
                    format!("message type not found: {extendee:?}"),
                ),
            }
        }
        Some(MessageRequest::ListServices(_)) => {
            MessageResponse::ListServicesResponse(ListServiceResponse {
                service: index
                    .services()
                    .map(|name| ServiceResponse {
                        name: name.to_owned(),
                    })
                    .collect(),
            })
        }
        None => error(Code::InvalidArgument, "empty message_request".to_owned()),
    };
    ServerReflectionResponse {
        valid_host: request.host.clone(),
        original_request: Some(request),
        message_response: Some(response),
    }
}

fn error(code: Code, message: String) -> MessageResponse {
    MessageResponse::ErrorResponse(ErrorResponse {
        error_code: code as i32,
        error_message: message,
    })
}

/// Converts between the two versions' messages, which are the same on the wire.
fn same_wire<A: prost::Message, B: prost::Message + Default>(value: A) -> B {
    // Both sides are our own types with identical field numbers and types: decoding what one
    // encodes cannot fail.
    B::decode(value.encode_to_vec().as_slice()).unwrap_or_default()
}

impl v1::ServerReflection for ReflectionService {
    async fn server_reflection_info(
        &self,
        _ctx: &ServerContext,
        request: Streaming<ServerReflectionRequest>,
    ) -> Result<ServerStream<ServerReflectionResponse>, Status> {
        self.answer_stream(request, |request| request, |response| response)
    }
}

impl v1alpha::ServerReflection for ReflectionService {
    async fn server_reflection_info(
        &self,
        _ctx: &ServerContext,
        request: Streaming<v1alpha::ServerReflectionRequest>,
    ) -> Result<ServerStream<v1alpha::ServerReflectionResponse>, Status> {
        self.answer_stream(request, same_wire, same_wire)
    }
}

/// Registrations of types that no service uses, for [`ServerBuilder::describe`].
#[derive(Clone, Default)]
struct ExtraTypes(Vec<fn(&mut Registry)>);

impl ServerBuilder {
    /// Serves server reflection, `grpc.reflection.v1` and `v1alpha`, describing every service
    /// registered by [`ServerBuilder::build`] time, the `google.rpc` error detail types, and
    /// the types added with [`ServerBuilder::describe`]. See [`crate::services::reflection`].
    pub fn with_reflection(mut self) -> Self {
        let service = ReflectionService {
            index: Arc::new(OnceLock::new()),
        };
        self = self
            .add_service(service.v1())
            .add_service(service.v1alpha());
        self.on_build(move |builder| {
            let mut registry = Registry::new();
            // By name, so that the files (their services' order) are the same every run.
            let mut services: Vec<_> = builder.services().collect();
            services.sort_by_key(|service| service.name());
            for described in services {
                described.register(&mut registry);
            }
            // The rich-error types, so that clients can decode `grpc-status-details-bin`.
            crate::error_details::register_all(&mut registry);
            if let Some(extra) = builder.extensions_mut().get::<ExtraTypes>() {
                for register in &extra.0 {
                    register(&mut registry);
                }
            }
            let index = DescriptorIndex::new(registry.into_file_descriptor_set());
            let _ = service.index.set(index);
        });
        self
    }

    /// Also describes `T` through reflection: a message or enum that no method uses (an
    /// error detail type, say), so that clients can resolve it.
    pub fn describe<T: Describe>(mut self) -> Self {
        let extensions = self.extensions_mut();
        let mut extra = extensions.remove::<ExtraTypes>().unwrap_or_default();
        extra.0.push(T::register);
        extensions.insert(extra);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descriptor::FileDescriptorProto;
    use crate::services::health::v1::HealthClient;
    use prost::Message as _;

    fn request(message: MessageRequest) -> ServerReflectionRequest {
        ServerReflectionRequest {
            host: "example".into(),
            message_request: Some(message),
        }
    }

    fn files(response: &ServerReflectionResponse) -> Vec<String> {
        match &response.message_response {
            Some(MessageResponse::FileDescriptorResponse(files)) => files
                .file_descriptor_proto
                .iter()
                .map(|bytes| {
                    FileDescriptorProto::decode(bytes.as_slice())
                        .expect("a file descriptor")
                        .name()
                        .to_owned()
                })
                .collect(),
            other => panic!("not files: {other:?}"),
        }
    }

    fn error_code(response: &ServerReflectionResponse) -> i32 {
        match &response.message_response {
            Some(MessageResponse::ErrorResponse(error)) => error.error_code,
            other => panic!("not an error: {other:?}"),
        }
    }

    #[test]
    fn answers_each_kind_of_request() {
        let mut registry = Registry::new();
        registry
            .add::<HealthClient>()
            .add::<v1::ServerReflectionClient>();
        let index = DescriptorIndex::new(registry.into_file_descriptor_set());
        let mut sent = HashSet::new();
        let mut ask = |message| answer(&index, request(message), &mut sent);

        let listed = ask(MessageRequest::ListServices(String::new()));
        assert_eq!(listed.valid_host, "example");
        assert!(listed.original_request.is_some());
        let Some(MessageResponse::ListServicesResponse(list)) = &listed.message_response else {
            panic!("{listed:?}");
        };
        let names: Vec<&str> = list.service.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "grpc.health.v1.Health",
                "grpc.reflection.v1.ServerReflection"
            ]
        );

        for symbol in [
            "grpc.health.v1.Health.Watch",
            "grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING",
            "grpc.health.v1.HealthCheckRequest.service",
        ] {
            let found = ask(MessageRequest::FileContainingSymbol(symbol.into()));
            assert_eq!(files(&found), ["grpc/health/v1/health.proto"], "{symbol}");
        }
        let by_name = ask(MessageRequest::FileByFilename(
            "grpc/reflection/v1/reflection.proto".into(),
        ));
        assert_eq!(files(&by_name), ["grpc/reflection/v1/reflection.proto"]);

        let missing = ask(MessageRequest::FileContainingSymbol("no.Such".into()));
        assert_eq!(error_code(&missing), Code::NotFound as i32);
        let missing = ask(MessageRequest::FileByFilename("no.proto".into()));
        assert_eq!(error_code(&missing), Code::NotFound as i32);
        let extension = ask(MessageRequest::FileContainingExtension(
            v1::ExtensionRequest {
                containing_type: "grpc.health.v1.HealthCheckRequest".into(),
                extension_number: 100,
            },
        ));
        assert_eq!(error_code(&extension), Code::NotFound as i32);
        let numbers = ask(MessageRequest::AllExtensionNumbersOfType(
            "grpc.health.v1.HealthCheckRequest".into(),
        ));
        let Some(MessageResponse::AllExtensionNumbersResponse(numbers)) = &numbers.message_response
        else {
            panic!("{numbers:?}");
        };
        assert_eq!(numbers.base_type_name, "grpc.health.v1.HealthCheckRequest");
        assert!(numbers.extension_number.is_empty());
        let unknown = ask(MessageRequest::AllExtensionNumbersOfType("no.Such".into()));
        assert_eq!(error_code(&unknown), Code::NotFound as i32);

        let empty = answer(
            &index,
            ServerReflectionRequest::default(),
            &mut HashSet::new(),
        );
        assert_eq!(error_code(&empty), Code::InvalidArgument as i32);
    }

    #[test]
    fn v1alpha_messages_convert_to_v1_and_back() {
        let alpha = v1alpha::ServerReflectionRequest {
            host: "h".into(),
            message_request: Some(
                v1alpha::server_reflection_request::MessageRequest::FileContainingSymbol(
                    "a.B".into(),
                ),
            ),
        };
        let v1: ServerReflectionRequest = same_wire(alpha.clone());
        assert_eq!(
            v1.message_request,
            Some(MessageRequest::FileContainingSymbol("a.B".into()))
        );
        let back: v1alpha::ServerReflectionRequest = same_wire(v1);
        assert_eq!(back, alpha);
    }
}
