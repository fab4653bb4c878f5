//! The branch a force push without a refspec rewrites: `git push --force-with-lease` on `main`
//! pushes `main`, so the branch checked out is named as the push's refspec (`HEAD:main`) and
//! the rules on protected branches see it.
//!
//! Invariant: only a local force push that names no refspec and no set of refs (`--all`,
//! `--mirror`, `--tags`, `--delete`, `--prune`) gets the operand, and only when the repository's
//! `HEAD` is a branch that can be read; otherwise the invocation is left as it was.

use super::invocation::{Arg, Invocation};
use super::walk::join_path;

/// Options of `git` itself that take a value in the next word.
pub(super) const GIT_VALUE_OPTIONS: &[&str] = &[
    "-C",
    "-c",
    "--git-dir",
    "--work-tree",
    "--namespace",
    "--config-env",
    "--super-prefix",
];

/// Options of `git push` that take a value in the next word.
const PUSH_VALUE_OPTIONS: &[&str] = &["-o", "--push-option", "--repo", "--receive-pack", "--exec"];

/// Options of `git push` that choose the refs themselves.
const REF_SET_OPTIONS: &[&str] = &[
    "--all",
    "--branches",
    "--mirror",
    "--tags",
    "--delete",
    "-d",
    "--prune",
];

/// Appends `HEAD:BRANCH` to a local `git push` that forces and names no refspec, `BRANCH` being
/// the branch checked out in the repository it runs in.
pub fn name_pushed_branch(inv: &mut Invocation) {
    if inv.remote || inv.program_name() != "git" || inv.args.iter().any(|a| a.dynamic) {
        return;
    }
    let words: Vec<&str> = inv.args.iter().skip(1).map(|a| a.text.as_str()).collect();
    let Some((dir, push_at)) = push_position(&words) else {
        return;
    };
    let Some(operands) = push_operands(&words[push_at + 1..]) else {
        return;
    };
    // `git push -f origin HEAD` pushes the checked-out branch too.
    match operands.as_slice() {
        [] | [_] => {}
        [_, "HEAD" | "@"] => {}
        _ => return,
    }
    let start = match dir {
        Some(d) => join_path(inv.cwd.as_deref(), d),
        None => inv.cwd.clone(),
    };
    if let Some(branch) = start.as_deref().and_then(checked_out_branch) {
        inv.args.push(Arg::implied(format!("HEAD:{branch}")));
    }
}

/// Where `push` is among git's words (after `git`), and the last `-C` directory before it;
/// `None` when the subcommand is not `push` or `--git-dir` points elsewhere.
fn push_position<'a>(words: &[&'a str]) -> Option<(Option<&'a str>, usize)> {
    let mut dir = None;
    let mut i = 0;
    while let Some(word) = words.get(i) {
        if word.starts_with("--git-dir") {
            return None;
        }
        if GIT_VALUE_OPTIONS.contains(word) {
            if *word == "-C" {
                dir = Some(*words.get(i + 1)?);
            }
            i += 2;
        } else if word.starts_with('-') {
            i += 1;
        } else {
            return (*word == "push").then_some((dir, i));
        }
    }
    None
}

/// The operands (remote, refspecs) of a push's words, when it forces and does not choose a set
/// of refs; `None` otherwise.
fn push_operands<'a>(words: &[&'a str]) -> Option<Vec<&'a str>> {
    let mut operands = Vec::new();
    let mut forces = false;
    let mut i = 0;
    let mut flags_done = false;
    while let Some(word) = words.get(i) {
        i += 1;
        if flags_done || !word.starts_with('-') || *word == "-" {
            operands.push(*word);
            if word.starts_with('+') {
                return None;
            }
            continue;
        }
        if *word == "--" {
            flags_done = true;
        } else if REF_SET_OPTIONS.contains(word) {
            return None;
        } else if PUSH_VALUE_OPTIONS.contains(word) {
            i += 1;
        } else if *word == "--force"
            || word.starts_with("--force-with-lease")
            || *word == "--force-if-includes"
            || (!word.starts_with("--") && word.contains('f'))
        {
            forces = true;
        }
    }
    forces.then_some(operands)
}

/// The branch checked out in the repository containing `dir`: its `.git` directory's (or a
/// worktree's `gitdir:` file's) `HEAD`, when that is `ref: refs/heads/BRANCH`.
fn checked_out_branch(dir: &str) -> Option<String> {
    let mut at = std::path::Path::new(dir);
    loop {
        let dot_git = at.join(".git");
        if let Ok(meta) = std::fs::metadata(&dot_git) {
            let git_dir = if meta.is_dir() {
                dot_git
            } else {
                let text = std::fs::read_to_string(&dot_git).ok()?;
                let target = text.trim().strip_prefix("gitdir:")?.trim();
                at.join(target)
            };
            let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
            let branch = head.trim().strip_prefix("ref: refs/heads/")?;
            return (!branch.is_empty()).then(|| branch.to_string());
        }
        at = at.parent()?;
    }
}

#[cfg(test)]
mod tests {
    use crate::shell::{ShellContext, analyze};

    /// The argv of the first invocation of `line` run in `cwd`.
    fn argv(line: &str, cwd: &std::path::Path) -> Vec<String> {
        let ctx = ShellContext {
            cwd: Some(cwd.to_string_lossy().into_owned()),
            ..ShellContext::default()
        };
        analyze(line, &ctx).invocations[0]
            .args
            .iter()
            .map(|a| a.text.clone())
            .collect()
    }

    #[test]
    fn a_force_push_without_refspec_names_the_checked_out_branch() {
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(repo.path().join(".git")).unwrap();
        std::fs::write(repo.path().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        let sub = repo.path().join("src/deep");
        std::fs::create_dir_all(&sub).unwrap();
        let last = |line: &str, cwd: &std::path::Path| argv(line, cwd).last().cloned().unwrap();

        assert_eq!(last("git push --force-with-lease", &sub), "HEAD:main");
        assert_eq!(last("git push -fu origin", repo.path()), "HEAD:main");
        assert_eq!(
            last("git -C src push --force origin", repo.path()),
            "HEAD:main"
        );
        // A refspec, a set of refs, or no force: as written.
        assert_eq!(last("git push -f origin HEAD", repo.path()), "HEAD:main");
        assert_eq!(last("git push -f origin feat", repo.path()), "feat");
        assert_eq!(last("git push --force --tags", repo.path()), "--tags");
        assert_eq!(last("git push origin", repo.path()), "origin");
        assert_eq!(last("git status --force", repo.path()), "--force");

        // A detached HEAD names nothing; a worktree's `.git` file points at its HEAD.
        std::fs::write(repo.path().join(".git/HEAD"), "0123abcd\n").unwrap();
        assert_eq!(last("git push -f", repo.path()), "-f");
        let wt = tempfile::tempdir().unwrap();
        let meta = repo.path().join(".git/worktrees/wt");
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(meta.join("HEAD"), "ref: refs/heads/release/2.0\n").unwrap();
        std::fs::write(
            wt.path().join(".git"),
            format!("gitdir: {}\n", meta.display()),
        )
        .unwrap();
        assert_eq!(last("git push -f", wt.path()), "HEAD:release/2.0");
    }
}
