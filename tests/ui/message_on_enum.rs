// The user derived `Message` on an enum instead of `Enumeration` or `Oneof`.
use grpc_core::Message;

#[derive(Message)]
pub enum Color {
    Red,
    Green,
}

fn main() {}
