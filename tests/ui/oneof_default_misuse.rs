// An enum member's default must name one of the enum's values (checked once the enum's
// `VALUES` are known).
use grpc_core::{Enumeration, Oneof};

#[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Level {
    Low = 0,
    High = 1,
}

#[derive(Oneof)]
pub enum Pick {
    #[grpc(tag = 1, default = "12")]
    Amount(i32),
    #[grpc(tag = 2, default = "LEVEL_LOUD")]
    Loudness(Level),
}

fn main() {}
