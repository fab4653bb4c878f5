//! One audit event: a request, its decision, or the command's exit. Field names follow OCSF
//! (Process Activity, class 1007) where one fits; `metadata.sequence` and `attestation` are
//! added by the log when the event is appended.

use serde::{Deserialize, Serialize};

use crate::{Decision, Severity};

/// Where a request is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A command was classified and is waiting or about to run.
    Requested,
    /// Allowed without asking (harmless).
    AutoAllowed,
    /// A human approved it.
    Approved,
    /// A human refused it, or policy denied it.
    Denied,
    /// Nobody decided in time.
    Expired,
    /// The command ended with the recorded exit status.
    Exited,
}

impl Status {
    /// Whether a record of this status is synced to disk before [`AuditLog::append`] returns:
    /// an approval (a command runs on it; the sync also flushes the request before it) and an
    /// exit. The others — harmless commands, denials, expiries, requests still held — run
    /// nothing, and ride on the next sync.
    ///
    /// [`AuditLog::append`]: super::AuditLog::append
    pub fn must_sync(self) -> bool {
        matches!(self, Status::Approved | Status::Exited)
    }

    /// The snake_case name used in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Requested => "requested",
            Status::AutoAllowed => "auto_allowed",
            Status::Approved => "approved",
            Status::Denied => "denied",
            Status::Expired => "expired",
            Status::Exited => "exited",
        }
    }
}

/// Who approved or refused, how, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The human's justification, verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// Who decided (user names).
    pub approvers: Vec<String>,
    /// How: `tty`, `tty+typed-confirm`, `remote`, `policy`, `timeout`.
    pub method: String,
}

/// OCSF `process` object: what ran, where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    /// The command as one line (display only; `args` is authoritative).
    pub cmd_line: String,
    /// argv, exactly.
    pub args: Vec<String>,
    /// The working directory.
    pub working_directory: String,
}

/// The AI agent that asked (OCSF 1.9 `ai_agent`), for hook requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiAgent {
    /// `claude`, `codex`, `gemini`, `cursor`, `copilot`.
    pub name: String,
    /// The agent's session id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_uid: Option<String>,
    /// The tool call id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_uid: Option<String>,
    /// The agent's own stated purpose for the command (its justification, not a human's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_purpose: Option<String>,
}

/// OCSF `policy` object: which rules decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The strictest matched rule id (or `none`).
    pub uid: String,
    /// Every matched rule id.
    pub rules: Vec<String>,
    /// The verdict's reason.
    pub name: String,
    /// The ruleset layer that decided, when not the shipped one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Rules a layer turned off or excepted for this command, and expired exceptions, each
    /// described with its layer, file and line (and an exception's owner and expiry).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<String>,
}

/// One audit event before the log numbers and chains it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// OCSF class: Process Activity.
    pub class_uid: u32,
    /// OCSF activity: Launch.
    pub activity_id: u32,
    /// OCSF type: class × 100 + activity.
    pub type_uid: u32,
    /// Milliseconds since the Unix epoch.
    pub time: i64,
    /// OCSF severity, 1 (informational) to 5 (critical).
    pub severity_id: u8,
    /// Lifecycle step.
    pub status: Status,
    /// Interlock's decision for the command.
    pub decision: Decision,
    /// OCSF action: 1 allowed, 2 denied.
    pub action_id: u8,
    /// OCSF disposition: 1 allowed, 2 blocked, 8 approved, 14 delayed.
    pub disposition_id: u8,
    /// The rules that decided.
    pub policy: Policy,
    /// The command.
    pub process: Process,
    /// The human decision, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
    /// The command's exit status, for `exited` events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The agent that asked, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai_agent: Option<AiAgent>,
    /// The request this event belongs to (OCSF `metadata.correlation_uid`).
    pub correlation_uid: String,
}

impl Event {
    /// An event for `argv` run in `cwd` with everything the verdict says about the policy: its
    /// decision, severity, rules, reason, deciding layer and the layers' exceptions.
    pub fn for_verdict(
        status: Status,
        request_id: &str,
        argv: &[String],
        cwd: &str,
        verdict: &crate::Verdict,
    ) -> Event {
        let mut ev = Event::new(
            status,
            request_id,
            argv,
            cwd,
            verdict.decision,
            verdict.severity,
            &verdict.rules,
            &verdict.reason,
        );
        if !verdict.layer.is_shipped() {
            ev.policy.layer = Some(verdict.layer.as_str().to_string());
        }
        ev.policy.adjustments = verdict.adjustments.iter().map(|a| a.describe()).collect();
        ev
    }

    /// An event for `argv` run in `cwd`, with the verdict's decision, severity, rules and reason.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        status: Status,
        request_id: &str,
        argv: &[String],
        cwd: &str,
        decision: Decision,
        severity: Severity,
        rules: &[String],
        reason: &str,
    ) -> Event {
        let (action_id, disposition_id) = match status {
            Status::Requested => (1, 14),
            Status::AutoAllowed | Status::Exited => (1, 1),
            Status::Approved => (1, 8),
            Status::Denied | Status::Expired => (2, 2),
        };
        Event {
            class_uid: 1007,
            activity_id: 1,
            type_uid: 100_701,
            time: jiff::Timestamp::now().as_millisecond(),
            severity_id: match severity {
                Severity::Info => 1,
                Severity::Low => 2,
                Severity::Medium => 3,
                Severity::High => 4,
                Severity::Critical => 5,
            },
            status,
            decision,
            action_id,
            disposition_id,
            policy: Policy {
                uid: rules.first().cloned().unwrap_or_else(|| "none".to_string()),
                rules: rules.to_vec(),
                name: reason.to_string(),
                layer: None,
                adjustments: Vec::new(),
            },
            process: Process {
                cmd_line: argv
                    .iter()
                    .map(|a| crate::shell::quote_for_display(a))
                    .collect::<Vec<_>>()
                    .join(" "),
                args: argv.to_vec(),
                working_directory: cwd.to_string(),
            },
            approval: None,
            exit_code: None,
            ai_agent: None,
            correlation_uid: request_id.to_string(),
        }
    }
}
