//! `interlock rules lint`: what is wrong with a ruleset beyond whether it loads.

use std::io::Write;

use anyhow::Context;

use super::LintArgs;
use crate::cli::ExitStatus;
use crate::rules::lint::{self, BENIGN_SAMPLE, Finding, Level};
use crate::rules::load;
use crate::{Environment, layers};

/// Runs `interlock rules lint`.
pub fn lint(args: LintArgs) -> anyhow::Result<ExitStatus> {
    let benign = match &args.benign {
        Some(path) => lint::sample_lines(
            &std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        ),
        None => lint::sample_lines(BENIGN_SAMPLE),
    };
    let mut findings: Vec<Finding>;
    if args.paths.is_empty() {
        let env = Environment::detect(None, None);
        let dirs = args.layers.dirs(env.paths.workspace.as_deref());
        let mut files = load::shipped()
            .context("cannot load the shipped rules")?
            .source_files()?;
        for layer in layers::discover(&dirs).context("cannot read the rule layers")? {
            for path in &layer.rule_files {
                files.push(load::parse_file(path)?);
            }
        }
        findings = lint::lint(&files, 0, &benign);
        // The policy files: anything that stops them loading, and exceptions that expired.
        match layers::load_unchecked(&[], &dirs) {
            Ok(layered) => {
                for (x, origin, expired) in layered.policy.exceptions() {
                    if expired {
                        findings.push(Finding {
                            level: Level::Warning,
                            kind: "expired-exception",
                            rule: x.rule.clone(),
                            at: origin.at.clone(),
                            message: format!(
                                "the exception of the {} layer (owner {}) expired after {} and no longer applies; renew or remove it",
                                origin.layer.as_str(),
                                x.owner,
                                x.expires
                            ),
                        });
                    }
                }
            }
            Err(e) => findings.push(Finding {
                level: Level::Error,
                kind: "policy",
                rule: String::new(),
                at: String::new(),
                message: e.to_string(),
            }),
        }
    } else {
        let files = load::parse_paths(&args.paths).context("cannot read the rules")?;
        findings = lint::lint(&files, 1, &benign);
    }
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    let warnings = findings.len() - errors;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &findings)?;
        writeln!(out)?;
    } else {
        for f in &findings {
            let level = match f.level {
                Level::Error => "error",
                Level::Warning => "warning",
            };
            let at = if f.at.is_empty() {
                String::new()
            } else {
                format!(" {}", f.at)
            };
            let rule = if f.rule.is_empty() {
                String::new()
            } else {
                format!(" {}", f.rule)
            };
            writeln!(out, "{level}[{}]{at}{rule}: {}", f.kind, f.message)?;
        }
        writeln!(out, "{errors} errors, {warnings} warnings")?;
    }
    let failed = errors > 0 || (args.deny_warnings && warnings > 0);
    Ok(if failed {
        ExitStatus::Code(1)
    } else {
        ExitStatus::Allow
    })
}
