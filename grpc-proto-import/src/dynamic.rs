//! Runtime loading and dynamic calls: no generated code at all.
//!
//! [`load`] parses `.proto` files into a descriptor pool (like grpcio's `grpc.protos()`), and
//! a [`DynamicClient`] calls any method of any loaded service with messages given and returned
//! as JSON in the canonical protobuf JSON mapping. All four call shapes work: send one or many
//! requests, receive one or many responses.
//!
//! ```no_run
//! use grpc_proto_import::dynamic::{self, DynamicClient};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let pool = dynamic::load(&["protos"], &["route_guide.proto"])?;
//! let channel = grpc_core::Channel::insecure("localhost:50051")?;
//! let client = DynamicClient::new(channel, pool);
//! let feature = client
//!     .unary(
//!         "routeguide.RouteGuide/GetFeature",
//!         serde_json::json!({"latitude": 409146138, "longitude": -746188906}),
//!     )
//!     .await?;
//! println!("{feature}");
//! # Ok(()) }
//! ```

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use grpc_core::client::RawCall;
use grpc_core::metadata::MetadataMap;
use grpc_core::{Channel, Status};
use prost::Message as _;
use prost_reflect::{
    DescriptorPool, DynamicMessage, MessageDescriptor, MethodDescriptor, ReflectMessage,
    SerializeOptions,
};
use serde_json::Value;

use crate::error::Error;

/// Parses `files` (relative to one of `includes`) and their imports into a descriptor pool.
/// Custom options stay extension fields of the options messages, as protoc writes them.
pub fn load(
    includes: &[impl AsRef<Path>],
    files: &[impl AsRef<Path>],
) -> Result<DescriptorPool, Error> {
    let compiler = crate::parse::compile(includes, files)?;
    DescriptorPool::decode(compiler.encode_file_descriptor_set().as_slice())
        .map_err(|e| Error::new(e.to_string()))
}

/// Calls methods found in a descriptor pool, with JSON messages.
#[derive(Debug, Clone)]
pub struct DynamicClient {
    channel: Channel,
    pool: DescriptorPool,
    timeout: Option<Duration>,
    metadata: MetadataMap,
}

impl DynamicClient {
    /// A client calling on `channel` the services described in `pool`.
    pub fn new(channel: Channel, pool: DescriptorPool) -> Self {
        DynamicClient {
            channel,
            pool,
            timeout: None,
            metadata: MetadataMap::new(),
        }
    }

    /// Gives every call this timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends this metadata with every call.
    pub fn with_metadata(mut self, metadata: MetadataMap) -> Self {
        self.metadata = metadata;
        self
    }

    /// Finds a method by `package.Service/Method` (or `package.Service.Method`).
    pub fn method(&self, name: &str) -> Result<MethodDescriptor, Status> {
        find_method(&self.pool, name)
    }

    /// Calls a unary (or client-streaming with one message) method.
    pub async fn unary(&self, method: &str, request: Value) -> Result<Value, Status> {
        let mut responses = self.call(method, vec![request]).await?;
        match (responses.pop(), responses.is_empty()) {
            (Some(response), true) => Ok(response),
            _ => Err(Status::internal("expected exactly one response message")),
        }
    }

    /// Calls any method: sends `requests` (exactly one unless the method streams requests) and
    /// returns every response (exactly one unless it streams responses).
    pub async fn call(&self, method: &str, requests: Vec<Value>) -> Result<Vec<Value>, Status> {
        let method = self.method(method)?;
        if !method.is_client_streaming() && requests.len() != 1 {
            return Err(Status::invalid_argument(format!(
                "{} takes exactly one request message, got {}",
                method.full_name(),
                requests.len()
            )));
        }
        let input = method.input();
        let encoded: Vec<Bytes> = requests
            .into_iter()
            .map(|json| from_json(&input, json).map(|m| Bytes::from(m.encode_to_vec())))
            .collect::<Result<_, _>>()?;
        let path = format!("/{}/{}", method.parent_service().full_name(), method.name());
        let mut call = RawCall::new(&self.channel, &path)?.metadata(self.metadata.clone());
        if let Some(timeout) = self.timeout {
            call = call.timeout(timeout);
        }
        let mut stream = call.call(grpc_core::stream::iter(encoded)).await?;
        let output = method.output();
        let mut responses = Vec::new();
        while let Some(bytes) = stream.message().await? {
            let message = DynamicMessage::decode(output.clone(), bytes)
                .map_err(|e| Status::internal(format!("decoding {}: {e}", output.full_name())))?;
            responses.push(to_json(&message)?);
        }
        if !method.is_server_streaming() && responses.len() != 1 {
            return Err(Status::internal(format!(
                "{} answered {} messages instead of one",
                method.full_name(),
                responses.len()
            )));
        }
        Ok(responses)
    }
}

/// Finds a method of `pool` by `package.Service/Method` (or `package.Service.Method`).
pub fn find_method(pool: &DescriptorPool, name: &str) -> Result<MethodDescriptor, Status> {
    let name = name.trim_start_matches('/');
    let (service, method) = name
        .rsplit_once('/')
        .or_else(|| name.rsplit_once('.'))
        .ok_or_else(|| {
            Status::invalid_argument(format!("{name:?} is not package.Service/Method"))
        })?;
    let service_descriptor = pool
        .get_service_by_name(service)
        .ok_or_else(|| Status::not_found(format!("no service {service} in the loaded protos")))?;
    let found = service_descriptor.methods().find(|m| m.name() == method);
    found.ok_or_else(|| Status::not_found(format!("service {service} has no method {method}")))
}

/// A message of type `descriptor` from its canonical JSON form.
pub fn from_json(descriptor: &MessageDescriptor, json: Value) -> Result<DynamicMessage, Status> {
    DynamicMessage::deserialize(descriptor.clone(), json).map_err(|e| {
        Status::invalid_argument(format!(
            "JSON is not a valid {}: {e}",
            descriptor.full_name()
        ))
    })
}

/// The canonical JSON form of `message`.
pub fn to_json(message: &DynamicMessage) -> Result<Value, Status> {
    message
        .serialize_with_options(serde_json::value::Serializer, &SerializeOptions::new())
        .map_err(|e| {
            Status::internal(format!(
                "encoding {} as JSON: {e}",
                message.descriptor().full_name()
            ))
        })
}
