//! The supervisor: a tokio server on a private unix socket that classifies every command a
//! shim asks about, records each step in the audit log before answering, holds commands that
//! need a human, and takes approvals only from outside the agent's process tree.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::oneshot;

use super::peer;
use super::protocol::{PendingRequest, Request, Response};
use crate::approval::{self, PromptAnswer, PromptRequest};
use crate::audit::{AiAgent, Approval, AuditLog, Event, Status};
use crate::sequence::Sequences;
use crate::{Action, Decision, Engine, Environment, Severity, Verdict};

/// How the supervisor behaves.
#[derive(Debug)]
pub struct Config {
    /// Rules.
    pub engine: Engine,
    /// Where every decision is recorded.
    pub log: AuditLog,
    /// How long a held command waits for an approval before it is refused.
    pub wait: Duration,
    /// How long a request can still be approved after it was refused (the approval then applies,
    /// once, to the same command run again in the same directory).
    pub approval_ttl: Duration,
    /// The agent's pid once started (0 before): its tree may never approve.
    pub agent_pid: Arc<AtomicU32>,
    /// The terminal prompt, when a human sits at the supervisor's terminal.
    pub prompter: Option<std::sync::mpsc::Sender<PromptRequest>>,
    /// The shortest justification accepted at the terminal.
    pub min_justification: usize,
    /// Who may sign approvals from other machines (`ssh-keygen` allowed-signers format).
    pub allowed_signers: Option<std::path::PathBuf>,
    /// Other OS users (uids) who may approve or deny from their own accounts, through the
    /// session's approval socket.
    pub approver_uids: Vec<u32>,
}

/// Which socket a connection came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Door {
    /// The session socket (mode 0700): the agent's shims and tracer, and the session's user.
    Session,
    /// The approval socket (abstract, reachable by every local user): only approvals, denials
    /// and the pending list, only from the session's user or a listed approver.
    Approvals,
}

/// A human's decision.
#[derive(Debug)]
enum Outcome {
    Approved {
        reason: String,
        user: String,
    },
    Denied {
        reason: Option<String>,
        user: String,
    },
}

/// A request a human may still decide.
#[derive(Debug)]
struct Held {
    info: PendingRequest,
    verdict: Verdict,
    until: Instant,
    waiter: Option<oneshot::Sender<Outcome>>,
    /// Distinct approvers so far, with their reasons.
    approvals: Vec<(String, String)>,
}

/// An approval that arrived after its request was refused: it lets the same argv in the same
/// directory run once, before it expires.
#[derive(Debug, Clone)]
struct Grant {
    request: String,
    argv: Vec<String>,
    cwd: String,
    reason: String,
    user: String,
    until: Instant,
}

/// An approved command, remembered until its exit status is reported.
#[derive(Debug)]
struct Running {
    argv: Vec<String>,
    cwd: String,
    verdict: Verdict,
}

#[derive(Debug)]
struct Shared {
    config: Config,
    held: Mutex<HashMap<String, Held>>,
    /// Approved requests whose exit status is still to come.
    running: Mutex<HashMap<String, Running>>,
    grants: Mutex<Vec<Grant>>,
    counter: AtomicU64,
    /// What this session deleted so far, to see it recreated.
    sequences: Mutex<Sequences>,
}

/// Serves `listener` (the session socket) and, when given, `approvals` (the approval socket
/// other OS users reach) until the process ends.
pub async fn serve(listener: UnixListener, approvals: Option<UnixListener>, config: Config) {
    let shared = Arc::new(Shared {
        config,
        held: Mutex::new(HashMap::new()),
        running: Mutex::new(HashMap::new()),
        grants: Mutex::new(Vec::new()),
        counter: AtomicU64::new(0),
        sequences: Mutex::new(Sequences::new()),
    });
    if let Some(approvals) = approvals {
        tokio::spawn(accept(approvals, Door::Approvals, Arc::clone(&shared)));
    }
    accept(listener, Door::Session, shared).await;
}

async fn accept(listener: UnixListener, door: Door, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let _ = connection(stream, door, shared).await;
        });
    }
}

/// Why a request on the approval socket is refused, if it is: only the session's own user and
/// the listed approvers may use it, and only to approve, deny or list.
fn refused_at_approval_door(
    request: &Request,
    peer_uid: Option<u32>,
    config: &Config,
) -> Option<String> {
    if !matches!(
        request,
        Request::Approve { .. } | Request::Deny { .. } | Request::Pending
    ) {
        return Some(
            "refused: the approval socket takes approvals, denials and the pending list only"
                .into(),
        );
    }
    let own = nix::unistd::geteuid().as_raw();
    match peer_uid {
        Some(uid) if uid == own || config.approver_uids.contains(&uid) => None,
        Some(uid) => Some(format!(
            "refused: uid {uid} is not an approver of this session (the session's user lists approvers with `interlock run --approver USER`)"
        )),
        None => Some("refused: the approval socket cannot tell who is asking".into()),
    }
}

async fn connection(stream: UnixStream, door: Door, shared: Arc<Shared>) -> std::io::Result<()> {
    let cred = stream.peer_cred().ok();
    let peer_pid = cred
        .and_then(|c| c.pid())
        .and_then(|p| u32::try_from(p).ok());
    let peer_uid = cred.map(|c| c.uid());
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read).read_line(&mut line).await?;
    let response = match serde_json::from_str::<Request>(&line) {
        Ok(request) => match (door == Door::Approvals)
            .then(|| refused_at_approval_door(&request, peer_uid, &shared.config))
            .flatten()
        {
            Some(message) => Response::Error { message },
            None => handle(request, peer_pid, peer_uid, &shared).await,
        },
        Err(e) => Response::Error {
            message: format!("unreadable request: {e}"),
        },
    };
    let mut out = serde_json::to_string(&response)
        .unwrap_or_else(|_| "{\"kind\":\"error\",\"message\":\"internal\"}".into());
    out.push('\n');
    write.write_all(out.as_bytes()).await
}

async fn handle(
    request: Request,
    peer_pid: Option<u32>,
    peer_uid: Option<u32>,
    shared: &Arc<Shared>,
) -> Response {
    match request {
        Request::Check {
            argv,
            cwd,
            agent,
            env,
        } => check(argv, cwd, agent, env, shared).await,
        Request::Exited { request, code } => {
            let ev = event_for(shared, &request, Status::Exited, Some(code));
            match append(shared, ev).await {
                Ok(()) => Response::Done {
                    message: "recorded".into(),
                },
                Err(e) => Response::Error { message: e },
            }
        }
        Request::Pending => Response::Pending {
            requests: pending(shared),
        },
        Request::Approve {
            request,
            reason,
            user,
            signature,
        } => {
            let who = match approver(shared, peer_uid, &request, &reason, signature, user).await {
                Ok(who) => who,
                Err(message) => return Response::Error { message },
            };
            decide(
                shared,
                peer_pid,
                request,
                Outcome::Approved { reason, user: who },
            )
            .await
        }
        Request::Deny {
            request,
            reason,
            user,
        } => decide(shared, peer_pid, request, Outcome::Denied { reason, user }).await,
    }
}

/// Who approves: the principal whose SSH key signed the approval (checked against the session's
/// allowed signers), else the OS user the connection comes from (peer credentials, not the name
/// the client sends), else that name.
async fn approver(
    shared: &Arc<Shared>,
    peer_uid: Option<u32>,
    request: &str,
    reason: &str,
    signature: Option<String>,
    claimed: String,
) -> Result<String, String> {
    if let Some(signature) = signature {
        let Some(allowed) = shared.config.allowed_signers.clone() else {
            return Err("refused: this session takes no signed approvals (start it with --allowed-signers FILE)".into());
        };
        let message = approval::signature::message(request, reason);
        return tokio::task::spawn_blocking(move || {
            approval::signature::signer(&allowed, &message, &signature)
        })
        .await
        .map_err(|e| format!("cannot check the signature: {e}"))?
        .map(|principal| format!("{principal} (ssh signature)"))
        .map_err(|e| format!("refused: {e}"));
    }
    Ok(peer_uid
        .and_then(|uid| {
            nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
                .ok()
                .flatten()
        })
        .map(|u| u.name)
        .unwrap_or(claimed))
}

fn new_request_id(shared: &Shared) -> String {
    let n = shared.counter.fetch_add(1, Ordering::Relaxed);
    let seed = format!(
        "{}:{}:{n}",
        jiff::Timestamp::now().as_nanosecond(),
        std::process::id()
    );
    crate::ids::hashed_id("r", &seed, 10)
}

fn event(status: Status, request: &str, argv: &[String], cwd: &str, verdict: &Verdict) -> Event {
    Event::for_verdict(status, request, argv, cwd, verdict)
}

/// An event for the request at hand, carrying the asking agent when known.
fn tagged(
    status: Status,
    request: &str,
    argv: &[String],
    cwd: &str,
    verdict: &Verdict,
    agent: &Option<AiAgent>,
) -> Event {
    let mut ev = event(status, request, argv, cwd, verdict);
    ev.ai_agent = agent.clone();
    ev
}

/// The event for a later step of a request whose verdict is no longer at hand.
fn event_for(shared: &Shared, request: &str, status: Status, code: Option<i32>) -> Event {
    let known = shared
        .running
        .lock()
        .ok()
        .and_then(|mut r| r.remove(request));
    let mut ev = match known {
        Some(r) => event(status, request, &r.argv, &r.cwd, &r.verdict),
        None => Event::new(
            status,
            request,
            &[],
            "",
            Decision::Allow,
            Severity::Info,
            &[],
            "(unknown request)",
        ),
    };
    ev.exit_code = code;
    ev
}

/// Remembers an approved request until its exit status arrives.
fn running(shared: &Shared, id: &str, argv: &[String], cwd: &str, verdict: &Verdict) {
    if let Ok(mut r) = shared.running.lock() {
        r.insert(
            id.to_string(),
            Running {
                argv: argv.to_vec(),
                cwd: cwd.to_string(),
                verdict: verdict.clone(),
            },
        );
    }
}

async fn append(shared: &Arc<Shared>, ev: Event) -> Result<(), String> {
    let log = shared.config.log.clone();
    tokio::task::spawn_blocking(move || log.append(&ev).map(drop).map_err(|e| e.to_string()))
        .await
        .unwrap_or_else(|e| Err(format!("the audit writer failed: {e}")))
}

fn verdict_response(
    v: &Verdict,
    decision: Decision,
    request: &str,
    reason: String,
    approved: bool,
) -> Response {
    Response::Verdict {
        decision,
        request: request.to_string(),
        severity: v.severity,
        rules: v.rules.clone(),
        reason,
        approved,
    }
}

/// The answer when a record cannot be written: the command does not run (fail closed).
fn unlogged(v: &Verdict, request: &str, error: &str) -> Response {
    verdict_response(
        v,
        Decision::Deny,
        request,
        format!("Refused because the audit log cannot be written: {error}"),
        false,
    )
}

/// Writes the approval record `ev` and lets the command run with `reason`, or refuses it when
/// the record cannot be written.
async fn allow_approved(
    shared: &Arc<Shared>,
    ev: Event,
    v: &Verdict,
    request: &str,
    reason: String,
) -> Response {
    match append(shared, ev).await {
        Ok(()) => verdict_response(v, Decision::Allow, request, reason, true),
        Err(e) => unlogged(v, request, &e),
    }
}

async fn check(
    argv: Vec<String>,
    cwd: String,
    agent: Option<AiAgent>,
    vars: Vec<(String, String)>,
    shared: &Arc<Shared>,
) -> Response {
    let env = Environment::detect(Some(cwd.clone()), None);
    let action = Action::Argv(argv.clone());
    // Only the variables that select an environment are taken from the requester.
    let vars: Vec<(String, String)> = vars
        .into_iter()
        .filter(|(k, _)| crate::tiers::SELECTING_VARIABLES.contains(&k.as_str()))
        .collect();
    let mut verdict = shared.config.engine.classify_exec(&argv, vars, &env);
    if crate::plans::wants_preview(&verdict) {
        // The preview runs the tool: off the server's thread.
        let dir = cwd.clone();
        let mut held = verdict.clone();
        verdict = tokio::task::spawn_blocking(move || {
            crate::plans::apply(&mut held, &dir);
            held
        })
        .await
        .unwrap_or(verdict);
    }
    if let Ok(mut sequences) = shared.sequences.lock() {
        let now = jiff::Timestamp::now().as_millisecond();
        sequences.observe(
            shared.config.engine.rules(),
            "session",
            now,
            &action.text(),
            &mut verdict,
        );
    }
    let id = new_request_id(shared);
    match verdict.decision {
        Decision::Allow => match append(
            shared,
            tagged(Status::AutoAllowed, &id, &argv, &cwd, &verdict, &agent),
        )
        .await
        {
            Ok(()) => verdict_response(
                &verdict,
                Decision::Allow,
                &id,
                verdict.reason.clone(),
                false,
            ),
            Err(e) => unlogged(&verdict, &id, &e),
        },
        Decision::Deny => {
            let mut ev = tagged(Status::Denied, &id, &argv, &cwd, &verdict, &agent);
            ev.approval = Some(Approval {
                justification: None,
                approvers: Vec::new(),
                method: "policy".into(),
            });
            let _ = append(shared, ev).await;
            verdict_response(&verdict, Decision::Deny, &id, verdict.reason.clone(), false)
        }
        Decision::Confirm => confirm(argv, cwd, verdict, id, agent, shared).await,
    }
}

async fn confirm(
    argv: Vec<String>,
    cwd: String,
    verdict: Verdict,
    id: String,
    agent: Option<AiAgent>,
    shared: &Arc<Shared>,
) -> Response {
    // An approval given after an earlier identical request was refused lets this one run once;
    // so does an approval that covered every part of this command that needs a human (a
    // command approved through an agent's hook, now run inside the agent's own shell wrapper).
    let grant = shared.grants.lock().ok().and_then(|mut grants| {
        let now = Instant::now();
        grants.retain(|g| g.until > now);
        if let Some(at) = grants.iter().position(|g| g.argv == argv && g.cwd == cwd) {
            return Some(grants.remove(at));
        }
        take_covering(&mut grants, &verdict, &argv, &cwd)
    });
    if let Some(g) = grant {
        running(shared, &id, &argv, &cwd, &verdict);
        let mut ev = tagged(Status::Approved, &id, &argv, &cwd, &verdict, &agent);
        ev.approval = Some(Approval {
            justification: Some(g.reason.clone()),
            approvers: vec![g.user.clone()],
            method: format!("remote (approval of {})", g.request),
        });
        let reason = format!("Approved by {}: {}", g.user, g.reason);
        return allow_approved(shared, ev, &verdict, &id, reason).await;
    }
    if let Err(e) = append(
        shared,
        tagged(Status::Requested, &id, &argv, &cwd, &verdict, &agent),
    )
    .await
    {
        return unlogged(&verdict, &id, &e);
    }
    // A command that needs several approvers: the human at the terminal is one of them at most.
    let mut initial: Vec<(String, String)> = Vec::new();
    if let Some(answer) = ask_terminal(shared, &id, &argv, &cwd, &verdict).await {
        if let PromptAnswer::Approved {
            justification,
            method,
        } = &answer
            && verdict.approvers > 1
        {
            let reason = justification
                .clone()
                .unwrap_or_else(|| "confirmed at the terminal".into());
            let mut ev = tagged(Status::Requested, &id, &argv, &cwd, &verdict, &agent);
            ev.approval = Some(Approval {
                justification: justification.clone(),
                approvers: vec![terminal_user()],
                method: format!("{method}: approver 1 of {}", verdict.approvers),
            });
            if let Err(e) = append(shared, ev).await {
                return unlogged(&verdict, &id, &e);
            }
            initial.push((terminal_user(), reason));
        } else {
            return match answer {
                PromptAnswer::Approved {
                    justification,
                    method,
                } => {
                    let reason = justification
                        .clone()
                        .unwrap_or_else(|| "confirmed at the terminal".into());
                    grant_inner(
                        shared,
                        &id,
                        &argv,
                        &cwd,
                        &verdict,
                        &reason,
                        &terminal_user(),
                    );
                    running(shared, &id, &argv, &cwd, &verdict);
                    let mut ev = tagged(Status::Approved, &id, &argv, &cwd, &verdict, &agent);
                    ev.approval = Some(Approval {
                        justification,
                        approvers: vec![terminal_user()],
                        method,
                    });
                    let reason = format!("Approved at the terminal: {reason}");
                    allow_approved(shared, ev, &verdict, &id, reason).await
                }
                PromptAnswer::Refused { why } => {
                    let mut ev = tagged(Status::Denied, &id, &argv, &cwd, &verdict, &agent);
                    ev.approval = Some(Approval {
                        justification: Some(why.clone()),
                        approvers: vec![terminal_user()],
                        method: "tty".into(),
                    });
                    let _ = append(shared, ev).await;
                    verdict_response(
                        &verdict,
                        Decision::Deny,
                        &id,
                        format!("Refused at the terminal ({why})."),
                        false,
                    )
                }
            };
        }
    }
    let (tx, rx) = oneshot::channel();
    let ttl = shared.config.approval_ttl;
    let info = PendingRequest {
        request: id.clone(),
        argv: argv.clone(),
        cwd: cwd.clone(),
        severity: verdict.severity,
        rules: verdict.rules.clone(),
        reason: verdict.reason.clone(),
        expires_in: ttl.as_secs(),
    };
    if let Ok(mut held) = shared.held.lock() {
        held.insert(
            id.clone(),
            Held {
                info,
                verdict: verdict.clone(),
                until: Instant::now() + ttl,
                waiter: Some(tx),
                approvals: initial,
            },
        );
    }
    let outcome = tokio::time::timeout(shared.config.wait, rx).await;
    match outcome {
        Ok(Ok(Outcome::Approved { reason, user })) => {
            remove_held(shared, &id);
            grant_inner(shared, &id, &argv, &cwd, &verdict, &reason, &user);
            running(shared, &id, &argv, &cwd, &verdict);
            let mut ev = tagged(Status::Approved, &id, &argv, &cwd, &verdict, &agent);
            ev.approval = Some(Approval {
                justification: Some(reason.clone()),
                approvers: vec![user.clone()],
                method: "remote".into(),
            });
            let reason = format!("Approved by {user}: {reason}");
            allow_approved(shared, ev, &verdict, &id, reason).await
        }
        Ok(Ok(Outcome::Denied { reason, user })) => {
            remove_held(shared, &id);
            let mut ev = tagged(Status::Denied, &id, &argv, &cwd, &verdict, &agent);
            ev.approval = Some(Approval {
                justification: reason.clone(),
                approvers: vec![user.clone()],
                method: "remote".into(),
            });
            let _ = append(shared, ev).await;
            verdict_response(
                &verdict,
                Decision::Deny,
                &id,
                format!(
                    "Refused by {user}{}",
                    reason.map(|r| format!(": {r}")).unwrap_or_default()
                ),
                false,
            )
        }
        Ok(Err(_)) | Err(_) => {
            // Keep the request approvable for a while; the waiter is gone.
            if let Ok(mut held) = shared.held.lock()
                && let Some(h) = held.get_mut(&id)
            {
                h.waiter = None;
            }
            let mut ev = tagged(Status::Expired, &id, &argv, &cwd, &verdict, &agent);
            ev.approval = Some(Approval {
                justification: None,
                approvers: Vec::new(),
                method: "timeout".into(),
            });
            let _ = append(shared, ev).await;
            let reason = format!(
                "{} Needs a human: from outside the agent's session run `interlock approve {id} --reason \"...\"`, then run the command again (the approval is valid for {} s, once).",
                verdict.reason,
                ttl.as_secs()
            );
            verdict_response(&verdict, Decision::Confirm, &id, reason, false)
        }
    }
}

/// An approved command's nested commands (`sh -c 'aws ...'` runs `aws ...`) reach their own
/// shims: each exact argv the approval covered may run once, in the directory it was judged in.
fn grant_inner(
    shared: &Shared,
    id: &str,
    argv: &[String],
    cwd: &str,
    verdict: &Verdict,
    reason: &str,
    user: &str,
) {
    let until = Instant::now() + shared.config.approval_ttl;
    let Ok(mut grants) = shared.grants.lock() else {
        return;
    };
    for inv in verdict
        .invocations
        .iter()
        .filter(|inv| inv.argv() != argv && !inv.remote)
    {
        grants.push(Grant {
            request: id.to_string(),
            argv: inv.argv(),
            cwd: inv.cwd.clone().unwrap_or_else(|| cwd.to_string()),
            reason: reason.to_string(),
            user: user.to_string(),
            until,
        });
    }
}

/// Puts a request that is still waiting back where approvals find it.
fn put_back(shared: &Shared, id: String, held: Held) {
    if let Ok(mut all) = shared.held.lock() {
        all.insert(id, held);
    }
}

/// Takes the grants that cover every invocation of `verdict` that needs a human (other than
/// the whole command), if there are such invocations and each has a grant in its directory.
fn take_covering(
    grants: &mut Vec<Grant>,
    verdict: &Verdict,
    argv: &[String],
    cwd: &str,
) -> Option<Grant> {
    let mut needed: Vec<(Vec<String>, String)> = Vec::new();
    for m in verdict
        .matches
        .iter()
        .filter(|m| m.decision >= Decision::Confirm)
    {
        // A reason about the whole line (unparseable, too deep) is covered by nothing.
        let inv = verdict.invocations.get(m.invocation?)?;
        let key = (
            inv.argv(),
            inv.cwd.clone().unwrap_or_else(|| cwd.to_string()),
        );
        if key.0 == argv || inv.remote {
            return None;
        }
        if !needed.contains(&key) {
            needed.push(key);
        }
    }
    let positions: Vec<usize> = needed
        .iter()
        .map(|(a, c)| grants.iter().position(|g| &g.argv == a && &g.cwd == c))
        .collect::<Option<_>>()?;
    let first = positions.first().copied()?;
    let covering = grants[first].clone();
    let mut taken = positions;
    taken.sort_unstable();
    taken.dedup();
    for at in taken.into_iter().rev() {
        grants.remove(at);
    }
    Some(covering)
}

/// The user at the supervisor's terminal.
fn terminal_user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| format!("uid {}", nix::unistd::getuid()))
}

/// Puts the request in front of the human at the terminal, if there is one; `None` when there
/// is no terminal prompt (or it went away).
async fn ask_terminal(
    shared: &Arc<Shared>,
    id: &str,
    argv: &[String],
    cwd: &str,
    verdict: &Verdict,
) -> Option<PromptAnswer> {
    let prompter = shared.config.prompter.as_ref()?;
    let (tx, rx) = oneshot::channel();
    let request = PromptRequest {
        request: id.to_string(),
        argv: argv.to_vec(),
        cwd: cwd.to_string(),
        severity: verdict.severity,
        rules: verdict.rules.clone(),
        reason: verdict.reason.clone(),
        target: approval::target_name(&shared.config.engine, verdict),
        min_justification: shared.config.min_justification,
        reply: tx,
    };
    prompter.send(request).ok()?;
    rx.await.ok()
}

fn remove_held(shared: &Shared, id: &str) {
    if let Ok(mut held) = shared.held.lock() {
        held.remove(id);
    }
}

fn pending(shared: &Shared) -> Vec<PendingRequest> {
    let now = Instant::now();
    let Ok(mut held) = shared.held.lock() else {
        return Vec::new();
    };
    held.retain(|_, h| h.until > now);
    let mut out: Vec<PendingRequest> = held
        .values()
        .map(|h| {
            let mut info = h.info.clone();
            info.expires_in = h.until.saturating_duration_since(now).as_secs();
            info
        })
        .collect();
    out.sort_by(|a, b| b.expires_in.cmp(&a.expires_in).reverse());
    out
}

async fn decide(
    shared: &Arc<Shared>,
    peer_pid: Option<u32>,
    id: String,
    outcome: Outcome,
) -> Response {
    let agent = shared.config.agent_pid.load(Ordering::SeqCst);
    let inside = match peer_pid {
        None => true,
        Some(pid) => agent != 0 && peer::descends_from(pid, agent),
    };
    if inside {
        return Response::Error { message: "refused: approvals and denials cannot come from inside the agent's own process tree; run `interlock approve` from another terminal".into() };
    }
    let Some(mut held) = shared.held.lock().ok().and_then(|mut h| {
        let now = Instant::now();
        h.retain(|_, x| x.until > now);
        h.remove(&id)
    }) else {
        return Response::Error {
            message: format!(
                "no request {id} is waiting (it was decided, expired, or never existed); see `interlock pending`"
            ),
        };
    };
    let mut outcome = outcome;
    if let Outcome::Approved { reason, user } = &outcome
        && held.verdict.approvers > 1
    {
        let needed = usize::from(held.verdict.approvers);
        if held.approvals.iter().any(|(who, _)| who == user) {
            let message = format!(
                "refused: {user} has already approved {id}; it needs {needed} different approvers"
            );
            put_back(shared, id, held);
            return Response::Error { message };
        }
        held.approvals.push((user.clone(), reason.clone()));
        let count = held.approvals.len();
        if count < needed {
            let mut ev = event(
                Status::Requested,
                &id,
                &held.info.argv,
                &held.info.cwd,
                &held.verdict,
            );
            ev.approval = Some(Approval {
                justification: Some(reason.clone()),
                approvers: vec![user.clone()],
                method: format!("remote: approver {count} of {needed}"),
            });
            if let Err(e) = append(shared, ev).await {
                held.approvals.pop();
                put_back(shared, id, held);
                return Response::Error {
                    message: format!("not approved: the audit log cannot be written: {e}"),
                };
            }
            let message = format!(
                "{id}: approved by {user} ({count} of {needed}); it runs when {} more approve",
                needed - count
            );
            put_back(shared, id, held);
            return Response::Done { message };
        }
        let users: Vec<&str> = held.approvals.iter().map(|(w, _)| w.as_str()).collect();
        let reasons: Vec<String> = held
            .approvals
            .iter()
            .map(|(w, r)| format!("{w}: {r}"))
            .collect();
        outcome = Outcome::Approved {
            reason: reasons.join("; "),
            user: users.join(", "),
        };
    }
    match held.waiter {
        Some(tx) => {
            let what = match &outcome {
                Outcome::Approved { .. } => "approved",
                Outcome::Denied { .. } => "refused",
            };
            if tx.send(outcome).is_err() {
                return Response::Error {
                    message: format!("request {id} is no longer waiting"),
                };
            }
            Response::Done {
                message: format!("{id} {what}"),
            }
        }
        None => match outcome {
            Outcome::Approved { reason, user } => {
                let mut ev = event(
                    Status::Approved,
                    &id,
                    &held.info.argv,
                    &held.info.cwd,
                    &held.verdict,
                );
                ev.approval = Some(Approval {
                    justification: Some(reason.clone()),
                    approvers: vec![user.clone()],
                    method: "remote".into(),
                });
                if let Err(e) = append(shared, ev).await {
                    return Response::Error {
                        message: format!("not approved: the audit log cannot be written: {e}"),
                    };
                }
                if let Ok(mut grants) = shared.grants.lock() {
                    grants.push(Grant {
                        request: id.clone(),
                        argv: held.info.argv.clone(),
                        cwd: held.info.cwd.clone(),
                        reason: reason.clone(),
                        user: user.clone(),
                        until: held.until,
                    });
                }
                grant_inner(
                    shared,
                    &id,
                    &held.info.argv,
                    &held.info.cwd,
                    &held.verdict,
                    &reason,
                    &user,
                );
                Response::Done {
                    message: format!(
                        "{id} approved: the same command may now run once in the same directory"
                    ),
                }
            }
            Outcome::Denied { reason, user } => {
                let mut ev = event(
                    Status::Denied,
                    &id,
                    &held.info.argv,
                    &held.info.cwd,
                    &held.verdict,
                );
                ev.approval = Some(Approval {
                    justification: reason,
                    approvers: vec![user],
                    method: "remote".into(),
                });
                let _ = append(shared, ev).await;
                Response::Done {
                    message: format!("{id} refused"),
                }
            }
        },
    }
}
