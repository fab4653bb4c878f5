//! Files an earlier command of the line moved, copied or linked elsewhere, so that a later
//! command acting on the new place is also judged as acting on the original:
//!
//! - `mv ~/project /tmp/trash && rm -rf /tmp/trash` deletes the project: data that `mv` moved is
//!   the original wherever it now lies, so any command naming a path beneath the destination (or
//!   running in a directory beneath it) is judged a second time with the original's path;
//! - `cp /bin/rm /tmp/x; /tmp/x -rf ~` runs `rm`: a program copied, linked or installed under
//!   another name behaves as the original, so a command *run* from the new path is judged a
//!   second time as the original program.

use super::invocation::{Arg, Invocation, Step, StepKind};
use super::walk::{join_path, rest_beneath};

/// How a file came to be where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Moved (`mv`): the data at the destination is the original.
    Moved,
    /// Copied or hard-linked (`cp`, `ln`, `install`): a program run from there is the original.
    Copied,
    /// Linked symbolically (`ln -s`): a program run from there is the original, and so is what
    /// lies beneath the link or is reached by following it (`link/`, `link/*`); the link itself
    /// (`rm link`) is only a link.
    Linked,
}

/// One file or directory put somewhere else earlier in the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// Where it is now (absolute).
    pub to: String,
    /// Where it came from (absolute).
    pub from: String,
    /// Moved, or copied.
    pub kind: Kind,
}

/// Short options of each program that take a value (`-t DIR`, `-m MODE`).
fn short_values(program: &str) -> &'static str {
    match program {
        "install" => "mogtS",
        _ => "tS",
    }
}

/// Long options that take their value as the next word.
const LONG_VALUES: [&str; 5] = [
    "--target-directory",
    "--suffix",
    "--mode",
    "--owner",
    "--group",
];

/// What `inv` puts where, when it is `mv`, `cp`, `ln` or `install` with sources known from the
/// line (a glob source stands for its directory's content). Paths relative to an unknown
/// directory, and words that depend on expansion, are left out.
pub fn placed_by(inv: &Invocation) -> Vec<Placed> {
    let program = inv.program_name();
    if !matches!(program, "mv" | "cp" | "ln" | "install") || inv.remote {
        return Vec::new();
    }
    let cwd = inv.cwd.as_deref();
    let mut operands: Vec<&Arg> = Vec::new();
    // The directory of `-t DIR`; `Err` when it depends on expansion.
    let mut target_dir: Option<Result<String, ()>> = None;
    let mut no_target_dir = false;
    // `ln -s`: the link is symbolic.
    let mut symbolic = false;
    let mut options = true;
    let mut words = inv.args.iter().skip(1);
    let known = |word: Option<&Arg>| match word {
        Some(w) if !w.dynamic => Ok(w.text.clone()),
        _ => Err(()),
    };
    while let Some(word) = words.next() {
        let text = word.text.as_str();
        if !options || !text.starts_with('-') || text == "-" {
            operands.push(word);
            continue;
        }
        if text == "--" {
            options = false;
        } else if let Some(long) = text.strip_prefix("--") {
            match long.split_once('=') {
                Some(("target-directory", dir)) => {
                    target_dir = Some(known(Some(word)).map(|_| dir.to_string()));
                }
                Some(_) => {}
                None if text == "--no-target-directory" => no_target_dir = true,
                None if text == "--symbolic" => symbolic = true,
                None if LONG_VALUES.contains(&text) => {
                    let value = words.next();
                    if text == "--target-directory" {
                        target_dir = Some(known(value));
                    }
                }
                None => {}
            }
        } else {
            // A cluster of short options: the first that takes a value takes the rest of the
            // word, or the next word.
            let cluster = &text[1..];
            for (i, c) in cluster.char_indices() {
                if c == 'T' {
                    no_target_dir = true;
                }
                if c == 's' {
                    symbolic = true;
                }
                if short_values(program).contains(c) {
                    let rest = &cluster[i + c.len_utf8()..];
                    let value = if rest.is_empty() {
                        known(words.next())
                    } else {
                        known(Some(word)).map(|_| rest.to_string())
                    };
                    if c == 't' {
                        target_dir = Some(value);
                    }
                    break;
                }
            }
        }
    }
    let kind = match program {
        "mv" => Kind::Moved,
        "ln" if symbolic => Kind::Linked,
        _ => Kind::Copied,
    };
    match target_dir {
        Some(Ok(dir)) => return place_all(&operands, &dir, cwd, kind),
        Some(Err(())) => return Vec::new(),
        None => {}
    }
    let Some((dest, sources)) = operands.split_last() else {
        return Vec::new();
    };
    if dest.dynamic || sources.is_empty() {
        return Vec::new();
    }
    if sources.len() > 1 {
        return place_all(sources, &dest.text, cwd, kind);
    }
    let mut out = Vec::new();
    // One source: the destination is the new name, or a directory it goes into.
    if let (Some(from), Some(to)) = (source_path(sources[0], cwd), join_path(cwd, &dest.text)) {
        if !no_target_dir && !sources[0].glob {
            out.extend(into_dir(&from, &to, kind));
        }
        out.push(Placed { to, from, kind });
    }
    out
}

/// Each of `sources` put into `dir`.
fn place_all(sources: &[&Arg], dir: &str, cwd: Option<&str>, kind: Kind) -> Vec<Placed> {
    let Some(dir) = join_path(cwd, dir) else {
        return Vec::new();
    };
    sources
        .iter()
        .filter_map(|s| {
            let from = source_path(s, cwd)?;
            if s.glob {
                // `mv ~/* /tmp/t`: the directory now holds what the glob's directory held.
                return Some(Placed {
                    to: dir.clone(),
                    from,
                    kind,
                });
            }
            into_dir(&from, &dir, kind)
        })
        .collect()
}

/// `from` put into directory `dir` under its own name.
fn into_dir(from: &str, dir: &str, kind: Kind) -> Option<Placed> {
    let name = from.rsplit('/').next().filter(|n| !n.is_empty())?;
    Some(Placed {
        to: format!("{}/{name}", dir.trim_end_matches('/')),
        from: from.to_string(),
        kind,
    })
}

/// The absolute path a source word names; for a glob, the directory the glob lists.
fn source_path(word: &Arg, cwd: Option<&str>) -> Option<String> {
    if word.dynamic {
        return None;
    }
    let text = if word.glob {
        let first_glob = word.text.find(['*', '?', '['])?;
        let dir_end = word.text[..first_glob].rfind('/')?;
        if dir_end == 0 {
            "/"
        } else {
            &word.text[..dir_end]
        }
    } else {
        word.text.as_str()
    };
    join_path(cwd, text)
}

/// Records what `inv` put elsewhere; a later placement to the same path replaces the earlier.
pub fn record(inv: &Invocation, placed: &mut Vec<Placed>) {
    for new in placed_by(inv) {
        placed.retain(|p| p.to != new.to);
        placed.push(new);
    }
}

/// `path` seen through the placements that carry what is asked for — a program (`Copied`: all
/// of them) or data (`Moved`: moves, and symbolic links when followed) — back to where it
/// started (a file moved twice): the original's path, when `path` is at or beneath where one of
/// them went. `followed` says the word followed a link at its end (`link/`); a path at a
/// symbolic link itself is the link, not its target, unless followed.
fn through(path: &str, placed: &[Placed], kind: Kind, followed: bool) -> Option<String> {
    let mut at = path.to_string();
    let mut changed = false;
    let carries = |p: &Placed, rest: &str| match (p.kind, kind) {
        (Kind::Moved, _) | (_, Kind::Copied) => true,
        (Kind::Linked, _) => rest.starts_with('/') || followed,
        (Kind::Copied, _) => false,
    };
    // Each step goes back one placement; a cycle (`mv a b; mv b a`) ends with the count.
    for _ in 0..=placed.len() {
        let Some(next) = placed.iter().rev().find_map(|p| {
            let rest = rest_beneath(&at, &p.to)?;
            carries(p, rest).then(|| format!("{}{rest}", p.from))
        }) else {
            break;
        };
        at = next;
        changed = true;
    }
    changed.then_some(at)
}

/// `inv` as it acts on the originals of what was placed earlier in the line: its program when
/// that was copied, moved or linked there, and its operands and directory when they lie where
/// data was moved. `None` when it touches none of them.
pub fn as_original(inv: &Invocation, placed: &[Placed]) -> Option<Invocation> {
    if placed.is_empty() || inv.remote {
        return None;
    }
    let cwd = inv.cwd.as_deref();
    let mut changed = false;
    let mut args = inv.args.clone();
    for (i, arg) in args.iter_mut().enumerate() {
        if arg.dynamic || (i > 0 && arg.text.starts_with('-')) {
            continue;
        }
        // A program is run by path only when the word has a slash.
        if i == 0 && !arg.text.contains('/') {
            continue;
        }
        let kind = if i == 0 { Kind::Copied } else { Kind::Moved };
        let followed = arg.text.ends_with('/') || arg.text.ends_with("/.");
        let Some(original) =
            join_path(cwd, &arg.text).and_then(|p| through(&p, placed, kind, followed))
        else {
            continue;
        };
        arg.static_len = original.len();
        arg.text = original;
        changed = true;
    }
    // A directory entered through a symbolic link is the link's target.
    let new_cwd = cwd.and_then(|c| through(c, placed, Kind::Moved, true));
    if !changed && new_cwd.is_none() {
        return None;
    }
    let mut alt = inv.nested(args, [Step::via(StepKind::Placed, "mv, cp or ln")]);
    if new_cwd.is_some() {
        alt.cwd = new_cwd;
    }
    Some(alt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(words: &[&str]) -> Invocation {
        Invocation {
            cwd: Some("/w".into()),
            ..Invocation::of_words(words)
        }
    }

    fn placed(words: &[&str]) -> Vec<(String, String)> {
        placed_by(&inv(words))
            .into_iter()
            .map(|p| (p.to, p.from))
            .collect()
    }

    fn pair(to: &str, from: &str) -> (String, String) {
        (to.to_string(), from.to_string())
    }

    #[test]
    fn reads_each_form_of_mv_cp_ln_and_install() {
        assert_eq!(
            placed(&["mv", "/h/p", "/tmp/t"]),
            [pair("/tmp/t/p", "/h/p"), pair("/tmp/t", "/h/p")]
        );
        assert_eq!(placed(&["mv", "-T", "a", "b"]), [pair("/w/b", "/w/a")]);
        assert_eq!(
            placed(&["mv", "-t", "/d", "a", "b"]),
            [pair("/d/a", "/w/a"), pair("/d/b", "/w/b")]
        );
        assert_eq!(
            placed(&["mv", "--target-directory=/d", "a"]),
            [pair("/d/a", "/w/a")]
        );
        assert_eq!(placed(&["mv", "-vt/d", "a"]), [pair("/d/a", "/w/a")]);
        assert_eq!(
            placed(&["mv", "-S", ".bak", "a", "b", "/d/"]),
            [pair("/d/a", "/w/a"), pair("/d/b", "/w/b")]
        );
        assert_eq!(
            placed(&["install", "-m", "755", "/bin/rm", "z"]),
            [pair("/w/z/rm", "/bin/rm"), pair("/w/z", "/bin/rm")]
        );
        assert_eq!(
            placed(&["ln", "-sf", "/bin/rm", "/tmp/del"]),
            [pair("/tmp/del/rm", "/bin/rm"), pair("/tmp/del", "/bin/rm")]
        );
        assert!(placed(&["cat", "a", "b"]).is_empty());
        assert!(placed(&["mv", "only"]).is_empty());
    }

    #[test]
    fn a_glob_source_stands_for_its_directory() {
        let mut glob = inv(&["mv", "/h/*", "/tmp/t"]);
        glob.args[1].glob = true;
        let got: Vec<_> = placed_by(&glob)
            .into_iter()
            .map(|p| (p.to, p.from))
            .collect();
        assert_eq!(got, [pair("/tmp/t", "/h")]);
    }

    #[test]
    fn later_commands_are_seen_on_the_originals() {
        let mut all = Vec::new();
        record(&inv(&["mv", "/h/p", "/tmp/t"]), &mut all);
        record(&inv(&["mv", "/tmp/t", "/tmp/u"]), &mut all);
        record(&inv(&["cp", "/bin/rm", "/tmp/x"]), &mut all);
        record(&inv(&["mv", "/tmp/x", "/tmp/y"]), &mut all);
        record(&inv(&["cp", "-r", "/h/q", "/tmp/c"]), &mut all);
        record(&inv(&["mv", "/tmp/c", "/tmp/d"]), &mut all);
        let alt = as_original(&inv(&["rm", "-rf", "/tmp/u"]), &all).unwrap();
        assert_eq!(alt.argv(), ["rm", "-rf", "/h/p"]);
        let alt = as_original(&inv(&["/tmp/x", "-rf", "/h"]), &all).unwrap();
        assert_eq!(alt.program_name(), "rm");
        // A copied program moved again is still the program; copied data moved is the copy.
        let alt = as_original(&inv(&["/tmp/y", "-rf", "/h"]), &all).unwrap();
        assert_eq!(alt.program_name(), "rm");
        let alt = as_original(&inv(&["rm", "-rf", "/tmp/d"]), &all).unwrap();
        assert_eq!(alt.argv(), ["rm", "-rf", "/tmp/c"]);
        let mut inside = inv(&["rm", "-rf", "."]);
        inside.cwd = Some("/tmp/u/src".into());
        assert_eq!(
            as_original(&inside, &all).unwrap().cwd.as_deref(),
            Some("/h/p/src")
        );
        // A copy of data is not the original; a path that merely shares a prefix is another.
        assert!(as_original(&inv(&["rm", "-rf", "/tmp/x"]), &all).is_none());
        assert!(as_original(&inv(&["rm", "-rf", "/tmp/tt"]), &all).is_none());
        assert!(as_original(&inv(&["ls"]), &all).is_none());
    }

    #[test]
    fn a_symbolic_link_followed_is_its_target_and_the_link_alone_is_a_link() {
        let mut all = Vec::new();
        record(&inv(&["ln", "-sfn", "/h", "/w/l"]), &mut all);
        record(&inv(&["ln", "/bin/rm", "/w/hard"]), &mut all);
        for followed in ["/w/l/", "/w/l/.", "/w/l/x"] {
            let alt = as_original(&inv(&["rm", "-rf", followed]), &all).unwrap();
            assert_eq!(alt.argv()[2].trim_end_matches("/x"), "/h", "{followed}");
        }
        // `rm -rf l` removes the link; a hard link's data is no more the original than a copy's.
        assert!(as_original(&inv(&["rm", "-rf", "/w/l"]), &all).is_none());
        assert!(as_original(&inv(&["rm", "-f", "/w/hard"]), &all).is_none());
        // Run from either link, the program is the original.
        assert_eq!(
            as_original(&inv(&["/w/hard", "-rf", "/h"]), &all)
                .unwrap()
                .program_name(),
            "rm"
        );
    }
}
