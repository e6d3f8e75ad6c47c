// Enum values that use a number or a name the enum reserves.
use grpc_core::Enumeration;

#[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
#[grpc(reserved(-1, 2..=max, "COLOR_RED"))]
pub enum Color {
    Unspecified = 0,
    Red = 1,
    Blue = 2,
    Gone = -1,
}

fn main() {}
