//! Plans, not just command lines: `terraform apply PLAN` (and `tofu`) is judged by what the plan
//! does, read through the tool's own preview (`terraform show -json PLAN`). Every resource the
//! plan deletes or replaces is listed by address in the reason; a delete or replace of a stateful
//! resource (a database, volume, bucket, cluster, ...) makes the command critical. When the
//! preview cannot be read, the command needs a human and the reason says why.
//!
//! The preview runs the tool itself, so it is done where a command is about to run (`interlock
//! check`, the supervisor), never when a log is replayed.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::shell::Invocation;
use crate::{Decision, RuleMatch, Severity, Verdict};

/// The rule id of a plan that deletes or replaces resources.
pub const RULE: &str = "plan.destroys-resources";
/// The rule id of a plan that could not be read.
pub const UNREADABLE_RULE: &str = "plan.unreadable";

/// How long the preview may take before the command is held without it.
const PREVIEW_TIMEOUT: Duration = Duration::from_secs(60);
/// Most bytes of preview read.
const MAX_PREVIEW: u64 = 256 << 20;

/// Resource types whose delete loses data: databases, volumes, buckets, clusters, queues.
const STATEFUL: &[&str] = &[
    "*_db_instance",
    "*_rds_cluster*",
    "*_database*",
    "*_sql_*",
    "*_dynamodb_table",
    "*_s3_bucket",
    "*_storage_bucket",
    "*_storage_account",
    "*_ebs_volume",
    "*_disk",
    "*_volume*",
    "*_efs_file_system",
    "*_elasticache_*",
    "*_redshift_cluster",
    "*_docdb_cluster*",
    "*_neptune_cluster*",
    "*_opensearch_domain",
    "*_elasticsearch_domain",
    "*_kms_key",
    "*_cluster",
    "*_kinesis_stream",
    "*_sqs_queue",
    "*_bigtable_*",
    "*_spanner_*",
    "*_cosmosdb_*",
    "kubernetes_persistent_volume*",
];

/// What a plan does to one resource, as `terraform show -json` reports it.
#[derive(Debug, Deserialize)]
struct ResourceChange {
    address: String,
    #[serde(rename = "type", default)]
    kind: String,
    change: Change,
}

#[derive(Debug, Deserialize)]
struct Change {
    #[serde(default)]
    actions: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct PlanJson {
    #[serde(default)]
    resource_changes: Vec<ResourceChange>,
}

/// A resource the plan deletes or replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destroyed {
    /// Its address (`aws_db_instance.main`).
    pub address: String,
    /// `delete` or `replace`.
    pub action: &'static str,
    /// It holds data.
    pub stateful: bool,
}

/// The saved plan `inv` applies, if it is `terraform|tofu apply PLAN`: (program, plan file).
fn saved_plan(inv: &Invocation) -> Option<(String, String)> {
    let program = inv.program_name();
    if !matches!(program, "terraform" | "tofu") {
        return None;
    }
    let argv = inv.argv();
    let words: Vec<&str> = argv
        .iter()
        .skip(1)
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    match words.as_slice() {
        ["apply", plan] => Some((inv.program().to_string(), (*plan).to_string())),
        _ => None,
    }
}

/// Reads the plan through `program show -json PLAN` in `cwd`, and lists what it destroys.
pub fn preview(program: &str, plan: &str, cwd: &str) -> Result<Vec<Destroyed>, String> {
    let mut child = Command::new(program)
        .args(["show", "-json", plan])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run `{program} show -json {plan}`: {e}"))?;
    let mut text = String::new();
    let read = child
        .stdout
        .take()
        .map(|out| out.take(MAX_PREVIEW).read_to_string(&mut text));
    let deadline = Instant::now() + PREVIEW_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("`{program} show -json {plan}` did not finish"));
            }
        }
    };
    if !status.success() || !matches!(read, Some(Ok(_))) {
        return Err(format!("`{program} show -json {plan}` failed ({status})"));
    }
    let json: PlanJson = serde_json::from_str(&text)
        .map_err(|e| format!("`{program} show -json {plan}` gave no plan JSON ({e})"))?;
    Ok(destroyed(&json))
}

fn destroyed(plan: &PlanJson) -> Vec<Destroyed> {
    plan.resource_changes
        .iter()
        .filter_map(|rc| {
            let deletes = rc.change.actions.iter().any(|a| a == "delete");
            let creates = rc.change.actions.iter().any(|a| a == "create");
            deletes.then(|| Destroyed {
                address: rc.address.clone(),
                action: if creates { "replace" } else { "delete" },
                stateful: STATEFUL
                    .iter()
                    .any(|g| crate::rules::pattern::glob_match(g, &rc.kind)),
            })
        })
        .collect()
}

/// Whether `verdict`'s command applies a saved plan, whose preview [`apply`] would read.
pub fn wants_preview(verdict: &Verdict) -> bool {
    verdict
        .invocations
        .iter()
        .any(|inv| saved_plan(inv).is_some())
}

/// Reads the saved plan of each `terraform apply PLAN` in `verdict` and judges the command by it.
pub fn apply(verdict: &mut Verdict, cwd: &str) {
    let found: Vec<(usize, String, String, String)> = verdict
        .invocations
        .iter()
        .enumerate()
        .filter_map(|(i, inv)| {
            let (program, plan) = saved_plan(inv)?;
            let dir = inv.cwd.clone().unwrap_or_else(|| cwd.to_string());
            Some((i, program, plan, dir))
        })
        .collect();
    for (index, program, plan, dir) in found {
        let (rule, severity, decision, reason) = match preview(&program, &plan, &dir) {
            Ok(list) if list.is_empty() => continue,
            Ok(list) => {
                let stateful = list.iter().any(|d| d.stateful);
                let shown: Vec<String> = list
                    .iter()
                    .map(|d| format!("{} ({})", d.address, d.action))
                    .collect();
                (
                    RULE,
                    if stateful {
                        Severity::Critical
                    } else {
                        Severity::High
                    },
                    Decision::Confirm,
                    format!(
                        "The plan {plan} deletes or replaces {} resource(s){}: {}.",
                        list.len(),
                        if stateful {
                            ", including ones that hold data"
                        } else {
                            ""
                        },
                        shown.join(", ")
                    ),
                )
            }
            Err(why) => (
                UNREADABLE_RULE,
                Severity::High,
                Decision::Confirm,
                format!(
                    "The plan {plan} could not be previewed ({why}), so what it deletes is unknown."
                ),
            ),
        };
        verdict.decision = verdict.decision.max(decision);
        verdict.severity = verdict.severity.max(severity);
        verdict.rules.retain(|r| r != rule);
        verdict.rules.insert(0, rule.to_string());
        verdict.reason = reason.clone();
        verdict.matches.insert(
            0,
            RuleMatch {
                rule: rule.to_string(),
                decision,
                severity,
                declared: severity,
                reason,
                invocation: Some(index),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_deletes_are_listed_and_stateful_ones_marked() {
        let plan: PlanJson = serde_json::from_str(
            r#"{"resource_changes": [
                {"address": "aws_db_instance.main", "type": "aws_db_instance", "change": {"actions": ["delete", "create"]}},
                {"address": "aws_instance.web", "type": "aws_instance", "change": {"actions": ["update"]}},
                {"address": "aws_security_group.old", "type": "aws_security_group", "change": {"actions": ["delete"]}},
                {"address": "aws_s3_bucket.logs", "type": "aws_s3_bucket", "change": {"actions": ["create"]}}
            ]}"#,
        )
        .unwrap();
        assert_eq!(
            destroyed(&plan),
            [
                Destroyed {
                    address: "aws_db_instance.main".into(),
                    action: "replace",
                    stateful: true
                },
                Destroyed {
                    address: "aws_security_group.old".into(),
                    action: "delete",
                    stateful: false
                },
            ]
        );
    }
}
