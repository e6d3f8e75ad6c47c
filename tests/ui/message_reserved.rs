// Fields that use a number or a name the message reserves, explicitly or by counting on.
use grpc_core::Message;

#[derive(Message)]
#[grpc(reserved(2, 9..=11, "legacy"))]
pub struct Order {
    pub id: u64,
    pub total: u64,
    #[grpc(tag = 10)]
    pub note: String,
    #[grpc(tag = 20, name = "legacy")]
    pub old: String,
    pub legacy: bool,
}

fn main() {}
