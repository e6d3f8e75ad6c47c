//! The client side: [`Channel`]s (resolution, subchannels, load balancing, connectivity) and
//! the call builders that generated clients return. Calls can be intercepted ([`Interceptor`],
//! on [`ChannelBuilder::interceptor`] or [`Channel::with_interceptor`]) and carry
//! [`CallCredentials`] (per channel or per call, over TLS or local credentials).
//!
//! Every stub method returns a call builder. Await it for the response, or set per-call
//! options first:
//!
//! ```no_run
//! # use grpc_core::{Message, Status, Channel};
//! # #[derive(Message, Clone, PartialEq, Debug)] #[grpc(package = "helloworld")]
//! # pub struct HelloRequest { pub name: String }
//! # #[derive(Message, Clone, PartialEq, Debug)] #[grpc(package = "helloworld")]
//! # pub struct HelloReply { pub message: String }
//! # #[grpc_core::service(package = "helloworld")]
//! # pub trait Greeter: Send + Sync + 'static {
//! #     async fn say_hello(&self, request: HelloRequest) -> Result<HelloReply, Status>;
//! # }
//! use std::time::Duration;
//! use grpc_core::metadata::MetadataMap;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = GreeterClient::new(Channel::insecure("localhost:50051")?);
//! let request = HelloRequest { name: "world".into() };
//!
//! // Just the response:
//! let reply = client.say_hello(request.clone()).await?;
//!
//! // With a deadline and metadata, keeping the response metadata:
//! let mut metadata = MetadataMap::new();
//! metadata.insert("x-request-id", "42".parse()?);
//! let (reply, details) = client
//!     .say_hello(request)
//!     .timeout(Duration::from_secs(1))
//!     .metadata(metadata)
//!     .with_call()
//!     .await?;
//! println!("{reply:?} {:?}", details.trailing_metadata());
//! # Ok(()) }
//! ```

mod backoff;
mod blocking;
mod call;
mod channel;
mod connectivity;
mod credentials;
mod future;
mod intercept;
pub mod lb;
mod raw;
mod requests;
mod resolver;
mod service_config;
mod stream;
mod target;
mod worker;

pub use backoff::BackoffConfig;
pub use blocking::{BlockingCall, BlockingRuntime, BlockingStreaming};
pub use call::{CallDetails, StreamingCall, UnaryCall};
pub use channel::{Channel, ChannelBuilder};
pub use connectivity::ConnectivityState;
pub use credentials::{AuthMetadataContext, CallCredentials, CredentialsPlugin};
pub use future::{CallFuture, FutureError};
pub use intercept::{CallInfo, Intercept, Interceptor};
pub use raw::RawCall;
pub use requests::{request_channel, IntoRequest, RequestSender, RequestStream};
pub use resolver::{Address, DnsResolver, ResolveFuture, Resolver, StaticResolver};
pub use stream::ClientStream;
