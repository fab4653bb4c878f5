//! Delete-and-recreate: a command that creates a resource the same session deleted before (or
//! that deletes and recreates it in one line) is the incident this project exists for — an
//! agent deciding to "delete and recreate the environment". Each command alone can look routine
//! (`create-stack`, `kubectl create namespace`); the sequence is what is dangerous.
//!
//! The same holds one step earlier: turning off a resource's termination or deletion
//! protection, or deleting its lock, then deleting it.
//!
//! [`Sequences`] keeps, per session, the resources deleted or unprotected so far;
//! [`Sequences::observe`] escalates a verdict whose command recreates (or deletes) one of them to
//! critical, naming both commands, the time between them and the resource.

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::rules::{Ruleset, grammar};
use crate::shell::Invocation;
use crate::{Decision, Severity, Verdict};

/// The rule id of a delete-and-recreate escalation.
pub const RULE: &str = "sequence.delete-recreate";
/// The rule id of a delete after the resource's protection was removed.
pub const UNPROTECT_RULE: &str = "sequence.unprotect-delete";

/// Whether a command removes or makes a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Deletes, destroys, terminates, drops.
    Delete,
    /// Creates, makes, applies.
    Create,
    /// Turns off termination or deletion protection, removes a lock or lien.
    Unprotect,
}

impl Change {
    /// What must have happened earlier for this change to complete a dangerous sequence.
    fn completes(self) -> Option<Change> {
        match self {
            Change::Create => Some(Change::Delete),
            Change::Delete => Some(Change::Unprotect),
            Change::Unprotect => None,
        }
    }
}

/// One resource a command deletes or creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touch {
    /// Delete or create.
    pub change: Change,
    /// The resource, as shown to a human: its kind and name (`CloudFormation stack env`).
    pub resource: String,
}

/// A delete or unprotect seen earlier in a session.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Earlier {
    change: Change,
    resource: String,
    command: String,
    at_ms: i64,
}

/// The deletes of each session so far.
#[derive(Debug, Default)]
pub struct Sequences {
    sessions: HashMap<String, Vec<Earlier>>,
}

/// Deletes remembered per session; the oldest are forgotten first.
const MAX_REMEMBERED: usize = 1024;

impl Sequences {
    /// An empty record.
    pub fn new() -> Sequences {
        Sequences::default()
    }

    /// Records what `command` (classified as `verdict`, at `at_ms` milliseconds since the epoch,
    /// in session `session`) deletes, and escalates `verdict` when it recreates something this
    /// session deleted before — earlier in the same line included.
    /// `rules` supply each program's grammar (which flags take values), so global flags
    /// anywhere (`aws --profile prod cloudformation ...`) read the same.
    pub fn observe(
        &mut self,
        rules: &Ruleset,
        session: &str,
        at_ms: i64,
        command: &str,
        verdict: &mut Verdict,
    ) {
        let touches = all_touches(verdict, rules);
        let history = self.sessions.entry(session.to_string()).or_default();
        let (found, new) = judge(history, &touches, command, at_ms);
        history.extend(new);
        if history.len() > MAX_REMEMBERED {
            let excess = history.len() - MAX_REMEMBERED;
            history.drain(..excess);
        }
        if let Some((index, touch, earlier)) = found {
            escalate(verdict, index, &touch, &earlier, command, at_ms);
        }
    }
}

/// The same as [`Sequences::observe`] for a session kept in a file under `dir` (one process per
/// command, as agent hooks run): the file is read only when the command deletes, unprotects or
/// creates something, and appended to only when it deletes or unprotects.
pub fn observe_stored(
    dir: &Path,
    rules: &Ruleset,
    session: &str,
    at_ms: i64,
    command: &str,
    verdict: &mut Verdict,
) -> std::io::Result<()> {
    let touches = all_touches(verdict, rules);
    if touches.is_empty() {
        return Ok(());
    }
    let path = dir.join(format!("{}.jsonl", crate::ids::hashed_id("s", session, 16)));
    let history: Vec<Earlier> = match std::fs::read_to_string(&path) {
        Ok(text) => text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    let start = history.len().saturating_sub(MAX_REMEMBERED);
    let (found, new) = judge(&history[start..], &touches, command, at_ms);
    if !new.is_empty() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        let mut lines = String::new();
        for e in &new {
            lines.push_str(&serde_json::to_string(e).map_err(std::io::Error::other)?);
            lines.push('\n');
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)?;
        file.write_all(lines.as_bytes())?;
    }
    if let Some((index, touch, earlier)) = found {
        escalate(verdict, index, &touch, &earlier, command, at_ms);
    }
    Ok(())
}

/// Every resource each invocation of `verdict` touches, with the invocation's index.
fn all_touches(verdict: &Verdict, rules: &Ruleset) -> Vec<(usize, Touch)> {
    verdict
        .invocations
        .iter()
        .enumerate()
        .flat_map(|(i, inv)| touches(inv, rules).into_iter().map(move |t| (i, t)))
        .collect()
}

/// Looks up, for each touch in order, what it would complete (in this line first, then in
/// `history`): the first such pair, and what this line adds to the history.
fn judge(
    history: &[Earlier],
    touches: &[(usize, Touch)],
    command: &str,
    at_ms: i64,
) -> (Option<(usize, Touch, Earlier)>, Vec<Earlier>) {
    let mut found: Option<(usize, Touch, Earlier)> = None;
    let mut in_line: Vec<Earlier> = Vec::new();
    for (index, touch) in touches {
        if let Some(before) = touch.change.completes() {
            let earlier = in_line
                .iter()
                .rev()
                .chain(history.iter().rev())
                .find(|e| e.change == before && e.resource == touch.resource);
            if found.is_none()
                && let Some(e) = earlier
            {
                found = Some((*index, touch.clone(), e.clone()));
            }
        }
        if touch.change != Change::Create {
            in_line.push(Earlier {
                change: touch.change,
                resource: touch.resource.clone(),
                command: command.to_string(),
                at_ms,
            });
        }
    }
    (found, in_line)
}

fn escalate(
    verdict: &mut Verdict,
    index: usize,
    touch: &Touch,
    earlier: &Earlier,
    command: &str,
    at_ms: i64,
) {
    let resource = &touch.resource;
    let when = if earlier.command == command && earlier.at_ms == at_ms {
        "earlier in the same command".to_string()
    } else {
        format!(
            "{} before, by `{}`",
            elapsed(at_ms - earlier.at_ms),
            earlier.command
        )
    };
    let (rule, reason) = if touch.change == Change::Create {
        (
            RULE,
            format!(
                "Delete-and-recreate of {resource}: it was deleted {when}, and `{command}` creates it again. \
                 Recreating an environment takes down everything that depends on it in between."
            ),
        )
    } else {
        (
            UNPROTECT_RULE,
            format!(
                "Deletes {resource} after its protection was removed {when}: \
                 `{command}` takes away what the protection was there to keep."
            ),
        )
    };
    verdict.escalate(
        rule,
        Decision::Confirm,
        Severity::Critical,
        reason,
        Some(index),
    );
}

/// A duration for humans: `42 s`, `3 min`, `2 h 5 min`.
fn elapsed(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

/// What `inv` deletes or creates, by each tool's grammar.
pub fn touches(inv: &Invocation, rules: &Ruleset) -> Vec<Touch> {
    let argv = inv.argv();
    let program = inv.program_name();
    let words: Vec<&str> = argv.iter().skip(1).map(String::as_str).collect();
    let parsed = grammar::parse_except(&inv.args, &inv.code_args, rules.grammar(program));
    let ops: Vec<&str> = parsed
        .positional_args
        .iter()
        .map(|a| a.text.as_str())
        .collect();
    let cwd = inv.cwd.as_deref().unwrap_or(".");
    match program {
        "aws" => aws(&words, &ops),
        "kubectl" | "oc" => kubectl(&words, &ops, cwd),
        "docker" | "podman" | "nerdctl" => match ops.as_slice() {
            ["volume", "rm" | "remove", names @ ..] => names
                .iter()
                .map(|n| Touch {
                    change: Change::Delete,
                    resource: format!("container volume {n}"),
                })
                .collect(),
            ["volume", "create", name, ..] => {
                touch(Change::Create, format!("container volume {name}"))
            }
            _ => Vec::new(),
        },
        "eksctl" => match (ops.as_slice(), flag(&words, &["--name", "-n"])) {
            (["delete", "cluster", ..], Some(name)) => {
                touch(Change::Delete, format!("EKS cluster {name}"))
            }
            (["delete", "cluster", name, ..], None) => {
                touch(Change::Delete, format!("EKS cluster {name}"))
            }
            (["create", "cluster", ..], Some(name)) => {
                touch(Change::Create, format!("EKS cluster {name}"))
            }
            (["create", "cluster", name, ..], None) => {
                touch(Change::Create, format!("EKS cluster {name}"))
            }
            _ => Vec::new(),
        },
        "gcloud" if words.contains(&"--no-deletion-protection") => {
            verb_operand(&ops, &["update", "patch"], &[], "gcloud")
                .into_iter()
                .map(|t| Touch {
                    change: Change::Unprotect,
                    ..t
                })
                .collect()
        }
        "gcloud" => verb_operand(&ops, &["delete"], &["create"], "gcloud"),
        "az" if ops.starts_with(&["lock", "delete"]) => flag(&words, &["--resource-group", "-g"])
            .filter(|_| flag(&words, &["--resource", "--resource-name"]).is_none())
            .map_or_else(Vec::new, |rg| {
                touch(Change::Unprotect, format!("az group {rg}"))
            }),
        "az" => az(&words, &ops),
        "terraform" | "tofu" | "terragrunt" => match ops.as_slice() {
            ["workspace", "delete", name, ..] => {
                touch(Change::Delete, format!("Terraform workspace {name}"))
            }
            ["workspace", "new", name, ..] => {
                touch(Change::Create, format!("Terraform workspace {name}"))
            }
            ["destroy", ..] => touch(Change::Delete, format!("the Terraform state in {cwd}")),
            ["apply", ..] if !words.contains(&"-destroy") => {
                touch(Change::Create, format!("the Terraform state in {cwd}"))
            }
            _ => Vec::new(),
        },
        "pulumi" => match ops.as_slice() {
            ["state", "unprotect", urn, ..] => {
                touch(Change::Unprotect, format!("Pulumi resource {urn}"))
            }
            ["destroy", ..] if flag(&words, &["--target", "-t"]).is_some() => {
                flag(&words, &["--target", "-t"]).map_or_else(Vec::new, |urn| {
                    touch(Change::Delete, format!("Pulumi resource {urn}"))
                })
            }
            ["stack", "rm", name, ..] => touch(Change::Delete, format!("Pulumi stack {name}")),
            ["stack", "init", name, ..] => touch(Change::Create, format!("Pulumi stack {name}")),
            ["destroy", ..] => touch(Change::Delete, format!("the Pulumi stack in {cwd}")),
            ["up", ..] => touch(Change::Create, format!("the Pulumi stack in {cwd}")),
            _ => Vec::new(),
        },
        "helm" => match ops.as_slice() {
            ["uninstall" | "delete" | "del", name, ..] => {
                touch(Change::Delete, format!("Helm release {name}"))
            }
            ["install", name, ..] => touch(Change::Create, format!("Helm release {name}")),
            _ => Vec::new(),
        },
        // Hosting and SaaS CLIs that name what they delete or create after the verb:
        // `fly apps destroy web` ... `fly apps create web`, `doctl databases delete db`.
        "fly" | "flyctl" => verb_operand(&ops, DELETE_VERBS, CREATE_VERBS, "fly"),
        "doctl" | "hcloud" | "linode-cli" | "scw" | "civo" | "vultr-cli" | "exo" | "wrangler"
        | "supabase" | "neonctl" | "turso" | "pscale" | "gh" | "glab" | "railway" | "vercel"
        | "netlify" | "firebase" | "upctl" | "koyeb" | "ibmcloud" | "oci" | "openstack" => {
            verb_operand(&ops, DELETE_VERBS, CREATE_VERBS, program)
        }
        "heroku" => heroku(&words, &ops),
        // Local clusters and machines, by the name each tool gives them when none is given.
        "kind" => match ops.as_slice() {
            [verb @ ("delete" | "create"), "cluster", ..] => {
                let name = flag(&words, &["--name", "-n"]).unwrap_or("kind");
                touch(change_of(verb), format!("kind cluster {name}"))
            }
            _ => Vec::new(),
        },
        "k3d" => match ops.as_slice() {
            ["cluster", verb @ ("delete" | "create"), rest @ ..] => {
                let name = rest.first().copied().unwrap_or("k3s-default");
                touch(change_of(verb), format!("k3d cluster {name}"))
            }
            _ => Vec::new(),
        },
        "minikube" => match ops.first() {
            Some(verb @ (&"delete" | &"start")) => {
                let name = flag(&words, &["--profile", "-p"]).unwrap_or("minikube");
                touch(change_of(verb), format!("minikube cluster {name}"))
            }
            _ => Vec::new(),
        },
        "vagrant" => match ops.first() {
            Some(verb @ (&"destroy" | &"up")) => {
                let machine = ops.get(1).copied().unwrap_or("default");
                touch(
                    change_of(verb),
                    format!("the Vagrant machine {machine} in {cwd}"),
                )
            }
            _ => Vec::new(),
        },
        "eb" => match ops.as_slice() {
            ["terminate", env, ..] => touch(
                Change::Delete,
                format!("Elastic Beanstalk environment {env}"),
            ),
            ["create", env, ..] => touch(
                Change::Create,
                format!("Elastic Beanstalk environment {env}"),
            ),
            _ => Vec::new(),
        },
        "cdk" => match ops.split_first() {
            Some((&"destroy", stacks)) => stacks_touched(Change::Delete, stacks, cwd),
            Some((&"deploy", stacks)) => stacks_touched(Change::Create, stacks, cwd),
            _ => Vec::new(),
        },
        "serverless" | "sls" | "sst" => {
            let stage = flag(&words, &["--stage", "-s"]).unwrap_or("dev");
            let app = format!("the {program} app in {cwd}, stage {stage}");
            match ops.first() {
                Some(&"remove") => touch(Change::Delete, app),
                Some(&"deploy") => touch(Change::Create, app),
                _ => Vec::new(),
            }
        }
        "copilot" => match (ops.as_slice(), flag(&words, &["--name", "-n"])) {
            ([kind @ ("env" | "svc" | "job" | "app"), "delete", ..], Some(name)) => {
                touch(Change::Delete, format!("Copilot {kind} {name}"))
            }
            (
                [
                    kind @ ("env" | "svc" | "job" | "app"),
                    "deploy" | "init",
                    ..,
                ],
                Some(name),
            ) => touch(Change::Create, format!("Copilot {kind} {name}")),
            _ => Vec::new(),
        },
        "dropdb" => ops
            .first()
            .map_or_else(Vec::new, |n| touch(Change::Delete, format!("database {n}"))),
        "createdb" => ops
            .first()
            .map_or_else(Vec::new, |n| touch(Change::Create, format!("database {n}"))),
        "sql" => sql(&words),
        "rm" if words.iter().any(|w| is_recursive_flag(w)) => {
            directories(&ops, cwd, Change::Delete)
        }
        "mkdir" => directories(&ops, cwd, Change::Create),
        _ => Vec::new(),
    }
}

/// One resource touched by `change`.
fn touch(change: Change, resource: String) -> Vec<Touch> {
    vec![Touch { change, resource }]
}

/// The value of the first of `names` (`--name value` or `--name=value`).
fn flag<'a>(words: &[&'a str], names: &[&str]) -> Option<&'a str> {
    words.iter().enumerate().find_map(|(i, w)| {
        names.iter().find_map(|n| {
            if w == n {
                words.get(i + 1).copied()
            } else {
                w.strip_prefix(n).and_then(|rest| rest.strip_prefix('='))
            }
        })
    })
}

fn aws(words: &[&str], ops: &[&str]) -> Vec<Touch> {
    let (Some(service), Some(verb)) = (ops.first(), ops.get(1)) else {
        return Vec::new();
    };
    let by_flag = |kind: &str, names: &[&str]| -> Option<String> {
        flag(words, names).map(|n| format!("{kind} {n}"))
    };
    let (change, resource) = match (*service, *verb) {
        ("cloudformation", "delete-stack") => (
            Change::Delete,
            by_flag("CloudFormation stack", &["--stack-name"]),
        ),
        ("cloudformation", "create-stack" | "deploy") => (
            Change::Create,
            by_flag("CloudFormation stack", &["--stack-name"]),
        ),
        ("elasticbeanstalk", "terminate-environment") => (
            Change::Delete,
            by_flag("Elastic Beanstalk environment", &["--environment-name"]),
        ),
        ("elasticbeanstalk", "create-environment") => (
            Change::Create,
            by_flag("Elastic Beanstalk environment", &["--environment-name"]),
        ),
        ("rds", "delete-db-instance") => (
            Change::Delete,
            by_flag("RDS instance", &["--db-instance-identifier"]),
        ),
        ("rds", "create-db-instance") => (
            Change::Create,
            by_flag("RDS instance", &["--db-instance-identifier"]),
        ),
        ("rds", "delete-db-cluster") => (
            Change::Delete,
            by_flag("RDS cluster", &["--db-cluster-identifier"]),
        ),
        ("rds", "create-db-cluster") => (
            Change::Create,
            by_flag("RDS cluster", &["--db-cluster-identifier"]),
        ),
        ("s3api", "delete-bucket") => (Change::Delete, by_flag("S3 bucket", &["--bucket"])),
        ("s3api", "create-bucket") => (Change::Create, by_flag("S3 bucket", &["--bucket"])),
        ("s3", "rb") => (
            Change::Delete,
            ops.get(2).map(|b| format!("S3 bucket {}", bucket(b))),
        ),
        ("s3", "mb") => (
            Change::Create,
            ops.get(2).map(|b| format!("S3 bucket {}", bucket(b))),
        ),
        ("eks", "delete-cluster") => (Change::Delete, by_flag("EKS cluster", &["--name"])),
        ("eks", "create-cluster") => (Change::Create, by_flag("EKS cluster", &["--name"])),
        ("dynamodb", "delete-table") => {
            (Change::Delete, by_flag("DynamoDB table", &["--table-name"]))
        }
        ("dynamodb", "create-table") => {
            (Change::Create, by_flag("DynamoDB table", &["--table-name"]))
        }
        ("dynamodb", "update-table") if words.contains(&"--no-deletion-protection-enabled") => (
            Change::Unprotect,
            by_flag("DynamoDB table", &["--table-name"]),
        ),
        ("cloudformation", "update-termination-protection")
            if words.contains(&"--no-enable-termination-protection") =>
        {
            (
                Change::Unprotect,
                by_flag("CloudFormation stack", &["--stack-name"]),
            )
        }
        ("rds", "modify-db-instance") if words.contains(&"--no-deletion-protection") => (
            Change::Unprotect,
            by_flag("RDS instance", &["--db-instance-identifier"]),
        ),
        ("rds", "modify-db-cluster") if words.contains(&"--no-deletion-protection") => (
            Change::Unprotect,
            by_flag("RDS cluster", &["--db-cluster-identifier"]),
        ),
        ("ec2", "modify-instance-attribute") if words.contains(&"--no-disable-api-termination") => {
            (
                Change::Unprotect,
                by_flag("EC2 instance", &["--instance-id"]),
            )
        }
        ("ec2", "terminate-instances") => {
            return flag_values(words, "--instance-ids")
                .map(|id| Touch {
                    change: Change::Delete,
                    resource: format!("EC2 instance {id}"),
                })
                .collect();
        }
        _ => return aws_named(words, service, verb),
    };
    resource.map_or_else(Vec::new, |resource| touch(change, resource))
}

/// Any other `aws SERVICE delete-NOUN` / `create-NOUN` that names what it acts on by a flag
/// (`--function-name f`, `--repository-name r`, `--cache-cluster-id c`; the create may spell it
/// `--NOUN-name` where the delete says `--NOUN`, as ECS does).
fn aws_named(words: &[&str], service: &str, verb: &str) -> Vec<Touch> {
    let (change, noun) = match verb.split_once('-') {
        Some(("delete", noun)) => (Change::Delete, noun),
        Some(("create", noun)) => (Change::Create, noun),
        _ => return Vec::new(),
    };
    let flags = [
        format!("--{noun}-name"),
        format!("--{noun}-identifier"),
        format!("--{noun}-id"),
        format!("--{noun}"),
        "--name".to_string(),
    ];
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    flag(words, &flags).map_or_else(Vec::new, |name| {
        touch(change, format!("AWS {service} {noun} {name}"))
    })
}

/// The values of a list flag (`--instance-ids a b c`, up to the next flag).
fn flag_values<'a>(words: &'a [&'a str], name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    words
        .iter()
        .skip_while(move |w| **w != name)
        .skip(1)
        .take_while(|w| !w.starts_with('-'))
        .copied()
}

fn bucket(uri: &str) -> &str {
    uri.trim_start_matches("s3://").trim_end_matches('/')
}

/// `kubectl delete|create TYPE NAME` (or `TYPE/NAME`), in a namespace when one is given.
fn kubectl(words: &[&str], ops: &[&str], cwd: &str) -> Vec<Touch> {
    // `delete -f FILE` then `apply|create|replace -f FILE`: the objects of that manifest.
    let files: Vec<&str> = flag_values(words, "-f")
        .chain(flag_values(words, "--filename"))
        .chain(flag_values(words, "-k"))
        .chain(flag_values(words, "--kustomize"))
        .collect();
    let change = match ops.first() {
        Some(&"delete") => Change::Delete,
        Some(&"create" | &"apply" | &"replace") if !files.is_empty() => Change::Create,
        Some(&"create") => Change::Create,
        _ => return Vec::new(),
    };
    if !files.is_empty() {
        return files
            .iter()
            .map(|f| Touch {
                change,
                resource: format!("the Kubernetes objects of {}", absolute(f, cwd)),
            })
            .collect();
    }
    let (kind, name) = match (ops.get(1), ops.get(2)) {
        (Some(t), _) if t.contains('/') => match t.split_once('/') {
            Some((k, n)) => (k, n),
            None => return Vec::new(),
        },
        (Some(t), Some(n)) => (*t, *n),
        _ => return Vec::new(),
    };
    let kind = match kind {
        "ns" | "namespaces" => "namespace",
        "deploy" | "deployments" => "deployment",
        "svc" | "services" => "service",
        "sts" | "statefulsets" => "statefulset",
        "pvc" | "persistentvolumeclaims" => "persistentvolumeclaim",
        other => other,
    };
    let namespace = flag(words, &["-n", "--namespace"])
        .filter(|_| kind != "namespace")
        .map(|n| format!(" in namespace {n}"))
        .unwrap_or_default();
    touch(change, format!("Kubernetes {kind} {name}{namespace}"))
}

/// `gcloud GROUP... delete NAME` / `create NAME`: the resource is the groups and the name.
fn verb_operand(ops: &[&str], deletes: &[&str], creates: &[&str], tool: &str) -> Vec<Touch> {
    let Some(at) = ops
        .iter()
        .position(|w| deletes.contains(w) || creates.contains(w))
    else {
        return Vec::new();
    };
    let Some(name) = ops.get(at + 1) else {
        return Vec::new();
    };
    let change = if deletes.contains(&ops[at]) {
        Change::Delete
    } else {
        Change::Create
    };
    touch(change, format!("{tool} {} {name}", ops[..at].join(" ")))
}

/// The CDK stacks named (every stack of the app in `cwd` when none is) as touched by `change`.
fn stacks_touched(change: Change, stacks: &[&str], cwd: &str) -> Vec<Touch> {
    if stacks.is_empty() {
        return touch(change, format!("the CDK app in {cwd}"));
    }
    stacks
        .iter()
        .map(|stack| Touch {
            change,
            resource: format!("CDK stack {stack}"),
        })
        .collect()
}

/// A delete for the verbs that remove ([`DELETE_VERBS`]), else a create.
fn change_of(verb: &str) -> Change {
    if DELETE_VERBS.contains(&verb) {
        Change::Delete
    } else {
        Change::Create
    }
}

/// Verbs of hosting CLIs that delete what they name.
const DELETE_VERBS: &[&str] = &["delete", "destroy", "remove", "rm", "del"];

/// Verbs of hosting CLIs that create what they name.
const CREATE_VERBS: &[&str] = &["create", "new", "init", "launch"];

/// `heroku apps:destroy --app web` ... `heroku apps:create web` (and `addons:`, `pg:`, ...):
/// the app or add-on named by the operand, else by `--app`/`-a`.
fn heroku(words: &[&str], ops: &[&str]) -> Vec<Touch> {
    // `heroku create NAME` and `heroku destroy` are `apps:create` and `apps:destroy`.
    let Some((topic, verb)) = ops.first().and_then(|c| match *c {
        "create" | "destroy" => Some(("apps", *c)),
        c => c.split_once(':'),
    }) else {
        return Vec::new();
    };
    let change = match verb {
        "destroy" | "delete" | "remove" => Change::Delete,
        "create" => Change::Create,
        _ => return Vec::new(),
    };
    let name = ops
        .get(1)
        .copied()
        .or_else(|| flag(words, &["--app", "-a", "--confirm"]));
    name.map_or_else(Vec::new, |n| touch(change, format!("heroku {topic} {n}")))
}

/// `az GROUP... delete|create --name NAME`.
fn az(words: &[&str], ops: &[&str]) -> Vec<Touch> {
    let Some(at) = ops.iter().position(|w| *w == "delete" || *w == "create") else {
        return Vec::new();
    };
    let Some(name) = flag(words, &["--name", "-n"]) else {
        return Vec::new();
    };
    let change = if ops[at] == "delete" {
        Change::Delete
    } else {
        Change::Create
    };
    touch(change, format!("az {} {name}", ops[..at].join(" ")))
}

/// `DROP DATABASE|SCHEMA|TABLE [IF EXISTS] name` / `CREATE ... name` (the SQL front end gives
/// lowercase words).
fn sql(words: &[&str]) -> Vec<Touch> {
    let change = match words.first() {
        Some(&"drop") => Change::Delete,
        Some(&"create") => Change::Create,
        _ => return Vec::new(),
    };
    let Some(kind) = words
        .get(1)
        .filter(|k| matches!(**k, "database" | "schema" | "table"))
    else {
        return Vec::new();
    };
    let name = words
        .iter()
        .skip(2)
        .find(|w| !matches!(**w, "if" | "not" | "exists"))
        .map(|n| n.trim_end_matches(';').trim_matches('"'));
    name.map_or_else(Vec::new, |n| touch(change, format!("{kind} {n}")))
}

fn is_recursive_flag(word: &str) -> bool {
    word == "--recursive"
        || (word.starts_with('-')
            && !word.starts_with("--")
            && (word.contains('r') || word.contains('R')))
}

/// Build outputs and caches a build makes again by itself: clearing one out and making it
/// afresh (`rm -rf build && mkdir build`) is an everyday step, not the recreate of an
/// environment.
const REGENERATED_DIRS: &[&str] = &[
    "build",
    "dist",
    "out",
    "target",
    "node_modules",
    "coverage",
    "__pycache__",
    ".cache",
    ".next",
    ".nuxt",
    ".svelte-kit",
    ".turbo",
    ".parcel-cache",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".tox",
    ".nyc_output",
    "htmlcov",
    "obj",
    "tmp",
    ".tmp",
    "_build",
    "cmake-build-debug",
    "cmake-build-release",
    "storybook-static",
];

/// Directories whose contents are scratch space: what is made afresh under them replaces nothing.
const TEMP_ROOTS: &[&str] = &["/tmp/", "/var/tmp/", "/dev/shm/"];

/// The directories `paths` (relative to `cwd`) as touched by `change`, leaving out build
/// outputs, caches, and scratch directories under the temp roots outside `cwd`.
fn directories(paths: &[&str], cwd: &str, change: Change) -> Vec<Touch> {
    paths
        .iter()
        .map(|p| absolute(p, cwd))
        .filter(|dir| !REGENERATED_DIRS.contains(&dir.rsplit('/').next().unwrap_or_default()))
        .filter(|dir| {
            // Scratch space outside the current directory (a working tree may itself live
            // under /tmp: what is made there again still replaces something).
            dir.starts_with(&format!("{}/", cwd.trim_end_matches('/')))
                || !TEMP_ROOTS.iter().any(|root| dir.starts_with(root))
        })
        .map(|dir| Touch {
            change,
            resource: format!("directory {dir}"),
        })
        .collect()
}

fn absolute(path: &str, cwd: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{path}", cwd.trim_end_matches('/'))
    };
    crate::shell::normalize(&joined)
        .trim_end_matches('/')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Engine, Environment};

    fn engine() -> Engine {
        let rules = crate::rules::load::shipped().unwrap();
        Engine::new(
            rules,
            Environment::detect(Some("/work/project".into()), Some("/work/project".into())),
        )
    }

    fn observe(seq: &mut Sequences, e: &Engine, session: &str, at_ms: i64, cmd: &str) -> Verdict {
        let mut v = e.classify(&Action::Shell(cmd.into()));
        seq.observe(e.rules(), session, at_ms, cmd, &mut v);
        v
    }

    #[test]
    fn a_create_after_a_delete_of_the_same_resource_is_critical_and_names_both() {
        let e = engine();
        let mut seq = Sequences::new();
        let cases = [
            (
                "aws cloudformation delete-stack --stack-name env",
                "aws cloudformation create-stack --stack-name env --template-body file://t.yaml",
            ),
            ("kubectl delete namespace prod", "kubectl create ns prod"),
            (
                "psql -c 'DROP DATABASE orders'",
                "psql -c 'CREATE DATABASE orders'",
            ),
            (
                "aws elasticbeanstalk terminate-environment --environment-name web-prod",
                "aws elasticbeanstalk create-environment --application-name web --environment-name web-prod",
            ),
            ("aws s3 rb s3://assets --force", "aws s3 mb s3://assets"),
            (
                "terraform workspace delete staging",
                "terraform workspace new staging",
            ),
            ("rm -rf build/env", "mkdir -p build/env"),
            // Global flags anywhere, in either half.
            (
                "aws --profile prod-admin --region eu-west-1 cloudformation delete-stack --stack-name api",
                "aws cloudformation create-stack --stack-name api --template-url https://x/t.yaml --profile prod-admin",
            ),
            (
                "kubectl -n shop delete deploy web",
                "kubectl create deployment web --image=nginx -n shop",
            ),
            (
                "gcloud --project acme sql instances delete main-db",
                "gcloud sql instances create main-db --project acme --tier db-f1-micro",
            ),
            (
                "az group delete --name rg-prod --yes",
                "az group create -n rg-prod -l westeurope",
            ),
            ("helm uninstall shop", "helm install shop ./chart"),
            (
                "dropdb -h db.internal orders",
                "createdb -h db.internal orders",
            ),
            (
                "kubectl delete -f k8s/app.yaml",
                "kubectl apply -f k8s/app.yaml -n shop",
            ),
            ("docker volume rm pgdata", "docker volume create pgdata"),
            // One cluster, two tools.
            (
                "eksctl delete cluster --name shop",
                "aws eks create-cluster --name shop --role-arn r --resources-vpc-config x",
            ),
        ];
        for (i, (delete, create)) in cases.iter().enumerate() {
            let t = i64::try_from(i).unwrap() * 100_000;
            observe(&mut seq, &e, "s", t, delete);
            let v = observe(&mut seq, &e, "s", t + 95_000, create);
            assert_eq!(v.severity, Severity::Critical, "{create}");
            assert!(v.decision >= Decision::Confirm, "{create}");
            assert_eq!(v.rules.first().map(String::as_str), Some(RULE), "{create}");
            assert!(v.reason.contains(delete), "{create}: {}", v.reason);
            assert!(v.reason.contains(create), "{create}: {}", v.reason);
            assert!(v.reason.contains("1 min before"), "{create}: {}", v.reason);
        }
    }

    #[test]
    fn a_delete_after_its_protection_was_removed_is_critical_and_names_both() {
        let e = engine();
        let mut seq = Sequences::new();
        let cases = [
            (
                "aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name env",
                "aws cloudformation delete-stack --stack-name env",
            ),
            (
                "aws rds modify-db-instance --db-instance-identifier main --no-deletion-protection --apply-immediately",
                "aws rds delete-db-instance --db-instance-identifier main --skip-final-snapshot",
            ),
            (
                "aws ec2 modify-instance-attribute --instance-id i-0abc --no-disable-api-termination",
                "aws ec2 terminate-instances --instance-ids i-0def i-0abc",
            ),
            (
                "gcloud sql instances patch main-db --no-deletion-protection",
                "gcloud sql instances delete main-db --quiet",
            ),
            (
                "az lock delete --name keep --resource-group rg-prod",
                "az group delete -n rg-prod --yes",
            ),
            (
                "pulumi state unprotect 'urn:pulumi:prod::shop::aws:rds/instance:Instance::db'",
                "pulumi destroy --target 'urn:pulumi:prod::shop::aws:rds/instance:Instance::db' --yes",
            ),
        ];
        for (i, (unprotect, delete)) in cases.iter().enumerate() {
            let t = i64::try_from(i).unwrap() * 100_000;
            observe(&mut seq, &e, "s", t, unprotect);
            let v = observe(&mut seq, &e, "s", t + 30_000, delete);
            assert_eq!(
                v.rules.first().map(String::as_str),
                Some(UNPROTECT_RULE),
                "{delete}"
            );
            assert_eq!(v.severity, Severity::Critical, "{delete}");
            assert!(v.reason.contains(unprotect), "{delete}: {}", v.reason);
            assert!(v.reason.contains(delete), "{delete}: {}", v.reason);
        }
    }

    #[test]
    fn both_halves_in_one_line_are_caught() {
        let e = engine();
        let mut seq = Sequences::new();
        let cmd = "aws cloudformation delete-stack --stack-name env && aws cloudformation wait stack-delete-complete --stack-name env && aws cloudformation create-stack --stack-name env --template-body file://t.yaml";
        let v = observe(&mut seq, &e, "s", 0, cmd);
        assert_eq!(v.rules[0], RULE);
        assert!(
            v.reason.contains("earlier in the same command"),
            "{}",
            v.reason
        );
    }

    #[test]
    fn build_outputs_made_afresh_are_no_recreate() {
        let e = engine();
        let mut seq = Sequences::new();
        for cmd in [
            "rm -rf build && mkdir build",
            "rm -rf ./dist/ && mkdir -p dist",
            "rm -rf node_modules/.cache; mkdir node_modules/.cache",
            "rm -rf /tmp/build-xyz && mkdir /tmp/build-xyz",
            "rm -rf /var/tmp/cache/a; mkdir -p /var/tmp/cache/a",
        ] {
            let v = observe(&mut seq, &e, "s", 0, cmd);
            assert!(!v.rules.contains(&RULE.to_string()), "{cmd}: {:?}", v.rules);
        }
        let v = observe(&mut seq, &e, "s", 1, "rm -rf data && mkdir data");
        assert_eq!(v.rules[0], RULE);
    }

    /// Each create of `pairs` after its delete is a recreate; `unrelated`, a create of something
    /// no command deleted, is not.
    fn assert_recreates(pairs: &[(&str, &str)], unrelated: &str) {
        let e = engine();
        let mut seq = Sequences::new();
        for (delete, create) in pairs {
            observe(&mut seq, &e, "s", 0, delete);
            let v = observe(&mut seq, &e, "s", 1, create);
            assert_eq!(v.rules[0], RULE, "{create}: {:?}", v.rules);
        }
        let v = observe(&mut seq, &e, "s", 2, unrelated);
        assert!(!v.rules.contains(&RULE.to_string()), "{unrelated}");
    }

    #[test]
    fn any_aws_resource_deleted_and_created_by_name_is_a_recreate() {
        assert_recreates(
            &[
                (
                    "aws lambda delete-function --function-name f",
                    "aws lambda create-function --function-name f --runtime python3.12 --role r --handler h --zip-file fileb://f.zip",
                ),
                (
                    "aws ecs delete-service --cluster c --service web --force",
                    "aws ecs create-service --cluster c --service-name web --task-definition td",
                ),
                (
                    "aws elasticache delete-cache-cluster --cache-cluster-id sessions",
                    "aws elasticache create-cache-cluster --cache-cluster-id sessions --engine redis",
                ),
            ],
            "aws lambda create-function --function-name other --runtime python3.12 --role r --handler h --zip-file fileb://f.zip",
        );
    }

    #[test]
    fn hosting_apps_deleted_and_created_again_are_a_recreate() {
        assert_recreates(
            &[
                ("fly apps destroy shop -y", "flyctl apps create shop"),
                (
                    "doctl databases delete prod-db --force",
                    "doctl databases create prod-db",
                ),
                (
                    "heroku apps:destroy --app shop --confirm shop",
                    "heroku apps:create shop",
                ),
                (
                    "gh repo delete acme/site --yes",
                    "gh repo create acme/site --private",
                ),
                (
                    "heroku destroy --app web --confirm web",
                    "heroku create web",
                ),
            ],
            "fly apps create other",
        );
    }

    #[test]
    fn local_clusters_and_machines_made_again_are_a_recreate() {
        assert_recreates(
            &[
                ("kind delete cluster", "kind create cluster --name kind"),
                ("k3d cluster delete dev", "k3d cluster create dev"),
                ("minikube delete -p dev", "minikube start --profile dev"),
                ("vagrant destroy -f", "vagrant up"),
            ],
            "kind create cluster --name other",
        );
    }

    #[test]
    fn application_frameworks_removed_and_deployed_again_are_a_recreate() {
        assert_recreates(
            &[
                ("eb terminate prod-env --force", "eb create prod-env"),
                ("cdk destroy ProdStack --force", "cdk deploy ProdStack"),
                (
                    "serverless remove --stage prod",
                    "serverless deploy --stage prod",
                ),
                ("sst remove --stage prod", "sst deploy --stage prod"),
                (
                    "copilot env delete --name prod --yes",
                    "copilot env deploy --name prod",
                ),
            ],
            "serverless deploy --stage staging",
        );
    }

    #[test]
    fn other_resources_and_other_sessions_are_left_alone() {
        let e = engine();
        let mut seq = Sequences::new();
        observe(&mut seq, &e, "a", 0, "kubectl delete namespace prod");
        let other_name = observe(&mut seq, &e, "a", 1, "kubectl create namespace staging");
        assert!(!other_name.rules.contains(&RULE.to_string()));
        let other_session = observe(&mut seq, &e, "b", 2, "kubectl create namespace prod");
        assert!(!other_session.rules.contains(&RULE.to_string()));
        let create_first = observe(&mut seq, &e, "c", 0, "kubectl create namespace x");
        assert!(!create_first.rules.contains(&RULE.to_string()));
    }
}
