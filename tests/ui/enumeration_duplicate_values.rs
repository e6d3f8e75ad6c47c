// The user gave two variants the same number (aliases are not supported).
use grpc_core::Enumeration;

#[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Size {
    Unspecified = 0,
    Small = 1,
    Tiny = 1,
}

fn main() {}
