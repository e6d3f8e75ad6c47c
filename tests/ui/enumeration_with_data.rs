// The user derived `Enumeration` on an enum whose variant holds data (that is a `Oneof`).
use grpc_core::Enumeration;

#[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Size {
    Unspecified,
    Custom(u32),
}

fn main() {}
