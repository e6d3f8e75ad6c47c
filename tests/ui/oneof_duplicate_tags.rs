// The user gave two oneof variants the same field number.
use grpc_core::Oneof;

#[derive(Oneof)]
pub enum Payment {
    #[grpc(tag = 10)]
    Card(String),
    #[grpc(tag = 10)]
    Cash(u64),
}

fn main() {}
