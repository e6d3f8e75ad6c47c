//! Emitting: one module per kind of generated item.

mod enumeration;
mod extension;
mod file;
mod message;
mod service;
