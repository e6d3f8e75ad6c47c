//! What client and server interceptors share: a message seen without its type, and the
//! per-call observer that sees a call's messages and its outcome.
//!
//! The interceptors themselves are [`client::Interceptor`](crate::client::Interceptor) and
//! [`server::Interceptor`](crate::server::Interceptor). Each one is asked, once per call and
//! asynchronously, whether and how the call goes on; it may hand back a [`CallObserver`] that
//! then sees every request and response message of that call (and may change them in place)
//! and the call's final status, however the call ends: OK, an error, a cancel or a deadline.
//!
//! ```
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use grpc_core::intercept::{CallObserver, DynMessage};
//! use grpc_core::Status;
//!
//! /// Counts a call's messages and prints them when it ends.
//! #[derive(Default)]
//! struct Counter { requests: AtomicUsize, responses: AtomicUsize }
//!
//! impl CallObserver for Counter {
//!     fn on_request(&self, message: &mut dyn DynMessage) {
//!         self.requests.fetch_add(1, Ordering::Relaxed);
//!         println!("request {message:?}"); // its type and encoded size
//!     }
//!     fn on_response(&self, _: &mut dyn DynMessage) {
//!         self.responses.fetch_add(1, Ordering::Relaxed);
//!     }
//!     fn on_end(&self, status: &Status) {
//!         println!("{} requests, {} responses, {}", self.requests.load(Ordering::Relaxed),
//!             self.responses.load(Ordering::Relaxed), status.code());
//!     }
//! }
//!
//! // A message is seen as `dyn DynMessage`: downcast it to read or change it by type.
//! let mut message = grpc_core::well_known::StringValue { value: "hi".into() };
//! let seen: &mut dyn DynMessage = &mut message;
//! if let Some(text) = seen.downcast_mut::<grpc_core::well_known::StringValue>() {
//!     text.value.push('!');
//! }
//! assert_eq!(message.value, "hi!");
//! ```

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::message::MessageType;
use crate::status::Status;

/// A boxed future borrowing from the interceptor and its call (what the interceptors' async
/// methods return: write `Box::pin(async move { ... })`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A message of any type, as interceptors see it: named, measurable, and downcast to its own
/// type to be read or changed. Its `Debug` shows the type and the encoded size (downcast to
/// print the fields).
pub trait DynMessage: Any + Send {
    /// The message as `Any`, to downcast.
    fn as_any(&self) -> &dyn Any;
    /// The message as `Any`, to downcast and change.
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// Its protobuf encoding's length in bytes.
    fn encoded_len(&self) -> usize;
    /// The Rust type's name (for logs).
    fn type_name(&self) -> &'static str;
    /// The boxed message as `Any`, to take it back as its own type.
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<T: MessageType> DynMessage for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn encoded_len(&self) -> usize {
        prost::Message::encoded_len(self)
    }
    fn type_name(&self) -> &'static str {
        std::any::type_name::<T>()
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

impl fmt::Debug for dyn DynMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} bytes)", self.type_name(), self.encoded_len())
    }
}

impl dyn DynMessage {
    /// The message as a `T`, if it is one.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.as_any().downcast_ref()
    }

    /// The message as a mutable `T`, if it is one: change it in place to transform it.
    pub fn downcast_mut<T: Any>(&mut self) -> Option<&mut T> {
        self.as_any_mut().downcast_mut()
    }
}

/// Sees one call's messages and its end. Every method has a default that does nothing.
///
/// The request side and the response side of a streaming call run concurrently, so the
/// methods take `&self`: keep per-call state in atomics or a mutex.
pub trait CallObserver: Send + Sync + 'static {
    /// Each request message, before it is sent (client) or handed to the handler (server).
    fn on_request(&self, message: &mut dyn DynMessage) {
        let _ = message;
    }

    /// Each response message, before the caller (client) or the wire (server) gets it.
    fn on_response(&self, message: &mut dyn DynMessage) {
        let _ = message;
    }

    /// The call's final status, once: OK (its metadata is the trailing metadata), the error,
    /// CANCELLED when the call was cancelled or dropped, DEADLINE_EXCEEDED after the deadline.
    fn on_end(&self, status: &Status) {
        let _ = status;
    }
}

/// The observers of one call, outermost interceptor first. Requests go through them in order,
/// responses and the end in reverse (the innermost interceptor sees them first).
#[derive(Clone, Default)]
pub(crate) struct Observers(Arc<ObserverList>);

#[derive(Default)]
pub(crate) struct ObserverList {
    observers: Vec<Box<dyn CallObserver>>,
    ended: std::sync::atomic::AtomicBool,
}

impl Observers {
    pub(crate) fn new(observers: Vec<Box<dyn CallObserver>>) -> Self {
        Observers(Arc::new(ObserverList {
            observers,
            ended: Default::default(),
        }))
    }

    pub(crate) fn request(&self, message: &mut dyn DynMessage) {
        for observer in &self.0.observers {
            observer.on_request(message);
        }
    }

    pub(crate) fn response(&self, message: &mut dyn DynMessage) {
        for observer in self.0.observers.iter().rev() {
            observer.on_response(message);
        }
    }

    /// Reports the end (only the first call counts).
    pub(crate) fn end(&self, status: &Status) {
        if self.0.ended.swap(true, std::sync::atomic::Ordering::AcqRel) {
            return;
        }
        for observer in self.0.observers.iter().rev() {
            // A panicking observer must not take the others (or the call) with it.
            let _ =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| observer.on_end(status)));
        }
    }

    pub(crate) fn has_ended(&self) -> bool {
        self.0.ended.load(std::sync::atomic::Ordering::Acquire)
    }
}

impl fmt::Debug for Observers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Observers")
            .field("count", &self.0.observers.len())
            .finish()
    }
}

/// What a message stream calls for each message it yields: the observers' request or
/// response hook, typed at construction (the stream itself is generic over any `T`).
pub(crate) struct MessageHook<T> {
    pub(crate) observers: Observers,
    /// `true`: the stream carries requests; `false`: responses.
    pub(crate) requests: bool,
    pub(crate) as_dyn: fn(&mut T) -> &mut dyn DynMessage,
}

impl<T: MessageType> MessageHook<T> {
    pub(crate) fn new(observers: Observers, requests: bool) -> Self {
        MessageHook {
            observers,
            requests,
            as_dyn: |message| message,
        }
    }
}

impl<T> MessageHook<T> {
    pub(crate) fn see(&self, message: &mut T) {
        let message = (self.as_dyn)(message);
        if self.requests {
            self.observers.request(message);
        } else {
            self.observers.response(message);
        }
    }
}
