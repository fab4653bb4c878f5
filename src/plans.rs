//! Plans, not just command lines: `terraform apply PLAN` (and `tofu`) is judged by what the plan
//! does, read through the tool's own preview (`terraform show -json PLAN`), and `aws
//! cloudformation execute-change-set` by its change set (`describe-change-set`: removals and
//! `Replacement: True`). Every resource the plan deletes or replaces is listed by address in the
//! reason; a delete or replace of a stateful
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
use crate::{Decision, Severity, Verdict};

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

/// CloudFormation resource types whose delete loses data.
const STATEFUL_CFN: &[&str] = &[
    "AWS::RDS::*",
    "AWS::DynamoDB::*",
    "AWS::S3::Bucket",
    "AWS::EC2::Volume",
    "AWS::EFS::*",
    "AWS::ElastiCache::*",
    "AWS::Redshift::*",
    "AWS::DocDB::*",
    "AWS::Neptune::*",
    "AWS::OpenSearchService::*",
    "AWS::Elasticsearch::*",
    "AWS::EKS::Cluster",
    "AWS::ECS::Cluster",
    "AWS::KMS::Key",
    "AWS::Kinesis::Stream",
    "AWS::SQS::Queue",
];

/// A change set as `aws cloudformation describe-change-set` reports it.
#[derive(Debug, Deserialize)]
struct ChangeSetJson {
    #[serde(rename = "Changes", default)]
    changes: Vec<ChangeSetEntry>,
}

#[derive(Debug, Deserialize)]
struct ChangeSetEntry {
    #[serde(rename = "ResourceChange")]
    resource: Option<CfnChange>,
}

#[derive(Debug, Deserialize)]
struct CfnChange {
    #[serde(rename = "Action", default)]
    action: String,
    #[serde(rename = "LogicalResourceId", default)]
    logical_id: String,
    #[serde(rename = "ResourceType", default)]
    kind: String,
    #[serde(rename = "Replacement", default)]
    replacement: String,
}

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

/// A preview to read: the tool, the arguments that print it as JSON, and what is previewed.
struct Preview {
    program: String,
    args: Vec<String>,
    what: String,
    kind: PreviewKind,
}

enum PreviewKind {
    Terraform,
    ChangeSet,
}

/// The preview of what `inv` applies, if it applies a saved plan: `terraform|tofu apply PLAN`,
/// or `aws cloudformation execute-change-set`.
fn preview_of(inv: &Invocation) -> Option<Preview> {
    let program = inv.program_name();
    let argv = inv.argv();
    let all: Vec<&str> = argv.iter().skip(1).map(String::as_str).collect();
    let words: Vec<&str> = all
        .iter()
        .copied()
        .filter(|w| !w.starts_with('-'))
        .collect();
    match (program, words.as_slice()) {
        ("terraform" | "tofu", ["apply", plan]) => Some(Preview {
            program: inv.program().to_string(),
            args: vec!["show".into(), "-json".into(), (*plan).to_string()],
            what: format!("plan {plan}"),
            kind: PreviewKind::Terraform,
        }),
        ("aws", _)
            if all
                .windows(2)
                .any(|w| w == ["cloudformation", "execute-change-set"]) =>
        {
            let value = |name: &str| {
                all.iter()
                    .position(|w| *w == name)
                    .and_then(|i| all.get(i + 1))
                    .map(|v| (*v).to_string())
            };
            let change_set = value("--change-set-name")?;
            let mut args: Vec<String> = vec![
                "cloudformation".into(),
                "describe-change-set".into(),
                "--change-set-name".into(),
                change_set.clone(),
                "--output".into(),
                "json".into(),
            ];
            for flag in ["--stack-name", "--profile", "--region"] {
                if let Some(v) = value(flag) {
                    args.extend([flag.to_string(), v]);
                }
            }
            Some(Preview {
                program: inv.program().to_string(),
                args,
                what: format!("change set {change_set}"),
                kind: PreviewKind::ChangeSet,
            })
        }
        _ => None,
    }
}

/// Runs the preview in `cwd` and lists what it destroys.
fn preview(p: &Preview, cwd: &str) -> Result<Vec<Destroyed>, String> {
    let shown = format!("{} {}", p.program, p.args.join(" "));
    let mut child = Command::new(&p.program)
        .args(&p.args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
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
                return Err(format!("`{shown}` did not finish"));
            }
        }
    };
    if !status.success() || !matches!(read, Some(Ok(_))) {
        return Err(format!("`{shown}` failed ({status})"));
    }
    match p.kind {
        PreviewKind::Terraform => serde_json::from_str::<PlanJson>(&text)
            .map(|json| destroyed(&json))
            .map_err(|e| format!("`{shown}` gave no plan JSON ({e})")),
        PreviewKind::ChangeSet => serde_json::from_str::<ChangeSetJson>(&text)
            .map(|json| removed(&json))
            .map_err(|e| format!("`{shown}` gave no change set JSON ({e})")),
    }
}

fn removed(set: &ChangeSetJson) -> Vec<Destroyed> {
    set.changes
        .iter()
        .filter_map(|c| c.resource.as_ref())
        .filter_map(|r| {
            let action = match (r.action.as_str(), r.replacement.as_str()) {
                ("Remove", _) => "delete",
                (_, "True") => "replace",
                _ => return None,
            };
            Some(Destroyed {
                address: format!("{} ({})", r.logical_id, r.kind),
                action,
                stateful: STATEFUL_CFN
                    .iter()
                    .any(|g| crate::rules::pattern::glob_match(g, &r.kind)),
            })
        })
        .collect()
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

/// Whether `inv` changes infrastructure without a saved plan to preview (`terraform apply`,
/// `terraform destroy`).
fn unpreviewable(inv: &Invocation) -> bool {
    let argv = inv.argv();
    let words: Vec<&str> = argv
        .iter()
        .skip(1)
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    matches!(inv.program_name(), "terraform" | "tofu")
        && matches!(words.as_slice(), ["apply"] | ["destroy", ..])
}

/// Whether `verdict`'s command applies a saved plan, whose preview [`apply`] would read.
pub fn wants_preview(verdict: &Verdict) -> bool {
    verdict
        .invocations
        .iter()
        .any(|inv| preview_of(inv).is_some())
}

/// Reads the saved plan of each `terraform apply PLAN` in `verdict` and judges the command by it.
pub fn apply(verdict: &mut Verdict, cwd: &str) {
    let found: Vec<(usize, Preview, String)> = verdict
        .invocations
        .iter()
        .enumerate()
        .filter_map(|(i, inv)| {
            let p = preview_of(inv)?;
            let dir = inv.cwd.clone().unwrap_or_else(|| cwd.to_string());
            Some((i, p, dir))
        })
        .collect();
    if verdict.invocations.iter().any(unpreviewable) && verdict.decision != Decision::Allow {
        verdict.reason = format!(
            "{} There is no saved plan to preview, so what it deletes is unknown: `terraform plan [-destroy] -out=tfplan`, then `terraform apply tfplan`, is judged by the plan.",
            verdict.reason
        );
    }
    for (index, p, dir) in found {
        let plan = &p.what;
        let (rule, severity, decision, reason) = match preview(&p, &dir) {
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
                        "The {plan} deletes or replaces {} resource(s){}: {}.",
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
                    "The {plan} could not be previewed ({why}), so what it deletes is unknown."
                ),
            ),
        };
        verdict.escalate(rule, decision, severity, reason, Some(index));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_set_removals_and_replacements_are_listed() {
        let set: ChangeSetJson = serde_json::from_str(
            r#"{"Changes": [
                {"Type": "Resource", "ResourceChange": {"Action": "Modify", "LogicalResourceId": "Db", "ResourceType": "AWS::RDS::DBInstance", "Replacement": "True"}},
                {"Type": "Resource", "ResourceChange": {"Action": "Modify", "LogicalResourceId": "Web", "ResourceType": "AWS::EC2::Instance", "Replacement": "False"}},
                {"Type": "Resource", "ResourceChange": {"Action": "Remove", "LogicalResourceId": "Old", "ResourceType": "AWS::SNS::Topic"}}
            ]}"#,
        )
        .unwrap();
        let found = removed(&set);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].action, "replace");
        assert!(found[0].stateful);
        assert_eq!(found[1].address, "Old (AWS::SNS::Topic)");
        assert!(!found[1].stateful);
    }

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
