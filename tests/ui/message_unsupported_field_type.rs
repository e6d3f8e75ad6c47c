// The user used field types protobuf cannot express: a borrowed `&'static str` and a bare
// `Box<T>` (a boxed message must be `Option<Box<T>>`).
use grpc_core::Message;

#[derive(Message)]
pub struct Node {
    pub label: &'static str,
    pub next: Box<Node>,
}

fn main() {}
