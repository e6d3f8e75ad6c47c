// An extension constant whose number is in none of the message's extension ranges.
use grpc_core::extension::{self, Extension};
use grpc_core::{Message, UnknownFields};

#[derive(Message)]
#[grpc(syntax = "proto2", extensions(100..=199))]
pub struct Base {
    pub id: Option<u64>,
    #[grpc(unknown_fields)]
    pub unknown_fields: UnknownFields,
}

pub const WEIGHT: Extension<Base, extension::Int32> = Extension::new("shop.weight", 200);

fn main() {
    let _ = WEIGHT;
}
