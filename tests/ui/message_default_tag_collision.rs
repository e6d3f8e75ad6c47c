// A field without a tag takes the previous number plus one (here 2), which the user also gave
// explicitly to a later field.
use grpc_core::Message;

#[derive(Message)]
pub struct Order {
    pub id: u64,
    pub name: String,
    #[grpc(tag = 2)]
    pub note: String,
}

fn main() {}
