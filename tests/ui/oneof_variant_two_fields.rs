// A oneof variant holds exactly one value; the user gave one variant two fields and another none.
use grpc_core::Oneof;

#[derive(Oneof)]
pub enum Payment {
    #[grpc(tag = 10)]
    Card(String, u32),
    #[grpc(tag = 11)]
    Nothing,
}

fn main() {}
