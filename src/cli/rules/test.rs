//! `interlock rules test`: every rule's inline examples and corpus files of expectations.

use std::io::BufRead;

use anyhow::Context;
use serde::Deserialize;

use super::TestArgs;
use crate::cli::ExitStatus;
use crate::rules::{examples, load};
use crate::{Action, Decision, Engine, Environment, layers};

/// One expectation of a corpus file.
#[derive(Debug, Deserialize)]
struct Expectation {
    cmd: String,
    expect: Decision,
    rule: Option<String>,
}

/// Runs `interlock rules test`.
pub fn test(args: TestArgs) -> anyhow::Result<ExitStatus> {
    let examples_env = Environment {
        shell: examples::example_shell_context(),
        paths: examples::example_path_env(),
    };
    let (engine, first_file) = if args.paths.is_empty() {
        let here = Environment::detect(None, None);
        let dirs = args.layers.dirs(here.paths.workspace.as_deref());
        let layered = layers::load_unchecked(&[], &dirs).context("cannot load the rule layers")?;
        (Engine::layered(layered, examples_env), 0)
    } else {
        let rules = load::unvalidated(&args.paths).context("cannot load the rules")?;
        (Engine::new(rules, examples_env), 1)
    };
    let mut failures: Vec<String> = examples::failures(engine.rules(), first_file)
        .into_iter()
        .map(|e| e.to_string())
        .collect();
    let examples_failed = failures.len();
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
