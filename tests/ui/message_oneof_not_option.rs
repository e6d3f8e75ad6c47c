// The user marked a field `#[grpc(oneof)]` but did not wrap the oneof in `Option`, and gave the
// oneof field a number of its own.
use grpc_core::{Message, Oneof};

#[derive(Oneof)]
pub enum Payment {
    #[grpc(tag = 10)]
    Card(String),
}

#[derive(Message)]
pub struct Order {
    #[grpc(oneof)]
    pub payment: Payment,
    #[grpc(oneof, tag = 5)]
    pub other: Option<Payment>,
}

fn main() {}
