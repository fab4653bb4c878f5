//! `interlock install` / `interlock uninstall`: register or remove `interlock hook` in an
//! agent's settings file, showing the change as a unified diff and asking before writing.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use serde_json::Value;

use super::ExitStatus;
use crate::intercept::hooks::Agent;
use crate::intercept::hooks::install::{self, Scope};

/// Arguments of `interlock install` and `interlock uninstall`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// The agent whose settings to change.
    #[arg(long, value_enum)]
    pub agent: Agent,

    /// Change the project's settings (in the current directory; the default).
    #[arg(long, conflicts_with = "user")]
    pub project: bool,

    /// Change the user's settings (under $HOME).
    #[arg(long)]
    pub user: bool,

    /// Only show the change; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Write without asking (for scripts; the diff is still shown).
    #[arg(long)]
    pub yes: bool,
}

impl InstallArgs {
    fn path(&self) -> anyhow::Result<PathBuf> {
        let scope = if self.user {
            Scope::User
        } else {
            Scope::Project
        };
        let project = std::env::current_dir().context("cannot find the current directory")?;
        let home = std::env::var_os("HOME").map(PathBuf::from);
        install::settings_path(self.agent, scope, &project, home.as_deref())
            .map_err(anyhow::Error::msg)
    }
}

fn read_settings(path: &std::path::Path) -> anyhow::Result<(String, Value)> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => Ok((text, Value::Null)),
        Ok(text) => {
            let value = serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} is not valid JSON; fix it first, nothing was changed",
                    path.display()
                )
            })?;
            Ok((text, value))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((String::new(), Value::Null)),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn apply(
    args: &InstallArgs,
    path: &std::path::Path,
    old: &str,
    new: &str,
) -> anyhow::Result<ExitStatus> {
    let shown = path.display().to_string();
    let diff = similar::TextDiff::from_lines(old, new);
    print!(
        "{}",
        diff.unified_diff().context_radius(3).header(&shown, &shown)
    );
    if args.dry_run {
        println!("(dry run: nothing written)");
        return Ok(ExitStatus::Allow);
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            bail!(
                "not writing {shown} without confirmation: re-run with --yes, or --dry-run to only show the change"
            );
        }
        print!("Write this change to {shown}? [y/N] ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("nothing written");
            return Ok(ExitStatus::Failure);
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let tmp = path.with_extension("interlock-tmp");
    std::fs::write(&tmp, new).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    println!("wrote {shown}");
    Ok(ExitStatus::Allow)
}

/// Runs `interlock install`.
pub fn install(args: InstallArgs) -> anyhow::Result<ExitStatus> {
    let path = args.path()?;
    let (old, settings) = read_settings(&path)?;
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .context("cannot find the interlock binary's path")?;
    let exe = exe
        .to_str()
        .context("the interlock binary's path is not UTF-8")?;
    match install::install(args.agent, &settings, exe)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
    {
        None => {
            println!("interlock is already registered in {}", path.display());
            Ok(ExitStatus::Allow)
        }
        Some(new) => {
            let status = apply(&args, &path, &old, &install::render(&new))?;
            if args.agent == Agent::Codex && status == ExitStatus::Allow && !args.dry_run {
                println!(
                    "note: Codex runs hooks only with `[features] codex_hooks = true` in its config.toml"
                );
            }
            Ok(status)
        }
    }
}

/// Runs `interlock uninstall`.
pub fn uninstall(args: InstallArgs) -> anyhow::Result<ExitStatus> {
    let path = args.path()?;
    let (old, settings) = read_settings(&path)?;
    match install::uninstall(args.agent, &settings) {
        None => {
            println!("interlock is not registered in {}", path.display());
            Ok(ExitStatus::Allow)
        }
        Some(new) => apply(&args, &path, &old, &install::render(&new)),
    }
}
