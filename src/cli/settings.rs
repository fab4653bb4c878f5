//! Flags shared by subcommands that classify, and the engine they build.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::rules::load;
use crate::{Engine, Environment};

/// Which rules to use and where commands run.
#[derive(Debug, Clone, Args)]
pub struct RulesetArgs {
    /// Use the rules of this ruleset file or directory of `*.toml` files instead of the
    /// shipped ones (repeatable). Program grammars always come from the shipped rulesets.
    /// Every rule's inline examples are checked when it loads.
    #[arg(long = "ruleset", value_name = "PATH", help_heading = "Rulesets")]
    pub rulesets: Vec<PathBuf>,

    /// Judge paths as if the command ran in DIR (default: the current directory).
    #[arg(long, value_name = "DIR", help_heading = "Context")]
    pub cwd: Option<PathBuf>,

    /// The working tree whose files the agent may delete (default: the nearest parent of the
    /// working directory that holds `.git`, else the working directory).
    #[arg(long, value_name = "DIR", help_heading = "Context")]
    pub workspace: Option<PathBuf>,
}

impl RulesetArgs {
    /// Loads the rules and detects the environment.
    pub fn engine(&self) -> anyhow::Result<Engine> {
        let cwd = self.cwd.as_ref().map(|p| absolute(p)).transpose()?;
        self.engine_in(cwd)
    }

    /// Loads the rules and detects the environment of commands run in `cwd` (an absolute path;
    /// `None`: the current directory), with the `--workspace` given, if any.
    pub fn engine_in(&self, cwd: Option<String>) -> anyhow::Result<Engine> {
        let rules = if self.rulesets.is_empty() {
            load::shipped().context("cannot load the built-in rulesets")?
        } else {
            load::from_paths(&self.rulesets).context("cannot load rulesets")?
        };
        let workspace = self.workspace.as_ref().map(|p| absolute(p)).transpose()?;
        Ok(Engine::new(rules, Environment::detect(cwd, workspace)))
    }
}

fn absolute(p: &std::path::Path) -> anyhow::Result<String> {
    let abs = std::path::absolute(p).with_context(|| format!("cannot resolve {}", p.display()))?;
    Ok(abs.to_string_lossy().into_owned())
}
