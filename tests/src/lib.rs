//! Helpers shared by the end-to-end tests: starting servers on free ports, and running the
//! Python peers under `tests/python` and the grpc-go peers under `tests/go`.

pub mod attack;
pub mod auth;
pub mod backends;
pub mod certs;
pub mod corpus;
pub mod fault_proxy;
pub mod frames;
pub mod go;
pub mod imported;
pub mod intercepting;
pub mod interop;
pub mod library;
pub mod probe;
pub mod protos;
pub mod python;
pub mod raw;
pub mod servers;
pub mod sleeper;
pub mod wiretest;
pub mod workshop;
