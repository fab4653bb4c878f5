//! Environments and their tiers: which environment a command acts on — an AWS profile, a kube
//! context or namespace, a gcloud project, an Azure subscription or resource group, a Terraform
//! workspace or directory, a database host — and whether that is `prod`, `staging` or `dev`
//! (`rulesets/environments/tiers.toml`). The environment is shown in the verdict; in `prod`, every
//! command that needs a human is at least high severity and its reason says where it runs.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::rules::Ruleset;
use crate::rules::pattern::glob_match;
use crate::shell::Invocation;
use crate::{Decision, Severity, Verdict};

/// The environment a command acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The environment's name as given (`prod-admin`, `gke_acme_prod`, `db.prod.internal`).
    pub name: String,
    /// Where the name came from (`--profile`, `AWS_PROFILE`, `cwd`).
    pub from: String,
    /// Its tier, when one matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

/// One tier and the globs of the names in it. Globs and ignored words are lowercased as they
/// are read: names are compared case-insensitively.
#[derive(Debug, Clone, Deserialize)]
pub struct Tier {
    /// The tier's name.
    pub name: String,
    /// Globs of the environment names in it.
    #[serde(rename = "match", deserialize_with = "lowercased")]
    pub globs: Vec<String>,
    /// Globs of the directories in it (whole paths).
    #[serde(default, deserialize_with = "lowercased")]
    pub dirs: Vec<String>,
    /// How many distinct humans must approve a critical command in it.
    #[serde(default = "one")]
    pub approvers: u8,
    /// Words that contain a match of the globs but name something else (`product`, `preprod`
    /// for `*prod*`): taken out of a name before the globs are tried. Only the shipped tiers
    /// and a layer's new tiers have them: on a tier that exists they would narrow it.
    #[serde(default, deserialize_with = "lowercased")]
    pub ignore: Vec<String>,
}

fn one() -> u8 {
    1
}

/// A list of words, lowercased (ASCII).
fn lowercased<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let words = Vec::<String>::deserialize(d)?;
    Ok(words.into_iter().map(|w| w.to_ascii_lowercase()).collect())
}

/// The tiers, in the order they are tried.
#[derive(Debug, Clone, Deserialize)]
pub struct Tiers {
    /// The tiers.
    #[serde(rename = "tier")]
    pub tiers: Vec<Tier>,
}

/// The tier whose commands are escalated.
pub const PROD: &str = "prod";

/// The rule id of a change to production that no other rule holds.
pub const PROD_CHANGE_RULE: &str = "tier.prod-change";

/// Verbs that change something, per cloud and cluster tool (a word equal to one, or starting
/// with one and a dash: `create-stack`, `put-object`).
const MUTATING: &[&str] = &[
    "create",
    "put",
    "update",
    "modify",
    "delete",
    "remove",
    "rm",
    "run",
    "start",
    "stop",
    "terminate",
    "reboot",
    "attach",
    "detach",
    "associate",
    "disassociate",
    "authorize",
    "revoke",
    "register",
    "deregister",
    "tag",
    "untag",
    "enable",
    "disable",
    "set",
    "import",
    "restore",
    "execute",
    "invoke",
    "publish",
    "send",
    "deploy",
    // A schema or image pushed to the environment (`prisma db push`, `supabase db push`).
    "push",
    "cp",
    "mv",
    "sync",
    "rsync",
    "mb",
    "rb",
    "apply",
    "edit",
    "patch",
    "replace",
    "scale",
    "rollout",
    "label",
    "annotate",
    "drain",
    "cordon",
    "uncordon",
    "taint",
    "untaint",
    "expose",
    "autoscale",
    "install",
    "upgrade",
    "migrate",
    "seed",
    "uninstall",
    "rollback",
    "destroy",
    "up",
    "add",
    "reset",
    "resize",
    "restart",
    "purge",
    "copy",
    "move",
    "rename",
    "promote",
    "abort",
    "pause",
    "resume",
    "retry",
    "suspend",
    "failover",
    "reset-password",
    "release",
    "redeploy",
    "swap",
    "setenv",
    "boot",
    // Azure's zip deployment (`az webapp deployment source config-zip`).
    "config-zip",
];

/// The first words of SQL statements that change data or schema (statements arrive lowercased).
const SQL_CHANGES: &[&str] = &[
    "insert", "update", "delete", "merge", "upsert", "replace", "alter", "create", "drop",
    "truncate", "rename", "grant", "revoke", "comment", "call", "exec", "execute", "load",
    "import", "refresh",
];

/// Commands of cloud tools that change only this machine's configuration, or open an
/// interactive session: `(program, leading positional words)`.
const LOCAL_SETUP: &[(&str, &[&str])] = &[
    ("aws", &["eks", "update-kubeconfig"]),
    ("aws", &["ssm", "start-session"]),
    ("aws", &["configure", "set"]),
    ("az", &["account", "set"]),
    ("az", &["config", "set"]),
    ("gcloud", &["config", "set"]),
];

/// Redis commands that only read (lowercase); any other command changes the store.
const REDIS_READS: &[&str] = &[
    "get",
    "mget",
    "getrange",
    "strlen",
    "exists",
    "type",
    "ttl",
    "pttl",
    "expiretime",
    "keys",
    "scan",
    "sscan",
    "hscan",
    "zscan",
    "randomkey",
    "dbsize",
    "hget",
    "hmget",
    "hgetall",
    "hkeys",
    "hvals",
    "hlen",
    "hexists",
    "hstrlen",
    "lrange",
    "llen",
    "lindex",
    "lpos",
    "smembers",
    "scard",
    "sismember",
    "smismember",
    "srandmember",
    "sinter",
    "sunion",
    "sdiff",
    "zrange",
    "zrangebyscore",
    "zrevrange",
    "zrevrangebyscore",
    "zcard",
    "zscore",
    "zrank",
    "zrevrank",
    "zcount",
    "xrange",
    "xrevrange",
    "xlen",
    "xinfo",
    "xread",
    "pfcount",
    "getbit",
    "bitcount",
    "bitpos",
    "geopos",
    "geodist",
    "geosearch",
    "object",
    "memory",
    "info",
    "ping",
    "echo",
    "time",
    "lastsave",
    "role",
    "slowlog",
    "latency",
    "monitor",
    "subscribe",
    "psubscribe",
    "pubsub",
    "client",
    "command",
    "dump",
    "json.get",
    "ft.search",
    "ft.info",
    "ts.range",
    "ts.get",
];

/// Calls in mongosh code that write to a database.
const MONGO_WRITES: &[&str] = &[
    ".insert",
    ".update",
    ".delete",
    ".remove",
    ".replace",
    ".drop",
    ".create",
    ".rename",
    ".bulkWrite",
    ".findOneAnd",
    ".findAndModify",
    ".shutdownServer",
    ".grant",
    ".revoke",
];

/// Whether remote invocation `inv` starts, stops or changes a service or container:
/// `systemctl restart nginx`, `service nginx stop`, `docker rm -f api`, `docker compose up -d`;
/// `words` are its positional words.
fn remote_service_change(inv: &Invocation, words: &[&str]) -> bool {
    match inv.program_name() {
        "systemctl" => words.first().is_some_and(|verb| {
            !matches!(
                *verb,
                "status"
                    | "show"
                    | "cat"
                    | "list-units"
                    | "list-unit-files"
                    | "list-timers"
                    | "is-active"
                    | "is-enabled"
                    | "is-failed"
                    | "help"
            )
        }),
        "service" => words
            .get(1)
            .is_some_and(|verb| !matches!(*verb, "status" | "--status-all")),
        "docker" | "podman" | "docker-compose" | "nerdctl" => {
            let verb = match words {
                [
                    "compose" | "container" | "image" | "volume" | "network",
                    verb,
                    ..,
                ] => verb,
                [verb, ..] => verb,
                [] => return false,
            };
            changes(verb) || matches!(*verb, "down" | "kill" | "prune" | "rmi" | "exec")
        }
        _ => false,
    }
}

/// Verbs that only read: the first verb of a command decides, so `kubectl get deploy` reads.
const READING: &[&str] = &[
    "get",
    "describe",
    "list",
    "ls",
    "show",
    "logs",
    "top",
    "explain",
    "api-resources",
    "api-versions",
    "version",
    "diff",
    "auth",
    "config",
    "wait",
    "events",
    "help",
    "plan",
    "output",
    "validate",
    "fmt",
    "whoami",
    "head",
    "lookup",
    "query",
    "scan",
    "search",
    "status",
    "history",
    "preview",
    "synth",
    "info",
    "view",
    "print",
    "check",
    "test",
    "select",
];

/// Whether `word` is `verb` or starts with `verb-` (`create-stack`, `describe-instances`).
fn is_verb(word: &str, verbs: &[&str]) -> bool {
    verbs.iter().any(|v| {
        word == *v
            || word
                .strip_prefix(v)
                .is_some_and(|rest| rest.starts_with('-'))
    })
}

/// Whether the verb `word` changes something: named as a change (`config-zip`, which also
/// starts like the reading `config`), else starting like a change and not like a read.
fn changes(word: &str) -> bool {
    MUTATING.contains(&word) || (is_verb(word, MUTATING) && !is_verb(word, READING))
}

/// Whether `inv` changes something through a cloud, cluster or deploy tool: its first word
/// that is a known verb changes something (a Heroku topic's verb follows its colon:
/// `container:release`). An Ansible playbook changes its hosts unless it only checks or lists.
/// A SQL statement that writes, a Redis command that is no read, mongosh code that writes, and a
/// service or container managed on another host are changes too; setting up this machine to
/// reach the environment (a kubeconfig entry, a default subscription) is none.
fn mutates(inv: &Invocation, rules: &Ruleset) -> bool {
    let program = inv.program_name();
    // A statement sent to the environment's database that changes its data or schema.
    if program == crate::shell::SQL_PROGRAM {
        return inv
            .args
            .get(1)
            .is_some_and(|w| SQL_CHANGES.contains(&w.text.as_str()));
    }
    // A cloud CLI running SQL written on its command line (`aws athena start-query-execution
    // --query-string "SELECT ..."`): its statements, judged as `sql` invocations, decide.
    if crate::shell::cloud_sql_flags(inv).is_some() && inv.opaque.is_empty() {
        return false;
    }
    // Commands that only set up this machine to reach the environment: a kubeconfig entry, the
    // default subscription or region, an interactive session (as `ssh HOST` without a command).
    let parsed = rules.parse(inv);
    let positionals: Vec<&str> = parsed.positionals.iter().map(|w| w.as_ref()).collect();
    if LOCAL_SETUP
        .iter()
        .any(|(tool, command)| program == *tool && positionals.starts_with(command))
    {
        return false;
    }
    // A service or container managed on another host (`ssh prod-web-1 sudo systemctl restart
    // nginx`): the host is the environment.
    if inv.remote && remote_service_change(inv, &positionals) {
        return true;
    }
    // A write to the environment's key-value store or document database.
    if matches!(program, "redis-cli" | "valkey-cli" | "keydb-cli") {
        return positionals
            .first()
            .is_some_and(|command| !REDIS_READS.contains(&command.to_ascii_lowercase().as_str()));
    }
    if matches!(program, "mongosh" | "mongo") {
        return inv
            .script
            .as_deref()
            .is_some_and(|code| MONGO_WRITES.iter().any(|call| code.contains(call)));
    }
    if program == "ansible-playbook" {
        return !inv.args.iter().any(|a| {
            matches!(
                a.text.as_str(),
                "--check"
                    | "-C"
                    | "--syntax-check"
                    | "--list-hosts"
                    | "--list-tasks"
                    | "--list-tags"
            )
        });
    }
    if !matches!(
        program,
        "aws"
            | "gcloud"
            | "gsutil"
            | "bq"
            | "az"
            | "kubectl"
            | "oc"
            | "helm"
            | "helmfile"
            | "skaffold"
            | "terraform"
            | "tofu"
            | "terragrunt"
            | "pulumi"
            | "cdk"
            | "sam"
            | "eksctl"
            | "fly"
            | "flyctl"
            | "heroku"
            | "firebase"
            | "wrangler"
            | "copilot"
            | "kamal"
            | "railway"
            | "serverless"
            | "sls"
            | "eb"
            | "rails"
            | "rake"
            | "mix"
            | "prisma"
    ) {
        return false;
    }
    // The positional words as the program's grammar reads them: a flag's value is not a verb
    // (`gcloud --project acme-prod run services describe`: `run` is the group, not the value).
    let from_verb = from_verb(program, &positionals);
    let Some(&(_, verb)) = from_verb.first() else {
        return false;
    };
    // A group of verbs whose next word reads (`kubectl rollout history`, `rollout status`).
    changes(verb)
        && !from_verb.get(1).is_some_and(|(_, next)| {
            matches!(*next, "status" | "history" | "show" | "list" | "get")
        })
}

/// Whether `inv` only previews, as its program's grammar says (`--dry-run`, `--help`, `diff`).
fn previews(inv: &Invocation, rules: &Ruleset) -> bool {
    rules.parse(inv).preview
}

/// The positional words of a command's `words` (its flags left out) from its verb on, each with
/// its index in `words`: the verb is the first known one past the command group (gcloud's, see
/// [`group_words`]), and a Heroku `topic:verb` word counts as its verb.
fn from_verb<'a>(program: &str, words: &[&'a str]) -> Vec<(usize, &'a str)> {
    let mut positional: Vec<(usize, &str)> = words
        .iter()
        .enumerate()
        .filter(|(_, w)| !w.starts_with('-'))
        .map(|(i, w)| match program {
            "heroku" => (i, w.rsplit(':').next().unwrap_or(w)),
            // A task's verb is its last part: `db:migrate`, `ecto.migrate`.
            "rails" | "rake" | "mix" => (i, w.rsplit([':', '.']).next().unwrap_or(w)),
            _ => (i, *w),
        })
        .collect();
    let group = group_words(program, positional.first().map(|(_, w)| *w));
    let Some(at) = positional
        .iter()
        .skip(group)
        .position(|(_, w)| is_verb(w, MUTATING) || is_verb(w, READING))
    else {
        return Vec::new();
    };
    positional.drain(..group + at);
    positional
}

impl Tiers {
    /// The shipped tiers (`rulesets/environments/tiers.toml`, encoded by the build script),
    /// decoded once. A tier table that cannot be decoded leaves every environment untiered.
    pub fn shipped() -> &'static Tiers {
        static SHIPPED: OnceLock<Tiers> = OnceLock::new();
        SHIPPED.get_or_init(|| {
            postcard::from_bytes(include_bytes!(concat!(env!("OUT_DIR"), "/tiers.postcard")))
                .unwrap_or(Tiers { tiers: Vec::new() })
        })
    }

    /// These tiers with a layer's added: a tier of the same name gains the layer's globs and
    /// the larger approver count; a new tier is tried after the existing ones. A layer can so
    /// widen a tier or require more approvers, never move a name out of an earlier tier.
    pub fn extended(&self, layer: Tiers) -> Tiers {
        let mut merged = self.clone();
        for tier in layer.tiers {
            match merged.tiers.iter_mut().find(|t| t.name == tier.name) {
                Some(t) => {
                    t.globs.extend(tier.globs);
                    t.dirs.extend(tier.dirs);
                    t.approvers = t.approvers.max(tier.approvers);
                }
                None => merged.tiers.push(tier),
            }
        }
        merged
    }

    /// The tier `name` belongs to (globs compared case-insensitively, after the tier's ignored
    /// words are taken out of it); a directory is matched against the tiers' `dirs` globs
    /// instead.
    pub fn tier_of(&self, name: &str, directory: bool) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.tiers
            .iter()
            .find(|t| {
                if directory {
                    return t.dirs.iter().any(|g| glob_match(g, &name));
                }
                let mut name = std::borrow::Cow::Borrowed(name.as_str());
                for word in &t.ignore {
                    if name.contains(word.as_str()) {
                        name = std::borrow::Cow::Owned(name.replace(word.as_str(), " "));
                    }
                }
                t.globs.iter().any(|g| glob_match(g, &name))
            })
            .map(|t| t.name.as_str())
    }

    /// The first tier of `layer` that would take ignored words into a tier these tiers already
    /// have (which would narrow it), if any.
    pub fn narrowing(&self, layer: &Tiers) -> Option<String> {
        layer
            .tiers
            .iter()
            .find(|t| !t.ignore.is_empty() && self.tiers.iter().any(|x| x.name == t.name))
            .map(|t| t.name.clone())
    }
}

/// The environment variables that select an environment (an AWS profile, a gcloud project, a
/// kubeconfig, ...): what the exec tracer and the shims read from a program's own environment.
pub const SELECTING_VARIABLES: &[&str] = &[
    "AWS_PROFILE",
    "CLOUDSDK_CORE_PROJECT",
    "TF_WORKSPACE",
    "PULUMI_STACK",
    "PGHOST",
    "MYSQL_HOST",
    "KUBECONFIG",
];

/// The flags and variables that name the environment of `program`.
fn selectors(program: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match program {
        "aws" | "cdk" => (&["--profile"], &["AWS_PROFILE"]),
        "sam" => (&["--profile", "--config-env"], &["AWS_PROFILE"]),
        "kubectl" | "oc" | "helm" | "kustomize" => {
            (&["--context", "--kube-context", "--namespace", "-n"], &[])
        }
        "helmfile" => (
            &["--environment", "-e", "--kube-context", "--namespace", "-n"],
            &["HELMFILE_ENVIRONMENT"],
        ),
        "skaffold" => (
            &["--profile", "-p", "--kube-context", "--namespace", "-n"],
            &[],
        ),
        "gcloud" | "gsutil" | "bq" => (&["--project"], &["CLOUDSDK_CORE_PROJECT"]),
        // An Azure resource's own name (`az webapp deploy -n shop-prod`) names its environment
        // as often as its group does.
        "az" => (
            &["--subscription", "--resource-group", "-g", "--name", "-n"],
            &[],
        ),
        "fly" | "flyctl" | "heroku" => (&["--app", "-a"], &[]),
        "firebase" => (&["--project", "-P"], &[]),
        "wrangler" => (&["--env", "-e"], &[]),
        "copilot" => (&["--env", "-e", "--app", "-a"], &[]),
        "kamal" => (&["--destination", "-d"], &[]),
        "railway" => (&["--environment", "-e"], &[]),
        "serverless" | "sls" => (&["--stage", "-s"], &[]),
        "rails" => (&["--environment", "-e"], &["RAILS_ENV", "RACK_ENV"]),
        "rake" => (&[], &["RAILS_ENV", "RACK_ENV"]),
        "mix" => (&[], &["MIX_ENV"]),
        // Prisma's configuration selects its database by NODE_ENV as often as by its URL.
        "prisma" => (&[], &["NODE_ENV"]),
        "ansible-playbook" => (&["--inventory", "-i", "--limit", "-l"], &[]),
        "terraform" | "tofu" | "terragrunt" => (&["-chdir"], &["TF_WORKSPACE"]),
        "pulumi" => (&["--stack", "-s"], &["PULUMI_STACK"]),
        "psql" | "pg_dump" | "pg_restore" | "dropdb" | "createdb" | "mysql" | "mysqldump"
        | "mongosh" | "mongo" | "redis-cli" | "valkey-cli" | "keydb-cli" => {
            (&["-h", "--host"], &["PGHOST", "MYSQL_HOST"])
        }
        _ => (&[], &[]),
    }
}

/// Whether the environment of `program` can come from its environment variables (its
/// selecting variables are worth reading from an exec call).
pub fn reads_environment(program: &str) -> bool {
    selectors(program) != (&[], &[])
}

/// The environments named by `inv`: its flags, then the process's selecting variables for the
/// tool, then its working directory.
pub fn targets(inv: &Invocation) -> Vec<(String, String)> {
    let argv = inv.argv();
    let words: Vec<&str> = argv.iter().skip(1).map(String::as_str).collect();
    let program = inv.program_name();
    let (flags, variables) = selectors(program);
    let mut out = Vec::new();
    for name in flags {
        if let Some(value) = flag(&words, name) {
            out.push((value.to_string(), (*name).to_string()));
        }
    }
    // Account ids in ARNs (`arn:aws:iam::123456789012:role/x`), and hosts in database URLs
    // (`postgres://app@db.prod.internal/app`).
    for word in &words {
        let value = word.split_once('=').map_or(*word, |(_, v)| v);
        if let Some(account) = arn_account(value) {
            out.push((account.to_string(), "ARN account".to_string()));
        }
        if let Some(host) = url_host(value) {
            out.push((host.to_string(), "URL host".to_string()));
        }
    }
    if let ["workspace", "select" | "new", name, ..] = words.as_slice()
        && matches!(program, "terraform" | "tofu")
    {
        out.push(((*name).to_string(), "terraform workspace".to_string()));
    }
    // gcloud names the resource right after its verb: `gcloud run deploy api-prod`,
    // `gcloud sql instances patch prod-db`. Storage commands name buckets, which
    // `written_bucket` reads by direction: a bucket only read from is none.
    if program == "gcloud"
        && words.first() != Some(&"storage")
        && let Some(name) = resource_after_verb(&words)
    {
        out.push((name.to_string(), "gcloud resource".to_string()));
    }
    // `kubectl label ns prod team=x`, `kubectl annotate namespace/prod ...`: a namespace named
    // as the resource acted on is the environment too.
    if matches!(program, "kubectl" | "oc")
        && let Some(name) = namespace_resource(&words)
    {
        out.push((name.to_string(), "namespace".to_string()));
    }
    // The manifests a Kubernetes tool applies and the values files it reads name the
    // environment by their paths (`-k overlays/prod`, `-f k8s/production/`, `-f values-prod.yaml`).
    if matches!(program, "kubectl" | "oc" | "helm" | "helmfile") {
        for path in manifest_paths(&words) {
            let full = crate::shell::join_path(inv.cwd.as_deref(), path);
            out.push((
                full.unwrap_or_else(|| path.to_string()),
                MANIFEST.to_string(),
            ));
            if let Some(file) = path.rsplit('/').next().filter(|f| f.contains('.')) {
                out.push((file.to_string(), MANIFEST_FILE.to_string()));
            }
        }
    }
    if let Some(bucket) = written_bucket(program, &words) {
        out.push((bucket.to_string(), "bucket".to_string()));
    }
    // Oracle's clients name the database in their connect string: `sqlplus app/pw@prod-db:1521/ORCL`,
    // `sqlplus app@prod`, `sqlplus -L user/pw@//prod/svc`.
    if matches!(program, "sqlplus" | "sqlcl")
        && let Some(database) = oracle_connect_host(&words)
    {
        out.push((database.to_string(), "connect string".to_string()));
    }
    // `ssh [user@]prod-web-1 CMD`: the host the command runs on.
    if let Some(host) = crate::shell::ssh_host(inv) {
        out.push((host.to_string(), "ssh host".to_string()));
    }
    // `eb deploy ENV`, `eb terminate ENV`: Elastic Beanstalk names the environment after its verb.
    if program == "eb"
        && let [_, name, ..] = words
            .iter()
            .filter(|w| !w.starts_with('-'))
            .collect::<Vec<_>>()
            .as_slice()
    {
        out.push(((**name).to_string(), "eb environment".to_string()));
    }
    // A variable the command line sets wins over the one this process inherited.
    for var in variables {
        let value = match inv.env_var(var) {
            Some(v) => Some(v.to_string()),
            None => std::env::var(var).ok(),
        };
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            out.push((value, (*var).to_string()));
        }
    }
    if matches!(program, "kubectl" | "oc" | "helm")
        && flag(&words, "--context").is_none()
        && flag(&words, "--kube-context").is_none()
        && let Some(context) = kube_current_context(inv, &words)
    {
        out.push((context, "kubeconfig current-context".to_string()));
    }
    if let Some(cwd) = &inv.cwd {
        out.push((cwd.clone(), "cwd".to_string()));
    }
    out
}

/// The `current-context` of the kubeconfig `kubectl` would read: `--kubeconfig FILE`, else the
/// first file of `KUBECONFIG` (the command line's, else this process's) that names one, else
/// `~/.kube/config`. Only that top-level key is read.
fn kube_current_context(inv: &Invocation, words: &[&str]) -> Option<String> {
    let files: Vec<std::path::PathBuf> = if let Some(file) = flag(words, "--kubeconfig") {
        vec![file.into()]
    } else if let Some(list) = inv
        .env_var("KUBECONFIG")
        .map(str::to_string)
        .or_else(|| std::env::var("KUBECONFIG").ok())
        .filter(|l| !l.is_empty())
    {
        list.split(':').map(Into::into).collect()
    } else {
        let home = std::env::var("HOME").ok()?;
        vec![std::path::Path::new(&home).join(".kube/config")]
    };
    files.iter().find_map(|file| {
        let path = match (&inv.cwd, file.is_relative()) {
            (Some(cwd), true) => std::path::Path::new(cwd).join(file),
            _ => file.clone(),
        };
        let text = std::fs::read_to_string(path).ok()?;
        text.lines().find_map(|line| {
            let value = line.strip_prefix("current-context:")?.trim();
            let value = value.trim_matches(|c| c == '"' || c == '\'');
            (!value.is_empty()).then(|| value.to_string())
        })
    })
}

/// The namespace a kubectl command names as its resource (`ns prod`, `namespace/prod`).
fn namespace_resource<'w>(words: &[&'w str]) -> Option<&'w str> {
    let positional: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !w.starts_with('-'))
        .collect();
    positional.iter().enumerate().find_map(|(i, w)| {
        if let Some((kind, name)) = w.split_once('/') {
            return matches!(kind, "ns" | "namespace" | "namespaces")
                .then_some(name)
                .filter(|n| !n.is_empty());
        }
        matches!(*w, "ns" | "namespace" | "namespaces")
            .then(|| positional.get(i + 1).copied())
            .flatten()
    })
}

/// The 12-digit account id of an AWS ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:...`).
fn arn_account(word: &str) -> Option<&str> {
    let mut parts = word.strip_prefix("arn:")?.splitn(5, ':');
    let (_partition, _service, _region) = (parts.next()?, parts.next()?, parts.next()?);
    let account = parts.next()?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

/// The host of a database URL (`postgres://user:pw@HOST:5432/db`, `mongodb+srv://HOST/`,
/// `redis://HOST`, `mysql://HOST`).
fn url_host(word: &str) -> Option<&str> {
    const SCHEMES: &[&str] = &[
        "postgres://",
        "postgresql://",
        "mysql://",
        "mariadb://",
        "mongodb://",
        "mongodb+srv://",
        "redis://",
        "rediss://",
        "jdbc:postgresql://",
        "jdbc:mysql://",
    ];
    SCHEMES.iter().find(|s| word.starts_with(*s))?;
    // A replica set or cluster lists its hosts with commas: the first names the environment.
    let host = crate::url::authority(word).host.split(',').next()?;
    (!host.is_empty()).then_some(host)
}

/// How many leading positional words of a `program` command, the first being `first`, name its
/// command group, which is never its verb: gcloud's top-level group (`run` and `deploy` are
/// Cloud Run and Cloud Deploy) and its release track (`beta`).
fn group_words(program: &str, first: Option<&str>) -> usize {
    if program != "gcloud" {
        return 0;
    }
    1 + usize::from(first.is_some_and(|w| matches!(w, "alpha" | "beta" | "preview")))
}

/// The word right after the verb of a gcloud command, when it is no flag: the resource it acts
/// on.
fn resource_after_verb<'a>(words: &[&'a str]) -> Option<&'a str> {
    let &(at, _) = from_verb("gcloud", words).first()?;
    words.get(at + 1).copied().filter(|w| !w.starts_with('-'))
}

/// The host (or TNS alias) of an Oracle client's connect string: its first operand's part after
/// `@` (and `//`), up to a port or service (`app/pw@prod-db:1521/ORCL` → `prod-db`).
fn oracle_connect_host<'a>(words: &[&'a str]) -> Option<&'a str> {
    let connect = words
        .iter()
        .find(|w| !w.starts_with('-') && !w.starts_with('@'))?;
    let (_, after) = connect.split_once('@')?;
    let host = after.trim_start_matches('/');
    let host = host.split([':', '/']).next()?;
    (!host.is_empty()).then_some(host)
}

/// aws s3 options that take no value: a word after one of them is a path.
const S3_SWITCHES: &[&str] = &[
    "--recursive",
    "--dryrun",
    "--quiet",
    "--delete",
    "--force",
    "--no-progress",
    "--only-show-errors",
    "--follow-symlinks",
    "--no-follow-symlinks",
    "--exact-timestamps",
    "--size-only",
    "--no-guess-mime-type",
    "--ignore-glacier-warnings",
    "--force-glacier-transfer",
    "--no-sign-request",
    "--no-verify-ssl",
    "--no-paginate",
    "--debug",
];

/// The bucket a storage command writes to or removes: the destination of a copy, move or sync,
/// the bucket made or removed, the bucket objects are removed from (`aws s3 sync build
/// s3://www-prod/`, `gsutil -m rm -r gs://prod-assets`, `gcloud storage cp a gs://b/`). A bucket
/// only read from (`aws s3 cp s3://prod-backups/x .`) is none.
fn written_bucket<'a>(program: &str, words: &[&'a str]) -> Option<&'a str> {
    let (verb_at, scheme) = match (program, words) {
        ("aws", ["s3", ..]) => (1, "s3://"),
        ("gsutil", _) => (words.iter().position(|w| !w.starts_with('-'))?, "gs://"),
        ("gcloud", ["storage", "buckets" | "objects", ..]) => (2, "gs://"),
        ("gcloud", ["storage", ..]) => (1, "gs://"),
        _ => return None,
    };
    let verb = *words.get(verb_at)?;
    let mut paths = Vec::new();
    let mut rest = words.iter().skip(verb_at + 1);
    while let Some(word) = rest.next() {
        if word.starts_with("--") && !word.contains('=') && program == "aws" {
            if !S3_SWITCHES.contains(word) {
                rest.next();
            }
        } else if !word.starts_with('-') {
            paths.push(*word);
        }
    }
    let written = match verb {
        "cp" | "mv" | "sync" | "rsync" => paths.last().filter(|_| paths.len() > 1),
        "rm" | "rb" | "mb" | "del" | "delete" | "create" | "update" => paths.first(),
        _ => None,
    }?;
    let bucket = written.strip_prefix(scheme)?.split('/').next()?;
    (!bucket.is_empty()).then_some(bucket)
}

/// Where a target named by a manifest's path came from: its path, matched as a directory.
const MANIFEST: &str = "manifest path";
/// Where a target named by a manifest's file name came from: the name, matched as a name.
const MANIFEST_FILE: &str = "manifest file";

/// The paths given to `-f`/`--filename`, `-k`/`--kustomize` and `--values` (every one, in
/// order; they repeat), except standard input and URLs.
fn manifest_paths<'a>(words: &[&'a str]) -> Vec<&'a str> {
    const FLAGS: [&str; 5] = ["-f", "--filename", "-k", "--kustomize", "--values"];
    (0..words.len())
        .filter_map(|i| FLAGS.iter().find_map(|name| flag_at(words, i, name)))
        .filter(|v| !v.contains("://") && !v.is_empty())
        .collect()
}

/// The value of `name` in `words` (`--name value`, `--name=value`, `-chdir=DIR`).
fn flag<'a>(words: &[&'a str], name: &str) -> Option<&'a str> {
    (0..words.len()).find_map(|i| flag_at(words, i, name))
}

/// The value of `name` when `words[i]` gives it (`--name value`, `--name=value`).
fn flag_at<'a>(words: &[&'a str], i: usize, name: &str) -> Option<&'a str> {
    let w = words.get(i)?;
    if *w == name {
        words.get(i + 1).copied().filter(|v| !v.starts_with('-'))
    } else {
        w.strip_prefix(name).and_then(|rest| rest.strip_prefix('='))
    }
}

/// The environment of `verdict`'s command: the one of the highest tier any invocation names
/// (the first tier in `tiers` is the highest), else the first one named.
pub fn target_of(verdict: &Verdict, tiers: &Tiers) -> Option<Target> {
    let mut best: Option<(usize, Target)> = None;
    for inv in &verdict.invocations {
        for (name, from) in targets(inv) {
            let directory = matches!(from.as_str(), "cwd" | "-chdir" | MANIFEST);
            let tier = tiers.tier_of(&name, directory).map(str::to_string);
            let rank = tier
                .as_deref()
                .and_then(|t| tiers.tiers.iter().position(|x| x.name == t))
                .unwrap_or(usize::MAX);
            // The working directory and manifests count only when they are in a tier.
            if matches!(from.as_str(), "cwd" | MANIFEST | MANIFEST_FILE) && tier.is_none() {
                continue;
            }
            if best.as_ref().is_none_or(|(r, _)| rank < *r) {
                best = Some((rank, Target { name, from, tier }));
            }
        }
    }
    best.map(|(_, t)| t)
}

/// Applies the `in_tier` raises of the matched rules for `tier`; returns the most approvers any
/// of them asks for (1 when none does).
fn raise_rules(verdict: &mut Verdict, tier: &str, rules: &Ruleset) -> u8 {
    let mut approvers = 1;
    let mut raised: Vec<String> = Vec::new();
    for m in &mut verdict.matches {
        let Some(def) = rules.find(&m.rule).and_then(|i| rules.rule(i)) else {
            continue;
        };
        for raise in def.in_tier.iter().filter(|r| r.tier.as_str() == tier) {
            let (decision, severity) = (m.decision, m.severity);
            m.decision = m.decision.max(raise.action.unwrap_or(m.decision));
            m.severity = m.severity.max(raise.severity.unwrap_or(m.severity));
            approvers = approvers.max(raise.approvers.unwrap_or(1));
            if (m.decision, m.severity) != (decision, severity) || raise.approvers.is_some() {
                raised.push(m.rule.clone());
            }
        }
    }
    if raised.is_empty() {
        return approvers;
    }
    raised.dedup();
    verdict.reorder();
    verdict.reason = format!(
        "{} In {tier}, {} {} stricter.",
        verdict.reason,
        raised.join(", "),
        if raised.len() == 1 { "is" } else { "are" }
    );
    approvers
}

/// Records the environment in `verdict` and applies its tier: each matched rule's own raise for
/// the tier (`in_tier`), then, in `prod`, a command that needs a human is at least high
/// severity, and its reason says where it runs.
pub fn apply(verdict: &mut Verdict, tiers: &Tiers, rules: &Ruleset) {
    let Some(target) = target_of(verdict, tiers) else {
        return;
    };
    let rule_approvers = target
        .tier
        .as_deref()
        .map_or(1, |tier| raise_rules(verdict, tier, rules));
    // In production, every change needs a human, not only the destructive ones.
    if target.tier.as_deref() == Some(PROD)
        && verdict.decision == Decision::Allow
        && let Some(index) = verdict
            .invocations
            .iter()
            .position(|inv| mutates(inv, rules) && !previews(inv, rules))
    {
        let reason = format!(
            "Changes production ({} `{}`): in prod, every change needs a human.",
            target.from, target.name
        );
        verdict.escalate(
            PROD_CHANGE_RULE,
            Decision::Confirm,
            Severity::Medium,
            reason,
            Some(index),
        );
    }
    if target.tier.as_deref() == Some(PROD) && verdict.decision >= Decision::Confirm {
        verdict.severity = verdict.severity.max(Severity::High);
        verdict.reason = format!(
            "{} In production: {} `{}`.",
            verdict.reason, target.from, target.name
        );
    }
    let approvers = target
        .tier
        .as_deref()
        .and_then(|t| tiers.tiers.iter().find(|x| x.name == t))
        .map_or(1, |t| t.approvers.max(1));
    let approvers =
        if verdict.decision == Decision::Confirm && verdict.severity == Severity::Critical {
            approvers.max(rule_approvers)
        } else if verdict.decision == Decision::Confirm {
            rule_approvers
        } else {
            1
        };
    if approvers > 1 {
        verdict.approvers = approvers;
        verdict.reason = format!(
            "{} It needs {approvers} different approvers.",
            verdict.reason
        );
    }
    verdict.environment = Some(target);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Engine, Environment};

    fn verdict(cmd: &str) -> Verdict {
        let engine = Engine::new(
            crate::rules::load::shipped().unwrap(),
            Environment::detect(Some("/work/project".into()), None),
        );
        engine.classify(&Action::Shell(cmd.into()))
    }

    #[test]
    fn names_are_put_in_tiers_by_flag_and_directory() {
        let cases = [
            ("aws --profile prod-admin s3 ls", Some("prod")),
            ("aws --profile dev s3 ls", Some("dev")),
            ("aws s3 ls --profile=live-eu", Some("prod")),
            (
                "kubectl --context gke_acme_production get pods",
                Some("prod"),
            ),
            ("kubectl -n staging-api get pods", Some("staging")),
            ("gcloud --project acme-prd-1 sql instances list", None),
            ("gcloud --project prd-acme sql instances list", Some("prod")),
            (
                "az group list --subscription Prod-Subscription",
                Some("prod"),
            ),
            ("psql -h db.prod.internal -c 'select 1'", Some("prod")),
            ("terraform -chdir=envs/prod plan", Some("prod")),
            ("cd /srv/envs/production && terraform apply", Some("prod")),
            // A directory is judged by the directory globs, not by the words in its name.
            ("cd /home/me/productivity-app && make", None),
            ("git status", None),
            (
                "gcloud run deploy api-prod --image gcr.io/p/api",
                Some("prod"),
            ),
            // Words that only contain "prod".
            ("kubectl -n products scale deploy web --replicas 2", None),
            ("aws --profile nonprod s3 cp a s3://b/", None),
            ("aws --profile acme-non-production s3 ls", None),
            ("kubectl --context preprod-eu get pods", Some("staging")),
            ("gcloud run deploy orders-producer", None),
            ("gcloud run deploy product-api-prod", Some("prod")),
            ("gcloud run deploy product-catalog", None),
            ("kubectl -n productivity get pods", None),
            ("kubectl -n reproducible-builds get pods", None),
            ("gcloud sql instances patch prod-db --tier x", Some("prod")),
            // The manifests applied and the values files read, by path and by file name.
            ("kubectl apply -k overlays/prod", Some("prod")),
            ("kubectl apply -f k8s/staging/api.yaml", Some("staging")),
            (
                "helm upgrade web ./chart -f values-production.yaml",
                Some("prod"),
            ),
            ("kubectl apply -f products.yaml", None),
            ("kubectl apply -f https://example.com/prod.yaml", None),
            ("aws s3 cp --recursive ./build s3://www-prod/", Some("prod")),
            (
                "aws s3 sync build s3://site-staging --acl public-read",
                Some("staging"),
            ),
            ("gsutil -m rm -r gs://prod-assets/old", Some("prod")),
            ("gcloud storage cp a.txt gs://prod-data/", Some("prod")),
            ("gcloud storage buckets delete gs://prod-data", Some("prod")),
            // Read from, not written: no environment of its own.
            ("aws s3 cp s3://prod-backups/db.sql ./db.sql", None),
            (
                "aws s3 cp s3://prod-backups/db.sql ./db.sql --region eu-west-1",
                None,
            ),
        ];
        for (cmd, tier) in cases {
            let v = verdict(cmd);
            let got = target_of(&v, Tiers::shipped()).and_then(|t| t.tier);
            assert_eq!(got.as_deref(), tier, "{cmd}");
        }
    }

    #[test]
    fn in_prod_every_change_needs_a_human_and_reads_do_not() {
        for (cmd, held) in [
            (
                "aws --profile prod-admin s3 cp build.zip s3://releases/",
                true,
            ),
            (
                "kubectl --context prod-eu scale deploy web --replicas=3",
                true,
            ),
            (
                "gcloud --project prd-shop compute instances start web-1",
                true,
            ),
            ("aws --profile prod-admin s3 ls s3://releases/", false),
            ("kubectl --context prod-eu get pods", false),
            ("kubectl get deploy -n prod -o yaml", false),
            ("aws --profile prod-admin ec2 describe-instances", false),
            (
                "aws --profile prod-admin cloudformation deploy --stack-name x --template-file t.yaml",
                true,
            ),
            ("aws --profile dev s3 cp build.zip s3://releases/", false),
            ("kubectl rollout history deploy/api -n prod", false),
            ("kubectl rollout status deploy/api -n prod", false),
            ("kubectl rollout restart deploy/api -n prod", true),
            // A namespace named as the resource acted on.
            ("kubectl label ns prod team=payments --overwrite", true),
            ("kubectl annotate namespace/prod owner=x", true),
            ("kubectl get ns prod -o yaml", false),
            ("kubectl label ns dev team=payments", false),
            ("kubectl argo rollouts abort api -n prod", true),
            ("kubectl rollout pause deploy/api -n prod", true),
            ("fly deploy -a acme-prod", true),
            ("heroku container:release web -a acme-prod", true),
            ("firebase deploy --project prod", true),
            ("wrangler deploy --env production", true),
            ("kamal deploy -d production", true),
            ("helmfile -e prod sync", true),
            ("RAILS_ENV=production bin/rails db:migrate", true),
            ("NODE_ENV=production npx prisma migrate deploy", true),
            ("NODE_ENV=production npx prisma migrate status", false),
            ("NODE_ENV=development npx prisma migrate deploy", false),
            ("NODE_ENV=production npx prisma db push", true),
            ("rails db:migrate -e production", true),
            ("RAILS_ENV=production bundle exec rake db:seed", true),
            ("MIX_ENV=prod mix ecto.migrate", true),
            ("RAILS_ENV=production rails db:migrate:status", false),
            ("RAILS_ENV=development rails db:migrate", false),
            ("helmfile --environment production apply", true),
            ("helmfile -e prod diff", false),
            ("helmfile -e dev sync", false),
            ("skaffold run -p prod", true),
            ("skaffold render -p prod", false),
            ("eb deploy app-prod", true),
            (
                "az webapp deploy --name prod-app -g rg --src-path app.zip",
                true,
            ),
            ("ansible-playbook -i inventories/production site.yml", true),
            // Statements that change a production database, and services on a production host.
            (
                "psql -h prod-db.internal -c \"UPDATE users SET plan = 1 WHERE id = 5\"",
                true,
            ),
            (
                "mysql -h db.prod.internal -e 'INSERT INTO flags VALUES (1)'",
                true,
            ),
            (
                "psql -h prod-db.internal -c 'SELECT count(*) FROM users'",
                false,
            ),
            (
                "psql -h dev-db -c \"UPDATE users SET plan = 1 WHERE id = 5\"",
                false,
            ),
            ("ssh prod-web-1 sudo systemctl restart nginx", true),
            ("ssh -p 2222 deploy@prod-web-1 'docker compose up -d'", true),
            ("ssh -i ~/.ssh/key prod-web-1 systemctl status nginx", false),
            ("ssh prod-web-1 docker ps", false),
            ("ssh dev-box sudo systemctl restart nginx", false),
            ("redis-cli -h prod-redis SET feature:x on", true),
            ("redis-cli -h prod-redis get feature:x", false),
            (
                "mongosh --host prod-mongo app --eval 'db.flags.insertOne({x:1})'",
                true,
            ),
            (
                "mongosh --host prod-mongo app --eval 'db.users.countDocuments()'",
                false,
            ),
            (
                "gcloud --project acme-prod run services describe api",
                false,
            ),
            (
                "aws --profile prod athena start-query-execution --query-string 'SELECT 1'",
                false,
            ),
            (
                "aws --profile prod athena start-query-execution --query-string 'INSERT INTO t SELECT 1'",
                true,
            ),
            (
                "aws --profile prod eks update-kubeconfig --name prod-cluster",
                false,
            ),
            ("aws --profile prod ssm start-session --target i-123", false),
            ("az account set --subscription prod-sub", false),
            ("gcloud --project acme-prod run deploy api --image x", true),
            ("fly logs -a acme-prod", false),
            ("heroku logs --tail -a acme-prod", false),
            ("fly deploy -a acme-staging", false),
            ("eb status app-prod", false),
            // A preview, as the program's grammar says, changes nothing.
            (
                "helm upgrade --install api ./chart -n prod --dry-run",
                false,
            ),
            ("kubectl apply -f k8s/ -n prod --dry-run=server", false),
            ("helm upgrade --install api ./chart -n prod", true),
            ("az webapp show --name prod-app -g rg", false),
            (
                "gcloud functions deploy orders-production --runtime nodejs20",
                true,
            ),
            (
                "gcloud functions deploy orders-staging --runtime nodejs20",
                false,
            ),
            ("gcloud run services describe api-prod", false),
            ("gcloud storage objects describe gs://prod-data/a", false),
            ("gcloud storage buckets delete gs://prod-data", true),
            ("gcloud run deploy api-prod --image gcr.io/p/api:2", true),
            ("gcloud beta run services update api-prod --cpu 2", true),
            ("gcloud run services describe api --project prd-shop", false),
            ("gcloud deploy releases list --project prd-shop", false),
            ("aws s3 cp ./build s3://prod-assets/ --recursive", true),
            ("aws s3 cp s3://prod-assets/logo.png .", false),
            ("gcloud storage cp gs://prod-assets/logo.png .", false),
            (
                "sqlplus -s admin/pw@prod-db:1521/ORCL @/nonexistent/x.sql",
                true,
            ),
            (
                "sqlplus -s admin/pw@dev-db:1521/ORCL @/nonexistent/x.sql",
                false,
            ),
            ("gcloud storage cp ./logo.png gs://prod-assets/", true),
            ("gcloud storage rm gs://prod-assets/logo.png", true),
            (
                "az functionapp deployment source config-zip -g rg -n fn-prod --src f.zip",
                true,
            ),
            (
                "ansible-playbook -i inventories/production site.yml --check",
                false,
            ),
        ] {
            let v = verdict(cmd);
            assert_eq!(v.decision != Decision::Allow, held, "{cmd}: {}", v.reason);
        }
    }

    #[test]
    fn account_ids_and_database_hosts_are_read_from_arns_and_urls() {
        assert_eq!(
            arn_account("arn:aws:iam::123456789012:role/deploy"),
            Some("123456789012")
        );
        assert_eq!(
            arn_account("arn:aws-us-gov:s3:::bucket"),
            None,
            "S3 ARNs carry no account"
        );
        assert_eq!(arn_account("arn:aws:iam::12345:role/x"), None);
        assert_eq!(
            url_host("postgresql://u:p@db.prod:5432/app?ssl=1"),
            Some("db.prod")
        );
        assert_eq!(url_host("mongodb+srv://c0.live.net/"), Some("c0.live.net"));
        assert_eq!(url_host("redis://cache-1"), Some("cache-1"));
        assert_eq!(url_host("https://example.com"), None);
    }

    #[test]
    fn in_prod_a_held_command_is_at_least_high_and_says_where() {
        let mut v = verdict("kubectl --context prod-eu delete pod web-1");
        let before = v.severity;
        let rules = crate::rules::load::shipped().unwrap();
        apply(&mut v, Tiers::shipped(), &rules);
        assert!(v.severity >= Severity::High && v.severity >= before);
        assert!(
            v.reason.contains("In production: --context `prod-eu`"),
            "{}",
            v.reason
        );
        assert_eq!(
            v.environment.as_ref().unwrap().tier.as_deref(),
            Some("prod")
        );
        let mut dev = verdict("kubectl --context dev-eu delete pod web-1");
        apply(&mut dev, Tiers::shipped(), &rules);
        assert!(!dev.reason.contains("In production"));
        // The namespace deleted is the environment, named or not with `-n`.
        let mut ns = verdict("kubectl delete namespace prod");
        apply(&mut ns, Tiers::shipped(), &rules);
        assert!(
            ns.reason.contains("In production: namespace `prod`"),
            "{}",
            ns.reason
        );
    }
}
