//! A named `backends.Who` server for multi-host tests: `who-server NAME ADDR` serves until
//! killed, after printing `PORT <port>`.

use grpc_core::Server;
use grpc_tests::backends::{Named, WhoServer};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(name), Some(addr)) = (args.next(), args.next()) else {
        return Err("usage: who-server NAME ADDR".into());
    };
    let server = Server::builder()
        .add_service(WhoServer::new(Named(name)))
        .build();
    let port = server.add_insecure_port(&addr)?;
    server.start().await?;
    println!("PORT {port}");
    std::future::pending::<()>().await;
    Ok(())
}
