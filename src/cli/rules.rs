//! `interlock rules`: tooling for the people who own the rules.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};

use super::ExitStatus;
use crate::rules::{examples, load};
use crate::{Action, Decision, Engine, Environment};

/// Arguments of `interlock rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: RulesCommand,
}

/// `interlock rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Run every rule's inline examples and corpus files of expectations; exit 1 on any
    /// failure, each printed with its file and line.
    ///
    /// A corpus file has one JSON object per line: {"cmd": "...", "expect":
    /// "allow|confirm|deny", "rule": "optional.rule.id"}.
    ///
    /// Examples:
    ///   interlock rules test                          # the shipped rules' examples
    ///   interlock rules test ./rules --corpus team.jsonl
    #[command(verbatim_doc_comment)]
    Test(TestArgs),
    /// List the loaded rules: id, action, severity, programs, and where each is declared.
    List(ListArgs),
    /// Show one rule in full: what it matches, why, its examples, where it is declared.
    Show(ShowArgs),
    /// Compare two rulesets over a corpus of commands: every command whose verdict changes,
    /// weakenings first, then the rules' text diff. Exit 1 when anything weakened.
    ///
    /// Examples:
    ///   interlock rules diff rules-v1/ rules-v2/ --corpus commands.jsonl
    #[command(verbatim_doc_comment)]
    Diff(DiffArgs),
}

/// Arguments of `interlock rules diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The ruleset before the change (file or directory).
    pub old: PathBuf,
    /// The ruleset after the change.
    pub new: PathBuf,
    /// Commands to judge with both: one `{"cmd": "..."}` (or `{"argv": [...]}`) per line.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "audit_log",
        conflicts_with = "audit_log"
    )]
    pub corpus: Option<PathBuf>,
    /// Judge the commands of an audit log instead (each request once: the record that first
    /// decided it).
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
}

/// One command of a diff corpus.
#[derive(Debug, Deserialize)]
struct DiffLine {
    cmd: Option<String>,
    argv: Option<Vec<String>>,
}

/// Arguments of `interlock rules list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Ruleset files or directories (default: the shipped rules).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// One JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `interlock rules show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The rule id.
    pub id: String,
    /// Ruleset files or directories (default: the shipped rules).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// One rule as `rules list --json` prints it.
#[derive(Debug, Serialize)]
struct Listed<'a> {
    id: &'a str,
    action: &'static str,
    severity: &'static str,
    programs: Vec<&'a str>,
    tags: Vec<&'a str>,
    file: &'a str,
    line: u32,
    enabled: bool,
}

/// Arguments of `interlock rules test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Ruleset files or directories of `*.toml` files (default: the shipped rules).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// A corpus of expectations to check against the rules (repeatable).
    #[arg(long, value_name = "FILE")]
    pub corpus: Vec<PathBuf>,
}

/// One expectation of a corpus file.
#[derive(Debug, Deserialize)]
struct Expectation {
    cmd: String,
    expect: Decision,
    rule: Option<String>,
}

/// Runs `interlock rules ...`.
pub fn run(args: RulesArgs) -> anyhow::Result<ExitStatus> {
    match args.command {
        RulesCommand::Test(args) => test(args),
        RulesCommand::List(args) => list(args),
        RulesCommand::Show(args) => show(args),
        RulesCommand::Diff(args) => diff(args),
    }
}

fn load_rules(paths: &[PathBuf]) -> anyhow::Result<crate::rules::Ruleset> {
    if paths.is_empty() {
        load::shipped().context("cannot load the shipped rules")
    } else {
        load::from_paths(paths).context("cannot load the rules")
    }
}

fn list(args: ListArgs) -> anyhow::Result<ExitStatus> {
    let rules = load_rules(&args.paths)?;
    let mut rows = Vec::new();
    for i in rules.indices() {
        let (file, line) = rules.location(i);
        let def = rules
            .compiled(i)
            .map_err(|e| anyhow::anyhow!("rule {} cannot be read: {e}", rules.id(i)))?
            .def();
        rows.push(Listed {
            id: def.id.as_str(),
            action: def.action.as_str(),
            severity: def.severity.as_str(),
            programs: def
                .program
                .iter()
                .chain(def.programs.iter())
                .map(|p| p.as_str())
                .collect(),
            tags: def.tags.iter().map(|t| t.as_str()).collect(),
            file,
            line,
            enabled: true,
        });
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        for r in &rows {
            writeln!(
                out,
                "{:<44} {:<8} {:<9} {:<24} {}:{}",
                r.id,
                r.action,
                r.severity,
                r.programs.join(","),
                r.file,
                r.line
            )?;
        }
        writeln!(out, "{} rules", rows.len())?;
    }
    Ok(ExitStatus::Allow)
}

fn show(args: ShowArgs) -> anyhow::Result<ExitStatus> {
    let rules = load_rules(&args.paths)?;
    let Some(i) = rules.indices().find(|&i| rules.id(i) == args.id) else {
        anyhow::bail!(
            "no rule {} is loaded; `interlock rules list` shows the ids",
            args.id
        );
    };
    let (file, line) = rules.location(i);
    let def = rules
        .compiled(i)
        .map_err(|e| anyhow::anyhow!("rule {} cannot be read: {e}", args.id))?
        .def();
    let mut out = std::io::stdout().lock();
    writeln!(out, "# {file}:{line}")?;
    writeln!(out, "{}", serde_json::to_string_pretty(def)?)?;
    Ok(ExitStatus::Allow)
}

fn test(args: TestArgs) -> anyhow::Result<ExitStatus> {
    let (rules, first_file) = if args.paths.is_empty() {
        (load::shipped().context("cannot load the shipped rules")?, 0)
    } else {
        (
            load::unchecked(&args.paths).context("cannot load the rules")?,
            1,
        )
    };
    let mut failures: Vec<String> = examples::failures(&rules, first_file)
        .into_iter()
        .map(|e| e.to_string())
        .collect();
    let examples_failed = failures.len();
    let engine = Engine::new(
        rules,
        Environment {
            shell: examples::example_shell_context(),
            paths: examples::example_path_env(),
        },
    );
    let mut cases = 0usize;
    for path in &args.corpus {
        let file = std::fs::File::open(path)
            .with_context(|| format!("cannot open the corpus {}", path.display()))?;
        for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.with_context(|| format!("cannot read {}", path.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            let at = format!("{}:{}", path.display(), number + 1);
            let case: Expectation = match serde_json::from_str(&line) {
                Ok(case) => case,
                Err(e) => {
                    failures.push(format!("{at}: not an expectation ({e})"));
                    continue;
                }
            };
            cases += 1;
            let verdict = engine.classify(&Action::Shell(case.cmd.clone()));
            if verdict.decision != case.expect {
                failures.push(format!(
                    "{at}: `{}`: expected {}, got {} ({})",
                    case.cmd,
                    case.expect.as_str(),
                    verdict.decision.as_str(),
                    if verdict.rules.is_empty() {
                        "no rule matched".to_string()
                    } else {
                        verdict.rules.join(", ")
                    }
                ));
            } else if let Some(rule) = &case.rule
                && !verdict.rules.contains(rule)
            {
                failures.push(format!(
                    "{at}: `{}`: expected rule {rule} to match; matched: {}",
                    case.cmd,
                    verdict.rules.join(", ")
                ));
            }
        }
    }
    for failure in &failures {
        println!("{failure}");
    }
    println!(
        "{} rule examples failed; {cases} corpus cases, {} failed",
        examples_failed,
        failures.len() - examples_failed
    );
    Ok(if failures.is_empty() {
        ExitStatus::Allow
    } else {
        ExitStatus::Code(1)
    })
}

fn diff(args: DiffArgs) -> anyhow::Result<ExitStatus> {
    let env = || Environment {
        shell: examples::example_shell_context(),
        paths: examples::example_path_env(),
    };
    let old = Engine::new(load_rules(std::slice::from_ref(&args.old))?, env());
    let new = Engine::new(load_rules(std::slice::from_ref(&args.new))?, env());
    let (input, audit) = match (&args.corpus, &args.audit_log) {
        (Some(corpus), _) => (corpus, false),
        (None, Some(log)) => (log, true),
        (None, None) => anyhow::bail!("give --corpus FILE or --audit-log FILE"),
    };
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let (mut weaker, mut stricter, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    let mut total = 0usize;
    for line in std::io::BufReader::new(file).lines() {
        let line = line.with_context(|| format!("cannot read {}", input.display()))?;
        let action = if audit {
            match audited_command(&line) {
                Some(action) => action,
                None => continue,
            }
        } else {
            let Ok(entry) = serde_json::from_str::<DiffLine>(&line) else {
                continue;
            };
            match (entry.cmd, entry.argv) {
                (Some(cmd), _) => Action::Shell(cmd),
                (None, Some(argv)) if !argv.is_empty() => Action::Argv(argv),
                _ => continue,
            }
        };
        total += 1;
        let (a, b) = (old.classify(&action), new.classify(&action));
        let shown = format!(
            "{}  [{} {} {}] -> [{} {} {}]",
            action.text(),
            a.decision.as_str(),
            a.severity.as_str(),
            a.rules.join(","),
            b.decision.as_str(),
            b.severity.as_str(),
            b.rules.join(",")
        );
        if b.decision < a.decision {
            weaker.push(shown);
        } else if b.decision > a.decision {
            stricter.push(shown);
        } else if a.rules != b.rules || a.severity != b.severity {
            changed.push(shown);
        }
    }
    let mut out = std::io::stdout().lock();
    for (title, list) in [
        ("WEAKENED: newly allowed or less strict", &weaker),
        ("newly blocked or stricter", &stricter),
        ("changed rule or severity", &changed),
    ] {
        writeln!(out, "== {title} ({})", list.len())?;
        for item in list {
            writeln!(out, "  {item}")?;
        }
    }
    writeln!(out, "== rules text")?;
    let (old_text, new_text) = (ruleset_text(&args.old)?, ruleset_text(&args.new)?);
    let text = similar::TextDiff::from_lines(&old_text, &new_text);
    write!(
        out,
        "{}",
        text.unified_diff().context_radius(2).header(
            &args.old.display().to_string(),
            &args.new.display().to_string()
        )
    )?;
    writeln!(
        out,
        "{total} commands: {} weakened, {} stricter, {} changed",
        weaker.len(),
        stricter.len(),
        changed.len()
    )?;
    Ok(if weaker.is_empty() {
        ExitStatus::Allow
    } else {
        ExitStatus::Code(1)
    })
}

/// The command of an audit record that first decided a request (`requested`, `auto_allowed`
/// or `denied`; approvals and exits of the same request are skipped).
fn audited_command(line: &str) -> Option<Action> {
    let record: serde_json::Value = serde_json::from_str(line).ok()?;
    let status = record.get("status")?.as_str()?;
    if !matches!(status, "requested" | "auto_allowed" | "denied") {
        return None;
    }
    let argv: Vec<String> = record
        .pointer("/process/args")?
        .as_array()?
        .iter()
        .map(|a| a.as_str().map(str::to_string))
        .collect::<Option<_>>()?;
    (!argv.is_empty()).then_some(Action::Argv(argv))
}

/// The text of a ruleset file, or of a directory's `*.toml` files in order.
fn ruleset_text(path: &std::path::Path) -> anyhow::Result<String> {
    let files = if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut text = String::new();
    for file in files {
        text.push_str(&format!(
            "# {}\n",
            file.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        ));
        text.push_str(
            &std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?,
        );
    }
    Ok(text)
}
