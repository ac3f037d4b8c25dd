//! The records' error type: every failure names the file, and the line where one is known.

use std::fmt;
use std::path::{Path, PathBuf};

/// What can go wrong reading or writing a record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordError {
    /// A file could not be read or written (the OS error in words).
    #[error("{}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        message: String,
    },
    /// A file does not have the expected format.
    #[error("{}", At { path, line: *line, message })]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when the problem is the whole file).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The operation was refused to protect data (a session folder that exists, a bad id).
    #[error("{message}")]
    Refused {
        /// Why.
        message: String,
    },
}

struct At<'a> {
    path: &'a Path,
    line: u64,
    message: &'a str,
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
        }
    }
}

impl RecordError {
    /// An IO error on `path`.
    pub fn io(path: &Path, e: impl fmt::Display) -> RecordError {
        RecordError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }

    /// A format error in `path` at `line` (0: the whole file).
    pub fn malformed(path: &Path, line: u64, message: impl Into<String>) -> RecordError {
        RecordError::Malformed {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    /// A CSV error in `path`, at the line the csv crate knows.
    pub fn csv(path: &Path, e: &csv::Error) -> RecordError {
        let line = e.position().map_or(0, |p| p.line());
        RecordError::malformed(path, line, e.to_string())
    }

    /// The file the error is about, when there is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            RecordError::Io { path, .. } | RecordError::Malformed { path, .. } => Some(path),
            RecordError::Refused { .. } => None,
        }
    }
}
