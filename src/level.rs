//! The two scales every verdict is expressed in: [`Decision`] (what happens) and [`Severity`]
//! (how much harm). Kept free of other crate items because `build.rs` compiles it too.

use serde::{Deserialize, Serialize};

/// What happens to a command. Ordered from most to least permissive, so the strictest of a set
/// of decisions is their maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Runs without asking.
    Allow,
    /// Runs only after a human confirms it and gives a justification.
    Confirm,
    /// Never runs from an agent session.
    Deny,
}

impl Decision {
    /// The lowercase name used in JSON and on the terminal.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Confirm => "confirm",
            Decision::Deny => "deny",
        }
    }
}

/// How much harm a command can do, independent of what policy does about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Previews and read-only commands.
    Info,
    /// State-changing but easily reversed.
    Low,
    /// Destructive but recoverable, or local only.
    Medium,
    /// Irreversible loss on a scoped resource.
    High,
    /// Irreversible with the blast radius of an environment, or removes a guardrail.
    Critical,
}

impl Severity {
    /// The lowercase name used in JSON and on the terminal.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// One level more severe, saturating at [`Severity::Critical`].
    pub fn raised(self) -> Severity {
        match self {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            Severity::High | Severity::Critical => Severity::Critical,
        }
    }
}
