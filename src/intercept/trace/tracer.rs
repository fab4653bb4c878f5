//! The tracer: one thread that owns every ptrace stop of the agent's tree.
//!
//! At each exec attempt (a seccomp stop) it reads the path and argv, recognises the program,
//! classifies the invocation and lets it continue, fails it with `EPERM`, or keeps the thread
//! stopped while the supervisor asks a human (on a worker thread, so every other process and
//! thread of the agent keeps running). After each exec that succeeded (`PTRACE_EVENT_EXEC`: the
//! new image is loaded and has not run an instruction) it compares what started — the file behind
//! `/proc/PID/exe` and the new argv — with what was decided; a mismatch, or an exec nobody
//! checked, is killed and logged. That post-exec check is the enforcement: the pre-exec read can
//! be raced by another thread rewriting the path or argv.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::mpsc::{Sender, channel};

use nix::errno::Errno;
use nix::sys::ptrace;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

use super::identity::{self, FileId, Guarded};
use super::memory::{self, Stopped};
use super::tracee::{base_name, deny, listen, resume, started_argv, target_path, tell};
use crate::audit::{AuditLog, Event, Status};
use crate::intercept::shim;
use crate::supervisor::client;
use crate::supervisor::protocol::{Request, Response};
use crate::{Action, Decision, Engine, Environment, Severity, Verdict};

/// What the tracer needs from the session.
#[derive(Debug)]
pub struct Setup {
    /// Rules, for the decision at each exec.
    pub engine: Engine,
    /// The supervisor's socket: commands that need a human, and guarded programs (whose every
    /// run is logged), are decided there.
    pub socket: PathBuf,
    /// The audit log, for execs killed by the post-exec check.
    pub log: AuditLog,
    /// The guarded programs on the agent's PATH.
    pub guarded: Guarded,
    /// The working tree given with `--workspace`, if any.
    pub workspace: Option<String>,
    /// Told each time the agent itself is stopped by job control (the terminal proxy then
    /// hands the terminal back); `None` without a terminal.
    pub stops: Option<Sender<()>>,
    /// More paths the agent may not touch (the session's state directory and rulesets when
    /// they are not in their usual places): commands naming them are judged as touching
    /// interlock itself.
    pub guard_paths: Vec<String>,
}

/// The supervisor's answer for a held exec.
struct Decided {
    tid: Pid,
    answer: Answer,
}

/// The supervisor's answer.
#[derive(Debug)]
enum Answer {
    /// Run it; `Some(request)` when a human approved it (its exit status is reported).
    Allow(Option<String>),
    /// Refuse it, telling the agent this.
    Refuse(String),
}

/// An exec let through at its entry, to be compared with what actually started.
#[derive(Debug, Clone)]
struct Expected {
    file: FileId,
    argv: Vec<Vec<u8>>,
    script: bool,
}

/// An exec waiting for the supervisor.
#[derive(Debug)]
struct Held {
    expected: Expected,
    attempt: Attempt,
    /// The invocations inside the command that made it need a human (`aws ...` in
    /// `sh -c "aws ..."`): once it is approved, they run in its process tree without asking
    /// again.
    covers: Vec<Vec<String>>,
}

/// An approved command still running: the invocations its approval covers, for the processes
/// it starts.
#[derive(Debug)]
struct Scope {
    /// The process running the approved command.
    owner: Pid,
    /// Program name and arguments of each covered invocation.
    covers: Vec<Vec<String>>,
}

/// An exec already found harmless (allowed, not logged, no privileges to lose): the file (device,
/// inode, mode), the program name, the working directory and the argv. The same exec again
/// (a build running the compiler a thousand times) skips classification.
type Harmless = (
    FileId,
    u32,
    String,
    String,
    Vec<Vec<u8>>,
    Vec<(String, String)>,
);

/// Most harmless execs remembered; the set starts over when full.
const MAX_HARMLESS: usize = 4096;

/// A program and its arguments: a refusal applies to the same attempt again (a shell walking
/// the rest of PATH), without asking twice.
type Attempt = (String, Vec<String>);

/// The tracing loop's state; it lives on the thread that attached.
pub(super) struct Tracer {
    root: Pid,
    setup: Setup,
    envs: HashMap<String, Environment>,
    pending: HashMap<Pid, Expected>,
    held: HashMap<Pid, Held>,
    refused: HashMap<Pid, Attempt>,
    /// Processes running an approved command: the supervisor hears how they end.
    approved: HashMap<Pid, String>,
    /// What approved commands cover in their process trees.
    scopes: Vec<Scope>,
    /// The parent of each tracee that was started under the tracer.
    parents: HashMap<Pid, Pid>,
    /// Tracees past their first stop: a later stop with a stop signal is job control.
    running: std::collections::HashSet<Pid>,
    /// Execs found harmless before.
    harmless: std::collections::HashSet<Harmless>,
    /// Whether each file seen is a `#!` script, by identity, size and modification time.
    scripts: HashMap<(FileId, u64, i64, i64), bool>,
    tx: Sender<Decided>,
    rx: std::sync::mpsc::Receiver<Decided>,
}

impl Tracer {
    /// A tracer for the agent `root`.
    pub(super) fn new(root: Pid, setup: Setup) -> Tracer {
        let (tx, rx) = channel();
        Tracer {
            root,
            setup,
            envs: HashMap::new(),
            pending: HashMap::new(),
            held: HashMap::new(),
            refused: HashMap::new(),
            approved: HashMap::new(),
            scopes: Vec::new(),
            parents: HashMap::new(),
            running: std::collections::HashSet::new(),
            harmless: std::collections::HashSet::new(),
            scripts: HashMap::new(),
            tx,
            rx,
        }
    }

    /// Serves every stop of the agent's tree until the agent exits; returns its status.
    pub(super) fn run(mut self) -> anyhow::Result<ExitStatus> {
        let mut spin = super::spin::Spin::new();
        loop {
            while let Ok(Decided { tid, answer }) = self.rx.try_recv() {
                self.on_decided(tid, answer);
            }
            // Right after a stop, while a CPU is idle, poll for the next one (see spin). Then,
            // with nothing held (nearly always), block in the kernel until the next stop, with no
            // thread between the tracee and this loop. While the supervisor decides a held exec,
            // alternate between stops that are ready and its answer.
            // Only this thread's children and tracees: processes other threads of the
            // supervisor start (a plan preview, ssh-keygen) are theirs to reap.
            let spinning = spin.polling();
            let mut flags = WaitPidFlag::__WALL | WaitPidFlag::__WNOTHREAD;
            if spinning || !self.held.is_empty() {
                flags |= WaitPidFlag::WNOHANG;
            }
            match waitpid(None::<Pid>, Some(flags)) {
                Ok(WaitStatus::StillAlive) if spinning => std::hint::spin_loop(),
                Ok(WaitStatus::StillAlive) => {
                    if let Ok(Decided { tid, answer }) =
                        self.rx.recv_timeout(std::time::Duration::from_millis(2))
                    {
                        self.on_decided(tid, answer);
                    }
                }
                Ok(status) => {
                    spin.stopped();
                    if let Some(done) = self.on_wait(status) {
                        return Ok(done);
                    }
                }
                Err(Errno::EINTR) => {}
                Err(e) => anyhow::bail!("lost track of the agent: {e}"),
            }
        }
    }

    /// Handles one stop or exit; the agent's own exit status ends the session.
    fn on_wait(&mut self, status: WaitStatus) -> Option<ExitStatus> {
        match status {
            WaitStatus::Exited(pid, code) => {
                self.ended(pid, code);
                (pid == self.root).then(|| ExitStatus::from_raw((code & 0xff) << 8))
            }
            WaitStatus::Signaled(pid, signal, _) => {
                self.ended(pid, 128 + signal as i32);
                (pid == self.root).then(|| ExitStatus::from_raw(signal as i32))
            }
            WaitStatus::PtraceEvent(tid, _, nix::libc::PTRACE_EVENT_SECCOMP) => {
                self.on_exec_attempt(tid);
                None
            }
            WaitStatus::PtraceEvent(pid, _, nix::libc::PTRACE_EVENT_EXEC) => {
                self.on_exec_done(pid);
                None
            }
            // A fork or clone: the child is attached by the kernel; remember whose it is.
            WaitStatus::PtraceEvent(
                tid,
                _,
                nix::libc::PTRACE_EVENT_FORK
                | nix::libc::PTRACE_EVENT_VFORK
                | nix::libc::PTRACE_EVENT_CLONE,
            ) => {
                // Lineage matters only to approved commands' scopes: recorded while one exists
                // (the kernel's parent answers for processes forked before).
                if !self.scopes.is_empty()
                    && let Some(child) = ptrace::getevent(tid)
                        .ok()
                        .and_then(|c| i32::try_from(c).ok())
                {
                    self.parents.insert(Pid::from_raw(child), tid);
                }
                resume(tid, None);
                None
            }
            // A job-control stop (Ctrl-Z, SIGSTOP) of a running tracee: it stays stopped until
            // SIGCONT, as it would without the tracer; the agent's own stop is reported.
            WaitStatus::PtraceEvent(
                tid,
                Signal::SIGSTOP | Signal::SIGTSTP | Signal::SIGTTIN | Signal::SIGTTOU,
                nix::libc::PTRACE_EVENT_STOP,
            ) if self.running.contains(&tid) => {
                listen(tid);
                if tid == self.root
                    && let Some(stops) = &self.setup.stops
                {
                    let _ = stops.send(());
                }
                None
            }
            // A new tracee's first stop (the agent's own, after attaching, included), and other
            // events: let it run on.
            WaitStatus::PtraceEvent(tid, _, _) => {
                self.running.insert(tid);
                resume(tid, None);
                None
            }
            // A signal on its way to the tracee: deliver it.
            WaitStatus::Stopped(tid, signal) => {
                resume(tid, Some(signal));
                None
            }
            _ => None,
        }
    }

    /// A tracee ended with `code` (128 + signal for a signal).
    fn ended(&mut self, pid: Pid, code: i32) {
        self.pending.remove(&pid);
        self.held.remove(&pid);
        self.refused.remove(&pid);
        self.parents.remove(&pid);
        self.running.remove(&pid);
        self.scopes.retain(|s| s.owner != pid);
        if let Some(request) = self.approved.remove(&pid) {
            // Reported before the next stop is served: rare (a human approved the command), and
            // the record must be written before the session can end.
            let _ = client::ask(
                &self.setup.socket,
                &Request::Exited { request, code },
                Some(std::time::Duration::from_secs(30)),
            );
        }
    }

    fn on_exec_attempt(&mut self, tid: Pid) {
        let call = match memory::stopped_call(tid) {
            Ok(Stopped::Exec(call)) => call,
            // A stop for another call, from a filter the agent installed: not ours to judge.
            Ok(Stopped::Other) => return resume(tid, None),
            Ok(Stopped::ForeignExec) => {
                return self.refuse(tid, "refused an exec through the x32 system call ABI");
            }
            Ok(Stopped::MemoryWrite) => {
                return self.refuse(
                    tid,
                    "refused writing into another process's memory (process_vm_writev): it could change a command after it was checked",
                );
            }
            Ok(Stopped::NotifyFilter) => {
                return self.refuse(
                    tid,
                    "refused a seccomp filter with a notification listener: a nested sandbox cannot take over deciding execs",
                );
            }
            Err(Errno::ESRCH) => return,
            Err(e) => {
                return self.refuse(
                    tid,
                    &format!("refused an exec whose arguments could not be read ({e})"),
                );
            }
        };
        let target = target_path(tid, &call);
        // A target that does not exist or is no regular file fails in the kernel too (a shell
        // or execvp trying each PATH directory): no question to ask. Should it appear in the
        // meantime, the post-exec check finds an exec nobody checked.
        let meta = match std::fs::metadata(&target) {
            Ok(meta) if meta.is_file() => meta,
            _ => return resume(tid, None),
        };
        let name = self
            .setup
            .guarded
            .identify(&target, &meta)
            .unwrap_or_else(|| base_name(&call.path, &target));
        let args: Vec<String> = call
            .argv
            .iter()
            .skip(1)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let attempt: Attempt = (name.clone(), args.clone());
        if self.refused.get(&tid) == Some(&attempt) {
            // The same command again, further along PATH: refused again, not asked again.
            return deny(tid);
        }
        let cwd = std::fs::read_link(format!("/proc/{tid}/cwd"))
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "/".into());
        let file = (meta.dev(), meta.ino());
        let script = *self
            .scripts
            .entry((file, meta.len(), meta.mtime(), meta.mtime_nsec()))
            .or_insert_with(|| identity::is_script(&target));
        let expected = Expected {
            file,
            argv: call.argv.clone(),
            script,
        };
        // A cloud or database tool takes its environment (`AWS_PROFILE`, `KUBECONFIG`, ...)
        // from its own variables: those are read from the call, and are part of what was
        // decided. An environment that cannot be read is judged without it.
        let vars = if crate::tiers::reads_environment(&name) {
            memory::read_env(tid, call.envp, crate::tiers::SELECTING_VARIABLES).unwrap_or_default()
        } else {
            Vec::new()
        };
        let seen: Harmless = (file, meta.mode(), name.clone(), cwd, call.argv, vars);
        if self.harmless.contains(&seen) {
            self.pending.insert(tid, expected);
            return resume(tid, None);
        }
        let cwd = seen.3.clone();
        let vars = seen.5.clone();
        let (argv, verdict) = self.classify(&name, &seen.4, &args, &cwd, &vars);
        if verdict.decision == Decision::Deny {
            // Never from an agent session: no human to ask.
            self.refused.insert(tid, attempt);
            let id = self.record(
                &argv,
                &cwd,
                verdict.severity,
                &verdict.rules,
                &verdict.reason,
            );
            return self.refuse(
                tid,
                &format!(
                    "refused `{}`: {} This is never allowed from an agent session (record {id}).",
                    argv.join(" "),
                    verdict.reason
                ),
            );
        }
        if let Some(why) = elevation(&meta) {
            self.refused.insert(tid, attempt);
            self.record(
                &argv,
                &cwd,
                verdict.severity.max(Severity::Medium),
                &["interlock.exec-setuid".to_string()],
                &why,
            );
            return self.refuse(tid, &format!("refused `{}`: {why}", argv.join(" ")));
        }
        // Harmless, and no guarded program (whose every run is logged, as its shim would):
        // decided here, in microseconds.
        let logged = self.setup.guarded.is_guarded(&name) && !shim::is_plain_shell(&name, &args);
        // A create or delete of a resource (`mkdir build`, `createdb app`) goes to the
        // supervisor, which keeps the session's sequence: harmless alone, it may recreate what
        // the session deleted.
        let rules = self.setup.engine.rules();
        let sequenced = verdict
            .invocations
            .iter()
            .any(|inv| !crate::sequence::touches(inv, rules).is_empty());
        if verdict.decision == Decision::Allow && !logged && !sequenced {
            if self.harmless.len() >= MAX_HARMLESS {
                self.harmless.clear();
            }
            self.harmless.insert(seen);
            self.pending.insert(tid, expected);
            return resume(tid, None);
        }
        if verdict.decision == Decision::Confirm && self.covered(tid, &argv) {
            self.pending.insert(tid, expected);
            return resume(tid, None);
        }
        // Held: the supervisor logs it and, if it needs a human, asks one.
        let covers = covered_invocations(&verdict);
        self.held.insert(
            tid,
            Held {
                expected,
                attempt,
                covers,
            },
        );
        let socket = self.setup.socket.clone();
        let tx = self.tx.clone();
        let spawned = std::thread::Builder::new()
            .name("interlock-tracer-ask".into())
            .spawn(move || {
                let answer = ask_supervisor(&socket, argv, cwd, vars);
                let _ = tx.send(Decided { tid, answer });
            });
        if spawned.is_err() {
            self.held.remove(&tid);
            self.refuse(
                tid,
                "refused a command that needs a decision: cannot start a thread to ask",
            );
        }
    }

    /// Classifies the invocation as the program it is and, when argv[0] names another program
    /// (a multi-call binary), as that one too; the stricter verdict wins.
    fn classify(
        &mut self,
        name: &str,
        raw_argv: &[Vec<u8>],
        args: &[String],
        cwd: &str,
        vars: &[(String, String)],
    ) -> (Vec<String>, Verdict) {
        let workspace = self.setup.workspace.clone();
        let guard_paths = &self.setup.guard_paths;
        let env = self.envs.entry(cwd.to_string()).or_insert_with(|| {
            let mut env = Environment::detect(Some(cwd.to_string()), workspace);
            for path in guard_paths {
                env.paths.guard_globs.push(path.clone());
                env.paths.guard_globs.push(format!("{path}/*"));
            }
            env
        });
        let mut names = vec![name.to_string()];
        if let Some(zero) = raw_argv
            .first()
            .and_then(|a| Path::new(OsStr::from_bytes(a)).file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty() && n != name)
        {
            names.push(zero);
        }
        let mut best: Option<(Vec<String>, Verdict)> = None;
        for program in names {
            let mut argv = vec![program];
            argv.extend(args.iter().cloned());
            let verdict = self.setup.engine.classify_exec(&argv, vars.to_vec(), env);
            if best
                .as_ref()
                .is_none_or(|(_, b)| verdict.decision > b.decision)
            {
                best = Some((argv, verdict));
            }
        }
        best.unwrap_or_else(|| {
            (
                Vec::new(),
                self.setup
                    .engine
                    .classify_in(&Action::Argv(Vec::new()), env),
            )
        })
    }

    fn on_decided(&mut self, tid: Pid, answer: Answer) {
        let Some(held) = self.held.remove(&tid) else {
            return;
        };
        match answer {
            Answer::Allow(request) => {
                self.pending.insert(tid, held.expected);
                if let Some(request) = request {
                    self.approved.insert(tid, request);
                    self.scopes.push(Scope {
                        owner: tid,
                        covers: held.covers,
                    });
                }
                resume(tid, None);
            }
            Answer::Refuse(message) => {
                self.refused.insert(tid, held.attempt);
                self.refuse(tid, &message);
            }
        }
    }

    /// Whether `argv`, run by `tid`, is covered by an approval of a command `tid` descends from
    /// (or is running).
    fn covered(&self, tid: Pid, argv: &[String]) -> bool {
        if self.scopes.is_empty() {
            return false;
        }
        let mut lineage = vec![tid];
        let mut at = tid;
        // A child can stop at its exec before its parent's fork event is served: then the kernel
        // knows the parent (`/proc/PID/stat`) before this map does.
        while let Some(parent) = self.parents.get(&at).copied().or_else(|| parent_of(at)) {
            if lineage.len() > 256 || lineage.contains(&parent) || parent.as_raw() <= 1 {
                break;
            }
            lineage.push(parent);
            at = parent;
        }
        self.scopes
            .iter()
            .any(|s| lineage.contains(&s.owner) && s.covers.iter().any(|c| c == argv))
    }

    /// Fails the stopped exec of `tid` with EPERM, telling the agent why on its stderr.
    fn refuse(&mut self, tid: Pid, message: &str) {
        tell(tid, message);
        deny(tid);
    }

    fn on_exec_done(&mut self, pid: Pid) {
        // When a thread other than the leader execs, it takes over the leader's pid; the event
        // message is its former id. When the leader itself was checked at this exec's entry,
        // it is the one (should another thread have won the race, the leader's check does not
        // match what started and the process is killed).
        let former = if self.pending.contains_key(&pid) {
            pid
        } else {
            ptrace::getevent(pid)
                .ok()
                .and_then(|t| i32::try_from(t).ok())
                .map_or(pid, Pid::from_raw)
        };
        let expected = self
            .pending
            .remove(&former)
            .or_else(|| self.pending.remove(&pid));
        self.held.remove(&former);
        if let Some(request) = self.approved.remove(&former) {
            self.approved.insert(pid, request);
        }
        for scope in self.scopes.iter_mut().filter(|s| s.owner == former) {
            scope.owner = pid;
        }
        let started = started_argv(pid);
        let mismatch = match &expected {
            None => Some("an exec that was never checked ran (a filter was bypassed or replaced)"),
            Some(e) => (!matches(pid, e, &started))
                .then_some("what started is not what was checked (changed between check and exec)"),
        };
        if let Some(why) = mismatch {
            let _ = kill(pid, Signal::SIGKILL);
            let argv: Vec<String> = started
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            let cwd = std::fs::read_link(format!("/proc/{pid}/cwd"))
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            self.record(
                &argv,
                &cwd,
                Severity::Critical,
                &["interlock.exec-mismatch".to_string()],
                &format!("Killed at exec: {why}."),
            );
        }
        resume(pid, None);
    }

    /// Logs a refusal decided here, not by the supervisor (a denial, a setuid program, a
    /// killed exec); returns the record's id.
    fn record(
        &self,
        argv: &[String],
        cwd: &str,
        severity: Severity,
        rules: &[String],
        reason: &str,
    ) -> String {
        let id =
            crate::ids::hashed_id("x", &format!("{argv:?}{cwd}{}", jiff::Timestamp::now()), 10);
        let ev = Event::new(
            Status::Denied,
            &id,
            argv,
            cwd,
            Decision::Deny,
            severity,
            rules,
            reason,
        );
        if let Err(e) = self.setup.log.append(&ev) {
            eprintln!("interlock: cannot write the audit log: {e}");
        }
        id
    }
}

/// The invocations of `verdict` that matched a rule, as program name and arguments, when each
/// word of them is known exactly (a word that depends on expansion is not covered).
fn covered_invocations(verdict: &Verdict) -> Vec<Vec<String>> {
    verdict
        .matches
        .iter()
        .filter_map(|m| verdict.invocations.get(m.invocation?))
        .filter(|inv| !inv.args.iter().any(|a| a.dynamic))
        .map(|inv| {
            std::iter::once(inv.program_name().to_string())
                .chain(inv.argv().into_iter().skip(1))
                .collect()
        })
        .collect()
}

/// The parent process of `pid`, as the kernel has it.
fn parent_of(pid: Pid) -> Option<Pid> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let ppid = stat.rsplit_once(") ")?.1.split_whitespace().nth(1)?;
    ppid.parse().ok().map(Pid::from_raw)
}

/// Why running `meta` would need privileges the tracer takes away, if it would: a setuid or
/// setgid program owned by someone else does not gain them under ptrace.
fn elevation(meta: &std::fs::Metadata) -> Option<String> {
    let mode = meta.mode();
    let setuid = mode & nix::libc::S_ISUID != 0 && meta.uid() != nix::unistd::geteuid().as_raw();
    let setgid = mode & nix::libc::S_ISGID != 0 && meta.gid() != nix::unistd::getegid().as_raw();
    (setuid || setgid).then(|| {
        "setuid and setgid programs (sudo, su, pkexec, ...) cannot gain privileges while interlock \
         traces the agent's execs, so it would fail in confusing ways; run it yourself outside the \
         agent session"
            .to_string()
    })
}

/// Asks the supervisor; any failure refuses (fail closed).
fn ask_supervisor(
    socket: &Path,
    argv: Vec<String>,
    cwd: String,
    env: Vec<(String, String)>,
) -> Answer {
    let shown = argv.join(" ");
    let request = Request::Check {
        argv,
        cwd,
        agent: None,
        env,
    };
    match client::ask(socket, &request, None) {
        Ok(Response::Verdict {
            decision: Decision::Allow,
            request,
            approved,
            ..
        }) => Answer::Allow(approved.then_some(request)),
        Ok(Response::Verdict {
            reason, request, ..
        }) => Answer::Refuse(format!("refused `{shown}`: {reason} (request {request})")),
        Ok(other) => Answer::Refuse(format!(
            "refused `{shown}`: the supervisor answered {other:?}"
        )),
        Err(e) => Answer::Refuse(format!("refused `{shown}`: {e}")),
    }
}

/// Whether the image that started is the one that was checked.
fn matches(pid: Pid, expected: &Expected, started: &[Vec<u8>]) -> bool {
    if expected.script {
        // The kernel runs the `#!` interpreter with the script's path, then the arguments.
        let args = expected.argv.get(1..).unwrap_or(&[]);
        return started.len() > args.len() && started.ends_with(args);
    }
    let exe = std::fs::metadata(format!("/proc/{pid}/exe")).ok();
    exe.is_some_and(|m| (m.dev(), m.ino()) == expected.file) && started == expected.argv
}
