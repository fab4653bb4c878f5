//! Applies a program family's grammar to an argv: which words are flags (with their values) and
//! which are positional, whether the invocation is only a preview, and whether it suppresses the
//! program's own prompt.
//!
//! Invariant: the same command with global flags moved, options reordered, clusters split
//! (`-rf` = `-r -f`) or values attached (`--profile=prod`) parses to the same flags and
//! positionals.

use std::borrow::Cow;

use super::pattern::{alt_match, flag_match, flag_match_abbrev};
use super::schema::GrammarDef;
use crate::shell::Arg;

/// Flags that mean "only print help or version" for every program.
const UNIVERSAL_PREVIEW: &[&str] = &["--help", "--version"];

/// One flag as parsed: its name (`-f`, `--force`, `-chdir`) and value, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag<'a> {
    /// The flag's name, with its dashes.
    pub name: Cow<'a, str>,
    /// Its value, when given (`--x=v`, `--x v` for value flags, `-nv` for value shorts).
    pub value: Option<&'a str>,
}

/// An argv parsed by a grammar.
#[derive(Debug, Clone, Default)]
pub struct Parsed<'a> {
    /// Flags in order.
    pub flags: Vec<Flag<'a>>,
    /// Positional words in order (lowercased when the grammar folds case).
    pub positionals: Vec<Cow<'a, str>>,
    /// Indexes into the argv of each positional, parallel to `positionals`.
    pub positional_args: Vec<&'a Arg>,
    /// A preview flag or word is present.
    pub preview: bool,
    /// A prompt-suppression flag is present.
    pub escalated: bool,
    /// How many positional words come before `--`, when the argv has one.
    pub before_end_of_options: Option<usize>,
}

impl Parsed<'_> {
    /// The positional words a subcommand path can be made of: those before `--`.
    pub fn command_words(&self) -> &[Cow<'_, str>] {
        let end = self
            .before_end_of_options
            .map_or(self.positionals.len(), |n| n.min(self.positionals.len()));
        &self.positionals[..end]
    }

    /// Whether any flag matches `pattern` exactly.
    pub fn has_flag(&self, pattern: &str) -> bool {
        self.flags
            .iter()
            .any(|f| flag_match(pattern, &f.name, f.value))
    }

    /// Whether any flag matches `pattern`, counting unique-prefix abbreviations of long flags.
    pub fn has_flag_or_abbrev(&self, pattern: &str) -> bool {
        self.flags
            .iter()
            .any(|f| flag_match_abbrev(pattern, &f.name, f.value))
    }
}

fn is_value_flag(g: &GrammarDef<'_>, name: &str) -> bool {
    g.value_flags.iter().any(|f| f == name)
}

/// Parses `args` (program first) with grammar `g`.
pub fn parse<'a>(args: &'a [Arg], g: &GrammarDef<'_>) -> Parsed<'a> {
    parse_except(args, &[], g)
}

/// Parses `args` (program first) with grammar `g`, leaving out the arguments at indexes `skip`
/// (inline code, which is analysed on its own).
pub fn parse_except<'a>(args: &'a [Arg], skip: &[usize], g: &GrammarDef<'_>) -> Parsed<'a> {
    let mut p = Parsed::default();
    let mut i = 1;
    let mut after_dd = false;
    let mut in_expression = false;
    while let Some(a) = args.get(i) {
        i += 1;
        if skip.contains(&(i - 1)) {
            continue;
        }
        let t = a.text.as_str();
        let flag_like =
            !after_dd && t.len() > 1 && t.starts_with('-') && !(a.dynamic && a.static_len < 2);
        if !after_dd && t == "--" {
            // Recorded as a flag named `--` so rules can tell `git checkout -- file` (discard
            // changes) from `git checkout branch`.
            after_dd = true;
            // `aws -- s3 rb ...`: with no word before it, the path starts after it.
            if !g.commands_after_end_of_options && !p.positionals.is_empty() {
                p.before_end_of_options = Some(p.positionals.len());
            }
            p.flags.push(Flag {
                name: Cow::Borrowed("--"),
                value: None,
            });
            continue;
        }
        if !flag_like {
            if !in_expression {
                push_positional(&mut p, a, g.fold_case);
            }
            continue;
        }
        if g.operands_first {
            in_expression = true;
        }
        if let Some(long) = t.strip_prefix("--") {
            if let Some((name, value)) = long.split_once('=') {
                p.flags.push(Flag {
                    name: Cow::Borrowed(&t[..name.len() + 2]),
                    value: Some(value),
                });
            } else if is_value_flag(g, t) {
                let value = args.get(i).map(|v| v.text.as_str());
                i += usize::from(value.is_some());
                p.flags.push(Flag {
                    name: Cow::Borrowed(t),
                    value,
                });
            } else if g.unknown_long_takes_value
                && !long.starts_with("no-")
                && !g.bool_flags.iter().any(|b| b == t)
            {
                // A guess: the next word is this flag's value unless it is itself a flag.
                let value = args
                    .get(i)
                    .map(|v| v.text.as_str())
                    .filter(|v| !v.starts_with("--"));
                i += usize::from(value.is_some());
                p.flags.push(Flag {
                    name: Cow::Borrowed(t),
                    value,
                });
            } else {
                p.flags.push(Flag {
                    name: Cow::Borrowed(t),
                    value: None,
                });
            }
            continue;
        }
        if let Some((name, value)) = t.split_once('=') {
            p.flags.push(Flag {
                name: Cow::Borrowed(name),
                value: Some(value),
            });
            continue;
        }
        if is_value_flag(g, t) {
            let value = args.get(i).map(|v| v.text.as_str());
            i += usize::from(value.is_some());
            p.flags.push(Flag {
                name: Cow::Borrowed(t),
                value,
            });
            continue;
        }
        if g.short_clusters && t.len() > 2 && !g.bool_flags.iter().any(|b| b == t) {
            let body = &t[1..];
            for (pos, c) in body.char_indices() {
                let name = format!("-{c}");
                if is_value_flag(g, &name) {
                    let rest = &body[pos + c.len_utf8()..];
                    let value = if rest.is_empty() {
                        let v = args.get(i).map(|v| v.text.as_str());
                        i += usize::from(v.is_some());
                        v
                    } else {
                        Some(rest)
                    };
                    p.flags.push(Flag {
                        name: Cow::Owned(name),
                        value,
                    });
                    break;
                }
                p.flags.push(Flag {
                    name: Cow::Owned(name),
                    value: None,
                });
            }
            continue;
        }
        p.flags.push(Flag {
            name: Cow::Borrowed(t),
            value: None,
        });
    }
    p.preview = p.flags.iter().any(|f| {
        (f.value.is_none() && UNIVERSAL_PREVIEW.contains(&f.name.as_ref()))
            || g.preview_flags
                .iter()
                .any(|pat| flag_match(pat, &f.name, f.value))
    }) || p
        .positionals
        .iter()
        .any(|w| g.preview_words.iter().any(|pat| alt_match(pat, w)));
    p.escalated = p.flags.iter().any(|f| {
        g.escalate_flags
            .iter()
            .any(|pat| flag_match(pat, &f.name, f.value))
    });
    p
}

fn push_positional<'a>(p: &mut Parsed<'a>, a: &'a Arg, fold: bool) {
    let word = if fold && a.text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(a.text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(a.text.as_str())
    };
    p.positionals.push(word);
    p.positional_args.push(a);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::schema::Text;

    fn args(words: &[&str]) -> Vec<Arg> {
        words.iter().map(|w| Arg::literal(*w)).collect()
    }

    fn grammar(value_flags: &[&'static str], clusters: bool) -> GrammarDef<'static> {
        GrammarDef {
            value_flags: value_flags.iter().map(|f| Text::from(*f)).collect(),
            short_clusters: clusters,
            ..GrammarDef::default()
        }
    }

    #[test]
    fn global_flags_with_values_are_skipped() {
        let a = args(&[
            "aws",
            "--profile",
            "prod",
            "--region=eu-west-1",
            "cloudformation",
            "delete-stack",
            "--stack-name",
            "x",
        ]);
        let p = parse(&a, &grammar(&["--profile", "--stack-name"], false));
        assert_eq!(p.positionals, ["cloudformation", "delete-stack"]);
        assert!(p.has_flag("--region=eu-*"));
    }

    #[test]
    fn clusters_split() {
        let a = args(&["rm", "-rf", "/"]);
        let p = parse(&a, &grammar(&[], true));
        assert!(p.has_flag("-r") && p.has_flag("-f"));
        assert_eq!(p.positionals, ["/"]);
    }

    #[test]
    fn single_dash_long_with_equals() {
        let a = args(&["terraform", "-chdir=envs/prod", "apply", "-auto-approve"]);
        let p = parse(&a, &grammar(&[], false));
        assert_eq!(p.positionals, ["apply"]);
        assert!(p.has_flag("-chdir=envs/*"));
        assert!(p.has_flag("-auto-approve"));
    }

    #[test]
    fn double_dash_ends_flags() {
        let a = args(&["rm", "--", "-rf"]);
        let p = parse(&a, &grammar(&[], true));
        assert_eq!(
            p.flags,
            [Flag {
                name: Cow::Borrowed("--"),
                value: None
            }]
        );
        assert_eq!(p.positionals, ["-rf"]);
    }

    #[test]
    fn a_subcommand_path_ends_at_double_dash_unless_the_grammar_hands_the_rest_on() {
        let a = args(&["npm", "run", "test", "--", "delete"]);
        let p = parse(&a, &grammar(&[], false));
        assert_eq!(p.positionals, ["run", "test", "delete"]);
        assert_eq!(p.command_words(), ["run", "test"]);
        let a = args(&["terragrunt", "run", "--all", "--", "destroy"]);
        let handing_on = GrammarDef {
            commands_after_end_of_options: true,
            ..GrammarDef::default()
        };
        assert_eq!(parse(&a, &handing_on).command_words(), ["run", "destroy"]);
        let a = args(&["aws", "--", "s3", "rb", "s3://b"]);
        assert_eq!(
            parse(&a, &grammar(&[], false)).command_words(),
            ["s3", "rb", "s3://b"]
        );
        let a = args(&["kubectl", "delete", "ns", "prod"]);
        assert_eq!(
            parse(&a, &grammar(&[], false)).command_words(),
            ["delete", "ns", "prod"]
        );
    }

    #[test]
    fn help_is_a_preview() {
        let a = args(&["git", "push", "--force", "--help"]);
        assert!(parse(&a, &grammar(&[], true)).preview);
    }
}
