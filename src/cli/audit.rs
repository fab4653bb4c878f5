//! `interlock audit verify`: check the audit log's hash chain.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::ExitStatus;
use crate::audit;

/// Arguments of `interlock audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// What to do with the audit log.
    #[command(subcommand)]
    pub command: AuditCommand,
}

/// `interlock audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every record's fingerprint and check every link of the chain; report the first
    /// edited, deleted, reordered or truncated line. Exit status 0 when intact, 1 when not.
    Verify(LogLocation),
}

/// Where the audit log is.
#[derive(Debug, Clone, Args)]
pub struct LogLocation {
    /// The state directory holding `audit.jsonl` (default: $XDG_STATE_HOME/interlock, else
    /// ~/.local/state/interlock).
    #[arg(long, value_name = "DIR", conflicts_with = "log")]
    pub state_dir: Option<PathBuf>,

    /// The audit log file itself.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
}

impl LogLocation {
    /// The log file's path.
    pub fn path(&self) -> anyhow::Result<PathBuf> {
        if let Some(log) = &self.log {
            return Ok(log.clone());
        }
        let dir = match &self.state_dir {
            Some(d) => d.clone(),
            None => audit::default_state_dir().context(
                "cannot find the state directory: set HOME or XDG_STATE_HOME, or pass --state-dir",
            )?,
        };
        Ok(dir.join("audit.jsonl"))
    }
}

/// Runs `interlock audit`.
pub fn run(args: AuditArgs) -> anyhow::Result<ExitStatus> {
    match args.command {
        AuditCommand::Verify(location) => {
            let path = location.path()?;
            let report = audit::verify(&path)?;
            let mut out = std::io::stdout().lock();
            match report.first_break {
                None => {
                    writeln!(
                        out,
                        "{}: intact, {} records",
                        path.display(),
                        report.records
                    )?;
                    Ok(ExitStatus::Allow)
                }
                Some((line, reason)) => {
                    writeln!(out, "{}:{line}: {reason}", path.display())?;
                    writeln!(out, "{} records before it verified", report.records)?;
                    Ok(ExitStatus::Failure)
                }
            }
        }
    }
}
