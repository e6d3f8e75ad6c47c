//! `--addr` handling shared by the example programs.

/// The value of `--addr ADDR` (or `--addr=ADDR`), or `default`.
///
/// For clients the address is a channel target: `http://localhost:50051` and
/// `localhost:50051` both work, as do `unix:` targets.
pub fn addr(default: &str) -> String {
    value("--addr").unwrap_or_else(|| default.to_owned())
}

/// The value of `NAME VALUE` (or `NAME=VALUE`) on the command line.
pub fn value(name: &str) -> Option<String> {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == name {
            return args.next();
        } else if let Some(value) = arg.strip_prefix(name).and_then(|v| v.strip_prefix('=')) {
            return Some(value.to_owned());
        }
    }
    None
}

/// Whether the flag `name` is on the command line.
pub fn flag(name: &str) -> bool {
    std::env::args().skip(1).any(|arg| arg == name)
}

/// Waits for Ctrl-C or SIGTERM.
pub async fn wait_for_shutdown_signal() {
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminated = async {
        match terminate.as_mut() {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminated => {}
    }
}
