// Extension ranges: a field numbered inside one (counting on from 99), a name in the
// list, an empty range, one overlapping reserved numbers, and no unknown-fields field to keep
// the extensions in.
use grpc_core::Message;

#[derive(Message)]
#[grpc(syntax = "proto2", reserved(150), extensions(100..=199, "name", 300..=200))]
pub struct Base {
    #[grpc(tag = 99)]
    pub id: Option<u64>,
    pub weight: Option<i32>,
}

fn main() {}
