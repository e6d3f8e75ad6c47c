// The user made several mistakes in one struct; all of them are reported at once, each at its
// own place: a bad package, an unknown key, an encoding that does not fit, a duplicate tag and a
// duplicate field name.
use grpc_core::Message;

#[derive(Message)]
#[grpc(package = "shop..v1")]
pub struct Order {
    #[grpc(tag = 1)]
    pub id: u64,
    #[grpc(colour = "red")]
    pub name: String,
    #[grpc(encoding = "fixed32")]
    pub delta: i32,
    #[grpc(tag = 1)]
    pub count: u32,
    #[grpc(name = "id")]
    pub other_id: u64,
}

fn main() {}
