//! `interlock rules`: tooling for the people who own the rules.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde::Deserialize;

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
    }
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
