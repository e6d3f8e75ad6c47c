// Every supported field kind, container attribute and numbering rule compiles.
use std::collections::{BTreeMap, HashMap};

use grpc_core::{Enumeration, Message, Oneof};

#[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
#[grpc(package = "kinds.v1", name = "Colour")]
pub enum Color {
    #[grpc(name = "COLOUR_NONE")]
    Unspecified = 0,
    Red = 1,
    Minus = -1,
}

#[derive(Oneof, Clone, PartialEq, Debug)]
pub enum Choice {
    #[grpc(tag = 50)]
    Text(String),
    #[grpc(tag = 51, encoding = "sint64")]
    Signed(i64),
    #[grpc(tag = 52)]
    ChosenColour(Color),
    #[grpc(tag = 53, name = "inner_node")]
    Node(Box<Node>),
}

#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "kinds.v1", file = "kinds/all.proto")]
pub struct Node {
    pub a: f64,
    pub b: f32,
    pub c: i32,
    pub d: i64,
    pub e: u32,
    pub f: u64,
    #[grpc(encoding = "sint32")]
    pub g: i32,
    #[grpc(encoding = "sfixed64")]
    pub h: i64,
    #[grpc(encoding = "fixed32")]
    pub i: u32,
    pub j: bool,
    pub k: String,
    pub l: Vec<u8>,
    pub m: grpc_core::__private::Bytes,
    pub n: Option<i32>,
    pub o: Option<String>,
    pub p: Vec<u64>,
    pub q: Vec<String>,
    pub colour: Color,
    pub colours: Vec<Color>,
    pub maybe_colour: Option<Color>,
    #[grpc(tag = 30)]
    pub child: Option<Box<Node>>,
    pub children: Vec<Node>,
    pub by_name: HashMap<String, Node>,
    pub ordered: BTreeMap<i32, String>,
    pub colour_map: HashMap<u64, Color>,
    pub when: Option<prost_types::Timestamp>,
    pub nothing: Option<()>,
    #[grpc(oneof)]
    pub choice: Option<Choice>,
    #[grpc(name = "type")]
    pub r#type: u32,
}

#[derive(Message, Clone, PartialEq, Debug)]
pub struct Unit;

fn main() {
    let node = Node::default();
    let bytes = grpc_core::Message::encode_to_vec(&node);
    assert_eq!(<Node as grpc_core::Message>::decode(&bytes[..]).unwrap(), node);
    let _ = Unit::default();
}
