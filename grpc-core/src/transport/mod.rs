//! Bytes over HTTP/2: client connections (TCP, Unix sockets, TLS with rustls) and the
//! receiving half of a call's body on either side.
//!
//! The server drives h2's server connection itself (see `server`), over the frame filter of
//! `frame_guard` (keepalive enforcement, control-frame bound); both sides take their TLS from
//! the one rustls setup in [`tls`](crate::tls), and both write through `coalesce`: what h2
//! writes during one turn of a connection's loop goes out in one write.

pub(crate) mod address;
pub(crate) mod batching;
pub(crate) mod coalesce;
pub(crate) mod connect;
pub(crate) mod frame_guard;
pub(crate) mod recv;
pub(crate) mod usage;
