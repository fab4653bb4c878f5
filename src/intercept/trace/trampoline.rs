//! The first process of a traced session: `interlock` re-executed with [`ARG`]. It stops itself
//! until the supervisor has attached its tracer, checks that it really is traced, installs the
//! exec filter, and executes the agent — which is already the first exec the tracer judges.
//!
//! A separate image (rather than code between fork and exec) keeps the child free of anything
//! that is unsafe after `fork` in a threaded program.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode};

use nix::sys::signal::{Signal, raise};

use super::{filter, sandbox};

/// The hidden first argument that starts the trampoline.
pub const ARG: &str = "--interlock-exec-trampoline";

/// Runs the trampoline: `interlock --interlock-exec-trampoline -- PROG ARGS...`.
pub fn main(args: Vec<OsString>) -> ExitCode {
    match run(args) {
        Ok(never) => match never {},
        Err(message) => {
            eprintln!("interlock: {message}");
            ExitCode::from(126)
        }
    }
}

fn run(args: Vec<OsString>) -> Result<std::convert::Infallible, String> {
    let mut args = args.into_iter().skip_while(|a| a != "--").skip(1);
    let program = args
        .next()
        .ok_or("the exec trampoline was started without a program")?;
    // Build the filter before stopping: a failure is reported before anything runs.
    let exec_filter = filter::exec_trap()?;
    raise(Signal::SIGSTOP).map_err(|e| format!("cannot wait for the tracer: {e}"))?;
    // Resumed: by the supervisor once its tracer is attached, or by anyone else. Only the first
    // is acceptable.
    if !is_traced() {
        return Err("the exec tracer is not attached; nothing ran".into());
    }
    if let Some(writable) = sandbox::from_env() {
        match sandbox::restrict(&writable)? {
            sandbox::Outcome::Enforced { abi, fully } => eprintln!(
                "interlock: Landlock ABI {abi}{}: the agent writes only beneath {} paths (the working tree, temp dirs, caches)",
                if fully {
                    ""
                } else {
                    " (partly: an older kernel)"
                },
                writable.len()
            ),
            sandbox::Outcome::Unavailable(why) => eprintln!(
                "interlock: {why}: the agent's writes are not restricted (its execs still are)"
            ),
        }
    }
    filter::install(&exec_filter)?;
    let err = Command::new(&program)
        .args(args)
        .env_remove(sandbox::WRITABLE_ENV)
        .exec();
    Err(format!("cannot run {}: {err}", program.to_string_lossy()))
}

/// Whether this process has a tracer (`TracerPid` in `/proc/self/status`).
fn is_traced() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("TracerPid:"))
            .is_some_and(|pid| pid.trim() != "0")
    })
}
