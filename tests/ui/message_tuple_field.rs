// The user used a Rust tuple as a field type; protobuf has no tuples (only `()` means Empty).
use grpc_core::Message;

#[derive(Message)]
pub struct Pair {
    pub pair: Option<(i32, String)>,
}

fn main() {}
