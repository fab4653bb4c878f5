//! Errors of the audit log. Every one means "the command does not run".

use std::path::PathBuf;

/// Why a record could not be written or a log could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The log (or its directory) could not be opened, locked, written or synced.
    #[error("cannot write the audit log {path}: {source}")]
    Io {
        /// The log file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The last record cannot be read, so the chain cannot be continued.
    #[error(
        "the audit log {path} is damaged at line {line} ({reason}); run `interlock audit verify` and repair or rotate it before anything else runs"
    )]
    Damaged {
        /// The log file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}
