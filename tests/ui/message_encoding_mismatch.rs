// The user asked for a 64-bit zig-zag encoding on a 32-bit field, and for a made-up encoding.
use grpc_core::Message;

#[derive(Message)]
pub struct Delta {
    #[grpc(encoding = "sint64")]
    pub small: i32,
    #[grpc(encoding = "varint")]
    pub big: i64,
}

fn main() {}
