//! `find START... -exec CMD {} ;` (and `-execdir`, `-ok`, `-okdir`): the command runs on each
//! path found under the start directories, or on the start directory itself when no test
//! narrows the search. `fd PATTERN PATH... -x CMD` (and `-X`) runs its command on paths found
//! beneath its search paths.

use crate::shell::invocation::{Arg, Invocation, Step, StepKind};
use crate::shell::walk::{State, Walker};

/// Expression words of `find` that introduce a command ending in `;` or `+`.
const FIND_EXEC: &[&str] = &["-exec", "-execdir", "-ok", "-okdir"];

/// `find` tests that narrow which files reach `-exec`; without one, the start directory itself
/// is among them. `-type` and `-mindepth` are not among them: every file, or everything below
/// the start directory, is still all of it. A name test that matches anything (`-name '*'`)
/// narrows nothing either (see [`matches_anything`]).
const FIND_TESTS: &[&str] = &[
    "-name",
    "-iname",
    "-path",
    "-ipath",
    "-wholename",
    "-iwholename",
    "-regex",
    "-iregex",
    "-mtime",
    "-mmin",
    "-atime",
    "-amin",
    "-ctime",
    "-cmin",
    "-size",
    "-empty",
    "-newer",
    "-user",
    "-group",
    "-perm",
    "-links",
    "-inum",
    "-lname",
    "-ilname",
    "-samefile",
    "-newermt",
    "-uid",
    "-gid",
];

pub(super) fn find(w: &mut Walker<'_>, inv: &Invocation, st: &State) {
    let mut starts: Vec<&Arg> = Vec::new();
    let mut i = 1;
    while let Some(a) = inv.args.get(i) {
        if matches!(a.text.as_str(), "-H" | "-L" | "-P")
            || a.text.starts_with("-O")
            || a.text == "-D"
        {
            i += if a.text == "-D" { 2 } else { 1 };
            continue;
        }
        break;
    }
    while let Some(a) = inv.args.get(i) {
        if a.text.starts_with('-') || a.text == "(" || a.text == "!" {
            break;
        }
        starts.push(a);
        i += 1;
    }
    let dot = Arg::literal(".");
    if starts.is_empty() {
        starts.push(&dot);
    }
    let mut filtered = false;
    let mut names: Vec<&str> = Vec::new();
    while i < inv.args.len() {
        let word = inv.args[i].text.as_str();
        // A negated test (`! -name .git`, `-not -path './x/*'`) leaves nearly everything in.
        let negated = i > 0 && matches!(inv.args[i - 1].text.as_str(), "!" | "-not");
        let pattern = inv.args.get(i + 1);
        if FIND_TESTS.contains(&word)
            && !negated
            && !pattern.is_some_and(|p| matches_anything(word, &p.text))
        {
            filtered = true;
        }
        if matches!(word, "-name" | "-iname")
            && !negated
            && let Some(name) = pattern.filter(|p| is_plain_name(p))
        {
            names.push(&name.text);
        }
        if !FIND_EXEC.contains(&word) {
            i += 1;
            continue;
        }
        let via = word.to_string();
        let begin = i + 1;
        let mut end = begin;
        while end < inv.args.len() && !matches!(inv.args[end].text.as_str(), ";" | "+") {
            end += 1;
        }
        for start in starts.iter().take(4) {
            let args: Vec<Arg> = inv.args[begin..end]
                .iter()
                .map(|a| found_path(a, start, filtered))
                .collect();
            if args.is_empty() {
                continue;
            }
            let step = || Step::via(StepKind::FindExec, format!("find {via}"));
            w.emit(inv.nested(args, [step()]), None, &[], st);
            // The entries directly under the start directory that a name test names exactly are
            // among those found: `find . -name .git` finds `./.git`.
            for name in names.iter().take(4) {
                let Some(args) = inv.args[begin..end]
                    .iter()
                    .map(|a| named_entry(a, start, name))
                    .collect::<Option<Vec<Arg>>>()
                else {
                    continue;
                };
                w.emit(inv.nested(args, [step()]), None, &[], st);
            }
        }
        i = end + 1;
    }
}

/// Options of `fd` that take a value as the next word.
const FD_VALUES: &[&str] = &[
    "-t",
    "--type",
    "-e",
    "--extension",
    "-E",
    "--exclude",
    "-d",
    "--max-depth",
    "--min-depth",
    "--exact-depth",
    "-S",
    "--size",
    "--changed-within",
    "--changed-before",
    "--change-newer-than",
    "--change-older-than",
    "--newer",
    "--older",
    "-o",
    "--owner",
    "-j",
    "--threads",
    "--max-results",
    "-c",
    "--color",
    "--base-directory",
    "--path-separator",
    "--ignore-file",
    "--format",
    "--batch-size",
    "--max-buffer-time",
];

/// `fd [OPTIONS] [PATTERN] [PATH...] -x|-X CMD... [;]`: the command runs on paths found beneath
/// each search path (`--search-path` too); without a placeholder the path goes last.
pub(super) fn fd(w: &mut Walker<'_>, inv: &Invocation, st: &State) {
    let mut positional: Vec<&Arg> = Vec::new();
    let mut search: Vec<&Arg> = Vec::new();
    let mut command: Option<(String, usize)> = None;
    let mut i = 1;
    while let Some(a) = inv.args.get(i) {
        let word = a.text.as_str();
        if matches!(word, "-x" | "--exec" | "-X" | "--exec-batch") {
            command = Some((word.to_string(), i + 1));
            break;
        }
        if word == "--search-path" {
            search.extend(inv.args.get(i + 1));
            i += 2;
        } else if word.starts_with("--search-path=") {
            search.push(a);
            i += 1;
        } else if FD_VALUES.contains(&word) {
            i += 2;
        } else {
            if !word.starts_with('-') || word == "-" {
                positional.push(a);
            }
            i += 1;
        }
    }
    let Some((via, begin)) = command else { return };
    let mut end = begin;
    while end < inv.args.len() && inv.args[end].text != ";" {
        end += 1;
    }
    let given: Vec<Arg> = search
        .iter()
        .map(|a| match a.text.strip_prefix("--search-path=") {
            Some(path) => Arg {
                text: path.to_string(),
                static_len: a.static_len.saturating_sub(a.text.len() - path.len()),
                ..(*a).clone()
            },
            None => (*a).clone(),
        })
        .chain(positional.iter().skip(1).map(|a| (*a).clone()))
        .collect();
    let starts = if given.is_empty() {
        vec![Arg::literal(".")]
    } else {
        given
    };
    for start in starts.iter().take(4) {
        let mut placeholder = false;
        let mut args: Vec<Arg> = inv.args[begin..end]
            .iter()
            .map(|a| {
                let mut word = a.clone();
                for p in ["{/.}", "{//}", "{/}", "{.}"] {
                    word.text = word.text.replace(p, "{}");
                }
                placeholder |= word.text.contains("{}");
                found_path(&word, start, true)
            })
            .collect();
        if args.is_empty() {
            continue;
        }
        if !placeholder {
            args.push(found_path(&Arg::literal("{}"), start, true));
        }
        let inner = inv.nested(args, [Step::via(StepKind::FindExec, format!("fd {via}"))]);
        w.emit(inner, None, &[], st);
    }
}

/// A name or path test whose pattern matches every file (`-name '*'`, `-regex '.*'`).
fn matches_anything(test: &str, pattern: &str) -> bool {
    match test {
        "-regex" | "-iregex" => matches!(pattern, ".*" | "^.*$" | ".*$" | "^.*"),
        "-name" | "-iname" | "-path" | "-ipath" | "-wholename" | "-iwholename" => {
            !pattern.is_empty() && pattern.chars().all(|c| c == '*')
                || matches!(pattern, "./*" | "*/*")
        }
        _ => false,
    }
}

/// A `-name` pattern that names one entry exactly: no wildcard, no bracket, no escape.
fn is_plain_name(pattern: &Arg) -> bool {
    !pattern.dynamic
        && !pattern.text.is_empty()
        && !pattern.text.contains(['*', '?', '[', '\\', '/'])
}

/// Replaces `{}` in an `-exec` word with `START/NAME`; `None` when either is only known at run
/// time.
fn named_entry(a: &Arg, start: &Arg, name: &str) -> Option<Arg> {
    if !a.text.contains("{}") {
        return Some(a.clone());
    }
    if a.dynamic || start.dynamic {
        return None;
    }
    let path = format!("{}/{name}", start.text.trim_end_matches('/'));
    Some(Arg::literal(a.text.replace("{}", &path)))
}

/// Replaces `{}` in an `-exec` word: with some path under the start directory, or — when no
/// test narrows the search — the start directory itself, which find visits first.
fn found_path(a: &Arg, start: &Arg, filtered: bool) -> Arg {
    if !a.text.contains("{}") {
        return a.clone();
    }
    if !filtered && a.text == "{}" {
        return start.clone();
    }
    let found = format!("{}/", start.text.trim_end_matches('/'));
    let at = a.text.find("{}").unwrap_or(0);
    Arg {
        text: a.text.replace("{}", &format!("{found}…")),
        dynamic: true,
        static_len: at + found.len(),
        glob: false,
        implied: false,
    }
}
