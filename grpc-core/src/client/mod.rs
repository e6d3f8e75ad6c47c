//! The client side: [`Channel`]s and the call builders that generated clients return.
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

mod call;
mod channel;
mod raw;

pub use call::{CallDetails, StreamingCall, UnaryCall};
pub use channel::{Channel, ChannelBuilder};
pub use raw::RawCall;

use tokio::time::Instant;

use crate::status::{Code, Status};

/// Translates tonic's client-side statuses into the codes gRPC specifies.
pub(crate) fn map_status(status: Status, deadline: Option<Instant>) -> Status {
    match status.code() {
        // tonic's own timer (fed by our grpc-timeout header) reports CANCELLED.
        Code::Cancelled if deadline.is_some_and(|d| Instant::now() >= d) => {
            Status::deadline_exceeded("deadline exceeded")
        }
        // tonic reports an oversized message as OUT_OF_RANGE.
        Code::OutOfRange if status.message().contains("message length too large") => {
            Status::resource_exhausted(status.message().to_owned())
        }
        // An error that came from the transport (it carries a source; statuses the server
        // sent do not): the endpoint is unreachable or does not speak gRPC over HTTP/2.
        Code::Unknown => match std::error::Error::source(&status) {
            Some(source) => {
                let chain = error_chain(source);
                if chain.starts_with(status.message()) {
                    Status::unavailable(chain)
                } else {
                    Status::unavailable(format!("{}: {chain}", status.message()))
                }
            }
            None => status,
        },
        _ => status,
    }
}

/// `error: cause: cause...`, skipping causes whose text repeats the previous one.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut current = error.source();
    while let Some(cause) = current {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        current = cause.source();
    }
    text
}
