//! The small pattern language of rules: globs over words (`delete-*`, `+*`), alternatives joined
//! by `|`, flag patterns (`--prune=now`), and subcommand paths with `**`.
//!
//! Invariant: matching never allocates and never fails; an empty pattern matches only an empty
//! word.

/// Whether `text` matches `glob`, where `*` is any run of characters, `?` any one character and
/// `\c` the character `c` itself.
pub fn glob_match(glob: &str, text: &str) -> bool {
    let (g, t) = (glob.as_bytes(), text.as_bytes());
    let (mut gi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match g.get(gi) {
            Some(b'\\') if g.get(gi + 1) == Some(&t[ti]) => {
                gi += 2;
                ti += 1;
            }
            Some(b'*') => {
                star = Some((gi, ti));
                gi += 1;
            }
            Some(b'?') => {
                gi += 1;
                ti += utf8_len(t[ti]);
            }
            Some(&c) if c == t[ti] => {
                gi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sg, st)) => {
                    gi = sg + 1;
                    ti = st + utf8_len(t[st]);
                    star = Some((sg, ti));
                }
                None => return false,
            },
        }
    }
    g[gi..].iter().all(|&c| c == b'*')
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Whether `text` matches any `|`-separated alternative of `pattern`.
pub fn alt_match(pattern: &str, text: &str) -> bool {
    pattern.split('|').any(|alt| glob_match(alt, text))
}

/// Whether a flag `(name, value)` matches `pattern`: `NAME` matches the flag with any value,
/// `NAME=GLOB` only when its value matches GLOB (`NAME=` means "given without a value").
/// Alternatives are joined by `|`.
pub fn flag_match(pattern: &str, name: &str, value: Option<&str>) -> bool {
    pattern.split('|').any(|alt| {
        let (pname, pvalue) = split_flag_pattern(alt);
        pname == name && value_match(pvalue, value)
    })
}

/// Whether a flag's value satisfies a pattern's value part: none, `""` (no value given), or a
/// glob compared as written and lowercased.
fn value_match(pattern: Option<&str>, value: Option<&str>) -> bool {
    match pattern {
        None => true,
        Some("") => value.is_none(),
        Some(glob) => value.is_some_and(|v| {
            glob_match(glob, v)
                || (v.bytes().any(|b| b.is_ascii_uppercase())
                    && glob_match(glob, &v.to_ascii_lowercase()))
        }),
    }
}

/// Like [`flag_match`], but a long flag may also be a unique-prefix abbreviation of the
/// pattern's name (`--rec` for `--recursive`), as getopt_long and git accept. Used for the
/// conditions that make a rule match, never for those that exempt a command.
pub fn flag_match_abbrev(pattern: &str, name: &str, value: Option<&str>) -> bool {
    if flag_match(pattern, name, value) {
        return true;
    }
    let Some(short) = name.strip_prefix("--").filter(|s| s.len() >= 2) else {
        return false;
    };
    pattern.split('|').any(|alt| {
        let (pname, pvalue) = split_flag_pattern(alt);
        let Some(full) = pname.strip_prefix("--") else {
            return false;
        };
        full.len() > short.len() && full.starts_with(short) && value_match(pvalue, value)
    })
}

/// Splits `--name=value` at the first `=` that follows the flag name.
fn split_flag_pattern(p: &str) -> (&str, Option<&str>) {
    match p.find('=') {
        Some(i) if i > 0 => (&p[..i], Some(&p[i + 1..])),
        _ => (p, None),
    }
}

/// Matches a subcommand path against the leading words. Returns the number of words consumed
/// by the shortest match, or `None`. `**` matches any run of words (possibly empty). A word
/// with whitespace in it is text, never a subcommand: only `*` and `**` match it (`aider
/// --message "delete the helper"` has no `delete*` subcommand).
pub fn command_match<P: AsRef<str>, W: AsRef<str>>(pattern: &[P], words: &[W]) -> Option<usize> {
    match pattern.split_first() {
        None => Some(0),
        Some((first, rest)) if first.as_ref() == "**" => {
            (0..=words.len()).find_map(|skip| command_match(rest, &words[skip..]).map(|n| n + skip))
        }
        Some((first, rest)) => {
            let word = words.first()?;
            let (first, word) = (first.as_ref(), word.as_ref());
            if alt_match(first, word) && (first == "*" || !word.contains(char::is_whitespace)) {
                command_match(rest, &words[1..]).map(|n| n + 1)
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("delete-*", "delete-stack"));
        assert!(!glob_match("delete-*", "describe-stacks"));
        assert!(glob_match("*", ""));
        assert!(glob_match("+*", "+main"));
        assert!(glob_match("*:main", "HEAD:main"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("abc", "abcd"));
        assert!(glob_match("*x*y", "axbxy"));
        assert!(glob_match("\\*", "*"));
        assert!(!glob_match("\\*", "main"));
    }

    #[test]
    fn flags() {
        assert!(flag_match("--force|-f", "-f", None));
        assert!(flag_match("--prune=now", "--prune", Some("now")));
        assert!(!flag_match("--prune=now", "--prune", Some("2.weeks.ago")));
        assert!(flag_match("--dry-run=", "--dry-run", None));
        assert!(!flag_match("--dry-run=", "--dry-run", Some("none")));
        assert!(flag_match("--mode=complete", "--mode", Some("Complete")));
    }

    #[test]
    fn abbreviations() {
        assert!(flag_match_abbrev("--recursive", "--rec", None));
        assert!(flag_match_abbrev("--no-preserve-root", "--no-pres", None));
        assert!(!flag_match_abbrev("--recursive", "--r", None));
        assert!(!flag_match_abbrev("-r", "--r", None));
        assert!(!flag_match("--recursive", "--rec", None));
    }

    #[test]
    fn commands() {
        let w = ["compute", "instances", "delete", "vm-1"];
        assert_eq!(command_match(&["**", "delete"], &w), Some(3));
        assert_eq!(
            command_match(&["compute", "instances|disks", "delete"], &w),
            Some(3)
        );
        assert_eq!(command_match(&["**", "describe"], &w), None);
        let text = ["--message", "delete the helper"];
        assert_eq!(command_match(&["**", "delete*"], &text[1..]), None);
        assert_eq!(command_match(&["*"], &text[1..]), Some(1));
        assert_eq!(command_match(&["compute"], &w), Some(1));
        let empty: [&str; 0] = [];
        let w = w.as_slice();
        assert_eq!(command_match(&empty, w), Some(0));
    }
}
