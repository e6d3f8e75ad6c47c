//! A server-reflection client: a running server's schema as a [`DescriptorPool`].
//!
//! [`ReflectionClient`] speaks `grpc.reflection.v1` and falls back to `grpc.reflection.v1alpha`
//! when the server answers UNIMPLEMENTED (as grpcurl does). The two protocols have the same
//! messages under two package names, so both are sent as grpc-core's
//! [`v1`](grpc_core::services::reflection::v1) types, only the method path differs. One
//! request stream serves every question asked; files the server already sent are not asked
//! for again.
//!
//! ```no_run
//! use grpc_proto_import::reflection::ReflectionClient;
//!
//! # async fn run() -> Result<(), grpc_core::Status> {
//! let channel = grpc_core::Channel::insecure("localhost:50051").unwrap();
//! let mut reflection = ReflectionClient::new(channel);
//! for service in reflection.list_services().await? {
//!     println!("{service}");
//! }
//! let pool = reflection.pool_for_symbol("routeguide.RouteGuide").await?;
//! let service = pool.get_service_by_name("routeguide.RouteGuide").unwrap();
//! println!("{} methods", service.methods().len());
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use bytes::Bytes;
use grpc_core::client::RawCall;
use grpc_core::metadata::MetadataMap;
use grpc_core::services::reflection::v1::server_reflection_request::MessageRequest;
use grpc_core::services::reflection::v1::server_reflection_response::MessageResponse;
use grpc_core::services::reflection::v1::{ServerReflectionRequest, ServerReflectionResponse};
use grpc_core::{Channel, Code, Status, Streaming};
use prost::Message as _;
use prost_reflect::DescriptorPool;
use prost_types::{FileDescriptorProto, FileDescriptorSet};
use tokio::sync::mpsc;

const V1: &str = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
const V1ALPHA: &str = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

/// The protocol version a [`ReflectionClient`] ended up speaking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `grpc.reflection.v1`.
    V1,
    /// `grpc.reflection.v1alpha` (the server does not serve v1).
    V1Alpha,
}

/// Asks a server about its services over one reflection stream; see the [module](self) docs.
#[derive(Debug)]
pub struct ReflectionClient {
    channel: Channel,
    metadata: MetadataMap,
    timeout: Option<Duration>,
    stream: Option<Open>,
    /// Every file received, by name.
    files: BTreeMap<String, FileDescriptorProto>,
    /// The same files as the server encoded them (custom options as extension fields, which
    /// prost-types' structs drop).
    encoded: BTreeMap<String, Vec<u8>>,
}

#[derive(Debug)]
struct Open {
    version: Version,
    requests: mpsc::Sender<Bytes>,
    responses: Streaming<Bytes>,
}

impl ReflectionClient {
    /// A client asking the server behind `channel`.
    pub fn new(channel: Channel) -> ReflectionClient {
        ReflectionClient {
            channel,
            metadata: MetadataMap::new(),
            timeout: None,
            stream: None,
            files: BTreeMap::new(),
            encoded: BTreeMap::new(),
        }
    }

    /// Sends `metadata` with the reflection stream (authentication, routing).
    pub fn with_metadata(mut self, metadata: MetadataMap) -> Self {
        self.metadata = metadata;
        self
    }

    /// Fails the reflection stream with DEADLINE_EXCEEDED after `timeout` (none by default).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The version spoken, once a question has been answered.
    pub fn version(&self) -> Option<Version> {
        self.stream.as_ref().map(|open| open.version)
    }

    /// The full names of the services the server offers, sorted.
    pub async fn list_services(&mut self) -> Result<Vec<String>, Status> {
        match self
            .ask(MessageRequest::ListServices(String::new()))
            .await?
        {
            MessageResponse::ListServicesResponse(list) => {
                let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
                names.sort();
                Ok(names)
            }
            other => Err(unexpected("list_services", &other)),
        }
    }

    /// The file that defines `symbol` (a service, method, message, enum, field...), and the
    /// files it imports, transitively, as a pool.
    pub async fn pool_for_symbol(&mut self, symbol: &str) -> Result<DescriptorPool, Status> {
        let request = MessageRequest::FileContainingSymbol(symbol.to_owned());
        let names = self.fetch(request).await?;
        self.pool_of(&names).await
    }

    /// The file named `name` and the files it imports, transitively, as a pool.
    pub async fn pool_for_file(&mut self, name: &str) -> Result<DescriptorPool, Status> {
        let names = self.fetch_file(name).await?;
        self.pool_of(&names).await
    }

    /// Every service's file with its imports, as one pool (what `list` without reflection
    /// knowledge, `describe` and `export` need). Services the server lists but cannot
    /// describe (grpcio lists the reflection service without its file) are left out.
    pub async fn pool_for_all_services(&mut self) -> Result<DescriptorPool, Status> {
        let mut names = Vec::new();
        for service in self.list_services().await? {
            let request = MessageRequest::FileContainingSymbol(service.clone());
            match self.fetch(request).await {
                Ok(found) => names.extend(found),
                Err(status) if status.code() == Code::NotFound => {}
                Err(status) => return Err(status),
            }
        }
        self.pool_of(&names).await
    }

    /// The files received so far, as a set (dependencies first). Custom options are in each
    /// element's `uninterpreted_option` list, as [`parse`](crate::parse) gives them.
    pub fn file_descriptor_set(&self) -> FileDescriptorSet {
        let mut ordered = Vec::new();
        let mut done = HashSet::new();
        for name in self.files.keys() {
            self.order(name, &mut done, &mut ordered);
        }
        let mut set = FileDescriptorSet { file: ordered };
        // Custom options come back as uninterpreted options (as `parse` gives them), so that
        // `.proto` export prints them and re-encoding restores them.
        let mut encoded = Vec::new();
        for file in &set.file {
            if let Some(bytes) = self.encoded.get(file.name()) {
                prost::encoding::bytes::encode(1, bytes, &mut encoded);
            }
        }
        crate::custom_options::lift(&mut set, &encoded);
        set
    }

    fn order(&self, name: &str, done: &mut HashSet<String>, out: &mut Vec<FileDescriptorProto>) {
        if !done.insert(name.to_owned()) {
            return;
        }
        let Some(file) = self.files.get(name) else {
            return;
        };
        for dependency in &file.dependency {
            self.order(dependency, done, out);
        }
        out.push(file.clone());
    }

    /// A pool of `names` and everything they import, asking for any import not yet received.
    async fn pool_of(&mut self, names: &[String]) -> Result<DescriptorPool, Status> {
        let mut wanted: Vec<String> = names.to_vec();
        let mut needed = HashSet::new();
        while let Some(name) = wanted.pop() {
            if !needed.insert(name.clone()) {
                continue;
            }
            if !self.files.contains_key(&name) {
                self.fetch_file(&name).await?;
            }
            let file = self.files.get(&name).ok_or_else(|| {
                Status::not_found(format!("the server did not send file {name:?}"))
            })?;
            wanted.extend(file.dependency.iter().cloned());
        }
        let mut set = self.file_descriptor_set();
        set.file.retain(|file| needed.contains(file.name()));
        DescriptorPool::from_file_descriptor_set(set).map_err(|e| {
            Status::internal(format!("the server's descriptors do not fit together: {e}"))
        })
    }

    async fn fetch_file(&mut self, name: &str) -> Result<Vec<String>, Status> {
        self.fetch(MessageRequest::FileByFilename(name.to_owned()))
            .await
    }

    /// Asks for files, keeps them, and returns the names of those in the answer.
    async fn fetch(&mut self, request: MessageRequest) -> Result<Vec<String>, Status> {
        match self.ask(request).await? {
            MessageResponse::FileDescriptorResponse(response) => {
                let mut names = Vec::new();
                for bytes in response.file_descriptor_proto {
                    let file = FileDescriptorProto::decode(bytes.as_slice()).map_err(|e| {
                        Status::internal(format!("the server sent a bad FileDescriptorProto: {e}"))
                    })?;
                    names.push(file.name().to_owned());
                    self.encoded.insert(file.name().to_owned(), bytes);
                    self.files.insert(file.name().to_owned(), file);
                }
                Ok(names)
            }
            other => Err(unexpected("a file request", &other)),
        }
    }

    /// One question and its answer; an `ErrorResponse` becomes a `Status`.
    async fn ask(&mut self, request: MessageRequest) -> Result<MessageResponse, Status> {
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(request),
        };
        let encoded = Bytes::from(request.encode_to_vec());
        let response = match self.stream.take() {
            Some(open) => self.exchange(open, Some(encoded)).await?,
            None => {
                let first = match self.open(Version::V1, encoded.clone()).await {
                    Ok(open) => self.exchange(open, None).await,
                    Err(status) => Err(status),
                };
                match first {
                    Err(status) if status.code() == Code::Unimplemented => {
                        let open = self.open(Version::V1Alpha, encoded).await?;
                        self.exchange(open, None).await?
                    }
                    other => other?,
                }
            }
        };
        match response.message_response {
            Some(MessageResponse::ErrorResponse(error)) => Err(Status::new(
                Code::from_i32(error.error_code),
                error.error_message,
            )),
            Some(answer) => Ok(answer),
            None => Err(Status::internal("the reflection answer holds no response")),
        }
    }

    /// Opens a stream whose first request is `first` (sent before the call starts: a server
    /// may hold its response headers until it has a request to answer).
    async fn open(&self, version: Version, first: Bytes) -> Result<Open, Status> {
        let path = match version {
            Version::V1 => V1,
            Version::V1Alpha => V1ALPHA,
        };
        let (requests, receiver) = mpsc::channel(4);
        requests
            .send(first)
            .await
            .map_err(|_| Status::internal("reflection request queue closed"))?;
        let mut call = RawCall::new(&self.channel, path)?.metadata(self.metadata.clone());
        if let Some(timeout) = self.timeout {
            call = call.timeout(timeout);
        }
        let result = call
            .call(grpc_core::stream::ReceiverStream::new(receiver))
            .await;
        let responses = result?;
        Ok(Open {
            version,
            requests,
            responses,
        })
    }

    /// Sends `request` (none when the stream was just opened with it) and reads one answer.
    async fn exchange(
        &mut self,
        mut open: Open,
        request: Option<Bytes>,
    ) -> Result<ServerReflectionResponse, Status> {
        if let Some(request) = request {
            open.requests
                .send(request)
                .await
                .map_err(|_| Status::unavailable("the reflection stream closed"))?;
        }
        let answer =
            open.responses.message().await?.ok_or_else(|| {
                Status::unavailable("the reflection stream ended without an answer")
            })?;
        let response = ServerReflectionResponse::decode(answer).map_err(|e| {
            Status::internal(format!("the server sent a bad reflection answer: {e}"))
        })?;
        self.stream = Some(open);
        Ok(response)
    }
}

fn unexpected(asked: &str, answer: &MessageResponse) -> Status {
    let kind = match answer {
        MessageResponse::FileDescriptorResponse(_) => "files",
        MessageResponse::AllExtensionNumbersResponse(_) => "extension numbers",
        MessageResponse::ListServicesResponse(_) => "a service list",
        MessageResponse::ErrorResponse(_) => "an error",
    };
    Status::internal(format!("the server answered {asked} with {kind}"))
}
