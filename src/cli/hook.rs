//! `interlock hook --agent NAME`: the pre-tool hook an agent runs before each shell command.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::{ExitStatus, RulesetArgs};
use crate::approval::store::{self, StoredRequest};
use crate::audit::{self, AiAgent, Approval, AuditLog, Event, Status};
use crate::intercept::hooks::{self, Agent, Answer, Call};
use crate::intercept::shim::SOCKET_ENV;
use crate::sequence::{self, Sequences};
use crate::supervisor::client;
use crate::supervisor::protocol::{Request, Response};
use crate::{Action, Decision, Engine, Verdict};

/// Arguments of `interlock hook`.
#[derive(Debug, Args)]
pub struct HookArgs {
    /// Which agent is calling: decides the input and output format.
    #[arg(long, value_enum)]
    pub agent: Agent,

    /// What to do with a command that needs a human when no `interlock run` supervisor is
    /// present: `deny` it with a request id a human approves from another terminal, or
    /// `native`: ask through the agent's own prompt (Codex has none: it is denied).
    #[arg(long, value_enum, default_value_t = AskMode::Deny)]
    pub ask: AskMode,

    /// Where held requests and the audit log live (default: $XDG_STATE_HOME/interlock, else
    /// ~/.local/state/interlock).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// Read the payload from FILE instead of standard input (for tests and benchmarks).
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,

    /// Seconds a held request can be approved and then used by the identical retry.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub approval_ttl: u64,

    /// Rulesets and context.
    #[command(flatten)]
    pub rules: RulesetArgs,
}

/// How a command needing a human is answered without a supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AskMode {
    /// Deny, naming the request id and the `interlock approve` line.
    Deny,
    /// Use the agent's own confirmation prompt.
    Native,
}

/// Largest hook payload read.
const MAX_INPUT: u64 = 16 << 20;

/// Runs `interlock hook`. Never fails: any error becomes a deny in the agent's protocol.
pub fn run(args: HookArgs) -> anyhow::Result<ExitStatus> {
    let mut input = String::new();
    let read = match &args.input {
        Some(path) => std::fs::File::open(path)
            .and_then(|f| f.take(MAX_INPUT).read_to_string(&mut input))
            .with_context(|| format!("cannot read the hook input {}", path.display())),
        None => std::io::stdin()
            .take(MAX_INPUT)
            .read_to_string(&mut input)
            .context("cannot read the hook input"),
    };
    // A panic while deciding must refuse, like any other failure: an agent treats a hook that
    // crashed (exit 101) as a non-blocking error and would run the command.
    let decided = read.and_then(|_| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decide(&args, &input)))
            .unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown".into());
                Err(anyhow::anyhow!("interlock hit an internal error ({what})"))
            })
    });
    let (event, answer) = match decided {
        Ok(x) => x,
        Err(e) => (
            default_event(args.agent),
            Answer::Deny(format!(
                "interlock refused this command because it could not check it: {e:#}. Nothing ran; fix the hook setup (see `interlock hook --help`)."
            )),
        ),
    };
    let reply = hooks::render(args.agent, &event, &answer);
    let mut out = std::io::stdout().lock();
    out.write_all(reply.stdout.as_bytes())?;
    out.flush()?;
    if !reply.stderr.is_empty() {
        eprint!("{}", reply.stderr);
    }
    Ok(ExitStatus::Code(reply.code))
}

fn default_event(agent: Agent) -> String {
    match agent {
        Agent::Claude | Agent::Codex => "PreToolUse",
        Agent::Gemini => "BeforeTool",
        Agent::Cursor => "beforeShellExecution",
        Agent::Copilot => "preToolUse",
    }
    .to_string()
}

fn decide(args: &HookArgs, input: &str) -> anyhow::Result<(String, Answer)> {
    let call = match hooks::parse(args.agent, input) {
        Ok(Call::Shell(call)) => call,
        Ok(Call::OtherTool) => return Ok((default_event(args.agent), Answer::PassThrough)),
        Err(why) => {
            return Ok((
                default_event(args.agent),
                Answer::Deny(format!(
                    "interlock refused this tool call: {why}. Nothing ran."
                )),
            ));
        }
    };
    let event = call.event.clone();
    let argv = call.argv.clone().unwrap_or_else(|| {
        let flag = if call.shell == "pwsh" {
            "-Command"
        } else {
            "-c"
        };
        vec![
            call.shell.to_string(),
            flag.to_string(),
            call.command.clone(),
        ]
    });
    let cwd = match &call.cwd {
        Some(c) => c.clone(),
        None => std::env::current_dir()
            .context("no cwd in the payload and none here")?
            .to_string_lossy()
            .into_owned(),
    };
    let agent = AiAgent {
        name: args.agent.name().into(),
        session_uid: call.session.clone(),
        tool_call_uid: call.tool_call.clone(),
        stated_purpose: call.purpose.clone(),
    };
    if let Some(socket) = std::env::var_os(SOCKET_ENV) {
        // Under `interlock run`: the supervisor decides, and the human sees its confirmation.
        let request = Request::Check {
            argv: argv.clone(),
            cwd: cwd.clone(),
            agent: Some(agent.clone()),
            env: Vec::new(),
        };
        if let Ok(Response::Verdict {
            decision,
            reason,
            request,
            ..
        }) = client::ask(std::path::Path::new(&socket), &request, None)
        {
            return Ok((
                event,
                if decision == Decision::Allow {
                    Answer::Allow
                } else {
                    Answer::Deny(format!("{reason} (request {request})"))
                },
            ));
        }
    }
    Ok((event, decide_alone(args, argv, cwd, agent)?))
}

/// No supervisor: classify here, log here, and hold with a request id a human approves.
fn decide_alone(
    args: &HookArgs,
    argv: Vec<String>,
    cwd: String,
    agent: AiAgent,
) -> anyhow::Result<Answer> {
    let state_dir = match &args.state_dir {
        Some(d) => d.clone(),
        None => audit::default_state_dir().context(
            "cannot find the state directory: set HOME or XDG_STATE_HOME, or pass --state-dir",
        )?,
    };
    // The process ends after this one decision: leaking the engine spares freeing every rule it
    // decoded, which would only add to the agent's wait.
    let engine: &Engine = Box::leak(Box::new(args.rules.engine_in(Some(cwd.clone()))?));
    let action = Action::Argv(argv.clone());
    let mut verdict = engine.classify(&action);
    // Delete-and-recreate across the agent's calls: the session's history is kept on disk, one
    // process per call.
    let now = jiff::Timestamp::now().as_millisecond();
    let text = call_text(&argv);
    match &agent.session_uid {
        Some(session) => {
            let dir = state_dir.join("sequences");
            if let Err(e) =
                sequence::observe_stored(&dir, engine.rules(), session, now, &text, &mut verdict)
            {
                verdict.decision = verdict.decision.max(Decision::Confirm);
                verdict.reason = format!(
                    "{} (The session's earlier deletes cannot be read from {}: {e}; a recreate cannot be ruled out.)",
                    verdict.reason,
                    dir.display()
                );
            }
        }
        None => Sequences::new().observe(engine.rules(), "", now, &text, &mut verdict),
    }
    let log = AuditLog::new(state_dir.join("audit.jsonl"));
    // A held command's id is derived from what it is and where, so retries are one request.
    let id = if verdict.decision == Decision::Confirm {
        store::request_id_for(&argv, &cwd)
    } else {
        request_id()
    };
    // `runs`: the command may run on this record alone, so it is synced whatever its status.
    let record = |status: Status, approval: Option<Approval>, runs: bool| -> anyhow::Result<()> {
        let mut ev = Event::for_verdict(status, &id, &argv, &cwd, &verdict);
        ev.ai_agent = Some(agent.clone());
        ev.approval = approval;
        if runs {
            log.append_synced(&ev)
        } else {
            log.append(&ev)
        }
        .map(drop)
        .context("the audit log cannot be written, so nothing may run")
    };
    match verdict.decision {
        Decision::Allow => {
            record(Status::AutoAllowed, None, false)?;
            Ok(Answer::Allow)
        }
        Decision::Deny => {
            record(
                Status::Denied,
                Some(Approval {
                    justification: None,
                    approvers: Vec::new(),
                    method: "policy".into(),
                }),
                false,
            )?;
            Ok(Answer::Deny(format!(
                "{} This is never allowed from an agent session.",
                verdict.reason
            )))
        }
        Decision::Confirm => {
            if let Some(approved) = store::take(&state_dir, &argv, &cwd) {
                let approval = approved.approval.clone();
                record(
                    Status::Approved,
                    approval.map(|a| Approval {
                        justification: Some(a.reason),
                        approvers: vec![a.user],
                        method: format!("remote (approval of {})", approved.request),
                    }),
                    true,
                )?;
                return Ok(Answer::Allow);
            }
            // The agent's own prompt asks one human: not enough where several must approve.
            if args.ask == AskMode::Native && args.agent.has_native_ask() && verdict.approvers <= 1
            {
                record(
                    Status::Requested,
                    Some(Approval {
                        justification: None,
                        approvers: Vec::new(),
                        method: format!("{} native prompt", args.agent.name()),
                    }),
                    true,
                )?;
                return Ok(Answer::Ask(verdict.reason.clone()));
            }
            hold(args, &state_dir, &id, &argv, &cwd, &verdict)?;
            record(Status::Requested, None, false)?;
            Ok(Answer::Deny(format!(
                "{} Held by interlock as request {id}: do not work around it. A human must approve it from another terminal with `interlock approve {id} --reason \"...\"`; after that, run the identical command again in the same directory (the approval works once, for {} s).",
                verdict.reason, args.approval_ttl
            )))
        }
    }
}

fn hold(
    args: &HookArgs,
    state_dir: &std::path::Path,
    id: &str,
    argv: &[String],
    cwd: &str,
    verdict: &Verdict,
) -> anyhow::Result<()> {
    let req = StoredRequest {
        request: id.to_string(),
        argv: argv.to_vec(),
        cwd: cwd.to_string(),
        severity: verdict.severity,
        rules: verdict.rules.clone(),
        reason: verdict.reason.clone(),
        agent_pid: std::os::unix::process::parent_id(),
        agent: args.agent.name().to_string(),
        expires: jiff::Timestamp::now().as_millisecond()
            + i64::try_from(args.approval_ttl).unwrap_or(600) * 1000,
        approval: None,
        needed: verdict.approvers,
        // A retry before the quorum is met keeps the approvals already given.
        approvals: store::load(state_dir, id)
            .filter(|earlier| earlier.argv == argv && earlier.cwd == cwd)
            .map(|earlier| earlier.approvals)
            .unwrap_or_default(),
    };
    store::save(state_dir, &req).context("cannot record the held request")
}

/// The command as the agent wrote it: the text of `SHELL -c TEXT`, else the argv.
fn call_text(argv: &[String]) -> String {
    match argv {
        [_, flag, text] if flag == "-c" || flag == "-Command" => text.clone(),
        _ => Action::Argv(argv.to_vec()).text(),
    }
}

fn request_id() -> String {
    let seed = format!(
        "{}:{}",
        jiff::Timestamp::now().as_nanosecond(),
        std::process::id()
    );
    crate::ids::hashed_id("h", &seed, 10)
}
