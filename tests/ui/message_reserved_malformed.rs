// Reserved lists that protoc would reject: out of range, empty, overlapping, a bad or repeated
// name.
use grpc_core::Message;

#[derive(Message)]
#[grpc(reserved(0, 5..=3, 7..=9, 8, "not valid", "ok", "ok", 536870912))]
pub struct Bad {
    pub x: i32,
}

#[derive(Message)]
#[grpc(reserved(1..=top))]
pub struct Syntax {
    pub x: i32,
}

fn main() {}
