//! The analysis' error type: every failure names the file, and the line where one is known.

use std::path::{Path, PathBuf};

/// What can go wrong reading or writing analysis files.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// A file could not be read or written.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        message: String,
    },
    /// A file does not have the expected format.
    #[error("{}", at(path, *line, message))]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when the problem is the whole file).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A record refused an operation (a bad id, an existing folder).
    #[error("{0}")]
    Refused(String),
    /// A figure could not be drawn.
    #[error("figure {name}: {message}")]
    Figure {
        /// The figure's file stem.
        name: String,
        /// What went wrong.
        message: String,
    },
}

/// `path:line: message`, or `path: message` when the line is not known (as the records crate
/// writes its errors, so both crates name a file the same way).
fn at(path: &Path, line: u64, message: &str) -> String {
    if line == 0 {
        format!("{}: {message}", path.display())
    } else {
        format!("{}:{line}: {message}", path.display())
    }
}

impl AnalysisError {
    /// An IO error on `path`.
    pub fn io(path: &Path, e: impl std::fmt::Display) -> AnalysisError {
        AnalysisError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
}

impl From<priors_records::RecordError> for AnalysisError {
    fn from(e: priors_records::RecordError) -> AnalysisError {
        use priors_records::RecordError as R;
        match e {
            R::Io { path, message } => AnalysisError::Io { path, message },
            R::Malformed {
                path,
                line,
                message,
            } => AnalysisError::Malformed {
                path,
                line,
                message,
            },
            R::Refused { message } => AnalysisError::Refused(message),
        }
    }
}
