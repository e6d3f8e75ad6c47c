// A oneof member named like a regular field of the same message: protobuf forbids two fields
// with one name.
use grpc_core::{Message, Oneof};

#[derive(Oneof, Clone, PartialEq, Debug)]
pub enum Kind {
    #[grpc(tag = 5)]
    Text(String),
    #[grpc(tag = 6)]
    Number(i64),
}

#[derive(Message, Clone, PartialEq, Debug)]
pub struct Item {
    pub text: String,
    #[grpc(oneof)]
    pub kind: Option<Kind>,
}

fn main() {}
