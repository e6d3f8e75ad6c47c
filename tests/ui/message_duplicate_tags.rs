// The user gave two fields the same explicit field number.
use grpc_core::Message;

#[derive(Message)]
pub struct Order {
    #[grpc(tag = 3)]
    pub id: u64,
    #[grpc(tag = 3)]
    pub name: String,
}

fn main() {}
