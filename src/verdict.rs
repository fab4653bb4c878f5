//! The outcome of classifying a command: [`Decision`], [`Severity`] and [`Verdict`].
//!
//! Invariant: a verdict's decision is the strictest decision of every rule that matched any
//! invocation, and its severity is the highest severity among them. The JSON field names are
//! the stable `interlock check --json` contract.

use serde::Serialize;

use crate::layers::Layer;
pub use crate::level::{Decision, Severity};
use crate::shell::Invocation;

/// One rule that matched one invocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleMatch {
    /// The rule's stable id.
    pub rule: String,
    /// The rule's decision.
    pub decision: Decision,
    /// The rule's severity after escalations (prompt-suppression flags, indirection).
    pub severity: Severity,
    /// The rule's severity as declared, before escalations: breaks ties toward the more
    /// specific rule when choosing the verdict's reason.
    #[serde(skip)]
    pub declared: Severity,
    /// The rule's explanation, written for the human at the prompt.
    pub reason: String,
    /// Index into [`Verdict::invocations`] of the invocation that matched (none for built-in
    /// rules about the whole line).
    pub invocation: Option<usize>,
    /// The layer that decided this rule's action: the one that declared it, or the last that
    /// overrode it (omitted for the shipped layer).
    #[serde(skip_serializing_if = "Layer::is_shipped")]
    pub layer: Layer,
}

/// What a layer's policy changed about this command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentKind {
    /// A rule that matched is turned off.
    Disabled,
    /// An exception covers the invocation, so the rule did not apply.
    Exception,
    /// An exception would have covered it but has expired, so the rule applied.
    ExpiredException,
}

/// A rule that matched but was turned off or excepted by a layer, or an expired exception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Adjustment {
    /// The rule.
    pub rule: String,
    /// What happened.
    pub kind: AdjustmentKind,
    /// The layer whose policy did it.
    pub layer: Layer,
    /// `file:line` of the statement.
    pub at: String,
    /// The exception's owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The exception's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The exception's last day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Index into [`Verdict::invocations`].
    pub invocation: Option<usize>,
}

impl Adjustment {
    /// One sentence for people.
    pub fn describe(&self) -> String {
        match self.kind {
            AdjustmentKind::Disabled => format!(
                "rule {} is disabled by the {} layer ({})",
                self.rule,
                self.layer.as_str(),
                self.at
            ),
            AdjustmentKind::Exception | AdjustmentKind::ExpiredException => format!(
                "{} of the {} layer ({}; owner {}, {} {}) for rule {}: {}",
                if self.kind == AdjustmentKind::Exception {
                    "an exception"
                } else {
                    "an expired exception"
                },
                self.layer.as_str(),
                self.at,
                self.owner.as_deref().unwrap_or("?"),
                if self.kind == AdjustmentKind::Exception {
                    "until"
                } else {
                    "expired after"
                },
                self.expires.as_deref().unwrap_or("?"),
                self.rule,
                self.reason.as_deref().unwrap_or("")
            ),
        }
    }
}

/// The classification of one command line or argv.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The strictest decision across all matched rules (`allow` when none matched).
    pub decision: Decision,
    /// The highest severity across all matched rules (`info` when none matched).
    pub severity: Severity,
    /// Every matched rule id, strictest first, without duplicates.
    pub rules: Vec<String>,
    /// One human sentence saying why.
    pub reason: String,
    /// Every program invocation that was classified.
    pub invocations: Vec<Invocation>,
    /// Every (rule, invocation) match, for `explain` and the audit log.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<RuleMatch>,
    /// The environment the command acts on, and its tier, when one is named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<crate::tiers::Target>,
    /// How many distinct humans must approve it (more than one in a tier that asks for it).
    #[serde(skip_serializing_if = "is_one")]
    pub approvers: u8,
    /// The layer that decided: the layer of the leading rule, or the layer whose policy turned
    /// off or excepted the rules that would have held it (omitted for the shipped layer).
    #[serde(skip_serializing_if = "Layer::is_shipped")]
    pub layer: Layer,
    /// Rules a layer turned off or excepted for this command, and expired exceptions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
}

fn is_one(n: &u8) -> bool {
    *n == 1
}

/// Sorts `matches` strictest first and returns their strictest decision, highest severity and
/// distinct rule ids in that order (`allow`, `info` and none when there are no matches).
fn strictest_first(matches: &mut [RuleMatch]) -> (Decision, Severity, Vec<String>) {
    matches.sort_by(|a, b| {
        (b.decision, b.severity, b.declared)
            .cmp(&(a.decision, a.severity, a.declared))
            .then_with(|| a.invocation.cmp(&b.invocation))
    });
    let decision = matches
        .iter()
        .map(|m| m.decision)
        .max()
        .unwrap_or(Decision::Allow);
    let severity = matches
        .iter()
        .map(|m| m.severity)
        .max()
        .unwrap_or(Severity::Info);
    let mut rules: Vec<String> = Vec::new();
    for m in matches.iter() {
        if !rules.contains(&m.rule) {
            rules.push(m.rule.clone());
        }
    }
    (decision, severity, rules)
}

impl Verdict {
    /// After matches were raised in place: re-sorts them, and raises the decision and severity
    /// to theirs (never lowers them) and re-orders the rule ids.
    pub fn reorder(&mut self) {
        let (decision, severity, rules) = strictest_first(&mut self.matches);
        self.decision = self.decision.max(decision);
        self.severity = self.severity.max(severity);
        self.rules = rules;
    }

    /// Puts a finding about the whole command first (a sequence, a plan, a tier): the decision
    /// and severity rise to at least `decision` and `severity`, `reason` becomes the verdict's
    /// reason, and `rule` leads the rules and the matches.
    pub fn escalate(
        &mut self,
        rule: &str,
        decision: Decision,
        severity: Severity,
        reason: String,
        invocation: Option<usize>,
    ) {
        self.decision = self.decision.max(decision);
        self.severity = self.severity.max(severity);
        self.rules.retain(|r| r != rule);
        self.rules.insert(0, rule.to_string());
        self.reason = reason.clone();
        self.matches.insert(
            0,
            RuleMatch {
                rule: rule.to_string(),
                decision,
                severity,
                declared: severity,
                reason,
                invocation,
                layer: Layer::Shipped,
            },
        );
    }

    /// Builds a verdict from the matches found, applying "strictest wins".
    pub fn from_matches(invocations: Vec<Invocation>, mut matches: Vec<RuleMatch>) -> Verdict {
        let (decision, severity, rules) = strictest_first(&mut matches);
        let reason = match matches.first() {
            None => "No rule matched; the command is not known to be destructive.".to_string(),
            Some(top) => {
                let more = rules.len() - 1;
                if more == 0 {
                    top.reason.clone()
                } else {
                    format!(
                        "{} (and {more} more rule{} matched)",
                        top.reason,
                        if more == 1 { "" } else { "s" }
                    )
                }
            }
        };
        let layer = matches.first().map(|m| m.layer).unwrap_or_default();
        Verdict {
            decision,
            severity,
            rules,
            reason,
            invocations,
            matches,
            environment: None,
            approvers: 1,
            layer,
            adjustments: Vec::new(),
        }
    }
}
