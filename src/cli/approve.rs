//! `interlock approve`, `interlock deny` and `interlock pending`: decide held commands from
//! outside the agent's session.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;

use super::ExitStatus;
use crate::Decision;
use crate::approval::store::{self, StoredApproval};
use crate::audit::{self, Approval, AuditLog, Event, Status};
use crate::intercept::shim::SOCKET_ENV;
use crate::supervisor::protocol::{PendingRequest, Request, Response};
use crate::supervisor::{approvals, client, peer, session};

/// Where the sessions are.
#[derive(Debug, Clone, Args)]
pub struct StateDirArg {
    /// The state directory of the sessions (default: $XDG_STATE_HOME/interlock, else
    /// ~/.local/state/interlock).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

impl StateDirArg {
    fn dir(&self) -> anyhow::Result<PathBuf> {
        match &self.state_dir {
            Some(d) => Ok(d.clone()),
            None => audit::default_state_dir().context(
                "cannot find the state directory: set HOME or XDG_STATE_HOME, or pass --state-dir",
            ),
        }
    }

    fn sockets(&self) -> anyhow::Result<Vec<PathBuf>> {
        Ok(session::sockets(&self.dir()?))
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
    /// An SSH signature over the approval (made with `interlock approve ID --reason ...
    /// --print-message | ssh-keygen -Y sign -f KEY -n interlock > FILE`): the approver is the
    /// key's principal in the session's allowed signers, wherever this command runs.
    #[arg(long, value_name = "FILE")]
    pub signature: Option<std::path::PathBuf>,
    /// Print the exact text to sign for this request and reason, and exit.
    #[arg(long)]
    pub print_message: bool,
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
        .unwrap_or_else(os_user)
}

/// The audit record of a step of the held hook request `held`.
fn held_event(held: &store::StoredRequest, id: &str, status: Status, approval: Approval) -> Event {
    let mut ev = Event::new(
        status,
        id,
        &held.argv,
        &held.cwd,
        Decision::Confirm,
        held.severity,
        &held.rules,
        &held.reason,
    );
    ev.approval = Some(approval);
    ev
}

/// The OS user this process runs as (by uid, not `$USER`): what makes approvers distinct.
fn os_user() -> String {
    let uid = nix::unistd::getuid();
    nix::unistd::User::from_uid(uid)
        .ok()
        .flatten()
        .map_or_else(|| format!("uid {uid}"), |u| u.name)
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
    let mut last = String::from(
        "no running session and no held hook request has this id; see `interlock pending`",
    );
    // This user's sessions first, then the approval sockets of other users' sessions that
    // listed approvers (see `interlock run --approver`).
    let answers = state
        .sockets()?
        .into_iter()
        .map(|socket| client::ask(&socket, &request, Some(Duration::from_secs(30))))
        .chain(
            approvals::discover()
                .into_iter()
                .map(|name| client::ask_abstract(&name, &request, Some(Duration::from_secs(30)))),
        );
    for answer in answers {
        match answer {
            Ok(Response::Done { message }) => {
                println!("{message}");
                return Ok(ExitStatus::Allow);
            }
            // A session that does not hold this request says so; keep the most telling answer.
            Ok(Response::Error { message }) if message.starts_with("no request") => {
                if last.starts_with("no running session") {
                    last = message;
                }
            }
            Ok(Response::Error { message }) => last = message,
            Ok(other) => last = format!("unexpected answer: {other:?}"),
            Err(e) => last = e.to_string(),
        }
    }
    let (id, outcome) = match &request {
        Request::Approve {
            request,
            reason,
            user,
            ..
        } => (
            request.clone(),
            Some(StoredApproval {
                reason: reason.clone(),
                user: user.clone(),
            }),
        ),
        Request::Deny { request, .. } => (request.clone(), None),
        _ => bail!("{last}"),
    };
    let dir = state.dir()?;
    let Some(mut held) = store::load(&dir, &id) else {
        bail!("{last}")
    };
    if peer::descends_from(std::process::id(), held.agent_pid) {
        bail!(
            "refused: approvals cannot come from inside the agent's own process tree; run `interlock approve` from another terminal"
        );
    }
    let log = AuditLog::new(dir.join("audit.jsonl"));
    // Several approvers: each distinct OS user counts once, and the retry waits for all.
    let mut outcome = outcome;
    if let Some(approval) = &outcome
        && held.needed > 1
    {
        let who = os_user();
        if held.approvals.iter().any(|a| a.user == who) {
            bail!(
                "refused: {who} has already approved {id}; it needs {} different approvers",
                held.needed
            );
        }
        held.approvals.push(StoredApproval {
            reason: approval.reason.clone(),
            user: who.clone(),
        });
        let (count, needed) = (held.approvals.len(), usize::from(held.needed));
        if count < needed {
            let ev = held_event(
                &held,
                &id,
                Status::Requested,
                Approval {
                    justification: Some(approval.reason.clone()),
                    approvers: vec![who.clone()],
                    method: format!("remote: approver {count} of {needed}"),
                },
            );
            log.append(&ev)
                .context("the audit log cannot be written, so the approval is not recorded")?;
            store::save(&dir, &held).context("cannot record the approval")?;
            println!(
                "{id}: approved by {who} ({count} of {needed}); the retry runs when {} more approve",
                needed - count
            );
            return Ok(ExitStatus::Allow);
        }
        outcome = Some(StoredApproval {
            reason: held
                .approvals
                .iter()
                .map(|a| format!("{}: {}", a.user, a.reason))
                .collect::<Vec<_>>()
                .join("; "),
            user: held
                .approvals
                .iter()
                .map(|a| a.user.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let status = if outcome.is_some() {
        Status::Approved
    } else {
        Status::Denied
    };
    let approvers = if held.approvals.len() > 1 && status == Status::Approved {
        held.approvals.iter().map(|a| a.user.clone()).collect()
    } else {
        vec![user()]
    };
    let ev = held_event(
        &held,
        &id,
        status,
        Approval {
            justification: match &request {
                Request::Approve { reason, .. } => Some(reason.clone()),
                Request::Deny { reason, .. } => reason.clone(),
                _ => None,
            },
            approvers,
            method: "remote".into(),
        },
    );
    log.append(&ev)
        .context("the audit log cannot be written, so the decision is not recorded")?;
    match outcome {
        Some(approval) => {
            held.approval = Some(approval);
            store::save(&dir, &held).context("cannot record the approval")?;
            println!(
                "{id} approved: the agent's identical retry in {} may run once",
                held.cwd
            );
        }
        None => {
            store::remove(&dir, &id);
            println!("{id} refused");
        }
    }
    Ok(ExitStatus::Allow)
}

/// Runs `interlock approve`.
pub fn approve(args: ApproveArgs) -> anyhow::Result<ExitStatus> {
    if args.reason.trim().chars().count() < MIN_REASON {
        bail!(
            "--reason must say why in at least {MIN_REASON} characters (it is recorded in the audit log)"
        );
    }
    if args.print_message {
        print!(
            "{}",
            crate::approval::signature::message(&args.request, &args.reason)
        );
        return Ok(ExitStatus::Allow);
    }
    let signature = args
        .signature
        .as_ref()
        .map(|path| {
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the signature {}", path.display()))
        })
        .transpose()?;
    decide(
        &args.state,
        Request::Approve {
            request: args.request,
            reason: args.reason,
            user: user(),
            signature,
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
    let mut all: Vec<PendingRequest> = Vec::new();
    let timeout = Some(Duration::from_secs(10));
    let answers = args
        .state
        .sockets()?
        .into_iter()
        .map(|socket| client::ask(&socket, &Request::Pending, timeout))
        .chain(
            approvals::discover()
                .into_iter()
                .map(|name| client::ask_abstract(&name, &Request::Pending, timeout)),
        );
    for answer in answers {
        if let Ok(Response::Pending { requests }) = answer {
            for r in requests {
                if !all.iter().any(|a| a.request == r.request) {
                    all.push(r);
                }
            }
        }
    }
    let now = jiff::Timestamp::now().as_millisecond();
    for held in store::list(&args.state.dir()?)
        .into_iter()
        .filter(|h| h.approval.is_none())
    {
        all.push(PendingRequest {
            request: held.request,
            argv: held.argv,
            cwd: held.cwd,
            severity: held.severity,
            rules: held.rules,
            reason: held.reason,
            expires_in: u64::try_from((held.expires - now) / 1000).unwrap_or(0),
        });
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
