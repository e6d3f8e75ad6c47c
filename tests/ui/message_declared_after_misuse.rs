// `declared_after` places a map field's entry message among the nested messages: on another
// field it is an error.
use std::collections::HashMap;

use grpc_core::Message;

#[derive(Message)]
pub struct Stats {
    #[grpc(declared_after = "stats::Peer")]
    pub failures: i32,
    #[grpc(declared_after = "stats::Peer")]
    pub by_peer: HashMap<String, i32>,
}

pub mod stats {
    #[derive(grpc_core::Message)]
    #[grpc(name = "Stats.Peer")]
    pub struct Peer {
        pub n: i32,
    }
}

fn main() {}
