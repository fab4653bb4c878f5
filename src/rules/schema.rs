//! The ruleset file format (TOML) and its embedded binary form (postcard).
//!
//! One struct family serves both: TOML deserialises into owned strings, postcard into strings
//! borrowed from the embedded bytes, so loading the shipped rulesets copies nothing. This file is
//! also compiled by `build.rs`, which parses `rulesets/*.toml` at build time; it must therefore
//! depend on nothing but `serde`, `toml` and [`crate::level`].

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::level::{Decision, Severity};

/// A string that borrows from the embedded postcard bytes when it can (serde's own `Cow<str>`
/// never borrows inside a `Vec`), and owns its text when parsed from TOML.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text<'a>(pub Cow<'a, str>);

impl Text<'_> {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Text<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(s: &'a str) -> Self {
        Text(Cow::Borrowed(s))
    }
}

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// A whole ruleset file as written in TOML.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesetToml<'a> {
    /// Program grammars declared by this file.
    #[serde(borrow, default)]
    pub grammar: Vec<toml::Spanned<GrammarDef<'a>>>,
    /// Rules declared by this file.
    #[serde(borrow, default)]
    pub rule: Vec<toml::Spanned<RuleDef<'a>>>,
}

/// How a program family's command line is shaped, declared once per family so that rules can
/// match subcommands and flags wherever the user put them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrammarDef<'a> {
    /// Program names (basenames) this grammar covers, e.g. `["kubectl", "oc"]`.
    #[serde(borrow)]
    pub programs: Vec<Text<'a>>,
    /// Flags that take the following word as their value (`--profile prod`, `-n prod`). The
    /// `--flag=value` and `-Xvalue`-free `-flag=value` spellings are always understood.
    #[serde(borrow, default)]
    pub value_flags: Vec<Text<'a>>,
    /// With `unknown_long_takes_value`: the long flags known to take no value.
    #[serde(borrow, default)]
    pub bool_flags: Vec<Text<'a>>,
    /// Treat a `--long` flag not listed in `bool_flags` as taking the next word as value.
    #[serde(default)]
    pub unknown_long_takes_value: bool,
    /// `-rf` means `-r -f` (getopt-style short option clusters).
    #[serde(default)]
    pub short_clusters: bool,
    /// Operands come before the first flag and everything after it is an expression (`find`).
    #[serde(default)]
    pub operands_first: bool,
    /// The words after `--` go on with the subcommand path: the program hands them to another
    /// (`terragrunt run --all -- destroy` runs `terraform destroy`). Otherwise a subcommand path
    /// ends at a `--` that follows a positional word (`npm run test -- delete`).
    #[serde(default)]
    pub commands_after_end_of_options: bool,
    /// Subcommand words are case-insensitive (`redis-cli FLUSHALL`).
    #[serde(default)]
    pub fold_case: bool,
    /// Flags that make the invocation a preview (`--dry-run`, `--help`): rules skip previews
    /// unless they set `match_previews`. Patterns as in rule flags.
    #[serde(borrow, default)]
    pub preview_flags: Vec<Text<'a>>,
    /// Positional words that make the invocation a preview (`aws ec2 help`).
    #[serde(borrow, default)]
    pub preview_words: Vec<Text<'a>>,
    /// Flags that suppress the program's own prompt (`--yes`, `-auto-approve`): each matched
    /// rule's severity is raised one level.
    #[serde(borrow, default)]
    pub escalate_flags: Vec<Text<'a>>,
}

/// One rule: what it matches, how harmful that is, what policy does, and its own examples.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef<'a> {
    /// Stable dotted id (`aws.cloudformation.delete-stack`), used in verdicts and the audit log.
    #[serde(borrow)]
    pub id: Text<'a>,
    /// How much harm a match can do.
    pub severity: Severity,
    /// What happens on a match.
    pub action: Decision,
    /// The rule's description: one sentence for the human at the prompt, saying what the
    /// command does and why it is held. `description` is accepted as another name for it.
    #[serde(borrow, alias = "description")]
    pub reason: Text<'a>,
    /// Free tags (`aws`, `data-loss`, `guard-removal`, `mitre:T1485`).
    #[serde(borrow, default)]
    pub tags: Vec<Text<'a>>,
    /// The program this rule applies to (basename; a `*` glob is allowed, e.g. `mkfs*`).
    #[serde(borrow, default)]
    pub program: Option<Text<'a>>,
    /// Several programs this rule applies to. With neither `program` nor `programs` the rule
    /// applies to every invocation.
    #[serde(borrow, default)]
    pub programs: Vec<Text<'a>>,
    /// The rule applies only to programs that no other rule and no grammar names: the generic
    /// verbs (`delete`, `destroy`, ...) of command-line tools nobody wrote rules for. Not with
    /// `program` or `programs`; a `[[grammar]]` that declares a program makes it known.
    #[serde(default)]
    pub unknown_programs: bool,
    /// Subcommand path matched against the leading positional words: each element is a glob
    /// (`delete-*`), alternatives joined by `|`, or `**` for any run of words.
    #[serde(borrow, default)]
    pub command: Vec<Text<'a>>,
    /// At least one of these flags is present (`--force`, `-f`, `--prune=now`, `--mode=complete`).
    #[serde(borrow, default)]
    pub flags_any: Vec<Text<'a>>,
    /// Every one of these flags is present.
    #[serde(borrow, default)]
    pub flags_all: Vec<Text<'a>>,
    /// Some entry has one of its flags with a value matching one of its globs: flag lists
    /// crossed with value lists, without writing every pair into `flags_any`
    /// (`flag_values_any = [{ flags = ["-d", "--data"], values = ["*/.ssh/id_*", "*/.netrc"] }]`).
    #[serde(borrow, default)]
    pub flag_values_any: Vec<FlagValues<'a>>,
    /// None of these flags is present.
    #[serde(borrow, default)]
    pub flags_none: Vec<Text<'a>>,
    /// At least one positional word after the command path matches one of these globs.
    #[serde(borrow, default)]
    pub args_any: Vec<Text<'a>>,
    /// No positional word after the command path matches any of these globs.
    #[serde(borrow, default)]
    pub args_none: Vec<Text<'a>>,
    /// Hosts (lowercase globs) the command's web requests may go to: the rule matches only
    /// when an `http://` or `https://` URL among its words names a host outside all of them
    /// that no word gives as a token command's `--hostname` either (`$(gh auth token
    /// --hostname ghe.example.com)` may go to `ghe.example.com`). A host known only at run
    /// time is not outside.
    #[serde(borrow, default)]
    pub hosts_none: Vec<Text<'a>>,
    /// At least one positional word after the command path is a path of one of these classes
    /// (`root`, `home`, `system`, `device`, `outside`, `workspace-root`, `git-dir`, `unknown`,
    /// `guard`, ...).
    #[serde(borrow, default)]
    pub paths_any: Vec<Text<'a>>,
    /// The last positional word (the destination of `cp`, `mv`, `ln`, `install`, `rsync`) is a
    /// path of one of these classes.
    #[serde(borrow, default)]
    pub dest_paths_any: Vec<Text<'a>>,
    /// A positional word before the last (a source of `cp`, `mv`, `rsync`) is a path of one
    /// of these classes.
    #[serde(borrow, default)]
    pub src_paths_any: Vec<Text<'a>>,
    /// At least one output redirection (`>`, `>>`, `&>`) writes to a path of these classes.
    #[serde(borrow, default)]
    pub redirects_any: Vec<Text<'a>>,
    /// A regular expression searched in inline code (`python -c`, `node -e`, heredocs fed to an
    /// interpreter). Compiled on first use, with ASCII classes (`\w`, `\s`, `(?i)` are ASCII).
    #[serde(borrow, default)]
    pub script: Option<Text<'a>>,
    /// The invocation is opaque in one of these ways (`dynamic-program`, `dynamic-code`,
    /// `network-code`, `piped-code`, `script-file`, `remote-code`).
    #[serde(borrow, default)]
    pub opaque_any: Vec<Text<'a>>,
    /// The invocation was reached through one of these provenance steps (`shell-string`,
    /// `function-body`, `remote`, `xargs`, ...).
    #[serde(borrow, default)]
    pub within_any: Vec<Text<'a>>,
    /// The command line sets a variable for the invocation (`NAME=value cmd`, `env NAME=value`,
    /// `export NAME=value` earlier in the line) whose name matches one of these globs; a glob
    /// with `=` matches `NAME=value` instead (`HUSKY=0`).
    #[serde(borrow, default)]
    pub env_any: Vec<Text<'a>>,
    /// Also match previews (`--dry-run`, `--help`).
    #[serde(default)]
    pub match_previews: bool,
    /// Stricter handling when the command acts on an environment of a given tier
    /// (`[[rule.in_tier]] tier = "prod", action = "deny"`).
    #[serde(borrow, default)]
    pub in_tier: Vec<TierRaise<'a>>,
    /// Examples that must match this rule, checked when the ruleset loads.
    #[serde(borrow, default, rename = "match")]
    pub examples_match: Vec<Text<'a>>,
    /// Examples that must not match this rule, checked when the ruleset loads.
    #[serde(borrow, default, rename = "not_match")]
    pub examples_not_match: Vec<Text<'a>>,
}

/// One entry of a rule's `flag_values_any`: some flag of `flags` with a value matching a glob
/// of `values`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagValues<'a> {
    /// The flags, by name (`-d`, `--data`); abbreviations count as in `flags_any`.
    #[serde(borrow)]
    pub flags: Vec<Text<'a>>,
    /// Globs for the value, compared as written and lowercased.
    #[serde(borrow)]
    pub values: Vec<Text<'a>>,
}

/// How a rule is raised in one tier: a stricter action, a higher severity, more approvers.
/// Values below the rule's own never lower it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRaise<'a> {
    /// The tier's name (`prod`).
    #[serde(borrow)]
    pub tier: Text<'a>,
    /// The action in that tier.
    #[serde(default)]
    pub action: Option<Decision>,
    /// The severity in that tier.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// How many distinct humans must approve it in that tier.
    #[serde(default)]
    pub approvers: Option<u8>,
}

/// A value together with the 1-based line of the source file it was declared on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Located<T> {
    /// 1-based line number in the source file.
    pub line: u32,
    /// The value.
    pub item: T,
}

/// One ruleset file after parsing: its name and what it declares, with line numbers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SourceFile<'a> {
    /// File name or path as given (`git.toml`, `/etc/interlock/org.toml`).
    #[serde(borrow)]
    pub name: Text<'a>,
    /// Grammars in declaration order.
    #[serde(borrow)]
    pub grammars: Vec<Located<GrammarDef<'a>>>,
    /// Rules in declaration order.
    #[serde(borrow)]
    pub rules: Vec<Located<RuleDef<'a>>>,
}

/// The index of a compiled bundle of ruleset files: everything needed to find the rules for a
/// program without decoding any rule. Each rule is encoded on its own in the bundle's blob and
/// decoded only when an invocation of its program appears.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BundleIndex<'a> {
    /// Source file names, in load order.
    #[serde(borrow)]
    pub files: Vec<Text<'a>>,
    /// Where each grammar's encoding lies in the blob: (start, len).
    pub grammars: Vec<(u32, u32)>,
    /// Grammar index by program name, sorted by name; for a program declared twice, the later
    /// declaration wins.
    #[serde(borrow)]
    pub grammar_of: Vec<(Text<'a>, u32)>,
    /// Every rule, in declaration order.
    #[serde(borrow)]
    pub rules: Vec<BundleRule<'a>>,
    /// Rule indexes by exact program name, sorted by name.
    #[serde(borrow)]
    pub by_program: Vec<(Text<'a>, Vec<u32>)>,
    /// Rules whose program is a glob (`mkfs*`): (pattern, rule index).
    #[serde(borrow)]
    pub glob_programs: Vec<(Text<'a>, u32)>,
    /// Rules with no program, tried on every invocation.
    pub global: Vec<u32>,
    /// Rules for programs no rule or grammar names (`unknown_programs`).
    pub unknown: Vec<u32>,
}

/// Where one rule is declared and where its encoding lies in the blob.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BundleRule<'a> {
    /// The rule's id.
    #[serde(borrow)]
    pub id: Text<'a>,
    /// Index into [`BundleIndex::files`].
    pub file: u32,
    /// 1-based line of the `[[rule]]` table.
    pub line: u32,
    /// Byte offset of the rule's postcard encoding in the blob.
    pub start: u32,
    /// Length of that encoding.
    pub len: u32,
}

/// Two rules with one id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateRule {
    /// File of the second declaration.
    pub file: String,
    /// Its line.
    pub line: u32,
    /// The id.
    pub id: String,
    /// `file:line` of the first declaration.
    pub first: String,
}

/// Compiles parsed files into a bundle: the encoded index and the blob of encoded rules.
pub fn bundle(files: &[SourceFile<'_>]) -> Result<(Vec<u8>, Vec<u8>), DuplicateRule> {
    let mut index = BundleIndex::default();
    let mut blob = Vec::new();
    let mut seen: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    let mut by_program: std::collections::BTreeMap<&str, Vec<u32>> =
        std::collections::BTreeMap::new();
    let mut grammar_of: std::collections::BTreeMap<&str, u32> = std::collections::BTreeMap::new();
    for (fi, file) in files.iter().enumerate() {
        index.files.push(Text::from(file.name.as_str()));
        for g in &file.grammars {
            let gi = u32::try_from(index.grammars.len()).unwrap_or(u32::MAX);
            let encoded = postcard::to_stdvec(&g.item).unwrap_or_default();
            index.grammars.push((
                u32::try_from(blob.len()).unwrap_or(u32::MAX),
                u32::try_from(encoded.len()).unwrap_or(u32::MAX),
            ));
            blob.extend_from_slice(&encoded);
            for p in &g.item.programs {
                grammar_of.insert(p.as_str(), gi);
            }
        }
        for located in &file.rules {
            let rule = &located.item;
            let here = format!("{}:{}", file.name, located.line);
            if let Some(first) = seen.insert(rule.id.as_str(), here) {
                return Err(DuplicateRule {
                    file: file.name.to_string(),
                    line: located.line,
                    id: rule.id.to_string(),
                    first,
                });
            }
            let n = u32::try_from(index.rules.len()).unwrap_or(u32::MAX);
            let encoded = postcard::to_stdvec(rule).unwrap_or_default();
            index.rules.push(BundleRule {
                id: Text::from(rule.id.as_str()),
                file: u32::try_from(fi).unwrap_or(u32::MAX),
                line: located.line,
                start: u32::try_from(blob.len()).unwrap_or(u32::MAX),
                len: u32::try_from(encoded.len()).unwrap_or(u32::MAX),
            });
            blob.extend_from_slice(&encoded);
            let mut any = false;
            for p in rule.program.iter().chain(rule.programs.iter()) {
                any = true;
                if p.contains(['*', '?']) {
                    index.glob_programs.push((Text::from(p.as_str()), n));
                } else {
                    by_program.entry(p.as_str()).or_default().push(n);
                }
            }
            if rule.unknown_programs {
                index.unknown.push(n);
            } else if !any {
                index.global.push(n);
            }
        }
    }
    index.grammar_of = grammar_of
        .into_iter()
        .map(|(p, g)| (Text::from(p), g))
        .collect();
    index.by_program = by_program
        .into_iter()
        .map(|(p, v)| (Text::from(p), v))
        .collect();
    Ok((postcard::to_stdvec(&index).unwrap_or_default(), blob))
}

/// Why a ruleset file could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TomlError {
    /// 1-based line of the error, when known.
    pub line: Option<u32>,
    /// The parser's message.
    pub message: String,
}

/// Parses one ruleset file's text. `name` is recorded for messages and `explain`.
pub fn parse_toml(name: &str, text: &str) -> Result<SourceFile<'static>, TomlError> {
    let parsed: RulesetToml<'_> = toml::from_str(text).map_err(|e| TomlError {
        line: e.span().map(|s| line_of(text, s.start)),
        message: e.message().to_string(),
    })?;
    Ok(SourceFile {
        name: Text(Cow::Owned(name.to_string())),
        grammars: parsed
            .grammar
            .into_iter()
            .map(|g| Located {
                line: line_of(text, g.span().start),
                item: owned_grammar(g.into_inner()),
            })
            .collect(),
        rules: parsed
            .rule
            .into_iter()
            .map(|r| Located {
                line: line_of(text, r.span().start),
                item: owned_rule(r.into_inner()),
            })
            .collect(),
    })
}

/// 1-based line number of a byte offset.
pub fn line_of(text: &str, offset: usize) -> u32 {
    let upto = text.get(..offset).unwrap_or(text);
    u32::try_from(upto.bytes().filter(|b| *b == b'\n').count() + 1).unwrap_or(u32::MAX)
}

fn owned(s: Text<'_>) -> Text<'static> {
    Text(Cow::Owned(s.0.into_owned()))
}

fn owned_list(v: Vec<Text<'_>>) -> Vec<Text<'static>> {
    v.into_iter().map(owned).collect()
}

fn owned_grammar(g: GrammarDef<'_>) -> GrammarDef<'static> {
    GrammarDef {
        programs: owned_list(g.programs),
        value_flags: owned_list(g.value_flags),
        bool_flags: owned_list(g.bool_flags),
        unknown_long_takes_value: g.unknown_long_takes_value,
        short_clusters: g.short_clusters,
        operands_first: g.operands_first,
        commands_after_end_of_options: g.commands_after_end_of_options,
        fold_case: g.fold_case,
        preview_flags: owned_list(g.preview_flags),
        preview_words: owned_list(g.preview_words),
        escalate_flags: owned_list(g.escalate_flags),
    }
}

fn owned_rule(r: RuleDef<'_>) -> RuleDef<'static> {
    RuleDef {
        id: owned(r.id),
        severity: r.severity,
        action: r.action,
        reason: owned(r.reason),
        tags: owned_list(r.tags),
        program: r.program.map(owned),
        programs: owned_list(r.programs),
        unknown_programs: r.unknown_programs,
        command: owned_list(r.command),
        flags_any: owned_list(r.flags_any),
        flags_all: owned_list(r.flags_all),
        flag_values_any: r
            .flag_values_any
            .into_iter()
            .map(|f| FlagValues {
                flags: owned_list(f.flags),
                values: owned_list(f.values),
            })
            .collect(),
        flags_none: owned_list(r.flags_none),
        args_any: owned_list(r.args_any),
        args_none: owned_list(r.args_none),
        hosts_none: owned_list(r.hosts_none),
        paths_any: owned_list(r.paths_any),
        dest_paths_any: owned_list(r.dest_paths_any),
        src_paths_any: owned_list(r.src_paths_any),
        redirects_any: owned_list(r.redirects_any),
        script: r.script.map(owned),
        opaque_any: owned_list(r.opaque_any),
        within_any: owned_list(r.within_any),
        env_any: owned_list(r.env_any),
        match_previews: r.match_previews,
        in_tier: r
            .in_tier
            .into_iter()
            .map(|t| TierRaise {
                tier: owned(t.tier),
                action: t.action,
                severity: t.severity,
                approvers: t.approvers,
            })
            .collect(),
        examples_match: owned_list(r.examples_match),
        examples_not_match: owned_list(r.examples_not_match),
    }
}
