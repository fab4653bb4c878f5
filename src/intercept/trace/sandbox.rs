//! The Landlock sandbox of a traced agent: its whole process tree may write only beneath the
//! paths it is given (the working tree, temp dirs, caches, devices, what the policy adds).
//! Everything else — interlock's state directory (audit log, approvals), rulesets and
//! configuration, the agents' settings — is read-only to it, whatever program does the writing
//! (a shell redirect, `python -c 'shutil.rmtree(...)'`, a compiled tool).
//!
//! Landlock can only grant, never carve out: a file inside a writable directory is writable.
//! The agents' settings files inside the working tree are therefore guarded by the rules and
//! the exec tracer, not by this sandbox.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use landlock::{
    ABI, AccessFs, LandlockStatus, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
    path_beneath_rules,
};

/// Environment variable carrying the writable paths to the trampoline (`PATH`-style list).
pub const WRITABLE_ENV: &str = "INTERLOCK_SANDBOX_WRITABLE";

/// The newest Landlock ABI this code asks for; older kernels enforce what they know.
const ABI_WANTED: ABI = ABI::V5;

/// What the sandbox did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Enforced with this ABI version (fully, or partially on an older kernel).
    Enforced {
        /// The ABI version in use.
        abi: i32,
        /// Every requested right is enforced.
        fully: bool,
    },
    /// The kernel has no Landlock: writes are not restricted.
    Unavailable(String),
}

/// Restricts the calling process (and everything it starts) to writing beneath `writable`.
pub fn restrict(writable: &[PathBuf]) -> Result<Outcome, String> {
    let access = AccessFs::from_write(ABI_WANTED);
    let status = Ruleset::default()
        .handle_access(access)
        .and_then(|r| r.create())
        .and_then(|r| r.add_rules(path_beneath_rules(writable, access)))
        .and_then(|r| r.restrict_self())
        .map_err(|e| format!("cannot set up the Landlock sandbox: {e}"))?;
    Ok(match (status.ruleset, status.landlock) {
        (RulesetStatus::NotEnforced, LandlockStatus::NotImplemented) => {
            Outcome::Unavailable("the kernel has no Landlock".into())
        }
        (RulesetStatus::NotEnforced, LandlockStatus::NotEnabled) => {
            Outcome::Unavailable("Landlock is not enabled in this kernel".into())
        }
        (RulesetStatus::NotEnforced, _) => {
            Outcome::Unavailable("the Landlock ruleset was not enforced".into())
        }
        (ruleset, LandlockStatus::Available { effective_abi, .. }) => Outcome::Enforced {
            abi: effective_abi as i32,
            fully: ruleset == RulesetStatus::FullyEnforced,
        },
        (ruleset, _) => Outcome::Enforced {
            abi: 0,
            fully: ruleset == RulesetStatus::FullyEnforced,
        },
    })
}

/// The default writable paths of a session in `workspace`: the working tree, temp dirs, the
/// caches build tools re-create, terminal and null devices, and the data Claude Code keeps
/// under `~/.claude` (every entry there except its settings files, which stay read-only).
pub fn default_writable(workspace: &Path, home: Option<&Path>, extra: &[PathBuf]) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = vec![workspace.to_path_buf()];
    paths.extend(
        [
            "/tmp",
            "/var/tmp",
            "/dev/shm",
            "/dev/null",
            "/dev/zero",
            "/dev/full",
            "/dev/random",
            "/dev/urandom",
            "/dev/tty",
            "/dev/pts",
            "/dev/ptmx",
        ]
        .map(PathBuf::from),
    );
    if let Some(tmp) = std::env::var_os("TMPDIR") {
        paths.push(PathBuf::from(tmp));
    }
    if let Some(home) = home {
        for cache in [
            ".cache",
            ".npm",
            ".pnpm-store",
            ".yarn",
            ".cargo/registry",
            ".cargo/git",
            "go/pkg",
            ".m2",
            ".gradle",
            ".claude.json",
            ".claude.json.backup",
        ] {
            paths.push(home.join(cache));
        }
        if let Ok(entries) = std::fs::read_dir(home.join(".claude")) {
            paths.extend(
                entries
                    .filter_map(Result::ok)
                    .filter(|e| !e.file_name().to_string_lossy().starts_with("settings"))
                    .map(|e| e.path()),
            );
        }
    }
    paths.extend(extra.iter().cloned());
    paths.retain(|p| p.exists());
    paths
}

/// The writable paths as one environment value.
pub fn encode(paths: &[PathBuf]) -> Result<OsString, String> {
    std::env::join_paths(paths).map_err(|e| format!("a writable path cannot be passed on: {e}"))
}

/// The writable paths from [`WRITABLE_ENV`], if set.
pub fn from_env() -> Option<Vec<PathBuf>> {
    std::env::var_os(WRITABLE_ENV).map(|v| std::env::split_paths(&v).collect())
}
