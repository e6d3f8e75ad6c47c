// A module package that is not a protobuf package name, and one without a name at all.
#[grpc_core::package("shop v1")]
mod shop {
    #[derive(grpc_core::Message)]
    pub struct Order {
        pub id: u64,
    }
}

#[grpc_core::package(file = "x.proto")]
mod nameless {}

fn main() {}
