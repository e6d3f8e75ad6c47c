// Custom option texts the macros refuse: not a custom option (standard options have attributes
// of their own), no value, an unclosed aggregate, a bad name.
use grpc_core::{Enumeration, Message};

#[derive(Message)]
#[grpc(option = "deprecated = true")]
pub struct Standard {
    #[grpc(option = "(my.level) = ")]
    pub x: i32,
    #[grpc(option = "(my.rule) = { path: \"/v1\"")]
    pub y: i32,
}

#[derive(Enumeration)]
pub enum Level {
    #[grpc(option = "(my bad) = 1")]
    Zero = 0,
}

fn main() {}
