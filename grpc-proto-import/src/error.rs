//! [`Error`]: what went wrong while importing, and where.

use std::fmt;

/// An import failure: a parse error, or a construct the importer does not support, with the
/// file and line it comes from when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
    file: Option<String>,
    line: Option<u32>,
}

impl Error {
    pub(crate) fn new(message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            file: None,
            line: None,
        }
    }

    pub(crate) fn at(message: impl Into<String>, file: &str, line: Option<u32>) -> Error {
        Error {
            message: message.into(),
            file: Some(file.to_owned()),
            line,
        }
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The `.proto` file it concerns, if known.
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    /// The 1-based line in that file, if known.
    pub fn line(&self) -> Option<u32> {
        self.line
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{file}:{line}: {}", self.message),
            (Some(file), None) => write!(f, "{file}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}
