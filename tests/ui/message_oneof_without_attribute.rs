// The user forgot `#[grpc(oneof)]` on an `Option<T>` field whose `T` derives `Oneof`.
use grpc_core::{Message, Oneof};

#[derive(Oneof)]
pub enum Payment {
    #[grpc(tag = 10)]
    Card(String),
    #[grpc(tag = 11)]
    Cash(u64),
}

#[derive(Message)]
pub struct Order {
    pub id: u64,
    pub payment: Option<Payment>,
}

fn main() {}
