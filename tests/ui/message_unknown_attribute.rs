// The user misspelled an attribute key (`tga` for `tag`) and put a container-only key on a field.
use grpc_core::Message;

#[derive(Message)]
pub struct Order {
    #[grpc(tga = 1)]
    pub id: u64,
    #[grpc(package = "shop")]
    pub name: String,
}

fn main() {}
