//! `interlock approve`, `interlock deny` and `interlock pending`: decide held commands from
//! outside the agent's session.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;

use super::ExitStatus;
use crate::audit;
use crate::intercept::shim::SOCKET_ENV;
use crate::supervisor::client;
use crate::supervisor::protocol::{Request, Response};
use crate::supervisor::session;

/// Where the sessions are.
#[derive(Debug, Clone, Args)]
pub struct StateDirArg {
    /// The state directory of the sessions (default: $XDG_STATE_HOME/interlock, else
    /// ~/.local/state/interlock).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

impl StateDirArg {
    fn sockets(&self) -> anyhow::Result<Vec<PathBuf>> {
        let dir = match &self.state_dir {
            Some(d) => d.clone(),
            None => audit::default_state_dir().context(
                "cannot find the state directory: set HOME or XDG_STATE_HOME, or pass --state-dir",
            )?,
        };
        Ok(session::sockets(&dir))
    }
}

/// Arguments of `interlock approve`.
#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The request id shown when the command was held (`interlock pending` lists them).
    pub request: String,
    /// Why this command may run: recorded verbatim in the audit log.
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Sessions.
    #[command(flatten)]
    pub state: StateDirArg,
}

/// Arguments of `interlock deny`.
#[derive(Debug, Args)]
pub struct DenyArgs {
    /// The request id.
    pub request: String,
    /// Why not (recorded in the audit log).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Sessions.
    #[command(flatten)]
    pub state: StateDirArg,
}

/// Arguments of `interlock pending`.
#[derive(Debug, Args)]
pub struct PendingArgs {
    /// Print the waiting requests as one JSON array.
    #[arg(long)]
    pub json: bool,
    /// Sessions.
    #[command(flatten)]
    pub state: StateDirArg,
}

const MIN_REASON: usize = 8;

fn user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|u| u.name)
                .unwrap_or_else(|| format!("uid {}", nix::unistd::getuid()))
        })
}

fn refuse_inside_session() -> anyhow::Result<()> {
    if std::env::var_os(SOCKET_ENV).is_some() {
        bail!(
            "refused: this runs inside a supervised agent session ({SOCKET_ENV} is set); a human must approve from another terminal"
        );
    }
    Ok(())
}

fn decide(state: &StateDirArg, request: Request) -> anyhow::Result<ExitStatus> {
    refuse_inside_session()?;
    let sockets = state.sockets()?;
    if sockets.is_empty() {
        bail!("no supervised session is running (nothing under the state directory's sessions/)");
    }
    let mut last = String::from("no session knows this request");
    for socket in sockets {
        match client::ask(&socket, &request, Some(Duration::from_secs(30))) {
            Ok(Response::Done { message }) => {
                println!("{message}");
                return Ok(ExitStatus::Allow);
            }
            Ok(Response::Error { message }) => last = message,
            Ok(other) => last = format!("unexpected answer: {other:?}"),
            Err(e) => last = e.to_string(),
        }
    }
    bail!("{last}")
}

/// Runs `interlock approve`.
pub fn approve(args: ApproveArgs) -> anyhow::Result<ExitStatus> {
    if args.reason.trim().chars().count() < MIN_REASON {
        bail!(
            "--reason must say why in at least {MIN_REASON} characters (it is recorded in the audit log)"
        );
    }
    decide(
        &args.state,
        Request::Approve {
            request: args.request,
            reason: args.reason,
            user: user(),
        },
    )
}

/// Runs `interlock deny`.
pub fn deny(args: DenyArgs) -> anyhow::Result<ExitStatus> {
    decide(
        &args.state,
        Request::Deny {
            request: args.request,
            reason: args.reason,
            user: user(),
        },
    )
}

/// Runs `interlock pending`.
pub fn pending(args: PendingArgs) -> anyhow::Result<ExitStatus> {
    let mut all = Vec::new();
    for socket in args.state.sockets()? {
        if let Ok(Response::Pending { requests }) =
            client::ask(&socket, &Request::Pending, Some(Duration::from_secs(10)))
        {
            all.extend(requests);
        }
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &all)?;
        writeln!(out)?;
    } else if all.is_empty() {
        writeln!(out, "no requests are waiting")?;
    } else {
        writeln!(
            out,
            "{:<13} {:<9} {:<8} {:<34} COMMAND",
            "REQUEST", "SEVERITY", "EXPIRES", "RULE"
        )?;
        for r in &all {
            let cmd = r
                .argv
                .iter()
                .map(|a| crate::shell::quote_for_display(a))
                .collect::<Vec<_>>()
                .join(" ");
            writeln!(
                out,
                "{:<13} {:<9} {:<8} {:<34} {cmd}",
                r.request,
                r.severity.as_str(),
                format!("{}s", r.expires_in),
                r.rules.first().map(String::as_str).unwrap_or("")
            )?;
        }
    }
    Ok(ExitStatus::Allow)
}
