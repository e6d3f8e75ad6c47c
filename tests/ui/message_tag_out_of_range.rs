// The user used field number 0 (not allowed) and one from protobuf's reserved block
// 19000..=19999.
use grpc_core::Message;

#[derive(Message)]
pub struct Order {
    #[grpc(tag = 0)]
    pub id: u64,
    #[grpc(tag = 19500)]
    pub name: String,
}

fn main() {}
