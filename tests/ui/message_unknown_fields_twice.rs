// The user marked two fields `#[grpc(unknown_fields)]`; a message has one set of unknown fields.
use grpc_core::{Message, UnknownFields};

#[derive(Message)]
pub struct Order {
    pub id: u64,
    #[grpc(unknown_fields)]
    pub unknown: UnknownFields,
    #[grpc(unknown_fields)]
    pub more_unknown: UnknownFields,
}

fn main() {}
