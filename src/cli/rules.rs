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
