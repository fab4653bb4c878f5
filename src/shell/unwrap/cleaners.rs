//! Build tools whose clean command deletes a directory that an option or a variable names:
//! `cargo clean --target-dir DIR` (or with `CARGO_TARGET_DIR=DIR`) deletes DIR, `go clean
//! -modcache` the module cache `GOMODCACHE` names and `go clean -cache` the build cache `GOCACHE`
//! names. Each is judged as the `rm -rf DIR` it amounts to, so the directory is
//! classified as `rm`'s operand is: a build directory in the working tree passes; the home, the
//! root or a system directory does not. The default places (`$GOPATH/pkg/mod`,
//! `~/.cache/go-build`) are caches, and are not named.

use super::{long_option_values, opts, scan};
use crate::shell::invocation::{Arg, Invocation, Step, StepKind};
use crate::shell::walk::{State, Walker};

/// Emits the `rm -rf` of each directory `inv` deletes, if it is such a clean command.
pub(super) fn unwrap(w: &mut Walker<'_>, inv: &Invocation, st: &State) {
    let dirs = match inv.program_name() {
        "cargo" => cargo_clean(inv, st),
        "go" => go_clean(inv, st),
        _ => return,
    };
    let via = format!("{} clean", inv.program_name());
    for dir in dirs {
        let args = vec![Arg::literal("rm"), Arg::literal("-rf"), dir];
        let step = Step::via(StepKind::ToolDelete, via.as_str());
        w.emit(inv.nested(args, [step]), None, &[], st);
    }
}

/// The value of the environment variable `name` for `inv`: given to it, or set earlier in the
/// line.
fn variable<'a>(inv: &'a Invocation, st: &'a State, name: &str) -> Option<&'a str> {
    inv.env_var(name)
        .or_else(|| st.vars.known.get(name).map(String::as_str))
}

/// `go clean -modcache` / `-cache`: the caches the variables move elsewhere.
fn go_clean(inv: &Invocation, st: &State) -> Vec<Arg> {
    if inv.args.get(1).is_none_or(|a| a.text != "clean") {
        return Vec::new();
    }
    let flag = |name: &str| {
        inv.args
            .iter()
            .skip(2)
            .any(|a| a.text == format!("-{name}") || a.text == format!("--{name}"))
    };
    let mut dirs = Vec::new();
    if flag("modcache") {
        dirs.extend(variable(inv, st, "GOMODCACHE").map(Arg::literal));
    }
    if flag("cache") {
        dirs.extend(variable(inv, st, "GOCACHE").map(Arg::literal));
    }
    dirs
}

/// `cargo clean --target-dir DIR`, or with `CARGO_TARGET_DIR`.
fn cargo_clean(inv: &Invocation, st: &State) -> Vec<Arg> {
    // `cargo [+toolchain] [--config K=V] [-Z FLAG] clean [OPTIONS]`.
    let (mut k, _) = scan(&inv.args, 1, &opts("ZC", &["--config", "--color"]));
    if inv.args.get(k).is_some_and(|a| a.text.starts_with('+')) {
        (k, _) = scan(&inv.args, k + 1, &opts("ZC", &["--config", "--color"]));
    }
    if inv.args.get(k).is_none_or(|a| a.text != "clean") {
        return Vec::new();
    }
    let mut dirs: Vec<Arg> = long_option_values(&inv.args[k + 1..], "--target-dir").collect();
    if dirs.is_empty()
        && let Some(dir) = variable(inv, st, "CARGO_TARGET_DIR")
    {
        dirs.push(Arg::literal(dir));
    }
    dirs
}
