//! The supervisor's wire protocol: one JSON object per line over its unix socket, a request
//! then a response.

use serde::{Deserialize, Serialize};

use crate::{Decision, Severity};

/// What a client asks the supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Request {
    /// A shim asks whether `argv` may run in `cwd`.
    Check {
        /// The exact argv (program name as invoked first).
        argv: Vec<String>,
        /// The working directory.
        cwd: String,
        /// The agent that asked, when the request comes from an agent hook.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent: Option<crate::audit::AiAgent>,
        /// The program's own environment variables that select an environment
        /// ([`crate::tiers::SELECTING_VARIABLES`]), as the shim or the tracer read them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        env: Vec<(String, String)>,
    },
    /// A shim reports how an approved command ended.
    Exited {
        /// The request id.
        request: String,
        /// Exit code (128 + signal for a signal).
        code: i32,
    },
    /// List the requests waiting for a human.
    Pending,
    /// A human approves a request, with a justification.
    Approve {
        /// The request id.
        request: String,
        /// Why (recorded verbatim).
        reason: String,
        /// Who (the approver's user name).
        user: String,
        /// An SSH signature (`ssh-keygen -Y sign -n interlock`) over the approval message,
        /// identifying an approver on another machine by the policy's allowed signers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
    },
    /// A human refuses a request.
    Deny {
        /// The request id.
        request: String,
        /// Why, if given.
        reason: Option<String>,
        /// Who.
        user: String,
    },
}

/// A request waiting for a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRequest {
    /// The request id.
    pub request: String,
    /// The command.
    pub argv: Vec<String>,
    /// Where it would run.
    pub cwd: String,
    /// Its severity.
    pub severity: Severity,
    /// Matched rules.
    pub rules: Vec<String>,
    /// Why it is held.
    pub reason: String,
    /// Seconds until an approval for it is no longer accepted.
    pub expires_in: u64,
}

/// What the supervisor answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Response {
    /// The decision for a `check`.
    Verdict {
        /// `allow` runs; anything else does not.
        decision: Decision,
        /// The request id, for approvals and the log.
        request: String,
        /// Severity of the command.
        severity: Severity,
        /// Matched rules.
        rules: Vec<String>,
        /// One human sentence.
        reason: String,
        /// A human approved it (its exit status is to be reported).
        approved: bool,
    },
    /// The waiting requests.
    Pending {
        /// Requests, oldest first.
        requests: Vec<PendingRequest>,
    },
    /// An approval, denial or report was recorded.
    Done {
        /// What happened.
        message: String,
    },
    /// The request was refused or failed.
    Error {
        /// Why.
        message: String,
    },
}
