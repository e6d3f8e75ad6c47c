//! The standard gRPC interop suite (grpc/grpc `doc/interop-test-descriptions.md`) for
//! `grpc.testing.TestService`, built on the importer's output for `grpc/testing/*.proto`:
//! a server implementing every server feature, and a client implementing the client cases.
//! The `interop-server` and `interop-client` programs wrap them with grpc-go's flags.

pub mod client;
pub mod server;

/// `tests/certs/<name>` as a string path, for flag defaults.
pub fn cert_path(name: &str) -> String {
    crate::certs::path(name).display().to_string()
}

/// Parses grpc-go style flags: `--name=value` or `--name value`; bare `--name` means `true`.
pub fn parse_flags(
    args: impl IntoIterator<Item = String>,
) -> std::collections::HashMap<String, String> {
    let mut flags = std::collections::HashMap::new();
    let mut args = args.into_iter().peekable();
    while let Some(arg) = args.next() {
        let Some(name) = arg.strip_prefix("--") else {
            continue;
        };
        match name.split_once('=') {
            Some((name, value)) => {
                flags.insert(name.to_owned(), value.to_owned());
            }
            None => {
                let value = match args.peek() {
                    Some(next) if !next.starts_with("--") => args.next().unwrap_or_default(),
                    _ => "true".to_owned(),
                };
                flags.insert(name.to_owned(), value);
            }
        }
    }
    flags
}

/// Starts a server `command` that prints `PORT <n>` once listening (the interop servers do),
/// and returns the process and that port.
pub fn spawn_announcing_port(command: &mut std::process::Command) -> (std::process::Child, u16) {
    use std::io::BufRead as _;
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read PORT");
    let port = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("expected PORT <n>, got {line:?}"));
    (child, port)
}
