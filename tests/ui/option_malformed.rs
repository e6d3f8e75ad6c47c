// Option texts the macros refuse: a standard option `MessageOptions` does not have, one the
// field takes as an attribute of its own, one of another element, a value of the wrong type,
// no value, an unclosed aggregate, a bad name.
use grpc_core::{Enumeration, Message};

#[derive(Message)]
#[grpc(option = "deprecatd = true")]
pub struct Standard {
    #[grpc(option = "packed = true")]
    pub v: Vec<i32>,
    #[grpc(option = "(my.level) = ")]
    pub x: i32,
    #[grpc(option = "(my.rule) = { path: \"/v1\"")]
    pub y: i32,
}

#[derive(Enumeration)]
#[grpc(option = "idempotency_level = IDEMPOTENT")]
pub enum Level {
    #[grpc(option = "(my bad) = 1")]
    Zero = 0,
    #[grpc(option = "deprecated = yes")]
    One = 1,
}

fn main() {}
