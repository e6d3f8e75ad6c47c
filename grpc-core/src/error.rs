//! [`Error`]: infrastructure failures outside any call (bad targets, bind failures).

use std::fmt;

/// An error setting up a channel or server. Calls fail with [`Status`](crate::Status) instead.
pub struct Error {
    kind: Kind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    InvalidTarget,
    Tls,
}

impl Error {
    pub(crate) fn invalid_target(target: &str, reason: impl fmt::Display) -> Error {
        Error {
            kind: Kind::InvalidTarget,
            message: format!("invalid target {target:?}: {reason}"),
            source: None,
        }
    }

    pub(crate) fn tls(message: impl fmt::Display) -> Error {
        Error {
            kind: Kind::Tls,
            message: format!("TLS: {message}"),
            source: None,
        }
    }

    /// Whether the error is about TLS configuration (certificates, keys).
    pub fn is_tls(&self) -> bool {
        self.kind == Kind::Tls
    }

    /// Whether the error is about an unusable channel target.
    pub fn is_invalid_target(&self) -> bool {
        self.kind == Kind::InvalidTarget
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
