// A proto3 enum's default is its 0 value; the user's enum starts at 1.
use grpc_core::Enumeration;

#[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Size {
    Small = 1,
    Large = 2,
}

fn main() {}
