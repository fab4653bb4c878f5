//! The name of what a critical command acts on — a stack, namespace, database, bucket or path —
//! which the human types back to confirm.

use crate::{Engine, Verdict};

/// Flags whose value names the target resource.
const NAME_FLAGS: &[&str] = &[
    "--stack-name",
    "--db-instance-identifier",
    "--db-cluster-identifier",
    "--table-name",
    "--bucket",
    "--function-name",
    "--cluster",
    "--cluster-name",
    "--name",
    "-n",
    "--namespace",
    "--resource-group",
    "-g",
    "--secret-id",
    "--key-id",
    "--repository-name",
    "--stack",
    "-s",
    "--instance-ids",
    "--project",
    "--file-system-id",
    "--cache-cluster-id",
    "--replication-group-id",
    "--domain-name",
    "--account-id",
];

/// The target of the strictest matched invocation: a naming flag's value, else its last
/// positional word after the subcommand path.
pub fn target_name(engine: &Engine, verdict: &Verdict) -> Option<String> {
    let inv = verdict
        .matches
        .first()
        .and_then(|m| m.invocation)
        .and_then(|i| verdict.invocations.get(i))?;
    let parsed = engine.rules().parse(inv);
    for flag in NAME_FLAGS {
        if let Some(value) = parsed
            .flags
            .iter()
            .find(|f| f.name == *flag)
            .and_then(|f| f.value)
        {
            return Some(value.to_string());
        }
    }
    parsed
        .positional_args
        .last()
        .map(|a| a.text.clone())
        .filter(|t| !t.is_empty())
}
