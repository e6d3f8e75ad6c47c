// The user wanted to keep unknown fields as raw bytes; the field must be `UnknownFields`.
use grpc_core::Message;

#[derive(Message)]
pub struct Order {
    pub id: u64,
    #[grpc(unknown_fields)]
    pub unknown: Vec<u8>,
}

fn main() {}
