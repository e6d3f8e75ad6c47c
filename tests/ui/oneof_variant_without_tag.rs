// Oneof variants are not numbered automatically; the user forgot `#[grpc(tag = N)]` on one.
use grpc_core::Oneof;

#[derive(Oneof)]
pub enum Payment {
    #[grpc(tag = 10)]
    Card(String),
    Cash(u64),
}

fn main() {}
