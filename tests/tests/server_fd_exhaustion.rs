//! File-descriptor exhaustion: with the process out of descriptors, accept fails; the server
//! backs off (it does not spin or stop) and serves again as soon as descriptors are free. In a
//! test binary of its own, as it lowers the whole process's limit (with `prlimit`).

use std::time::Duration;

use grpc_tests::attack;
use grpc_tests::servers::TestServer;

/// Sets the soft limit on open files (the hard limit stays, so it can be raised again).
fn set_nofile(limit: u64) {
    let status = std::process::Command::new("prlimit")
        .args([
            "--pid",
            &std::process::id().to_string(),
            &format!("--nofile={limit}:"),
        ])
        .status()
        .expect("prlimit (util-linux)");
    assert!(status.success());
}

/// The soft limit on open files now.
fn nofile() -> u64 {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    line.split_whitespace().nth(3).unwrap().parse().unwrap()
}

fn open_fds() -> u64 {
    std::fs::read_dir("/proc/self/fd").unwrap().count() as u64
}

#[tokio::test]
async fn the_server_survives_running_out_of_file_descriptors() {
    let server = TestServer::examples().await;
    attack::greeter_still_serves(server.port).await;
    let before = attack::rss_kib();
    let original = nofile();
    set_nofile(open_fds() + 64);
    // Connect until the process has no descriptor left (client and server ends share it).
    let mut hogs = Vec::new();
    while let Ok(Ok(tcp)) = tokio::time::timeout(
        Duration::from_secs(2),
        tokio::net::TcpStream::connect(("127.0.0.1", server.port)),
    )
    .await
    {
        hogs.push(tcp);
        if hogs.len() > 10_000 {
            break;
        }
    }
    assert!(hogs.len() < 10_000, "the limit did not apply");
    // Let the accept loop hit EMFILE a few times.
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(hogs);
    set_nofile(original);
    attack::greeter_still_serves(server.port).await;
    let grown = attack::rss_kib().saturating_sub(before);
    assert!(grown < 64 * 1024, "RSS grew by {grown} KiB");
}
