//! Build tools whose clean command deletes a directory that an option or a variable names:
//! `cargo clean --target-dir DIR` (or with `CARGO_TARGET_DIR=DIR`) deletes DIR. It is judged
//! as the `rm -rf DIR` it amounts to, so the directory is classified as `rm`'s operand is: a
//! build directory in the working tree passes; the home, the root or a system directory does
//! not.

use super::{opts, scan};
use crate::shell::invocation::{Arg, Invocation, Step, StepKind};
use crate::shell::walk::{State, Walker};

/// Emits the `rm -rf` of each directory `inv` deletes, if it is such a clean command.
pub(super) fn unwrap(w: &mut Walker<'_>, inv: &Invocation, st: &State) {
    if inv.program_name() != "cargo" {
        return;
    }
    // `cargo [+toolchain] [--config K=V] [-Z FLAG] clean [OPTIONS]`.
    let (mut k, _) = scan(&inv.args, 1, &opts("ZC", &["--config", "--color"]));
    if inv.args.get(k).is_some_and(|a| a.text.starts_with('+')) {
        (k, _) = scan(&inv.args, k + 1, &opts("ZC", &["--config", "--color"]));
    }
    if inv.args.get(k).is_none_or(|a| a.text != "clean") {
        return;
    }
    let mut dirs: Vec<Arg> = Vec::new();
    let mut i = k + 1;
    while let Some(a) = inv.args.get(i) {
        if a.text == "--" {
            break;
        }
        if a.text == "--target-dir" {
            dirs.extend(inv.args.get(i + 1).cloned());
            i += 1;
        } else if let Some(dir) = a.text.strip_prefix("--target-dir=") {
            dirs.push(if a.dynamic {
                Arg::unknown(dir)
            } else {
                Arg::literal(dir)
            });
        }
        i += 1;
    }
    // The variable, given to this command or set earlier in the line.
    let variable = inv
        .env
        .iter()
        .find(|(name, _)| name == "CARGO_TARGET_DIR")
        .map(|(_, dir)| dir)
        .or_else(|| st.vars.known.get("CARGO_TARGET_DIR"));
    if dirs.is_empty()
        && let Some(dir) = variable
    {
        dirs.push(Arg::literal(dir.as_str()));
    }
    for dir in dirs {
        let args = vec![Arg::literal("rm"), Arg::literal("-rf"), dir];
        let step = Step::via(StepKind::ToolDelete, "cargo clean");
        w.emit(inv.nested(args, [step]), None, &[], st);
    }
}
