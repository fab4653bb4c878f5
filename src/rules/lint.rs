//! `interlock rules lint`: mistakes in rulesets that loading does not catch, or catches one at a
//! time — duplicate ids, rules that can never match, rules fully shadowed by another, thin
//! explanations, examples that show a different rule than their own, word patterns with an
//! alternative that matches every word, and patterns so broad they match most of a sample of
//! everyday commands.
//!
//! Invariant: lint never changes what loads; it reads parsed files and reports. Shadowing is
//! decided structurally (every condition of the shadowing rule is implied by the shadowed
//! one's), so a reported shadow is real, not a guess from examples.

use std::collections::HashMap;

use serde::Serialize;

use super::examples::{self, example_path_env, example_shell_context};
use super::ruleset::Ruleset;
use super::schema::{RuleDef, SourceFile, Text};
use super::script::ScriptPattern;
use crate::classify::{Engine, Environment};

/// The shipped sample of everyday commands (`rulesets/lint/benign-sample.txt`).
pub const BENIGN_SAMPLE: &str = include_str!("../../rulesets/lint/benign-sample.txt");

/// A regex that matches more than this share of the benign sample is too broad.
const REGEX_TOO_BROAD: f64 = 0.5;
/// A rule that holds more than this share of the benign sample is suspiciously broad.
const RULE_TOO_BROAD: f64 = 0.1;

/// How bad a finding is: errors fail `rules lint`, warnings are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Worth a look.
    Warning,
    /// Wrong: fix before rollout.
    Error,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How bad.
    pub level: Level,
    /// What kind (`duplicate-id`, `never-matches`, `shadowed`, `thin-reason`, `example`,
    /// `other-rule-example`, `too-broad`, `matches-anything`, `invalid`).
    pub kind: &'static str,
    /// The rule.
    pub rule: String,
    /// `file:line` of the rule.
    pub at: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Lints the rules of `files[first..]` (earlier files, such as the shipped rules under a layer,
/// are context: they can shadow and be shadowed but are not reported on their own). `benign`
/// is the sample of everyday commands.
pub fn lint(files: &[SourceFile<'_>], first: usize, benign: &[String]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let deduped = duplicates(files, first, &mut findings);
    let rules = match Ruleset::from_files(&deduped) {
        Ok(rules) => rules,
        Err(e) => {
            findings.push(Finding {
                level: Level::Error,
                kind: "invalid",
                rule: String::new(),
                at: String::new(),
                message: e.to_string(),
            });
            return findings;
        }
    };
    let linted: Vec<usize> = rules
        .indices()
        .filter(|&i| rules.file_index(i) >= first)
        .collect();
    let at = |i: usize| {
        let (file, line) = rules.location(i);
        format!("{file}:{line}")
    };
    let finding = |level, kind, i: usize, message: String| Finding {
        level,
        kind,
        rule: rules.id(i).to_string(),
        at: at(i),
        message,
    };

    // Invalid rules, bad regexes and failing examples (loading stops at the first of these).
    for e in examples::failures(&rules, first) {
        let (kind, i) = match &e {
            super::RulesError::Example { rule, .. } => ("example", rules.find(rule)),
            super::RulesError::InvalidRule { rule, .. } => ("invalid", rules.find(rule)),
            _ => ("invalid", None),
        };
        let mut message = match &e {
            super::RulesError::Example {
                example, outcome, ..
            } => format!("example \"{example}\" {outcome}"),
            super::RulesError::InvalidRule { message, .. } => message.clone(),
            other => other.to_string(),
        };
        if let (super::RulesError::Example { example, .. }, Some(i)) = (&e, i) {
            let others = matching_rules(&rules, example, i);
            if !others.is_empty() {
                message.push_str(&format!("; it matches {} instead", others.join(", ")));
            }
        }
        findings.push(Finding {
            level: Level::Error,
            kind,
            rule: i.map(|i| rules.id(i).to_string()).unwrap_or_default(),
            at: i.map(at).unwrap_or_default(),
            message,
        });
    }

    let defs: HashMap<usize, &RuleDef<'static>> = rules
        .indices()
        .filter_map(|i| rules.rule(i).map(|d| (i, d)))
        .collect();
    for &i in &linted {
        let Some(def) = defs.get(&i) else { continue };
        if let Some(why) = never_matches(def) {
            findings.push(finding(Level::Error, "never-matches", i, why));
        }
        for raise in &def.in_tier {
            if crate::tiers::Tiers::shipped()
                .tiers
                .iter()
                .all(|t| t.name != raise.tier.as_str())
            {
                findings.push(finding(
                    Level::Warning,
                    "unknown-tier",
                    i,
                    format!(
                        "in_tier names tier `{}`, which the shipped tiers do not declare (a layer's tiers.toml may)",
                        raise.tier
                    ),
                ));
            }
        }
        if let Some(pattern) = matches_anything(def) {
            findings.push(finding(
                Level::Warning,
                "matches-anything",
                i,
                format!(
                    "the pattern \"{pattern}\" has an alternative that is only `*` (alternatives are split at `|`), so it matches every word (patterns cannot hold a literal `|`: match the text before it)"
                ),
            ));
        }
        if def.reason.split_whitespace().count() < 4 {
            findings.push(finding(
                Level::Warning,
                "thin-reason",
                i,
                format!(
                    "the reason \"{}\" is too short to tell the human at the prompt what the command does and why it is held",
                    def.reason
                ),
            ));
        }
        if let Some(j) = rules.indices().filter(|&j| j != i).find(|&j| {
            defs.get(&j)
                .is_some_and(|a| shadows(a, def) && (j < i || !shadows(def, a)))
        }) {
            findings.push(finding(
                Level::Warning,
                "shadowed",
                i,
                format!(
                    "fully shadowed by {} ({}): that rule matches every command this one matches, with an action and severity at least as strict, so this rule never changes a verdict",
                    rules.id(j),
                    at(j)
                ),
            ));
        }
    }

    // Examples whose verdict another rule decides.
    let engine = Engine::new(
        rules,
        Environment {
            shell: example_shell_context(),
            paths: example_path_env(),
        },
    );
    let rules = engine.rules();
    for &i in &linted {
        let Some(def) = rules.rule(i) else { continue };
        for example in &def.examples_match {
            let v = engine.classify_shell(example);
            let Some(top) = v.matches.first() else {
                continue;
            };
            if top.rule != def.id.as_str()
                && top.decision > def.action
                && top.decision
                    > v.matches
                        .iter()
                        .filter(|m| m.rule == def.id.as_str())
                        .map(|m| m.decision)
                        .max()
                        .unwrap_or(def.action)
            {
                findings.push(Finding {
                    level: Level::Warning,
                    kind: "other-rule-example",
                    rule: def.id.to_string(),
                    at: at_of(rules, i),
                    message: format!(
                        "example \"{example}\" is decided by {} ({}), so it does not show what this rule ({}) does",
                        top.rule,
                        top.decision.as_str(),
                        def.action.as_str()
                    ),
                });
            }
        }
    }

    // Breadth over the benign sample.
    if !benign.is_empty() {
        let mut held: HashMap<String, usize> = HashMap::new();
        for cmd in benign {
            let v = engine.classify_shell(cmd);
            let mut seen: Vec<&str> = Vec::new();
            for m in &v.matches {
                if m.decision > crate::Decision::Allow && !seen.contains(&m.rule.as_str()) {
                    seen.push(&m.rule);
                    *held.entry(m.rule.clone()).or_default() += 1;
                }
            }
        }
        for &i in &linted {
            let Some(def) = rules.rule(i) else { continue };
            let total = benign.len() as f64;
            if let Some(pattern) = &def.script
                && let Ok(re) = ScriptPattern::new(pattern)
            {
                let hits = benign.iter().filter(|c| re.is_match(c)).count();
                if hits as f64 > REGEX_TOO_BROAD * total {
                    findings.push(Finding {
                        level: Level::Error,
                        kind: "too-broad",
                        rule: def.id.to_string(),
                        at: at_of(rules, i),
                        message: format!(
                            "the script regex matches {hits} of {} benign sample commands: it would hold everyday code",
                            benign.len()
                        ),
                    });
                }
            }
            let hits = held.get(def.id.as_str()).copied().unwrap_or(0);
            if hits as f64 > RULE_TOO_BROAD * total {
                findings.push(Finding {
                    level: Level::Warning,
                    kind: "too-broad",
                    rule: def.id.to_string(),
                    at: at_of(rules, i),
                    message: format!("holds {hits} of {} benign sample commands", benign.len()),
                });
            }
        }
    }
    findings.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.at.cmp(&b.at)));
    findings
}

/// The benign sample as command lines (comments and blank lines left out).
pub fn sample_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

fn at_of(rules: &Ruleset, i: usize) -> String {
    let (file, line) = rules.location(i);
    format!("{file}:{line}")
}

/// Reports every later declaration of an id and returns the files without them.
fn duplicates<'a>(
    files: &[SourceFile<'a>],
    first: usize,
    findings: &mut Vec<Finding>,
) -> Vec<SourceFile<'a>> {
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut out = Vec::with_capacity(files.len());
    for (fi, file) in files.iter().enumerate() {
        let mut kept = file.clone();
        kept.rules.retain(|r| {
            let here = format!("{}:{}", file.name, r.line);
            match seen.get(r.item.id.as_str()) {
                Some(firstat) => {
                    if fi >= first {
                        findings.push(Finding {
                            level: Level::Error,
                            kind: "duplicate-id",
                            rule: r.item.id.to_string(),
                            at: here,
                            message: format!(
                                "the id is already declared at {firstat}; ids are stable names used by verdicts, exceptions and the audit log (to change an upper layer's rule, use [[override]] in policy.toml)"
                            ),
                        });
                    }
                    false
                }
                None => {
                    seen.insert(r.item.id.to_string(), here);
                    true
                }
            }
        });
        out.push(kept);
    }
    out
}

/// The rules other than `except` that match `command`.
fn matching_rules(rules: &Ruleset, command: &str, except: usize) -> Vec<String> {
    let (ctx, env) = (example_shell_context(), example_path_env());
    let mut found: Vec<String> = Vec::new();
    let invocations = crate::shell::analyze(command, &ctx).invocations;
    for (at, inv) in invocations.iter().enumerate() {
        let parsed = rules.parse(inv);
        for j in rules.candidates_at(&invocations, at) {
            let id = rules.id(j);
            if j != except && !found.iter().any(|f| f == id) && rules.matches(j, inv, &parsed, &env)
            {
                found.push(id.to_string());
            }
        }
    }
    found
}

/// Why a rule's conditions contradict each other, if they do.
fn never_matches(def: &RuleDef<'_>) -> Option<String> {
    if let Some(f) = def.flags_all.iter().find(|f| def.flags_none.contains(f)) {
        return Some(format!(
            "`{f}` is in both flags_all and flags_none: the rule can never match"
        ));
    }
    if !def.flags_any.is_empty() && def.flags_any.iter().all(|f| def.flags_none.contains(f)) {
        return Some(
            "every flag of flags_any is also in flags_none: the rule can never match".into(),
        );
    }
    if !def.args_any.is_empty() && def.args_any.iter().all(|a| def.args_none.contains(a)) {
        return Some(
            "every pattern of args_any is also in args_none: the rule can never match".into(),
        );
    }
    None
}

/// The first word pattern of `def` (in `args_any` or `args_none`, whose `|`-separated
/// alternatives are globs over whole words) with an alternative that is only stars, which makes
/// the whole pattern match every word: usually a `|` meant literally. Flag patterns cannot do
/// this (a flag's name is compared exactly, and `flag_values_any` values refuse `|` at load).
fn matches_anything<'d>(def: &'d RuleDef<'_>) -> Option<&'d str> {
    def.args_any
        .iter()
        .chain(&def.args_none)
        .map(Text::as_str)
        .find(|p| {
            p.contains('|')
                && p.split('|')
                    .any(|alt| !alt.is_empty() && alt.bytes().all(|b| b == b'*'))
        })
}

/// Whether rule `a` shadows rule `b`: `a` is at least as strict and every condition of `a` is
/// implied by `b`'s, so `a` matches whatever `b` matches.
fn shadows(a: &RuleDef<'_>, b: &RuleDef<'_>) -> bool {
    let superset = |big: &[Text<'_>], small: &[Text<'_>]| small.iter().all(|x| big.contains(x));
    // An empty "any" list is no condition; a non-empty one must accept all of b's choices.
    let any_implied =
        |a: &[Text<'_>], b: &[Text<'_>]| a.is_empty() || (!b.is_empty() && superset(a, b));
    fn programs<'d>(d: &'d RuleDef<'_>) -> Vec<&'d str> {
        d.program
            .iter()
            .chain(d.programs.iter())
            .map(Text::as_str)
            .collect()
    }
    let (pa, pb) = (programs(a), programs(b));
    a.action >= b.action
        && a.severity >= b.severity
        && (pa.is_empty() || (!pb.is_empty() && pb.iter().all(|p| pa.contains(p))))
        && a.command.len() <= b.command.len()
        && a.command.iter().zip(&b.command).all(|(x, y)| x == y)
        && any_implied(&a.flags_any, &b.flags_any)
        && superset(&b.flags_all, &a.flags_all)
        && superset(&b.flags_none, &a.flags_none)
        && (a.flag_values_any.is_empty() || a.flag_values_any == b.flag_values_any)
        && any_implied(&a.args_any, &b.args_any)
        && superset(&b.args_none, &a.args_none)
        && superset(&b.hosts_none, &a.hosts_none)
        && any_implied(&a.paths_any, &b.paths_any)
        && any_implied(&a.dest_paths_any, &b.dest_paths_any)
        && any_implied(&a.src_paths_any, &b.src_paths_any)
        && any_implied(&a.redirects_any, &b.redirects_any)
        && any_implied(&a.opaque_any, &b.opaque_any)
        && any_implied(&a.within_any, &b.within_any)
        && any_implied(&a.env_any, &b.env_any)
        && (a.script.is_none() || a.script == b.script)
        && (a.match_previews || !b.match_previews)
        // `b`'s raises in a tier change verdicts there unless `a` raises the same.
        && (b.in_tier.is_empty() || a.in_tier == b.in_tier)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::schema::parse_toml;

    fn rule(extra: &str, id: &str) -> String {
        format!(
            "[[rule]]\nid = \"{id}\"\nseverity = \"high\"\naction = \"confirm\"\nreason = \"Deletes the thing for good.\"\nprogram = \"tool\"\n{extra}\nmatch = [\"tool delete --force x\"]\n\n"
        )
    }

    fn lint_text(text: &str) -> Vec<Finding> {
        let files = vec![parse_toml("t.toml", text).unwrap()];
        lint(&files, 0, &[])
    }

    #[test]
    fn a_pattern_with_a_bare_star_alternative_is_reported() {
        let found = lint_text(&rule("args_any = [\"*$(cat .env |*\"]", "t.pipe"));
        assert!(
            found.iter().any(|f| f.kind == "matches-anything"),
            "{found:?}"
        );
        let fine = lint_text(&rule("args_any = [\"*.env|*.pem\"]", "t.files"));
        assert!(
            !fine.iter().any(|f| f.kind == "matches-anything"),
            "{fine:?}"
        );
        // A flag alternative with any value (`--output=*`) is one flag, not every word.
        let flag = lint_text(&rule("flags_any = [\"-o|--output=*\"]", "t.flag"));
        assert!(
            !flag.iter().any(|f| f.kind == "matches-anything"),
            "{flag:?}"
        );
    }

    #[test]
    fn a_rule_that_raises_itself_in_a_tier_is_not_shadowed() {
        let text = format!(
            "{}{}[[rule.in_tier]]\ntier = \"prod\"\naction = \"deny\"\n",
            rule("", "t.broad"),
            rule("flags_any = [\"--force\"]", "t.narrow")
        );
        let found = lint_text(&text);
        assert!(!found.iter().any(|f| f.kind == "shadowed"), "{found:?}");
    }

    #[test]
    fn a_rule_implied_by_a_broader_one_is_shadowed_and_the_broader_is_not() {
        let text = rule("command = [\"delete\"]", "t.broad")
            + &rule(
                "command = [\"delete\"]\nflags_any = [\"--force\"]",
                "t.narrow",
            );
        let found = lint_text(&text);
        let shadowed: Vec<&Finding> = found.iter().filter(|f| f.kind == "shadowed").collect();
        assert_eq!(shadowed.len(), 1, "{found:?}");
        assert_eq!(shadowed[0].rule, "t.narrow");
        assert!(shadowed[0].message.contains("t.broad (t.toml:1)"));
    }

    #[test]
    fn contradictions_duplicates_and_thin_reasons_are_found() {
        let text = rule(
            "command = [\"delete\"]\nflags_all = [\"--force\"]\nflags_none = [\"--force\"]",
            "t.never",
        ) + &rule("command = [\"delete\"]", "t.never")
            + "[[rule]]\nid = \"t.thin\"\nseverity = \"low\"\naction = \"confirm\"\nreason = \"Bad.\"\nprogram = \"zap\"\nmatch = [\"zap\"]\n";
        let found = lint_text(&text);
        let kinds: Vec<(&str, &str)> = found.iter().map(|f| (f.kind, f.rule.as_str())).collect();
        assert!(kinds.contains(&("duplicate-id", "t.never")), "{kinds:?}");
        assert!(kinds.contains(&("never-matches", "t.never")), "{kinds:?}");
        assert!(kinds.contains(&("thin-reason", "t.thin")), "{kinds:?}");
    }
}
