// The user made a message generic; a protobuf message has one fixed schema.
use grpc_core::Message;

#[derive(Message)]
pub struct Wrapper<T> {
    pub value: Option<T>,
}

fn main() {}
