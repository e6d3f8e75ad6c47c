// A map field's encoding names its key's and its value's (`_` keeps one's own): one name alone,
// a key encoding that does not fit the key type, and an encoding for a message value are errors.
use std::collections::HashMap;

use grpc_core::Message;

#[derive(Message, Clone, PartialEq, Debug)]
pub struct Inner {
    pub x: i32,
}

#[derive(Message)]
pub struct Maps {
    #[grpc(encoding = "sint32")]
    pub one_name: HashMap<i32, String>,
    #[grpc(encoding = "fixed32, _")]
    pub wrong_key: HashMap<i64, String>,
    #[grpc(encoding = "_, sint64")]
    pub named_value: HashMap<i32, Inner>,
}

fn main() {}
