// A message-typed field must be `Option<Point>` (proto3 message fields have presence); the user
// wrote a bare `Point`, which is only accepted for enums.
use grpc_core::Message;

#[derive(Message)]
pub struct Point {
    pub x: i32,
}

#[derive(Message)]
pub struct Line {
    pub start: Point,
}

fn main() {}
