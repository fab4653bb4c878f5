//! `interlock run -- PROG ARGS`: runs an agent under supervision.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::{ExitStatus, RulesetArgs};
use crate::audit::{self, AuditLog};
use crate::intercept::shim::{SHIM_DIR_ENV, SOCKET_ENV};
use crate::supervisor::launch::{self, Launcher};
use crate::supervisor::server::{self, Config};
use crate::supervisor::session::Session;

/// Arguments of `interlock run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Where the audit log and session sockets live (default: $XDG_STATE_HOME/interlock, else
    /// ~/.local/state/interlock).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// Never ask on this terminal: a command that needs a human waits for `interlock approve`
    /// from elsewhere (up to --wait seconds), then is refused.
    #[arg(long)]
    pub non_interactive: bool,

    /// Seconds a held command waits for an approval before it is refused.
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub wait: u64,

    /// Seconds a refused request can still be approved (the approval then lets the same command
    /// run once, in the same directory).
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub approval_ttl: u64,

    /// The shortest justification accepted at the terminal for high and critical commands.
    #[arg(long, value_name = "CHARS", default_value_t = crate::approval::MIN_JUSTIFICATION)]
    pub min_justification: usize,

    /// How the agent's commands are intercepted. `trace`: every exec in the agent's process
    /// tree stops for interlock (seccomp + ptrace; Linux x86_64), whatever path or name it uses.
    /// `shims`: guarded programs are found first on PATH (an absolute path walks around them).
    /// `auto`: trace where the kernel allows it, else shims with a warning.
    #[arg(long, value_enum, default_value_t = Enforce::Auto, value_name = "HOW")]
    pub enforce: Enforce,

    /// Under `--enforce trace`, let the agent also write beneath PATH (repeatable). By default
    /// it writes only to the working tree, temp dirs, build caches and Claude Code's data;
    /// interlock's state, rulesets and every other file are read-only to it (Landlock).
    #[arg(long, value_name = "PATH")]
    pub allow_write: Vec<PathBuf>,

    /// Approvers on other machines: an `ssh-keygen` allowed-signers file. `interlock approve
    /// ID --reason ... --signature FILE` then counts as the approval of the key's principal
    /// (commands that need several approvers need that many distinct ones).
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<PathBuf>,

    /// Another OS user on this machine who may approve or deny this session's requests from
    /// their own account with `interlock approve` / `interlock deny` (repeatable). Each is
    /// identified by the kernel's peer credentials and counts once toward a quorum.
    #[arg(long, value_name = "USER")]
    pub approver: Vec<String>,

    /// Rulesets and context.
    #[command(flatten)]
    pub rules: RulesetArgs,

    /// The agent and its arguments (after `--`).
    #[arg(last = true, required = true, value_name = "PROG ARG")]
    pub command: Vec<String>,
}

/// How `interlock run` intercepts the agent's commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Enforce {
    /// Trace where possible, else shims.
    Auto,
    /// Exec tracing, or refuse to start.
    Trace,
    /// PATH shims only.
    Shims,
}

/// Runs `interlock run`.
pub fn run(args: RunArgs) -> anyhow::Result<ExitStatus> {
    let state_dir = match args.state_dir.clone() {
        Some(d) => d,
        None => audit::default_state_dir().context(
            "cannot find the state directory: set HOME or XDG_STATE_HOME, or pass --state-dir",
        )?,
    };
    let (program, rest) = args
        .command
        .split_first()
        .context("no command given after --")?;
    let trace = match args.enforce {
        Enforce::Shims => false,
        Enforce::Trace => {
            launch::trace_available().map_err(|reason| {
                anyhow::anyhow!(
                    "cannot enforce by exec tracing: {reason}. Use --enforce shims to run with PATH shims only"
                )
            })?;
            true
        }
        Enforce::Auto => match launch::trace_available() {
            Ok(()) => true,
            Err(reason) => {
                eprintln!(
                    "interlock: exec tracing is not available ({reason}); using PATH shims, which a command run by absolute path walks around"
                );
                false
            }
        },
    };
    let engine = args.rules.engine()?;
    // Shims only where they are the interception: the tracer sees every exec without them.
    let session = Session::create(&state_dir, !trace)?;
    let listener = std::os::unix::net::UnixListener::bind(&session.socket)
        .with_context(|| format!("cannot listen on {}", session.socket.display()))?;
    listener.set_nonblocking(true)?;
    // Approvers from the command line and from the organisation layer's policy.
    let named = engine.policy().approvals().clone();
    let mut approver_names = args.approver.clone();
    approver_names.extend(named.approvers.iter().cloned());
    let approver_uids = approver_names
        .iter()
        .map(|name| {
            nix::unistd::User::from_name(name)
                .ok()
                .flatten()
                .map(|u| u.uid.as_raw())
                .with_context(|| format!("approver {name}: no such user on this machine"))
        })
        .collect::<anyhow::Result<Vec<u32>>>()?;
    let approvals = if approver_uids.is_empty() {
        None
    } else {
        let socket = crate::supervisor::approvals::bind(&session)?;
        socket.set_nonblocking(true)?;
        Some(socket)
    };
    let agent_pid = Arc::new(AtomicU32::new(0));
    let interactive = !args.non_interactive
        && nix::unistd::isatty(std::io::stdin()).unwrap_or(false)
        && nix::unistd::isatty(std::io::stdout()).unwrap_or(false);
    let (prompter, prompts) = std::sync::mpsc::channel();
    let config = Config {
        prompter: interactive.then_some(prompter),
        min_justification: args.min_justification.max(1),
        allowed_signers: args
            .allowed_signers
            .as_ref()
            .or(named.allowed_signers.as_ref())
            .map(std::path::absolute)
            .transpose()
            .context("cannot resolve --allowed-signers")?,
        approver_uids,
        engine,
        log: AuditLog::new(state_dir.join("audit.jsonl")),
        wait: Duration::from_secs(args.wait),
        approval_ttl: Duration::from_secs(args.approval_ttl),
        agent_pid: Arc::clone(&agent_pid),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the supervisor")?;
    let listener = {
        let _guard = runtime.enter();
        (
            tokio::net::UnixListener::from_std(listener)
                .context("cannot start the supervisor socket")?,
            approvals
                .map(tokio::net::UnixListener::from_std)
                .transpose()
                .context("cannot start the approval socket")?,
        )
    };
    std::thread::Builder::new()
        .name("interlock-supervisor".into())
        .spawn(move || runtime.block_on(server::serve(listener.0, listener.1, config)))
        .context("cannot start the supervisor thread")?;
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut envs: Vec<(&str, std::ffi::OsString)> =
        vec![(SOCKET_ENV, session.socket.clone().into_os_string())];
    // With a terminal, the agent's job-control stops reach the terminal proxy.
    let (stop_tx, stop_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = if interactive && trace {
        (Some(stop_tx), Some(stop_rx))
    } else {
        (None, None)
    };
    let launcher = if trace {
        envs.push((
            crate::intercept::trace::sandbox::WRITABLE_ENV,
            writable_paths(&args)?,
        ));
        traced_launcher(&args, &state_dir, &session, &path, stop_tx)?
    } else {
        let mut paths = vec![session.shims.clone()];
        paths.extend(std::env::split_paths(&path));
        envs.push((
            "PATH",
            std::env::join_paths(paths).context("PATH contains a directory with ':' in it")?,
        ));
        envs.push((SHIM_DIR_ENV, session.shims.clone().into_os_string()));
        Launcher::Direct
    };
    let mut command = launcher.command(program, rest);
    command.envs(envs);
    let status = if interactive {
        crate::supervisor::pty::run(command, launcher, program, prompts, stop_rx, &agent_pid)?
    } else {
        drop(prompts);
        let agent = launcher.start(command, program)?;
        agent_pid.store(agent.pid(), Ordering::SeqCst);
        agent.wait()?
    };
    drop(session);
    use std::os::unix::process::ExitStatusExt;
    let code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    Ok(ExitStatus::Code(u8::try_from(code).unwrap_or(1)))
}

/// The exec tracer's launcher: its own rules engine, the supervisor's socket and log, and the
/// guarded programs found on the agent's PATH.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
fn traced_launcher(
    args: &RunArgs,
    state_dir: &std::path::Path,
    session: &Session,
    path: &std::ffi::OsStr,
    stops: Option<std::sync::mpsc::Sender<()>>,
) -> anyhow::Result<Launcher> {
    use crate::intercept::trace::identity::Guarded;
    use crate::intercept::trace::tracer::Setup;
    let workspace = args
        .rules
        .workspace
        .as_ref()
        .map(|w| std::path::absolute(w).map(|p| p.to_string_lossy().into_owned()))
        .transpose()
        .context("cannot resolve --workspace")?;
    let engine = args.rules.engine()?;
    let mut guarded = Guarded::new(
        crate::intercept::shim::programs(),
        engine.rules().program_names(),
        path,
    );
    // A copy of interlock under another name is still interlock (`approve` from inside).
    if let Ok(exe) = std::env::current_exe() {
        guarded.recognise("interlock", &exe);
    }
    let guard_paths = std::iter::once(state_dir.to_path_buf())
        .chain(args.rules.rulesets.iter().cloned())
        .filter_map(|p| std::path::absolute(p).ok())
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    Ok(Launcher::Traced(Box::new(Setup {
        engine,
        socket: session.socket.clone(),
        log: AuditLog::new(state_dir.join("audit.jsonl")),
        guarded,
        workspace,
        guard_paths,
        stops,
    })))
}

/// Where the traced agent may write (see `--allow-write`), as the trampoline reads it.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
fn writable_paths(args: &RunArgs) -> anyhow::Result<std::ffi::OsString> {
    use crate::intercept::trace::sandbox;
    let cwd = std::env::current_dir().context("cannot find the current directory")?;
    let workspace = args
        .rules
        .workspace
        .as_ref()
        .map(std::path::absolute)
        .transpose()
        .context("cannot resolve --workspace")?
        .or_else(|| {
            crate::Environment::detect(None, None)
                .paths
                .workspace
                .map(PathBuf::from)
        })
        .unwrap_or(cwd);
    let extra = args
        .allow_write
        .iter()
        .map(std::path::absolute)
        .collect::<Result<Vec<_>, _>>()
        .context("cannot resolve --allow-write")?;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    sandbox::encode(&sandbox::default_writable(
        &workspace,
        home.as_deref(),
        &extra,
    ))
    .map_err(|e| anyhow::anyhow!(e))
}

#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
fn writable_paths(_: &RunArgs) -> anyhow::Result<std::ffi::OsString> {
    anyhow::bail!(
        "the Landlock sandbox comes with exec tracing, implemented for Linux on x86_64 only"
    )
}

#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
fn traced_launcher(
    _: &RunArgs,
    _: &std::path::Path,
    _: &Session,
    _: &std::ffi::OsStr,
    _: Option<std::sync::mpsc::Sender<()>>,
) -> anyhow::Result<Launcher> {
    anyhow::bail!("exec tracing is implemented for Linux on x86_64 only")
}
