//! Checks every rule's inline `match` / `not_match` examples through the real shell front end.
//!
//! Invariant: a ruleset loaded from disk whose examples fail does not load; the shipped rulesets
//! are held to the same check by the test suite (and `build.rs` refuses malformed files).

use super::error::{Result, RulesError};
use super::paths::PathEnv;
use super::ruleset::{Ruleset, check_regex};
use crate::shell::{ShellContext, analyze};

/// The directory examples run in: a workspace under the home directory.
pub const EXAMPLE_CWD: &str = "/home/user/project";
/// The home directory examples run with.
pub const EXAMPLE_HOME: &str = "/home/user";

/// The shell context examples are analysed in.
pub fn example_shell_context() -> ShellContext {
    ShellContext {
        cwd: Some(EXAMPLE_CWD.into()),
        home: Some(EXAMPLE_HOME.into()),
        tmpdir: None,
        programs: Default::default(),
    }
}

/// The path environment examples are classified in.
pub fn example_path_env() -> PathEnv {
    PathEnv {
        workspace: Some(EXAMPLE_CWD.into()),
        home: Some(EXAMPLE_HOME.into()),
        temp_dirs: vec!["/tmp".into(), "/var/tmp".into()],
        guard_globs: PathEnv::default_guard_globs(Some(EXAMPLE_HOME)),
    }
}

/// Whether rule `i` matches any invocation of `command`; also returns the invocations seen.
pub fn rule_matches_command(
    rs: &Ruleset,
    i: usize,
    command: &str,
    ctx: &ShellContext,
    env: &PathEnv,
) -> (bool, Vec<String>) {
    let analysis = analyze(command, ctx);
    let mut seen = Vec::new();
    let mut hit = false;
    for (at, inv) in analysis.invocations.iter().enumerate() {
        seen.push(inv.display());
        if rs.candidates_at(&analysis.invocations, at).contains(&i) {
            let parsed = rs.parse(inv);
            if rs.matches(i, inv, &parsed, env) {
                hit = true;
            }
        }
    }
    (hit, seen)
}

/// Checks the examples of every rule declared in files `first_file..` of `rs`; the first
/// failure is returned.
pub fn check(rs: &Ruleset, first_file: usize) -> Result<()> {
    match failures(rs, first_file).into_iter().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Every example failure of the rules declared in files `first_file..` of `rs`.
pub fn failures(rs: &Ruleset, first_file: usize) -> Vec<RulesError> {
    let mut out = Vec::new();
    let ctx = example_shell_context();
    let env = example_path_env();
    for i in rs.indices() {
        let (file, line) = rs.location(i);
        if rs.file_index(i) < first_file {
            continue;
        }
        let rule = match rs.compiled(i) {
            Ok(c) => c.def(),
            Err(message) => {
                out.push(RulesError::InvalidRule {
                    file: file.to_string(),
                    line,
                    rule: rs.id(i).to_string(),
                    message: message.to_string(),
                });
                continue;
            }
        };
        let err = |example: &str, outcome: String| RulesError::Example {
            file: file.to_string(),
            line,
            rule: rule.id.to_string(),
            example: example.to_string(),
            outcome,
        };
        if let Err(message) = check_regex(rs, i) {
            out.push(RulesError::InvalidRule {
                file: file.to_string(),
                line,
                rule: rule.id.to_string(),
                message,
            });
            continue;
        }
        for example in &rule.examples_match {
            let (hit, seen) = rule_matches_command(rs, i, example, &ctx, &env);
            if !hit {
                out.push(err(
                    example,
                    format!("did not match (invocations seen: {})", seen.join(" ; ")),
                ));
            }
        }
        for example in &rule.examples_not_match {
            let (hit, _) = rule_matches_command(rs, i, example, &ctx, &env);
            if hit {
                out.push(err(
                    example,
                    "matched, but it is listed under not_match".to_string(),
                ));
            }
        }
    }
    out
}
