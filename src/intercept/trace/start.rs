//! Starting the agent under the tracer: the trampoline command, attaching to it, and the
//! probe that tells whether this process may trace at all.

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus};
use std::sync::mpsc::channel;
use std::thread::JoinHandle;

use anyhow::Context;
use nix::errno::Errno;
use nix::sys::ptrace::{self, Options};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

use super::tracer::{Setup, Tracer};
use super::trampoline;

/// A traced agent.
#[derive(Debug)]
pub struct Traced {
    pid: u32,
    tracer: JoinHandle<anyhow::Result<ExitStatus>>,
}

impl Traced {
    /// The agent's pid.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Waits until the agent exits, and returns its status.
    pub fn wait(self) -> anyhow::Result<ExitStatus> {
        self.tracer
            .join()
            .map_err(|_| anyhow::anyhow!("the exec tracer failed"))?
    }
}

/// The command that starts `program args` through the trampoline; the caller adds the
/// environment, standard streams and session settings, then passes it to [`spawn`].
pub fn trampoline_command(program: &str, args: &[String]) -> Command {
    let mut command = Command::new("/proc/self/exe");
    command
        .arg(trampoline::ARG)
        .arg("--")
        .arg(program)
        .args(args);
    command
}

/// Starts `command` (from [`trampoline_command`]) under the tracer. `Ok(Err(reason))`: tracing is
/// not possible here, and nothing of the agent ran.
pub fn spawn(mut command: Command, setup: Setup) -> anyhow::Result<Result<Traced, String>> {
    let (ready_tx, ready_rx) = channel::<Result<u32, Start>>();
    let tracer = std::thread::Builder::new()
        .name("interlock-tracer".into())
        .spawn(move || -> anyhow::Result<ExitStatus> {
            // ptrace requests must come from the thread that attached: this one, for good.
            let attached = command
                .spawn()
                .map_err(|e| Start::Failed(format!("cannot start the agent: {e}")))
                .and_then(|child| attach(child.id()));
            match attached {
                Ok(root) => {
                    let _ = ready_tx.send(Ok(root.as_raw().unsigned_abs()));
                    Tracer::new(root, setup).run()
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    Ok(ExitStatus::from_raw(0))
                }
            }
        })
        .context("cannot start the exec tracer thread")?;
    match ready_rx.recv() {
        Ok(Ok(pid)) => Ok(Ok(Traced { pid, tracer })),
        Ok(Err(Start::Unavailable(reason))) => Ok(Err(reason)),
        Ok(Err(Start::Failed(message))) => Err(anyhow::anyhow!(message)),
        Err(_) => Err(anyhow::anyhow!(
            "the exec tracer stopped before the agent started"
        )),
    }
}

/// Whether this process may trace its children, found by attaching to a trampoline that is
/// killed before it runs anything.
pub fn probe() -> Result<(), String> {
    let mut command = trampoline_command("/bin/true", &[]);
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let child = command
        .spawn()
        .map_err(|e| format!("cannot start a test process: {e}"))?;
    let pid = Pid::from_raw(i32::try_from(child.id()).map_err(|e| e.to_string())?);
    let attached = attach(child.id());
    let _ = kill(pid, Signal::SIGKILL);
    let _ = waitpid(pid, None);
    match attached {
        Ok(_) => Ok(()),
        Err(Start::Unavailable(reason) | Start::Failed(reason)) => Err(reason),
    }
}

/// Why a traced start did not happen.
#[derive(Debug)]
enum Start {
    /// The kernel does not let this process trace (the caller may fall back).
    Unavailable(String),
    /// Something else failed.
    Failed(String),
}

fn options() -> Options {
    Options::PTRACE_O_TRACESECCOMP
        | Options::PTRACE_O_TRACEFORK
        | Options::PTRACE_O_TRACEVFORK
        | Options::PTRACE_O_TRACECLONE
        | Options::PTRACE_O_TRACEEXEC
        | Options::PTRACE_O_EXITKILL
}

/// Waits for the trampoline to stop itself, attaches, and lets it go on.
fn attach(pid: u32) -> Result<Pid, Start> {
    let pid = Pid::from_raw(
        i32::try_from(pid).map_err(|_| Start::Failed("the agent's pid is out of range".into()))?,
    );
    loop {
        match waitpid(pid, Some(WaitPidFlag::WUNTRACED)) {
            Ok(WaitStatus::Stopped(_, Signal::SIGSTOP)) => break,
            Ok(WaitStatus::Exited(..) | WaitStatus::Signaled(..)) => {
                return Err(Start::Failed(
                    "the exec trampoline ended before the agent started (see its message above)"
                        .into(),
                ));
            }
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(Start::Failed(format!("cannot wait for the agent: {e}"))),
        }
    }
    if let Err(e) = ptrace::seize(pid, options()) {
        let _ = kill(pid, Signal::SIGKILL);
        let _ = waitpid(pid, None);
        return Err(Start::Unavailable(why_no_ptrace(e)));
    }
    kill(pid, Signal::SIGCONT)
        .map_err(|e| Start::Failed(format!("cannot resume the agent: {e}")))?;
    Ok(pid)
}

fn why_no_ptrace(e: Errno) -> String {
    let scope = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
        .map(|s| format!(", Yama ptrace_scope is {}", s.trim()))
        .unwrap_or_default();
    format!(
        "the kernel refused ptrace ({e}{scope}; containers need ptrace allowed by their seccomp profile)"
    )
}
