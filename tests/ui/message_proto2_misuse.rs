// proto2 needs explicit presence; `packed` fits only repeated scalars and enums; a default must
// fit its field; `required` is proto2's and fits only `Option<T>`; editions are refused.
use grpc_core::Message;

#[derive(Message)]
#[grpc(syntax = "proto2")]
pub struct Old {
    pub count: i32,
    #[grpc(packed = false)]
    pub names: Vec<String>,
    #[grpc(packed = true)]
    pub single: Option<i32>,
    #[grpc(default = "lots")]
    pub limit: Option<u32>,
    #[grpc(default = "5")]
    pub all: Vec<i32>,
    #[grpc(required)]
    pub many: Vec<i32>,
}

#[derive(Message)]
pub struct Three {
    #[grpc(required)]
    pub id: Option<u64>,
}

#[derive(Message)]
#[grpc(syntax = "editions")]
pub struct New {
    pub count: i32,
}

fn main() {}
