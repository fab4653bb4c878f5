//! Errors from loading layers. Each names the file and line, and says what to change.

use std::path::PathBuf;

use crate::rules::RulesError;

/// Why the layers could not be loaded. Interlock does not run commands under a policy it could
/// not read: every caller treats this as "refuse".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LayerError {
    /// A rules file of a layer does not load.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// A file or directory could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A policy or tiers file is not valid TOML or does not follow its schema.
    #[error("{file}:{line}: {message}", line = line.map(|l| l.to_string()).unwrap_or_else(|| "?".into()))]
    Syntax {
        /// The file.
        file: String,
        /// The line, when known.
        line: Option<u32>,
        /// What is wrong.
        message: String,
    },
    /// The organisation layer's directory could be changed by someone other than its owner.
    #[error(
        "the {layer} layer {path} {why}; a layer that can loosen rules must be owned by root (or by you) and writable by no one else (chmod go-w)"
    )]
    UnsafeDir {
        /// The layer's name.
        layer: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// A layer loosens a rule the org layer does not let it loosen.
    #[error(transparent)]
    NotPermitted(Box<NotPermitted>),
    /// A statement names rules that are not loaded.
    #[error(
        "{file}:{line}: `{selector}` matches no loaded rule; `interlock rules list` shows the ids and tags"
    )]
    NoSuchRule {
        /// The policy file.
        file: String,
        /// The statement's line.
        line: u32,
        /// What it named.
        selector: String,
    },
}

/// A loosening statement the org layer does not permit.
#[derive(Debug, thiserror::Error)]
#[error(
    "{file}:{line}: the {layer} layer may not {what} rule {rule} ({severity}, declared by the {owner} layer at {declared}): the org layer does not permit the layers below it to loosen that rule. The org layer grants it in its policy.toml (/etc/interlock/policy.toml by default): [permit] loosen = [\"{rule}\"]"
)]
pub struct NotPermitted {
    /// The policy file.
    pub file: String,
    /// The statement's line.
    pub line: u32,
    /// The loosening layer.
    pub layer: &'static str,
    /// `disable`, `lower the action of`, `add an exception to`, ...
    pub what: &'static str,
    /// The rule id.
    pub rule: String,
    /// The rule's declared severity.
    pub severity: &'static str,
    /// The layer that declared the rule.
    pub owner: &'static str,
    /// `file:line` of the rule.
    pub declared: String,
}
