// The user gave the unknown-fields field a number and a name, as if it were a protobuf field.
use grpc_core::{Message, UnknownFields};

#[derive(Message)]
pub struct Order {
    pub id: u64,
    #[grpc(unknown_fields, tag = 2, name = "rest")]
    pub unknown: UnknownFields,
}

fn main() {}
