//! Errors from loading rulesets. Each names the file and line, and the rule where there is one.

use std::path::PathBuf;

/// Why a ruleset could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    /// A file or directory could not be read.
    #[error("cannot read ruleset {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A directory given as a ruleset contains no `.toml` file.
    #[error("ruleset directory {path} contains no .toml file")]
    EmptyDir {
        /// The directory.
        path: PathBuf,
    },
    /// The file is not valid TOML or does not follow the ruleset schema.
    #[error("{file}:{line}: {message}", line = line.map(|l| l.to_string()).unwrap_or_else(|| "?".into()))]
    Syntax {
        /// The file.
        file: String,
        /// The line, when known.
        line: Option<u32>,
        /// What is wrong.
        message: String,
    },
    /// Two rules share an id.
    #[error("{file}:{line} {rule}: rule id already declared at {first}")]
    DuplicateId {
        /// The file of the second declaration.
        file: String,
        /// Its line.
        line: u32,
        /// The id.
        rule: String,
        /// `file:line` of the first declaration.
        first: String,
    },
    /// A rule is malformed (unknown path class, bad regex, no examples, ...).
    #[error("{file}:{line} {rule}: {message}")]
    InvalidRule {
        /// The file.
        file: String,
        /// The rule's line.
        line: u32,
        /// The rule id.
        rule: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// An inline example did not behave as declared.
    #[error("{file}:{line} {rule}: example \"{example}\" {outcome}")]
    Example {
        /// The file.
        file: String,
        /// The rule's line.
        line: u32,
        /// The rule id.
        rule: String,
        /// The example command.
        example: String,
        /// `did not match` or `matched but is listed under not_match`, with detail.
        outcome: String,
    },
    /// The rulesets compiled into the binary could not be decoded (a build problem).
    #[error("the built-in rulesets are corrupt: {0}")]
    Embedded(String),
}

/// Result alias for ruleset loading.
pub type Result<T> = std::result::Result<T, RulesError>;
