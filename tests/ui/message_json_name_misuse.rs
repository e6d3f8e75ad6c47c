// `json_name` belongs on a field or a oneof's variants, not on the oneof field, and not on a
// message or a file-options path that is not a path.
use grpc_core::{Message, Oneof};

#[derive(Oneof, Clone, PartialEq, Debug)]
pub enum Choice {
    #[grpc(tag = 1)]
    Id(u64),
}

#[derive(Message, Clone, PartialEq, Debug)]
pub struct Order {
    #[grpc(oneof, json_name = "pick")]
    pub choice: Option<Choice>,
}

#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(json_name = "whole")]
pub struct Whole {
    pub id: u64,
}

#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(file_options = "not a path")]
pub struct Opts {
    pub id: u64,
}

fn main() {}
