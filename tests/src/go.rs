//! The grpc-go interop peers under `tests/go` (see its README), built by `tests/go/build.sh`.
//!
//! They are looked up in `$GRPC_TEST_GO_INTEROP_DIR`, else `<workspace>/target/go-interop`
//! (`build.sh`'s default output). When they are missing, a test using them is skipped with a
//! message, except under CI (`CI` set), where it fails: `tests/run.sh` builds them, and a
//! silently skipped interop test would prove nothing.

use std::path::PathBuf;

/// The grpc-go interop programs.
#[derive(Debug, Clone)]
pub struct GoInterop {
    /// `interop-server`.
    pub server: PathBuf,
    /// `interop-client`.
    pub client: PathBuf,
}

/// The directory holding the Go programs.
pub fn interop_dir() -> PathBuf {
    match std::env::var_os("GRPC_TEST_GO_INTEROP_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => crate::python::workspace_root().join("target/go-interop"),
    }
}

/// The Go programs, or `None` (after printing why the caller skips) when they are not built.
/// Panics instead under CI.
pub fn interop() -> Option<GoInterop> {
    let dir = interop_dir();
    let peers = GoInterop {
        server: dir.join("interop-server"),
        client: dir.join("interop-client"),
    };
    if peers.server.is_file() && peers.client.is_file() {
        return Some(peers);
    }
    let why = format!(
        "the grpc-go interop peers are not built in {} (run tests/go/build.sh, or set GRPC_TEST_GO_INTEROP_DIR)",
        dir.display()
    );
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must build them: {why}"
    );
    eprintln!("skipping: {why}");
    None
}
