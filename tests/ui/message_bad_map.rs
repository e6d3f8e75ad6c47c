// The user used a float as a map key and a `Vec` as a map value; protobuf allows neither.
use std::collections::HashMap;

use grpc_core::Message;

#[derive(Message)]
pub struct Prices {
    pub by_weight: HashMap<f64, String>,
    pub tags: HashMap<String, Vec<String>>,
}

fn main() {}
