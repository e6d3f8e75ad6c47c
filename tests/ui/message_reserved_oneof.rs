// A oneof variant uses a field number, or a name, that the message holding it reserves.
use grpc_core::{Message, Oneof};

#[derive(Oneof)]
pub enum Payment {
    #[grpc(tag = 5)]
    Card(String),
    #[grpc(tag = 9)]
    Cash(u64),
}

#[derive(Message)]
#[grpc(reserved(4..=6, "cash"))]
pub struct Order {
    pub id: u64,
    #[grpc(oneof)]
    pub payment: Option<Payment>,
}

fn main() {}
