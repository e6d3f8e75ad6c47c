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
    InvalidConfig,
}

impl Error {
    pub(crate) fn invalid_target(target: &str, reason: impl fmt::Display) -> Error {
        Error {
            kind: Kind::InvalidTarget,
            message: format!("invalid target {target:?}: {reason}"),
            source: None,
        }
    }

    /// A channel configuration that cannot be used (service config, load-balancing policy).
    pub(crate) fn invalid_config(message: impl fmt::Display) -> Error {
        Error {
            kind: Kind::InvalidConfig,
            message: message.to_string(),
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

    /// A TLS configuration error whose cause is `source` (kept as the error's source).
    pub(crate) fn tls_caused(
        context: &str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error {
            kind: Kind::Tls,
            message: format!("TLS: {context}"),
            source: Some(Box::new(source)),
        }
    }

    /// Whether the error is about TLS configuration (certificates, keys).
    pub fn is_tls(&self) -> bool {
        self.kind == Kind::Tls
    }

    /// Whether the error is about an unusable channel configuration (a service config, a
    /// load-balancing policy).
    pub fn is_invalid_config(&self) -> bool {
        self.kind == Kind::InvalidConfig
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
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        // The cause stays a typed source; the text shows it too, for those who only print.
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tls_errors_keep_their_cause_as_the_source() {
        let error = crate::tls::ServerTls::from_files("/nonexistent/cert.pem", "/nonexistent/key")
            .unwrap_err();
        assert!(error.is_tls());
        let source = std::error::Error::source(&error).expect("a source");
        let io = source
            .downcast_ref::<std::io::Error>()
            .expect("the io::Error itself");
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
        assert!(error
            .to_string()
            .starts_with("TLS: reading /nonexistent/cert.pem: "));
    }
}
