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

/// The start directories of `find`'s argv (`.` when none is named) and the index where its
/// expression begins.
fn start_dirs(args: &[Arg]) -> (Vec<Arg>, usize) {
    let mut i = 1;
    while let Some(a) = args.get(i) {
        if matches!(a.text.as_str(), "-H" | "-L" | "-P")
            || a.text.starts_with("-O")
            || a.text == "-D"
        {
            i += if a.text == "-D" { 2 } else { 1 };
            continue;
        }
        break;
    }
    let mut starts = Vec::new();
    while let Some(a) = args.get(i) {
        if a.text.starts_with('-') || a.text == "(" || a.text == "!" {
            break;
        }
        starts.push(a.clone());
        i += 1;
    }
    if starts.is_empty() {
        starts.push(Arg::literal("."));
    }
    (starts, i)
}

/// Whether expression word `i` of `find`'s argv is a test that narrows what it finds: not
/// negated (`! -name .git` leaves nearly everything in) and not matching anything (`-name '*'`).
fn narrows_at(args: &[Arg], i: usize) -> bool {
    let word = args[i].text.as_str();
    FIND_TESTS.contains(&word)
        && !negated_at(args, i)
        && !args
            .get(i + 1)
            .is_some_and(|p| matches_anything(word, &p.text))
}

/// Whether expression word `i` is negated (`! -name .git`, `-not -path x`).
fn negated_at(args: &[Arg], i: usize) -> bool {
    i > 0 && matches!(args[i - 1].text.as_str(), "!" | "-not")
}

/// What the tests of a `find` expression tell of the paths it finds, word by word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tests {
    /// A test narrows what is found to some paths beneath the starts.
    pub narrowed: bool,
    /// Entries a `-name` test names exactly (`.git`): found directly beneath the starts too.
    pub names: Vec<String>,
    /// The pattern of the first `-name` test (`*.tfstate`): the paths found end with it.
    pub pattern: Option<String>,
}

impl Tests {
    /// Takes in expression word `i`.
    fn see(&mut self, args: &[Arg], i: usize) {
        self.narrowed |= narrows_at(args, i);
        if let Some(name) = exact_name_at(args, i) {
            self.names.push(name.to_string());
        }
        if self.pattern.is_none() {
            self.pattern = name_pattern_at(args, i).map(str::to_string);
        }
    }
}

/// What a `find` lists: see [`listed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The start directories.
    pub starts: Vec<Arg>,
    /// What its tests tell of the paths.
    pub tests: Tests,
}

/// What `find ARGV` prints when it only lists paths (`-print`, `-print0`, no action of its own):
/// its start directories, whether a test narrows the paths to some beneath them (else the
/// start directories themselves are among them), and the entries a `-name` test names exactly.
/// `None` for any other find.
pub(in crate::shell) fn listed(args: &[Arg]) -> Option<Listed> {
    let (starts, from) = start_dirs(args);
    let mut tests = Tests::default();
    for i in from..args.len() {
        let word = args[i].text.as_str();
        if FIND_EXEC.contains(&word)
            || word.starts_with("-fprint")
            || matches!(word, "-delete" | "-printf" | "-ls" | "-fls")
        {
            return None;
        }
        tests.see(args, i);
    }
    Some(Listed { starts, tests })
}

/// The paths `find` hands on for a start directory: the directory itself when no test narrows
/// the search, else some path beneath it (known only at run time), and the entries directly
/// beneath it that a `-name` test names exactly.
pub(in crate::shell) fn found(start: &Arg, tests: &Tests) -> Vec<Arg> {
    let placeholder = Arg::literal("{}");
    let pattern = tests.pattern.as_deref();
    std::iter::once(found_path(&placeholder, start, tests.narrowed, pattern))
        .chain(
            tests
                .names
                .iter()
                .take(4)
                .filter_map(|name| named_entry(&placeholder, start, name)),
        )
        .collect()
}

/// The pattern of a `-name`/`-iname` test at expression word `i`, unless negated or matching
/// anything.
fn name_pattern_at(args: &[Arg], i: usize) -> Option<&str> {
    (narrows_at(args, i) && matches!(args[i].text.as_str(), "-name" | "-iname"))
        .then(|| args.get(i + 1).filter(|p| !p.dynamic))
        .flatten()
        .map(|p| p.text.as_str())
}

/// The name a `-name`/`-iname` test at expression word `i` names exactly, unless negated.
fn exact_name_at(args: &[Arg], i: usize) -> Option<&str> {
    (matches!(args[i].text.as_str(), "-name" | "-iname") && !negated_at(args, i))
        .then(|| args.get(i + 1).filter(|p| is_plain_name(p)))
        .flatten()
        .map(|p| p.text.as_str())
}

/// `rm` run on every path of an unnarrowed search (`find . -type f -exec rm -f {} +`) removes
/// everything beneath the start directory, as `rm -r START` would: the argv gets an implied
/// `-r` so that it is judged so.
pub(in crate::shell) fn as_whole_tree(args: &mut Vec<Arg>) {
    let is_rm = args
        .first()
        .is_some_and(|a| a.text.rsplit('/').next() == Some("rm"));
    let recursive = args.iter().skip(1).any(|a| {
        a.text == "--recursive"
            || (a.text.starts_with('-') && !a.text.starts_with("--") && a.text.contains(['r', 'R']))
    });
    if is_rm && !recursive {
        args.insert(1, Arg::implied("-r"));
    }
}

pub(super) fn find(w: &mut Walker<'_>, inv: &Invocation, st: &State) {
    let (starts, mut i) = start_dirs(&inv.args);
    // The tests before each action decide what reaches it.
    let mut tests = Tests::default();
    while i < inv.args.len() {
        let word = inv.args[i].text.as_str();
        tests.see(&inv.args, i);
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
            let mut args: Vec<Arg> = inv.args[begin..end]
                .iter()
                .map(|a| found_path(a, start, tests.narrowed, tests.pattern.as_deref()))
                .collect();
            if args.is_empty() {
                continue;
            }
            if !tests.narrowed {
                as_whole_tree(&mut args);
            }
            let step = || Step::via(StepKind::FindExec, format!("find {via}"));
            w.emit(inv.nested(args, [step()]), None, &[], st);
            // The entries directly under the start directory that a name test names exactly are
            // among those found: `find . -name .git` finds `./.git`.
            for name in tests.names.iter().take(4) {
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
                found_path(&word, start, true, None)
            })
            .collect();
        if args.is_empty() {
            continue;
        }
        if !placeholder {
            args.push(found_path(&Arg::literal("{}"), start, true, None));
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
fn found_path(a: &Arg, start: &Arg, filtered: bool, pattern: Option<&str>) -> Arg {
    if !a.text.contains("{}") {
        return a.clone();
    }
    if !filtered && a.text == "{}" {
        return start.clone();
    }
    let found = format!("{}/", start.text.trim_end_matches('/'));
    let at = a.text.find("{}").unwrap_or(0);
    // A name test's pattern ends the path (`./…/*.tfstate`), so rules on names still see it.
    let name = pattern.map(|p| format!("/{p}")).unwrap_or_default();
    Arg {
        text: a.text.replace("{}", &format!("{found}…{name}")),
        dynamic: true,
        static_len: at + found.len(),
        glob: false,
        implied: false,
    }
}
