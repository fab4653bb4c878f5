//! A loaded set of rules and grammars, indexed by program, and the matching of one rule against
//! one invocation.
//!
//! Invariant: loading costs no regex compilation and no TOML parsing for the embedded rulesets;
//! a rule's regex compiles on first use, only when an invocation of its program appears.

use std::sync::OnceLock;

use super::error::{Result, RulesError};
use super::grammar::{self, Parsed};
use super::paths::{self, PathClass, PathEnv};
use super::pattern::{alt_match, command_match, glob_match};
use super::schema::{BundleIndex, GrammarDef, Located, RuleDef, SourceFile, Text, bundle};
use super::script::ScriptPattern;
use crate::shell::{Arg, Invocation, Opaque, StepKind};

/// A rule decoded, with its conditions in typed form.
#[derive(Debug)]
pub struct CompiledRule {
    def: RuleDef<'static>,
    paths: Vec<PathClass>,
    dest_paths: Vec<PathClass>,
    src_paths: Vec<PathClass>,
    redirects: Vec<PathClass>,
    opaque: Vec<Opaque>,
    within: Vec<StepKind>,
    /// `flag_values_any` as flag patterns (`-d=*/.netrc`): each entry's every flag with its
    /// every value.
    flag_values: Vec<String>,
    regex: OnceLock<Option<ScriptPattern>>,
}

impl CompiledRule {
    /// Decodes and checks one rule's encoding.
    fn decode(bytes: &'static [u8]) -> std::result::Result<CompiledRule, String> {
        let def: RuleDef<'static> =
            postcard::from_bytes(bytes).map_err(|e| format!("cannot decode the rule: {e}"))?;
        validate(&def)?;
        Ok(CompiledRule {
            paths: parse_classes(&def.paths_any)?,
            dest_paths: parse_classes(&def.dest_paths_any)?,
            src_paths: parse_classes(&def.src_paths_any)?,
            redirects: parse_classes(&def.redirects_any)?,
            opaque: parse_opaque(&def.opaque_any)?,
            within: parse_steps(&def.within_any)?,
            flag_values: def
                .flag_values_any
                .iter()
                .flat_map(|fv| {
                    fv.flags
                        .iter()
                        .flat_map(|f| fv.values.iter().map(move |v| format!("{f}={v}")))
                })
                .collect(),
            def,
            regex: OnceLock::new(),
        })
    }

    /// The rule's definition.
    pub fn def(&self) -> &RuleDef<'static> {
        &self.def
    }
}

/// Rules and grammars from a compiled bundle of ruleset files. Rules are decoded on first use,
/// so loading costs the same whatever the number of rules.
#[derive(Debug)]
pub struct Ruleset {
    index: BundleIndex<'static>,
    blob: &'static [u8],
    // Boxed: a decoded rule or grammar is hundreds of bytes, and an empty slot of that size for
    // every rule would be most of the memory (and page faults) of a process that decodes few.
    grammars: Vec<OnceLock<Option<Box<GrammarDef<'static>>>>>,
    rules: Vec<OnceLock<std::result::Result<Box<CompiledRule>, String>>>,
}

/// The grammar of a program that no rule and no grammar names: a `--long` flag is taken to
/// take the next word as its value (`--filter delete`, `--name drop-old`), except the flags
/// that are switches for nearly every command-line tool (`--force delete`, `--yes destroy`).
static UNKNOWN_GRAMMAR: std::sync::LazyLock<GrammarDef<'static>> =
    std::sync::LazyLock::new(|| GrammarDef {
        unknown_long_takes_value: true,
        bool_flags: [
            "--force",
            "--yes",
            "--assume-yes",
            "--quiet",
            "--silent",
            "--verbose",
            "--debug",
            "--all",
            "--recursive",
            "--json",
            "--yaml",
            "--raw",
            "--pretty",
            "--wait",
            "--async",
            "--dry-run",
            "--dryrun",
            "--help",
            "--version",
            "--insecure",
            "--non-interactive",
            "--noninteractive",
            "--no-input",
            "--batch",
            "--purge",
            "--permanent",
            "--hard",
            "--soft",
            "--trace",
            "--color",
            "--plain",
            "--local",
            "--global",
            "--confirm",
            "--skip-confirmation",
            "--auto-approve",
            "--interactive",
            "--prod",
            "--production",
        ]
        .into_iter()
        .map(Text::from)
        .collect(),
        ..GrammarDef::default()
    });

/// The grammar used for programs that declare none: no value flags, no clusters.
static DEFAULT_GRAMMAR: GrammarDef<'static> = GrammarDef {
    programs: Vec::new(),
    value_flags: Vec::new(),
    bool_flags: Vec::new(),
    unknown_long_takes_value: false,
    short_clusters: false,
    operands_first: false,
    commands_after_end_of_options: false,
    fold_case: false,
    preview_flags: Vec::new(),
    preview_words: Vec::new(),
    escalate_flags: Vec::new(),
};

impl Ruleset {
    /// Opens a bundle (see [`super::schema::bundle`]). Decodes the index and the grammars only.
    pub fn from_bundle(index: &'static [u8], blob: &'static [u8]) -> Result<Ruleset> {
        let index: BundleIndex<'static> =
            postcard::from_bytes(index).map_err(|e| RulesError::Embedded(e.to_string()))?;
        let rules = (0..index.rules.len()).map(|_| OnceLock::new()).collect();
        let grammars = (0..index.grammars.len()).map(|_| OnceLock::new()).collect();
        Ok(Ruleset {
            index,
            blob,
            grammars,
            rules,
        })
    }

    /// Builds a ruleset from parsed files. The bundle's bytes live as long as the process (one
    /// per loaded ruleset set), so rules can borrow from them like the embedded ones do.
    pub fn from_files(files: &[SourceFile<'_>]) -> Result<Ruleset> {
        let (index, blob) = bundle(files).map_err(|d| RulesError::DuplicateId {
            file: d.file,
            line: d.line,
            rule: d.id,
            first: d.first,
        })?;
        let index: &'static [u8] = Box::leak(index.into_boxed_slice());
        let blob: &'static [u8] = Box::leak(blob.into_boxed_slice());
        Ruleset::from_bundle(index, blob)
    }

    /// Decodes every rule declared in files `first_file..`, reporting the first malformed one.
    pub fn validate(&self, first_file: usize) -> Result<()> {
        for i in self.indices() {
            if self.file_index(i) < first_file {
                continue;
            }
            if let Err(message) = self.compiled(i) {
                let (file, line) = self.location(i);
                return Err(RulesError::InvalidRule {
                    file: file.to_string(),
                    line,
                    rule: self.id(i).to_string(),
                    message: message.to_string(),
                });
            }
        }
        Ok(())
    }

    /// The ruleset as parsed files again (every rule decoded): all grammars first, in the
    /// first file, then each file's rules with their lines. Used to build a larger ruleset
    /// from this one.
    pub fn source_files(&self) -> Result<Vec<SourceFile<'static>>> {
        let mut files: Vec<SourceFile<'static>> = self
            .index
            .files
            .iter()
            .map(|name| SourceFile {
                name: Text(std::borrow::Cow::Owned(name.to_string())),
                grammars: Vec::new(),
                rules: Vec::new(),
            })
            .collect();
        if files.is_empty() {
            files.push(SourceFile {
                name: "<built-in grammars>".into(),
                ..SourceFile::default()
            });
        }
        files[0].grammars = self
            .grammars()
            .into_iter()
            .map(|item| Located { line: 0, item })
            .collect();
        for i in self.indices() {
            let def = self.compiled(i).map_err(|message| {
                let (file, line) = self.location(i);
                RulesError::InvalidRule {
                    file: file.to_string(),
                    line,
                    rule: self.id(i).to_string(),
                    message: message.to_string(),
                }
            })?;
            let (_, line) = self.location(i);
            if let Some(file) = files.get_mut(self.file_index(i)) {
                file.rules.push(Located {
                    line,
                    item: def.def().clone(),
                });
            }
        }
        Ok(files)
    }

    /// Every grammar that decodes, in declaration order.
    pub fn grammars(&self) -> Vec<GrammarDef<'static>> {
        (0..self.grammars.len())
            .filter_map(|gi| self.grammar_at(gi).cloned())
            .collect()
    }

    /// Grammar `gi`, decoded on first use.
    fn grammar_at(&self, gi: usize) -> Option<&GrammarDef<'static>> {
        let (start, len) = *self.index.grammars.get(gi)?;
        let (start, end) = (
            start as usize,
            (start as usize).saturating_add(len as usize),
        );
        self.grammars
            .get(gi)?
            .get_or_init(|| {
                self.blob
                    .get(start..end)
                    .and_then(|b| postcard::from_bytes(b).ok())
                    .map(Box::new)
            })
            .as_deref()
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.index.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.index.rules.is_empty()
    }

    /// Every rule index, in declaration order.
    pub fn indices(&self) -> std::ops::Range<usize> {
        0..self.len()
    }

    /// Rule `i`, decoded on first use; the error says why it cannot be used.
    pub fn compiled(&self, i: usize) -> std::result::Result<&CompiledRule, &str> {
        let Some(cell) = self.rules.get(i) else {
            return Err("no such rule");
        };
        let entry = &self.index.rules[i];
        let start = entry.start as usize;
        let end = start.saturating_add(entry.len as usize);
        cell.get_or_init(|| match self.blob.get(start..end) {
            Some(bytes) => CompiledRule::decode(bytes).map(Box::new),
            None => Err("the rule's encoding lies outside the bundle".to_string()),
        })
        .as_ref()
        .map(|rule| &**rule)
        .map_err(String::as_str)
    }

    /// The definition of rule `i`, if it decodes.
    pub fn rule(&self, i: usize) -> Option<&RuleDef<'static>> {
        self.compiled(i).ok().map(CompiledRule::def)
    }

    /// The id of rule `i` (known without decoding it).
    pub fn id(&self, i: usize) -> &str {
        self.index.rules[i].id.as_str()
    }

    /// The index of the rule with this id.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.index.rules.iter().position(|r| r.id.as_str() == id)
    }

    /// Index of the file that declares rule `i`.
    pub fn file_index(&self, i: usize) -> usize {
        self.index.rules[i].file as usize
    }

    /// `(file, line)` where rule `i` is declared.
    pub fn location(&self, i: usize) -> (&str, u32) {
        let entry = &self.index.rules[i];
        let file = self
            .index
            .files
            .get(entry.file as usize)
            .map(Text::as_str)
            .unwrap_or("?");
        (file, entry.line)
    }

    /// The grammar for a program basename (the default grammar when none is declared).
    pub fn grammar(&self, program: &str) -> &GrammarDef<'static> {
        self.declared_grammar(program)
            .and_then(|gi| self.grammar_at(gi))
            .unwrap_or(&DEFAULT_GRAMMAR)
    }

    /// The index of the grammar declared for a program basename, if one is.
    fn declared_grammar(&self, program: &str) -> Option<usize> {
        let table = &self.index.grammar_of;
        let find = |name: &str| {
            table
                .binary_search_by(|(p, _)| p.as_str().cmp(name))
                .ok()
                .map(|k| table[k].1 as usize)
        };
        let stripped = strip_version(program);
        find(program).or_else(|| (stripped != program).then(|| find(stripped)).flatten())
    }

    fn by_program(&self, program: &str) -> Option<&[u32]> {
        let table = &self.index.by_program;
        let find = |name: &str| {
            table
                .binary_search_by(|(p, _)| p.as_str().cmp(name))
                .ok()
                .map(|k| table[k].1.as_slice())
        };
        find(program).or_else(|| {
            let stripped = strip_version(program);
            (stripped != program).then(|| find(stripped)).flatten()
        })
    }

    /// The program names rules are written for (`programs = [...]`, patterns excluded), sorted.
    pub fn program_names(&self) -> impl Iterator<Item = &str> {
        self.index.by_program.iter().map(|(p, _)| p.as_ref())
    }

    /// Rule indices that may apply to invocation `index` of `invocations` (one analysis): those
    /// of its program (basename), the glob ones it matches, the global ones, and — when no rule
    /// and no grammar names the program — the `unknown_programs` ones, unless the analysis
    /// unwrapped it (`sudo X`, `xargs X`, `k3s kubectl ...`): a wrapper's words are the command
    /// it runs, which is judged as itself.
    pub fn candidates_at(&self, invocations: &[Invocation], index: usize) -> Vec<usize> {
        let Some(inv) = invocations.get(index) else {
            return Vec::new();
        };
        let program = inv.program_name();
        let mut out: Vec<usize> = self
            .by_program(program)
            .unwrap_or(&[])
            .iter()
            .map(|&i| i as usize)
            .collect();
        for (pattern, i) in &self.index.glob_programs {
            let i = *i as usize;
            if glob_match(pattern, program) && !out.contains(&i) {
                out.push(i);
            }
        }
        if out.is_empty()
            && self.declared_grammar(program).is_none()
            && !crate::shell::is_unwrapped(invocations, index)
        {
            out.extend(self.index.unknown.iter().map(|&i| i as usize));
        }
        out.extend(self.index.global.iter().map(|&i| i as usize));
        out
    }

    /// Parses an invocation with its program's grammar; a program nothing names is parsed with
    /// [`UNKNOWN_GRAMMAR`].
    pub fn parse<'a>(&self, inv: &'a Invocation) -> Parsed<'a> {
        let program = inv.program_name();
        let grammar = match self.declared_grammar(program) {
            Some(gi) => self.grammar_at(gi).unwrap_or(&DEFAULT_GRAMMAR),
            None if self.names(program) => &DEFAULT_GRAMMAR,
            None => &UNKNOWN_GRAMMAR,
        };
        grammar::parse_except(&inv.args, &inv.code_args, grammar)
    }

    /// Whether some rule is written for `program`, by name or by a `program` glob.
    fn names(&self, program: &str) -> bool {
        self.by_program(program).is_some()
            || self
                .index
                .glob_programs
                .iter()
                .any(|(pattern, _)| glob_match(pattern, program))
    }

    /// Whether rule `i` matches `inv` (already parsed as `parsed`).
    pub fn matches(&self, i: usize, inv: &Invocation, parsed: &Parsed<'_>, env: &PathEnv) -> bool {
        let Ok(compiled) = self.compiled(i) else {
            return false;
        };
        let rule = &compiled.def;
        if parsed.preview && !rule.match_previews {
            return false;
        }
        // A subcommand path ends where options end: the words after `--` are operands or
        // another program's arguments (`npm run test -- delete`, `tox -- -k drop`).
        let Some(consumed) = command_match(&rule.command, parsed.command_words()) else {
            return false;
        };
        let rest = &parsed.positionals[consumed..];
        let rest_args = &parsed.positional_args[consumed..];
        // Abbreviations (`--no-preserve` for `--no-preserve-root`) may only make a rule
        // catch more: a rule that allows matches its flags as spelled, so `--force` is never
        // taken for `--force-with-lease`.
        let has = |p: &str| {
            if rule.action == crate::level::Decision::Allow {
                parsed.has_flag(p)
            } else {
                parsed.has_flag_or_abbrev(p)
            }
        };
        if !rule.flags_any.is_empty() && !rule.flags_any.iter().any(|p| has(p)) {
            return false;
        }
        if !rule.flags_all.iter().all(|p| has(p)) {
            return false;
        }
        if !compiled.flag_values.is_empty() && !compiled.flag_values.iter().any(|p| has(p)) {
            return false;
        }
        if rule.flags_none.iter().any(|p| parsed.has_flag(p)) {
            return false;
        }
        if !rule.args_any.is_empty()
            && !rest
                .iter()
                .any(|w| rule.args_any.iter().any(|p| alt_match(p, w)))
        {
            return false;
        }
        if rest
            .iter()
            .any(|w| rule.args_none.iter().any(|p| alt_match(p, w)))
        {
            return false;
        }
        if !rule.hosts_none.is_empty() && !sends_elsewhere(&inv.args, &rule.hosts_none) {
            return false;
        }
        if !compiled.paths.is_empty() {
            let hit = rest_args.iter().any(|a| {
                let class = paths::classify(a, inv.cwd.as_deref(), inv.remote, env);
                class.is_any_of(&compiled.paths)
            });
            if !hit {
                return false;
            }
        }
        // `cp|mv|ln|install -t DIR SRC...`: the destination is the flag's value and every
        // positional is a source.
        let target_dir: Option<Arg> = parsed
            .flags
            .iter()
            .find(|f| matches!(f.name.as_ref(), "-t" | "--target-directory"))
            .and_then(|f| f.value)
            .map(Arg::literal);
        if !compiled.dest_paths.is_empty() {
            let Some(dest) = target_dir.as_ref().or(rest_args.last().copied()) else {
                return false;
            };
            let class = match paths::remote_operand(inv.program_name(), dest) {
                Some(remote) => paths::classify_remote(remote),
                None => paths::classify_destination(dest, inv.cwd.as_deref(), inv.remote, env),
            };
            if !class.is_any_of(&compiled.dest_paths) {
                return false;
            }
        }
        if !compiled.src_paths.is_empty() {
            let sources = match target_dir {
                Some(_) => rest_args,
                None => &rest_args[..rest_args.len().saturating_sub(1)],
            };
            let hit = sources.iter().any(|a| {
                let class = paths::classify(a, inv.cwd.as_deref(), inv.remote, env);
                class.is_any_of(&compiled.src_paths)
            });
            if !hit {
                return false;
            }
        }
        if !compiled.redirects.is_empty() {
            let hit = inv.redirects.iter().any(|a| {
                let class = paths::classify(a, inv.cwd.as_deref(), inv.remote, env);
                class.is_any_of(&compiled.redirects)
            });
            if !hit {
                return false;
            }
        }
        if !compiled.opaque.is_empty() && !inv.opaque.iter().any(|o| compiled.opaque.contains(o)) {
            return false;
        }
        if !rule.env_any.is_empty()
            && !inv
                .env
                .iter()
                .any(|(name, value)| env_matches(&rule.env_any, name, value))
        {
            return false;
        }
        if !compiled.within.is_empty()
            && !inv
                .provenance
                .iter()
                .any(|s| compiled.within.contains(&s.kind))
        {
            return false;
        }
        if let Some(pattern) = &rule.script {
            let Some(code) = &inv.script else {
                return false;
            };
            let regex = compiled
                .regex
                .get_or_init(|| ScriptPattern::new(pattern).ok());
            // A pattern that does not compile (a ruleset loaded without `interlock rules
            // check`) matches everything: unscannable is held, never silently allowed.
            if regex.as_ref().is_some_and(|re| !re.is_match(code)) {
                return false;
            }
        }
        true
    }
}

/// Parses ruleset names of a closed set of values, naming the known ones on error.
fn parse_names<T: Copy>(
    names: &[Text<'_>],
    all: &[T],
    name_of: fn(T) -> &'static str,
    what: &str,
) -> std::result::Result<Vec<T>, String> {
    names
        .iter()
        .map(|n| {
            all.iter()
                .copied()
                .find(|v| name_of(*v) == n.as_str())
                .ok_or_else(|| {
                    let known: Vec<&str> = all.iter().map(|v| name_of(*v)).collect();
                    format!("unknown {what} `{n}`; known: {}", known.join(", "))
                })
        })
        .collect()
}

fn parse_classes(names: &[Text<'_>]) -> std::result::Result<Vec<PathClass>, String> {
    parse_names(names, &PathClass::ALL, PathClass::as_str, "path class")
}

fn parse_opaque(names: &[Text<'_>]) -> std::result::Result<Vec<Opaque>, String> {
    parse_names(names, &Opaque::ALL, Opaque::as_str, "opaque kind")
}

fn parse_steps(names: &[Text<'_>]) -> std::result::Result<Vec<StepKind>, String> {
    parse_names(names, &StepKind::ALL, StepKind::as_str, "provenance step")
}

/// Checks a rule's fields for mistakes a loader can see without running examples.
fn validate(rule: &RuleDef<'_>) -> std::result::Result<(), String> {
    let id_ok = !rule.id.is_empty()
        && rule
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
    if !id_ok {
        return Err("rule ids use lowercase letters, digits, `-`, `_` and `.` (e.g. `aws.rds.delete-db-instance`)".into());
    }
    if rule.reason.trim().is_empty() {
        return Err("`reason` is empty: say, for the human at the prompt, what this does and why it is held".into());
    }
    if rule.examples_match.is_empty() {
        return Err(
            "no `match` examples: every rule carries at least one command it must match".into(),
        );
    }
    let conditions = !rule.command.is_empty()
        || !rule.flags_any.is_empty()
        || !rule.flags_all.is_empty()
        || !rule.flag_values_any.is_empty()
        || !rule.args_any.is_empty()
        || !rule.paths_any.is_empty()
        || !rule.dest_paths_any.is_empty()
        || !rule.src_paths_any.is_empty()
        || !rule.redirects_any.is_empty()
        || rule.script.is_some()
        || !rule.opaque_any.is_empty()
        || !rule.within_any.is_empty()
        || !rule.env_any.is_empty();
    if rule.program.is_none() && rule.programs.is_empty() && !conditions {
        return Err(
            "the rule has no program and no condition, so it would match every command".into(),
        );
    }
    if rule.unknown_programs && (rule.program.is_some() || !rule.programs.is_empty()) {
        return Err(
            "`unknown_programs` rules apply to the programs no rule names: drop `program`/`programs`"
                .into(),
        );
    }
    if rule.command.iter().any(|c| c.is_empty()) {
        return Err("`command` has an empty element".into());
    }
    for fv in &rule.flag_values_any {
        if fv.flags.is_empty() || fv.values.is_empty() {
            return Err(
                "each `flag_values_any` entry needs at least one flag and one value".into(),
            );
        }
        if fv.flags.iter().chain(&fv.values).any(|t| t.contains('|')) {
            return Err(
                "`flag_values_any` lists alternatives as separate entries, not joined by `|`"
                    .into(),
            );
        }
        if let Some(f) = fv
            .flags
            .iter()
            .find(|f| !f.starts_with('-') || f.contains('='))
        {
            return Err(format!(
                "`flag_values_any` flag `{}` is not a flag name (`-d`, `--data`)",
                f.as_str()
            ));
        }
    }
    Ok(())
}

/// Whether variable `name` set to `value` matches one of `globs`: a glob with `=` is matched
/// against `NAME=value` (`HUSKY=0`), one without against the name alone (`INTERLOCK_*`).
fn env_matches(globs: &[Text<'static>], name: &str, value: &str) -> bool {
    globs.iter().any(|g| {
        if g.contains('=') {
            glob_match(g, &format!("{name}={value}"))
        } else {
            glob_match(g, name)
        }
    })
}

/// `python3.12` → `python`: the name without a trailing version.
fn strip_version(program: &str) -> &str {
    program.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.')
}

/// Compiles rule `i`'s `script` regex now, reporting a syntax error (loading never does, so
/// that start-up does not grow with the number of rules).
pub fn check_regex(rs: &Ruleset, i: usize) -> std::result::Result<(), String> {
    match rs.rule(i).and_then(|r| r.script.as_ref()) {
        Some(pattern) => ScriptPattern::new(pattern)
            .map(drop)
            .map_err(|e| format!("`script` is not a valid regular expression: {e}")),
        None => Ok(()),
    }
}

/// Whether a web URL among `args` names a host that none of `allowed` matches and that no
/// word of `args` names as the host a token was printed for (`--hostname HOST`).
fn sends_elsewhere(args: &[Arg], allowed: &[Text<'static>]) -> bool {
    args.iter().filter_map(|a| web_host(&a.text)).any(|host| {
        !allowed.iter().any(|p| glob_match(p, &host))
            && !args.iter().any(|a| names_token_host(&a.text, &host))
    })
}

/// Whether `text` gives `host` as a token command's `--hostname` (`$(gh auth token --hostname
/// ghe.example.com)`), the whole value and not a part of it.
fn names_token_host(text: &str, host: &str) -> bool {
    ["--hostname ", "--hostname="].iter().any(|flag| {
        text.match_indices(flag).any(|(at, _)| {
            let value = &text[at + flag.len()..];
            value.len() >= host.len()
                && value[..host.len()].eq_ignore_ascii_case(host)
                && value[host.len()..]
                    .bytes()
                    .next()
                    .is_none_or(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')))
        })
    })
}

/// The host of the `http://` or `https://` URL a word is or ends with (`--url=URL`),
/// lowercase, without user or port; `None` when there is none or it is known only at run
/// time.
fn web_host(word: &str) -> Option<String> {
    let at = word.find("http://").or_else(|| word.find("https://"))?;
    if at > 0 && !word[..at].ends_with('=') {
        return None;
    }
    let host = crate::url::authority(&word[at..]).host;
    let known = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'));
    known.then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::examples;

    #[test]
    fn web_hosts_are_read_from_urls() {
        assert_eq!(
            web_host("https://API.github.com/user").as_deref(),
            Some("api.github.com")
        );
        assert_eq!(
            web_host("--url=http://u:p@x.example.com:8080/a").as_deref(),
            Some("x.example.com")
        );
        assert_eq!(web_host("http://[::1]:9000/").as_deref(), Some("::1"));
        assert_eq!(web_host("https://${HOST}/x"), None);
        assert_eq!(web_host("see https://x.example.com"), None);
        assert_eq!(web_host("api.github.com"), None);
    }

    #[test]
    fn a_host_named_where_the_token_was_printed_is_not_elsewhere() {
        let allowed = vec![Text(std::borrow::Cow::Borrowed("api.github.com"))];
        let args = |words: &[&str]| words.iter().map(|w| Arg::literal(*w)).collect::<Vec<_>>();
        assert!(sends_elsewhere(
            &args(&["curl", "https://x.example.com"]),
            &allowed
        ));
        assert!(!sends_elsewhere(
            &args(&["curl", "https://api.github.com/user"]),
            &allowed
        ));
        assert!(!sends_elsewhere(
            &args(&[
                "curl",
                "-H",
                "Authorization: token $(gh auth token --hostname ghe.corp)",
                "https://ghe.corp/api/v3/user"
            ]),
            &allowed
        ));
        // A host elsewhere in the header is not the one the token was printed for.
        assert!(sends_elsewhere(
            &args(&[
                "curl",
                "-H",
                "Authorization: Bearer $(gcloud auth print-access-token) x.example.com",
                "https://x.example.com"
            ]),
            &allowed
        ));
        assert!(sends_elsewhere(
            &args(&[
                "curl",
                "-H",
                "token $(gh auth token --hostname ghe.corp)",
                "https://ghe.corp.example.com"
            ]),
            &allowed
        ));
        // No URL, or one known only at run time: nothing is sent elsewhere that is known.
        assert!(!sends_elsewhere(&args(&["curl", "${URL}"]), &allowed));
    }
    use crate::rules::schema::parse_toml;

    fn ruleset(condition: &str, examples: &str) -> Result<Ruleset> {
        let text = format!(
            "[[grammar]]\nprograms = [\"up\"]\nvalue_flags = [\"-d\", \"--data\", \"-T\"]\n\n[[rule]]\nid = \"t.upload\"\nseverity = \"high\"\naction = \"confirm\"\nreason = \"Uploads a key.\"\nprogram = \"up\"\n{condition}\n{examples}\n"
        );
        let rs = Ruleset::from_files(&[parse_toml("t.toml", &text).unwrap()])?;
        rs.validate(0)?;
        Ok(rs)
    }

    #[test]
    fn flag_values_any_matches_any_entry_flag_with_any_of_its_values() {
        let rs = ruleset(
            "flag_values_any = [\n  { flags = [\"-d\", \"--data\"], values = [\"*/.netrc\", \"*/.ssh/id_*\"] },\n  { flags = [\"-T\"], values = [\".env\"] },\n]",
            "match = [\"up -d @/h/.netrc x\", \"up --data=@/h/.ssh/id_rsa x\", \"up -T .env x\"]\nnot_match = [\"up -d @payload.json x\", \"up -T /h/.netrc x\", \"up -d .env x\", \"up /h/.netrc\"]",
        )
        .unwrap();
        let failures = examples::failures(&rs, 0);
        assert!(failures.is_empty(), "{failures:?}");
    }

    #[test]
    fn a_malformed_flag_values_any_entry_does_not_load() {
        for (condition, says) in [
            (
                "flag_values_any = [{ flags = [\"-d|--data\"], values = [\"*\"] }]",
                "not joined by `|`",
            ),
            (
                "flag_values_any = [{ flags = [\"-d\"], values = [] }]",
                "at least one flag and one value",
            ),
            (
                "flag_values_any = [{ flags = [\"data\"], values = [\"*\"] }]",
                "is not a flag name",
            ),
        ] {
            let err = ruleset(condition, "match = [\"up -d x\"]").unwrap_err();
            assert!(err.to_string().contains(says), "{condition}: {err}");
        }
    }
}
