//! A loaded set of rules and grammars, indexed by program, and the matching of one rule against
//! one invocation.
//!
//! Invariant: loading costs no regex compilation and no TOML parsing for the embedded rulesets;
//! a rule's regex compiles on first use, only when an invocation of its program appears.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;

use super::error::{Result, RulesError};
use super::grammar::{self, Parsed};
use super::paths::{self, PathClass, PathEnv};
use super::pattern::{alt_match, command_match, glob_match};
use super::schema::{GrammarDef, RuleDef, SourceFile};
use crate::shell::{Invocation, Opaque, StepKind};

/// Size limit for one rule's compiled regex.
const REGEX_SIZE_LIMIT: usize = 2 << 20;

/// Where a rule or grammar was declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// Index of the source file in [`Ruleset::files`].
    pub file: usize,
    /// Index within that file's rules or grammars.
    pub index: usize,
}

/// A rule with its conditions decoded into typed form.
#[derive(Debug)]
pub struct CompiledRule {
    origin: Origin,
    paths: Vec<PathClass>,
    redirects: Vec<PathClass>,
    opaque: Vec<Opaque>,
    within: Vec<StepKind>,
    regex: OnceLock<Option<Regex>>,
}

/// Rules and grammars from one or more ruleset files.
#[derive(Debug, Default)]
pub struct Ruleset {
    files: Vec<SourceFile<'static>>,
    rules: Vec<CompiledRule>,
    grammars: HashMap<String, Origin>,
    by_program: HashMap<String, Vec<usize>>,
    glob_program_rules: Vec<(usize, usize)>,
    global_rules: Vec<usize>,
}

/// The grammar used for programs that declare none: no value flags, no clusters.
static DEFAULT_GRAMMAR: GrammarDef<'static> = GrammarDef {
    programs: Vec::new(),
    value_flags: Vec::new(),
    bool_flags: Vec::new(),
    unknown_long_takes_value: false,
    short_clusters: false,
    operands_first: false,
    fold_case: false,
    preview_flags: Vec::new(),
    preview_words: Vec::new(),
    escalate_flags: Vec::new(),
};

impl Ruleset {
    /// Builds a ruleset from parsed files, validating every rule's fields (not its examples:
    /// see [`super::examples::check`]). Later files' grammars override earlier ones.
    pub fn build(files: Vec<SourceFile<'static>>) -> Result<Ruleset> {
        let mut rs = Ruleset { files, ..Ruleset::default() };
        let mut seen: HashMap<String, String> = HashMap::new();
        for (fi, file) in rs.files.iter().enumerate() {
            for (gi, g) in file.grammars.iter().enumerate() {
                for p in &g.item.programs {
                    rs.grammars.insert(p.to_string(), Origin { file: fi, index: gi });
                }
            }
            for (ri, located) in file.rules.iter().enumerate() {
                let rule = &located.item;
                let here = format!("{}:{}", file.name, located.line);
                let invalid = |message: String| RulesError::InvalidRule {
                    file: file.name.to_string(),
                    line: located.line,
                    rule: rule.id.to_string(),
                    message,
                };
                if let Some(first) = seen.insert(rule.id.to_string(), here) {
                    return Err(RulesError::DuplicateId { file: file.name.to_string(), line: located.line, rule: rule.id.to_string(), first });
                }
                validate(rule).map_err(invalid)?;
                let paths = parse_classes(&rule.paths_any).map_err(invalid)?;
                let redirects = parse_classes(&rule.redirects_any).map_err(invalid)?;
                let opaque = parse_opaque(&rule.opaque_any).map_err(invalid)?;
                let within = parse_steps(&rule.within_any).map_err(invalid)?;
                let index = rs.rules.len();
                rs.rules.push(CompiledRule { origin: Origin { file: fi, index: ri }, paths, redirects, opaque, within, regex: OnceLock::new() });
                let programs: Vec<&str> = rule.program.iter().chain(rule.programs.iter()).map(|p| p.as_ref()).collect();
                if programs.is_empty() {
                    rs.global_rules.push(index);
                }
                for p in programs {
                    if p.contains('*') || p.contains('?') {
                        rs.glob_program_rules.push((index, fi));
                    } else {
                        rs.by_program.entry(p.to_string()).or_default().push(index);
                    }
                }
            }
        }
        Ok(rs)
    }

    /// The source files, in load order.
    pub fn files(&self) -> &[SourceFile<'static>] {
        &self.files
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The definition of rule `i`.
    pub fn rule(&self, i: usize) -> &RuleDef<'static> {
        let o = self.rules[i].origin;
        &self.files[o.file].rules[o.index].item
    }

    /// `file:line` where rule `i` is declared.
    pub fn location(&self, i: usize) -> (&str, u32) {
        let o = self.rules[i].origin;
        let file = &self.files[o.file];
        (file.name.as_ref(), file.rules[o.index].line)
    }

    /// Every rule index, in declaration order.
    pub fn indices(&self) -> std::ops::Range<usize> {
        0..self.rules.len()
    }

    /// The grammar for a program basename (the default grammar when none is declared).
    pub fn grammar(&self, program: &str) -> &GrammarDef<'static> {
        self.lookup(&self.grammars, program)
            .map(|o| &self.files[o.file].grammars[o.index].item)
            .unwrap_or(&DEFAULT_GRAMMAR)
    }

    fn lookup<'m, T>(&self, map: &'m HashMap<String, T>, program: &str) -> Option<&'m T> {
        map.get(program).or_else(|| {
            let stripped = program.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
            (stripped != program && !stripped.is_empty()).then(|| map.get(stripped)).flatten()
        })
    }

    /// Rule indices that may apply to an invocation of `program` (basename).
    pub fn candidates(&self, program: &str) -> Vec<usize> {
        let mut out: Vec<usize> = self.lookup(&self.by_program, program).cloned().unwrap_or_default();
        for &(i, _) in &self.glob_program_rules {
            let rule = self.rule(i);
            let hit = rule.program.iter().chain(rule.programs.iter()).any(|p| glob_match(p, program));
            if hit && !out.contains(&i) {
                out.push(i);
            }
        }
        out.extend(self.global_rules.iter().copied());
        out
    }

    /// Parses an invocation with its program's grammar.
    pub fn parse<'a>(&self, inv: &'a Invocation) -> Parsed<'a> {
        grammar::parse(&inv.args, self.grammar(inv.program_name()))
    }

    /// Whether rule `i` matches `inv` (already parsed as `parsed`).
    pub fn matches(&self, i: usize, inv: &Invocation, parsed: &Parsed<'_>, env: &PathEnv) -> bool {
        let rule = self.rule(i);
        let compiled = &self.rules[i];
        if parsed.preview && !rule.match_previews {
            return false;
        }
        let Some(consumed) = command_match(&rule.command, &parsed.positionals) else { return false };
        let rest = &parsed.positionals[consumed..];
        let rest_args = &parsed.positional_args[consumed..];
        if !rule.flags_any.is_empty() && !rule.flags_any.iter().any(|p| parsed.has_flag_or_abbrev(p)) {
            return false;
        }
        if !rule.flags_all.iter().all(|p| parsed.has_flag_or_abbrev(p)) {
            return false;
        }
        if rule.flags_none.iter().any(|p| parsed.has_flag(p)) {
            return false;
        }
        if !rule.args_any.is_empty() && !rest.iter().any(|w| rule.args_any.iter().any(|p| alt_match(p, w))) {
            return false;
        }
        if rest.iter().any(|w| rule.args_none.iter().any(|p| alt_match(p, w))) {
            return false;
        }
        if !compiled.paths.is_empty() {
            let hit = rest_args.iter().any(|a| {
                let class = paths::classify(a, inv.cwd.as_deref(), inv.remote, env);
                compiled.paths.contains(&class)
            });
            if !hit {
                return false;
            }
        }
        if !compiled.redirects.is_empty() {
            let hit = inv.redirects.iter().any(|a| {
                let class = paths::classify(a, inv.cwd.as_deref(), inv.remote, env);
                compiled.redirects.contains(&class)
            });
            if !hit {
                return false;
            }
        }
        if !compiled.opaque.is_empty() && !inv.opaque.iter().any(|o| compiled.opaque.contains(o)) {
            return false;
        }
        if !compiled.within.is_empty() && !inv.provenance.iter().any(|s| compiled.within.contains(&s.kind)) {
            return false;
        }
        if let Some(pattern) = &rule.script {
            let Some(code) = &inv.script else { return false };
            let regex = compiled.regex.get_or_init(|| compile_regex(pattern).ok());
            match regex {
                Some(re) if re.is_match(code) => {}
                _ => return false,
            }
        }
        true
    }
}

fn compile_regex(pattern: &str) -> std::result::Result<Regex, regex::Error> {
    regex::RegexBuilder::new(pattern).size_limit(REGEX_SIZE_LIMIT).build()
}

fn parse_classes(names: &[std::borrow::Cow<'_, str>]) -> std::result::Result<Vec<PathClass>, String> {
    names
        .iter()
        .map(|n| {
            PathClass::parse(n).ok_or_else(|| {
                let known: Vec<&str> = PathClass::ALL.iter().map(|c| c.as_str()).collect();
                format!("unknown path class `{n}`; known classes: {}", known.join(", "))
            })
        })
        .collect()
}

fn parse_opaque(names: &[std::borrow::Cow<'_, str>]) -> std::result::Result<Vec<Opaque>, String> {
    names
        .iter()
        .map(|n| {
            Opaque::ALL.iter().copied().find(|o| o.as_str() == n).ok_or_else(|| {
                let known: Vec<&str> = Opaque::ALL.iter().map(|o| o.as_str()).collect();
                format!("unknown opaque kind `{n}`; known kinds: {}", known.join(", "))
            })
        })
        .collect()
}

fn parse_steps(names: &[std::borrow::Cow<'_, str>]) -> std::result::Result<Vec<StepKind>, String> {
    names
        .iter()
        .map(|n| {
            StepKind::ALL.iter().copied().find(|k| k.as_str() == n).ok_or_else(|| {
                let known: Vec<&str> = StepKind::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown provenance step `{n}`; known steps: {}", known.join(", "))
            })
        })
        .collect()
}

/// Checks a rule's fields for mistakes a loader can see without running examples.
fn validate(rule: &RuleDef<'_>) -> std::result::Result<(), String> {
    let id_ok = !rule.id.is_empty()
        && rule.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
    if !id_ok {
        return Err("rule ids use lowercase letters, digits, `-`, `_` and `.` (e.g. `aws.rds.delete-db-instance`)".into());
    }
    if rule.reason.trim().is_empty() {
        return Err("`reason` is empty: say, for the human at the prompt, what this does and why it is held".into());
    }
    if rule.examples_match.is_empty() {
        return Err("no `match` examples: every rule carries at least one command it must match".into());
    }
    let conditions = !rule.command.is_empty()
        || !rule.flags_any.is_empty()
        || !rule.flags_all.is_empty()
        || !rule.args_any.is_empty()
        || !rule.paths_any.is_empty()
        || !rule.redirects_any.is_empty()
        || rule.script.is_some()
        || !rule.opaque_any.is_empty()
        || !rule.within_any.is_empty();
    if rule.program.is_none() && rule.programs.is_empty() && !conditions {
        return Err("the rule has no program and no condition, so it would match every command".into());
    }
    if rule.command.iter().any(|c| c.is_empty()) {
        return Err("`command` has an empty element".into());
    }
    Ok(())
}

/// Compiles rule `i`'s `script` regex now, reporting a syntax error (loading never does, so
/// that start-up does not grow with the number of rules).
pub fn check_regex(rs: &Ruleset, i: usize) -> std::result::Result<(), String> {
    match &rs.rule(i).script {
        Some(pattern) => compile_regex(pattern).map(drop).map_err(|e| format!("`script` is not a valid regular expression: {e}")),
        None => Ok(()),
    }
}
