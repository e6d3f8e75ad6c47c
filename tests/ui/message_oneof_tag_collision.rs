// A oneof variant reuses the field number of a regular field of the message (`id` is 1).
use grpc_core::{Message, Oneof};

#[derive(Oneof)]
pub enum Payment {
    #[grpc(tag = 1)]
    Card(String),
    #[grpc(tag = 2)]
    Cash(u64),
}

#[derive(Message)]
pub struct Order {
    pub id: u64,
    #[grpc(oneof)]
    pub payment: Option<Payment>,
}

fn main() {}
