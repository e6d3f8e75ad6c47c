//! Running the Python grpcio peers under `tests/python` (see its README).
//!
//! The interpreter is `$GRPC_TEST_PYTHON`, else `<workspace>/.venv/bin/python`. A missing
//! interpreter fails the test: CI installs it (`.ci/run`), and a silently skipped interop test
//! would prove nothing.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// The Python interpreter with grpcio installed.
pub fn interpreter() -> PathBuf {
    if let Some(python) = std::env::var_os("GRPC_TEST_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = workspace_root().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "no Python with grpcio at {}: run `python3 -m venv .venv && .venv/bin/pip install -r tests/python/requirements.txt` (or set GRPC_TEST_PYTHON)",
        venv.display()
    );
    venv
}

/// A command running `tests/python/<script>` with `args`, from the workspace root.
pub fn script(script: &str, args: &[&str]) -> Command {
    let mut command = Command::new(interpreter());
    command
        .current_dir(workspace_root())
        .arg(workspace_root().join("tests/python").join(script))
        .args(args);
    command
}

/// Runs a Python script to completion off the async runtime's threads.
pub async fn run(script_name: &str, args: &[&str]) -> Output {
    let mut command = script(script_name, args);
    tokio::task::spawn_blocking(move || command.output().expect("run python"))
        .await
        .expect("join python")
}

/// Asserts that a finished script succeeded, showing its output otherwise.
pub fn assert_success(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A Python server process, killed on drop.
#[derive(Debug)]
pub struct PythonServer {
    child: Child,
    /// The port it announced.
    pub port: u16,
}

impl PythonServer {
    /// Starts `tests/python/<script> --port 0` and waits for its `PORT <n>` line.
    pub fn start(script_name: &str) -> PythonServer {
        Self::start_with(script_name, &[])
    }

    /// Starts `tests/python/<script> --port 0 <args>` and waits for its `PORT <n>` line.
    pub fn start_with(script_name: &str, args: &[&str]) -> PythonServer {
        let mut all = vec!["--port", "0"];
        all.extend_from_slice(args);
        let mut child = script(script_name, &all)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python server");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read PORT line");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("{script_name} printed {line:?} instead of PORT <n>"));
        PythonServer { child, port }
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
