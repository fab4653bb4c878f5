//! The command-line interface: argument definitions (clap derive; the doc comments are the
//! help text) and one module per subcommand. Nothing here classifies: it builds settings, calls
//! the library and maps outcomes to exit codes in one place ([`ExitStatus`]).

mod approve;
mod audit;
mod check;
mod explain;
mod hook;
mod install;
mod log;
mod rules;
mod run;
mod settings;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use approve::{ApproveArgs, DenyArgs, PendingArgs};
pub use audit::{AuditArgs, AuditCommand, LogLocation};
pub use check::CheckArgs;
pub use explain::ExplainArgs;
pub use hook::{AskMode, HookArgs};
pub use install::InstallArgs;
pub use log::LogArgs;
pub use run::RunArgs;
pub use settings::{LayerArgs, RulesetArgs};

use crate::Decision;

/// Stands between AI coding agents and everything they can break.
///
/// interlock classifies the commands an agent runs — shell lines, argv, cloud CLIs, SQL — and
/// holds the destructive ones (rm -rf ~, git push --force, terraform destroy, aws cloudformation
/// delete-stack, DROP DATABASE, ...) for a human, while harmless commands pass untouched.
#[derive(Debug, Parser)]
#[command(
    name = "interlock",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an agent under supervision: guarded commands are checked, held for a human or
    /// refused, and every decision is written to the audit log before anything runs.
    ///
    /// Examples:
    ///   interlock run -- claude
    ///   interlock run --non-interactive --wait 300 -- codex exec "fix the tests"
    #[command(verbatim_doc_comment)]
    Run(RunArgs),
    /// List the commands waiting for a human, with their request ids.
    Pending(PendingArgs),
    /// Approve a held command (from outside the agent's session), with a justification.
    ///
    /// Example:
    ///   interlock approve r-3f9c01a2b4 --reason "CHG-1234: retire the staging stack"
    #[command(verbatim_doc_comment)]
    Approve(ApproveArgs),
    /// Refuse a held command.
    Deny(DenyArgs),
    /// The pre-tool hook for an agent (help text: [`HOOK_LONG_ABOUT`]).
    #[command(about = HOOK_ABOUT, long_about = HOOK_LONG_ABOUT)]
    Hook(HookArgs),
    /// Register `interlock hook` in an agent's settings (shows the diff and asks first).
    ///
    /// Examples:
    ///   interlock install --agent claude --project
    ///   interlock install --agent gemini --user --dry-run
    #[command(verbatim_doc_comment)]
    Install(InstallArgs),
    /// Remove interlock's hook from an agent's settings (shows the diff and asks first).
    Uninstall(InstallArgs),
    /// Classify a command: allow, confirm (needs a human) or deny.
    ///
    /// Exit status: 0 allow, 10 confirm, 20 deny, 2 bad usage or unreadable input.
    ///
    /// Examples:
    ///   interlock check --shell 'rm -rf ~/projects'
    ///   interlock check --json -- aws cloudformation delete-stack --stack-name prod
    ///   interlock check --batch commands.jsonl
    #[command(verbatim_doc_comment)]
    Check(CheckArgs),
    /// Tools for the people who own the rules: test, lint, list, show and diff rulesets and
    /// their layers (org, project, user).
    Rules(rules::RulesArgs),
    /// Show, for humans, every invocation found in a command and every rule considered for it,
    /// from every layer: which matched and why, which a layer turned off or excepted.
    ///
    /// Example:
    ///   interlock explain --shell 'cd ~ && bash -c "rm -rf ."'
    #[command(verbatim_doc_comment)]
    Explain(ExplainArgs),
    /// Show the audit log: every request, decision and exit, newest last.
    ///
    /// Example:
    ///   interlock log --since 2h --decision confirm
    #[command(verbatim_doc_comment)]
    Log(LogArgs),
    /// Work with the audit log (verify its hash chain).
    ///
    /// Example:
    ///   interlock audit verify
    #[command(verbatim_doc_comment)]
    Audit(AuditArgs),
}

/// How a subcommand ended; the one place outcomes become exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// The command is allowed (0).
    Allow,
    /// The command needs a human's confirmation (10).
    Confirm,
    /// The command is denied (20).
    Deny,
    /// A check failed, e.g. the audit log does not verify (1).
    Failure,
    /// The supervised agent's own exit status (`interlock run`).
    Code(u8),
    /// Bad usage or unreadable input (2).
    Usage,
}

impl From<Decision> for ExitStatus {
    fn from(d: Decision) -> Self {
        match d {
            Decision::Allow => ExitStatus::Allow,
            Decision::Confirm => ExitStatus::Confirm,
            Decision::Deny => ExitStatus::Deny,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> Self {
        ExitCode::from(match s {
            ExitStatus::Allow => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Code(c) => c,
            ExitStatus::Confirm => 10,
            ExitStatus::Deny => 20,
            ExitStatus::Usage => 2,
        })
    }
}

/// Runs the CLI with the process's arguments, or the PATH shim when invoked under a guarded
/// program's name.
pub fn main() -> ExitCode {
    let arg0 = std::env::args_os().next().map(std::path::PathBuf::from);
    let name = arg0
        .as_deref()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name != "interlock" && crate::intercept::shim::is_shim_name(&name) {
        return crate::intercept::shim::main(&name);
    }
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == crate::intercept::trace::trampoline::ARG)
    {
        return crate::intercept::trace::trampoline::main(std::env::args_os().collect());
    }
    let hook_only = std::env::args_os().nth(1).is_some_and(|a| a == "hook");
    let parsed = if hook_only {
        HookCli::try_parse_from(std::env::args_os().skip(1)).map(|h| Cli {
            command: Command::Hook(h.args),
        })
    } else {
        Cli::try_parse()
    };
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let usage = e.use_stderr();
            let _ = e.print();
            return if usage {
                ExitStatus::Usage.into()
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli) {
        Ok(status) => status.into(),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(std::io::stderr(), "interlock: error: {e:#}");
            ExitStatus::Usage.into()
        }
    }
}

/// One line on `interlock hook`, for `interlock help` and `interlock hook -h`.
const HOOK_ABOUT: &str = "The pre-tool hook for an agent (Claude Code, Codex, Gemini CLI, Cursor, Copilot CLI): \
reads its JSON on stdin and answers in its protocol.";

/// `interlock hook --help`.
const HOOK_LONG_ABOUT: &str =
    "The pre-tool hook for an agent (Claude Code, Codex, Gemini CLI, Cursor, Copilot CLI):
reads its JSON on stdin and answers in its protocol. Register it with `interlock install`.

Example (what the agent runs):
  interlock hook --agent claude";

/// `interlock hook` parsed on its own: an agent starts a fresh process for every shell command,
/// and building the parsers of every other subcommand would be part of each call's latency.
#[derive(Debug, Parser)]
#[command(
    name = "interlock hook",
    bin_name = "interlock hook",
    version,
    max_term_width = 100,
    about = HOOK_ABOUT,
    long_about = HOOK_LONG_ABOUT
)]
struct HookCli {
    #[command(flatten)]
    args: HookArgs,
}

fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Pending(args) => approve::pending(args),
        Command::Approve(args) => approve::approve(args),
        Command::Deny(args) => approve::deny(args),
        Command::Hook(args) => hook::run(args),
        Command::Install(args) => install::install(args),
        Command::Uninstall(args) => install::uninstall(args),
        Command::Check(args) => check::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Log(args) => log::run(args),
        Command::Audit(args) => audit::run(args),
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn walk(cmd: &clap::Command, missing: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let builtin = matches!(arg.get_id().as_str(), "help" | "version");
            if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{} {}", cmd.get_name(), arg.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            if sub.get_about().is_none() {
                missing.push(format!("subcommand {}", sub.get_name()));
            }
            walk(sub, missing);
        }
    }

    #[test]
    fn every_argument_has_help() {
        Cli::command().debug_assert();
        let mut missing = Vec::new();
        walk(&Cli::command(), &mut missing);
        assert!(missing.is_empty(), "arguments without help: {missing:?}");
    }
}
