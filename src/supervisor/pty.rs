//! Runs the agent inside a pseudo-terminal the supervisor owns. The real terminal is put in raw
//! mode and proxied both ways; when a command needs a human, the agent's output is held back,
//! the request is drawn on the real terminal, and the keys typed go to the prompt — never to
//! the agent. Afterwards the held output is released and the agent is made to redraw.

use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::process::{Command, ExitStatus};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use rustix::termios::{OptionalActions, Termios, tcgetattr, tcgetwinsize, tcsetattr, tcsetwinsize};

use super::launch::{Agent, Launcher};
use crate::approval::{self, KeyReader, PromptRequest};

/// Agent output held while a prompt is on screen beyond this is dropped (oldest first).
const MAX_HELD_OUTPUT: usize = 4 << 20;

/// Restores the real terminal's settings when dropped.
struct RawMode {
    original: Termios,
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, &self.original);
    }
}

/// Keys go to the agent, or to the prompt while one is shown.
type KeyRoute = Arc<Mutex<Option<Sender<Vec<u8>>>>>;

/// Runs `command` (from `launcher`) in a new pty, answering `prompts` on the real terminal.
pub fn run(
    mut command: Command,
    launcher: Launcher,
    program: &str,
    prompts: Receiver<PromptRequest>,
    stops: Option<Receiver<()>>,
    agent_pid: &AtomicU32,
) -> anyhow::Result<ExitStatus> {
    let stdin = std::io::stdin();
    let original = tcgetattr(&stdin).context("cannot read the terminal's settings")?;
    let master =
        openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).context("cannot open a pseudo-terminal")?;
    grantpt(&master).context("cannot grant the pseudo-terminal")?;
    unlockpt(&master).context("cannot unlock the pseudo-terminal")?;
    let slave_name = ptsname(&master, Vec::new()).context("cannot name the pseudo-terminal")?;
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc_o_noctty())
        .open(std::path::Path::new(std::ffi::OsStr::from_bytes(
            slave_name.as_bytes(),
        )))
        .context("cannot open the pseudo-terminal's slave side")?;
    if let Ok(ws) = tcgetwinsize(&stdin) {
        let _ = tcsetwinsize(&master, ws);
    }
    let slave: OwnedFd = slave.into();
    command
        .stdin(slave.try_clone()?)
        .stdout(slave.try_clone()?)
        .stderr(slave);
    new_session_on_stdin(&mut command);
    let agent = launcher.start(command, program)?;
    agent_pid.store(agent.pid(), Ordering::SeqCst);

    let mut raw = original.clone();
    raw.make_raw();
    tcsetattr(&stdin, OptionalActions::Now, &raw).context("cannot put the terminal in raw mode")?;
    let _restore = RawMode {
        original: original.clone(),
    };

    let master = Arc::new(master);
    let route: KeyRoute = Arc::new(Mutex::new(None));
    let paused = Arc::new(AtomicBool::new(false));
    let held: Arc<Mutex<Vec<u8>>> = Arc::new(Mutex::new(Vec::new()));
    let flow = Arc::new(OutputFlow::default());

    spawn_input(Arc::clone(&master), Arc::clone(&route));
    let (done_tx, done_rx) = channel();
    spawn_output(
        Arc::clone(&master),
        Arc::clone(&paused),
        Arc::clone(&held),
        Arc::clone(&flow),
        done_tx,
    );
    spawn_prompts(prompts, Arc::clone(&master), route, paused, held, flow);
    spawn_resize(Arc::clone(&master));

    let status = match agent {
        Agent::Direct(child) => wait_with_job_control(&child, &original, &raw, &master)?,
        // The tracer owns every wait on the agent's tree; it says when the agent stops.
        #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
        traced @ Agent::Traced(_) => {
            if let Some(stops) = stops {
                let pid = nix::unistd::Pid::from_raw(
                    i32::try_from(traced.pid()).context("the agent's pid is out of range")?,
                );
                let (original, raw, master) = (original.clone(), raw.clone(), Arc::clone(&master));
                std::thread::spawn(move || {
                    for () in stops {
                        suspend_with_agent(pid, &original, &raw, &master);
                    }
                });
            }
            traced.wait()?
        }
    };
    // Let the last output through, but do not hang on processes the agent left behind.
    let _ = done_rx.recv_timeout(Duration::from_secs(1));
    Ok(status)
}

/// Waits for the agent. When it stops (Ctrl-Z), interlock gives the terminal back and stops
/// too, so the outer shell regains control; on `fg` it resumes the agent and redraws it.
fn wait_with_job_control(
    child: &std::process::Child,
    original: &Termios,
    raw: &Termios,
    master: &OwnedFd,
) -> anyhow::Result<ExitStatus> {
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    use nix::unistd::Pid;
    use std::os::unix::process::ExitStatusExt;
    let pid = Pid::from_raw(i32::try_from(child.id()).context("the agent's pid is out of range")?);
    loop {
        match waitpid(pid, Some(WaitPidFlag::WUNTRACED)).context("cannot wait for the agent")? {
            WaitStatus::Exited(_, code) => return Ok(ExitStatus::from_raw((code & 0xff) << 8)),
            WaitStatus::Signaled(_, signal, _) => return Ok(ExitStatus::from_raw(signal as i32)),
            WaitStatus::Stopped(_, _) => suspend_with_agent(pid, original, raw, master),
            _ => {}
        }
    }
}

/// The agent stopped (Ctrl-Z): gives the terminal back and stops interlock too, so the outer
/// shell regains control; on `fg`, takes the terminal again and resumes the agent.
fn suspend_with_agent(pid: nix::unistd::Pid, original: &Termios, raw: &Termios, master: &OwnedFd) {
    use nix::sys::signal::{Signal, killpg, raise};
    let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, original);
    let _ = raise(Signal::SIGSTOP);
    // Resumed by the outer shell.
    let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, raw);
    let _ = killpg(pid, Signal::SIGCONT);
    redraw(master);
}

/// `O_NOCTTY`, so opening the slave does not make it this process's controlling terminal.
fn libc_o_noctty() -> i32 {
    rustix::fs::OFlags::NOCTTY.bits() as i32
}

/// Makes the child a session leader with the pty (its stdin) as controlling terminal, so Ctrl-C,
/// Ctrl-Z and job control reach it as they would without interlock.
#[allow(unsafe_code)]
fn new_session_on_stdin(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs between fork and exec and only makes two system calls,
    // setsid(2) and ioctl(TIOCSCTTY), which are async-signal-safe; it allocates nothing.
    unsafe {
        command.pre_exec(|| {
            rustix::process::setsid()?;
            rustix::process::ioctl_tiocsctty(std::io::stdin())?;
            Ok(())
        });
    }
}

fn spawn_input(master: Arc<OwnedFd>, route: KeyRoute) {
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin();
        let mut buf = [0u8; 4096];
        loop {
            let n = match stdin.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let to_prompt = route.lock().ok().and_then(|r| r.clone());
            match to_prompt {
                Some(tx) => {
                    let _ = tx.send(buf[..n].to_vec());
                }
                None => {
                    if rustix::io::write(master.as_fd(), &buf[..n]).is_err() {
                        return;
                    }
                }
            }
        }
    });
}

/// How far the output thread is: reads it made, and reads whose bytes it has shown or held.
#[derive(Default)]
struct OutputFlow {
    read: AtomicU64,
    handled: AtomicU64,
}

impl OutputFlow {
    /// Waits, at most 300 ms, until the agent's output has gone quiet and all of it is shown:
    /// no read for 30 ms, nothing read but not yet written. The agent is stopped at the command
    /// the prompt is about, so what it printed before reaches the terminal before the prompt
    /// (the pty hands written bytes to its reader asynchronously: a quiet spell, not an empty
    /// buffer, says they have arrived).
    fn settle(&self) {
        let deadline = std::time::Instant::now() + Duration::from_millis(300);
        let mut last = self.read.load(Ordering::SeqCst);
        let mut quiet = 0;
        while quiet < 3 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
            let now = self.read.load(Ordering::SeqCst);
            if now == last && now == self.handled.load(Ordering::SeqCst) {
                quiet += 1;
            } else {
                quiet = 0;
                last = now;
            }
        }
    }
}

fn spawn_output(
    master: Arc<OwnedFd>,
    paused: Arc<AtomicBool>,
    held: Arc<Mutex<Vec<u8>>>,
    flow: Arc<OutputFlow>,
    done: Sender<()>,
) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        loop {
            let n = match rustix::io::read(master.as_fd(), &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            flow.read.fetch_add(1, Ordering::SeqCst);
            if paused.load(Ordering::SeqCst) {
                if let Ok(mut h) = held.lock() {
                    h.extend_from_slice(&buf[..n]);
                    if h.len() > MAX_HELD_OUTPUT {
                        let excess = h.len() - MAX_HELD_OUTPUT;
                        h.drain(..excess);
                    }
                }
                flow.handled.fetch_add(1, Ordering::SeqCst);
                continue;
            }
            let mut out = std::io::stdout().lock();
            let written = out.write_all(&buf[..n]).and_then(|_| out.flush());
            flow.handled.fetch_add(1, Ordering::SeqCst);
            if written.is_err() {
                break;
            }
        }
        let _ = done.send(());
    });
}

fn spawn_prompts(
    prompts: Receiver<PromptRequest>,
    master: Arc<OwnedFd>,
    route: KeyRoute,
    paused: Arc<AtomicBool>,
    held: Arc<Mutex<Vec<u8>>>,
    flow: Arc<OutputFlow>,
) {
    std::thread::spawn(move || {
        for request in prompts {
            flow.settle();
            paused.store(true, Ordering::SeqCst);
            let (tx, rx) = channel();
            if let Ok(mut r) = route.lock() {
                *r = Some(tx);
            }
            let answer = {
                let mut out = std::io::stdout().lock();
                let mut keys = KeyReader::new(rx);
                approval::ask(&request, &mut keys, &mut out).unwrap_or(
                    approval::PromptAnswer::Refused {
                        why: "the terminal failed".into(),
                    },
                )
            };
            if let Ok(mut r) = route.lock() {
                *r = None;
            }
            {
                let mut out = std::io::stdout().lock();
                let _ = write!(out, "\r\n");
                if let Ok(mut h) = held.lock() {
                    let _ = out.write_all(&h);
                    h.clear();
                }
                let _ = out.flush();
            }
            paused.store(false, Ordering::SeqCst);
            redraw(&master);
            let _ = request.reply.send(answer);
        }
    });
}

/// Makes the agent redraw its screen: a size change makes the kernel send it SIGWINCH.
fn redraw(master: &OwnedFd) {
    if let Ok(ws) = tcgetwinsize(std::io::stdin()) {
        let mut smaller = ws;
        smaller.ws_row = ws.ws_row.saturating_sub(1).max(1);
        let _ = tcsetwinsize(master, smaller);
        let _ = tcsetwinsize(master, ws);
    }
}

fn spawn_resize(master: Arc<OwnedFd>) {
    let Ok(mut signals) = signal_hook::iterator::Signals::new([signal_hook::consts::SIGWINCH])
    else {
        return;
    };
    std::thread::spawn(move || {
        for _ in signals.forever() {
            if let Ok(ws) = tcgetwinsize(std::io::stdin()) {
                let _ = tcsetwinsize(master.as_ref(), ws);
            }
        }
    });
}
