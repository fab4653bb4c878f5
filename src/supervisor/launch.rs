//! Starting the agent: directly (its guarded programs reached through PATH shims), or under
//! the exec tracer.

use std::process::{Child, Command, ExitStatus};

use anyhow::Context;

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
use crate::intercept::trace::start::{self, Traced};
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
use crate::intercept::trace::tracer::Setup;

/// How the agent is started.
#[derive(Debug)]
pub enum Launcher {
    /// As a plain child process.
    Direct,
    /// Under the exec tracer.
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    Traced(Box<Setup>),
}

/// A started agent.
#[derive(Debug)]
pub enum Agent {
    /// A plain child process.
    Direct(Child),
    /// A traced agent.
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    Traced(Traced),
}

impl Launcher {
    /// The command that starts `program args` this way; the caller adds environment, streams
    /// and session settings.
    pub fn command(&self, program: &str, args: &[String]) -> Command {
        match self {
            Launcher::Direct => {
                let mut command = Command::new(program);
                command.args(args);
                command
            }
            #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
            Launcher::Traced(_) => start::trampoline_command(program, args),
        }
    }

    /// Starts `command` (from [`Launcher::command`]).
    pub fn start(self, mut command: Command, program: &str) -> anyhow::Result<Agent> {
        match self {
            Launcher::Direct => Ok(Agent::Direct(
                command
                    .spawn()
                    .with_context(|| format!("cannot start {program}"))?,
            )),
            #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
            Launcher::Traced(setup) => match start::spawn(command, *setup)? {
                Ok(traced) => Ok(Agent::Traced(traced)),
                Err(reason) => Err(anyhow::anyhow!(
                    "cannot trace {program}: {reason}. Use --enforce shims to run it with PATH shims only"
                )),
            },
        }
    }
}

impl Agent {
    /// The agent's pid.
    pub fn pid(&self) -> u32 {
        match self {
            Agent::Direct(child) => child.id(),
            #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
            Agent::Traced(traced) => traced.pid(),
        }
    }

    /// Waits for the agent to exit (for a direct child without job control).
    pub fn wait(self) -> anyhow::Result<ExitStatus> {
        match self {
            Agent::Direct(mut child) => child.wait().context("cannot wait for the agent"),
            #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
            Agent::Traced(traced) => traced.wait(),
        }
    }
}

/// Whether exec tracing works here, or why not (checked by attaching to a short-lived child).
pub fn trace_available() -> Result<(), String> {
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    {
        start::probe()
    }
    #[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
    {
        Err("exec tracing is implemented for Linux on x86_64 only".into())
    }
}
