//! `interlock rules`: tooling for the people who own the rules.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::{ExitStatus, LayerArgs};
use crate::{Engine, Environment, layers};

mod diff;
mod lint;
mod list;
mod test;

/// Arguments of `interlock rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: RulesCommand,
}

/// `interlock rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Run every rule's inline examples and corpus files of expectations; exit 1 on any
    /// failure, each printed with its file and line.
    ///
    /// A corpus file has one JSON object per line: {"cmd": "...", "expect":
    /// "allow|confirm|deny", "rule": "optional.rule.id"}.
    ///
    /// Examples:
    ///   interlock rules test                          # the shipped rules' examples
    ///   interlock rules test ./rules --corpus team.jsonl
    #[command(verbatim_doc_comment)]
    Test(TestArgs),
    /// List the loaded rules: id, action, severity, programs, layer, where each is declared,
    /// and whether it is enabled; then every exception, expired ones marked.
    List(ListArgs),
    /// Show one rule in full: what it matches, why, its examples, where it is declared.
    Show(ShowArgs),
    /// Compare two rulesets over a corpus of commands: every command whose verdict changes,
    /// weakenings first, then the rules' text diff. Exit 1 when anything weakened.
    ///
    /// Examples:
    ///   interlock rules diff rules-v1/ rules-v2/ --corpus commands.jsonl
    #[command(verbatim_doc_comment)]
    Diff(DiffArgs),
    /// Find mistakes loading does not: duplicate ids, rules that can never match, rules fully
    /// shadowed by another, thin reasons, examples decided by another rule, and rules or
    /// regexes that hold much of a sample of everyday commands. Exit 1 on any error.
    ///
    /// Examples:
    ///   interlock rules lint                      # shipped rules and every layer
    ///   interlock rules lint ./team-rules --benign our-commands.txt
    #[command(verbatim_doc_comment)]
    Lint(LintArgs),
}

/// Arguments of `interlock rules lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Ruleset files or directories, alone (default: the shipped rules and every layer).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Everyday commands, one per line, to measure each rule's breadth against (default: the
    /// shipped sample of everyday agent commands).
    #[arg(long, value_name = "FILE")]
    pub benign: Option<PathBuf>,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// One JSON array of findings.
    #[arg(long)]
    pub json: bool,
    /// The layers.
    #[command(flatten)]
    pub layers: LayerArgs,
}

/// Arguments of `interlock rules diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The ruleset before the change (file or directory).
    pub old: PathBuf,
    /// The ruleset after the change.
    pub new: PathBuf,
    /// Commands to judge with both: one `{"cmd": "..."}` (or `{"argv": [...]}`) per line.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "audit_log",
        conflicts_with = "audit_log"
    )]
    pub corpus: Option<PathBuf>,
    /// Judge the commands of an audit log instead (each request once: the record that first
    /// decided it).
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
}

/// Arguments of `interlock rules list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Ruleset files or directories, alone (default: the shipped rules and every layer).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// One JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The layers.
    #[command(flatten)]
    pub layers: LayerArgs,
}

/// Arguments of `interlock rules show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The rule id.
    pub id: String,
    /// Ruleset files or directories, alone (default: the shipped rules and every layer).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The layers.
    #[command(flatten)]
    pub layers: LayerArgs,
}

/// Arguments of `interlock rules test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Ruleset files or directories of `*.toml` files, alone (default: the shipped rules and
    /// every layer's rules and policy).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// A corpus of expectations to check against the rules (repeatable).
    #[arg(long, value_name = "FILE")]
    pub corpus: Vec<PathBuf>,

    /// The layers.
    #[command(flatten)]
    pub layers: LayerArgs,
}

/// Runs `interlock rules ...`.
pub fn run(args: RulesArgs) -> anyhow::Result<ExitStatus> {
    match args.command {
        RulesCommand::Test(args) => test::test(args),
        RulesCommand::List(args) => list::list(args),
        RulesCommand::Show(args) => list::show(args),
        RulesCommand::Diff(args) => diff::diff(args),
        RulesCommand::Lint(args) => lint::lint(args),
    }
}

/// The rules to inspect: the files given, alone; or the shipped rules with every layer that
/// exists for the current directory.
fn load_view(paths: &[PathBuf], layers: &LayerArgs) -> anyhow::Result<Engine> {
    let env = Environment::detect(None, None);
    if !paths.is_empty() {
        let rules = crate::rules::load::from_paths(paths).context("cannot load the rules")?;
        return Ok(Engine::new(rules, env));
    }
    let dirs = layers.dirs(env.paths.workspace.as_deref());
    let layered = layers::load(&[], &dirs).context("cannot load the rule layers")?;
    Ok(Engine::layered(layered, env))
}
