// `OpenEnum<T>` keeps unknown enum numbers; the user wrapped a message type in it.
use grpc_core::{Message, OpenEnum};

#[derive(Message)]
pub struct Point {
    pub x: i32,
}

#[derive(Message)]
pub struct Line {
    pub start: OpenEnum<Point>,
}

fn main() {}
