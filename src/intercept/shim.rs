//! The PATH shim: `interlock` invoked under a guarded program's name (`aws`, `git`, `bash`, ...)
//! asks the supervisor about its argv, then runs the real program — the next one on PATH, never
//! itself — or refuses with exit status 126, saying why and how a human can approve.
//!
//! Invariant: when the supervisor cannot be reached, only commands the classifier allows run.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::supervisor::client;
use crate::supervisor::protocol::{Request, Response};
use crate::{Action, Decision, Engine, Environment, rules};

/// The guarded program names, from `shims/programs`.
pub fn programs() -> impl Iterator<Item = &'static str> {
    include_str!("../../shims/programs")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Whether `name` (a basename) is a shimmed program.
pub fn is_shim_name(name: &str) -> bool {
    programs().any(|p| p == name)
}

/// Environment variable holding the supervisor's socket path.
pub const SOCKET_ENV: &str = "INTERLOCK_SOCKET";
/// Environment variable holding the shim directory (skipped when finding the real program).
pub const SHIM_DIR_ENV: &str = "INTERLOCK_SHIM_DIR";
/// Exit status of a refused command.
const REFUSED: u8 = 126;
/// Exit status when the real program is not found.
const NOT_FOUND: u8 = 127;

const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash"];

/// Whether `name args` is a shell run without code (`-c`): a script or an interactive shell,
/// which passes a shim unchecked (what it runs is checked on its own). A shell is guarded when
/// it is given code with `-c`.
pub fn is_plain_shell(name: &str, args: &[String]) -> bool {
    SHELLS.contains(&name)
        && !args
            .iter()
            .take_while(|a| a.starts_with('-') || a.starts_with('+'))
            .any(|a| a.len() > 1 && !a.starts_with("--") && a[1..].contains('c'))
}

/// Runs as the shim for `name` with the process's arguments.
pub fn main(name: &str) -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let mut argv = vec![name.to_string()];
    argv.extend(args.iter().map(|a| a.to_string_lossy().into_owned()));
    if is_plain_shell(name, &argv[1..]) {
        return exec_real(name, &args);
    }
    let cwd = std::env::current_dir()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "/".into());
    let socket = std::env::var_os(SOCKET_ENV).map(PathBuf::from);
    let answer = socket.as_deref().map(|s| {
        client::ask(
            s,
            &Request::Check {
                argv: argv.clone(),
                cwd: cwd.clone(),
                agent: None,
                env: crate::tiers::SELECTING_VARIABLES
                    .iter()
                    .filter_map(|k| Some((k.to_string(), std::env::var(k).ok()?)))
                    .collect(),
            },
            None,
        )
    });
    match answer {
        Some(Ok(Response::Verdict {
            decision: Decision::Allow,
            approved: false,
            ..
        })) => exec_real(name, &args),
        Some(Ok(Response::Verdict {
            decision: Decision::Allow,
            approved: true,
            request,
            ..
        })) => run_and_report(name, &args, &request, socket.as_deref()),
        Some(Ok(Response::Verdict {
            request, reason, ..
        })) => refuse(&argv, &format!("{reason} (request {request})")),
        Some(Ok(other)) => fallback(
            name,
            &args,
            &argv,
            &cwd,
            &format!("the supervisor answered unexpectedly: {other:?}"),
        ),
        Some(Err(e)) => fallback(name, &args, &argv, &cwd, &e.to_string()),
        None => fallback(
            name,
            &args,
            &argv,
            &cwd,
            &format!("{SOCKET_ENV} is not set"),
        ),
    }
}

/// The supervisor is unreachable: run only what the classifier allows on its own.
fn fallback(name: &str, args: &[OsString], argv: &[String], cwd: &str, why: &str) -> ExitCode {
    let verdict = rules::load::shipped().map(|r| {
        Engine::new(r, Environment::detect(Some(cwd.to_string()), None))
            .classify(&Action::Argv(argv.to_vec()))
    });
    match verdict {
        Ok(v) if v.decision == Decision::Allow => exec_real(name, args),
        Ok(v) => refuse(
            argv,
            &format!(
                "{} The interlock supervisor cannot be reached ({why}), so nobody can approve it; restart the session with `interlock run`.",
                v.reason
            ),
        ),
        Err(e) => refuse(
            argv,
            &format!(
                "the rulesets cannot be loaded ({e}) and the supervisor cannot be reached ({why})"
            ),
        ),
    }
}

fn refuse(argv: &[String], why: &str) -> ExitCode {
    let shown = argv
        .iter()
        .map(|a| crate::shell::quote_for_display(a))
        .collect::<Vec<_>>()
        .join(" ");
    eprintln!("interlock: refused `{shown}`: {why}");
    ExitCode::from(REFUSED)
}

/// Environment variable counting nested shim calls, to stop a copy of interlock found on PATH
/// from calling itself forever.
const DEPTH_ENV: &str = "INTERLOCK_SHIM_DEPTH";
/// More nested shim calls than this are refused.
const MAX_DEPTH: u32 = 32;

fn next_depth() -> Option<String> {
    let depth: u32 = std::env::var(DEPTH_ENV)
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0);
    (depth < MAX_DEPTH).then(|| (depth + 1).to_string())
}

/// Replaces this process with the real program.
fn exec_real(name: &str, args: &[OsString]) -> ExitCode {
    let Some(depth) = next_depth() else {
        eprintln!(
            "interlock: {name}: shims call each other more than {MAX_DEPTH} levels deep; is a copy of interlock on PATH?"
        );
        return ExitCode::from(REFUSED);
    };
    let Some(real) = find_real(name) else {
        eprintln!("interlock: {name}: command not found (outside the interlock shim directory)");
        return ExitCode::from(NOT_FOUND);
    };
    let err = std::process::Command::new(&real)
        .arg0(name)
        .args(args)
        .env(DEPTH_ENV, depth)
        .exec();
    eprintln!("interlock: cannot run {}: {err}", real.display());
    ExitCode::from(REFUSED)
}

/// Runs an approved command as a child, reports its exit status, and exits with it.
fn run_and_report(name: &str, args: &[OsString], request: &str, socket: Option<&Path>) -> ExitCode {
    let Some(real) = find_real(name) else {
        eprintln!("interlock: {name}: command not found (outside the interlock shim directory)");
        return ExitCode::from(NOT_FOUND);
    };
    let status = match std::process::Command::new(&real)
        .arg0(name)
        .args(args)
        .status()
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("interlock: cannot run {}: {e}", real.display());
            return ExitCode::from(REFUSED);
        }
    };
    use std::os::unix::process::ExitStatusExt;
    let code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    if let Some(socket) = socket {
        let _ = client::ask(
            socket,
            &Request::Exited {
                request: request.to_string(),
                code,
            },
            Some(std::time::Duration::from_secs(10)),
        );
    }
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// The next `name` on PATH that is not a shim: skips the shim directory and any file that is
/// this very binary (a link to it, hard or symbolic, elsewhere on PATH).
fn find_real(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let shim_dir = std::env::var_os(SHIM_DIR_ENV).map(PathBuf::from);
    let me = std::env::current_exe()
        .and_then(std::fs::metadata)
        .ok()
        .map(|m| (m.dev(), m.ino()));
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        if dir.as_os_str().is_empty() || shim_dir.as_deref() == Some(dir.as_path()) {
            continue;
        }
        let candidate = dir.join(name);
        let Ok(meta) = std::fs::metadata(&candidate) else {
            continue;
        };
        if !meta.is_file()
            || meta.permissions().mode() & 0o111 == 0
            || Some((meta.dev(), meta.ino())) == me
        {
            continue;
        }
        return Some(candidate);
    }
    None
}
