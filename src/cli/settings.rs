//! Flags shared by subcommands that classify, and the engine they build.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::layers::{self, LayerDirs};
use crate::rules::load;
use crate::{Engine, Environment};

/// Where the ruleset layers below the shipped one live.
#[derive(Debug, Clone, Args)]
pub struct LayerArgs {
    /// The organisation layer: rules/*.toml, policy.toml, tiers.toml. It must be owned by root
    /// (or you) and writable by no one else.
    #[arg(
        long,
        value_name = "DIR",
        env = "INTERLOCK_ORG_DIR",
        default_value = "/etc/interlock",
        help_heading = "Layers"
    )]
    pub org_dir: PathBuf,

    /// The project layer [default: WORKSPACE/.interlock].
    #[arg(long, value_name = "DIR", help_heading = "Layers")]
    pub project_dir: Option<PathBuf>,

    /// The user layer [default: $XDG_CONFIG_HOME/interlock, else ~/.config/interlock].
    #[arg(long, value_name = "DIR", help_heading = "Layers")]
    pub user_dir: Option<PathBuf>,

    /// Use the shipped rules (or --ruleset) alone: no organisation, project or user layer.
    #[arg(long, help_heading = "Layers")]
    pub no_layers: bool,
}

impl LayerArgs {
    /// The layer directories for a working tree (`None`: no layer is used with `--no-layers`).
    pub fn dirs(&self, workspace: Option<&str>) -> LayerDirs {
        if self.no_layers {
            return LayerDirs::default();
        }
        let defaults = LayerDirs::default_for(workspace);
        LayerDirs {
            org: Some(self.org_dir.clone()),
            project: self.project_dir.clone().or(defaults.project),
            user: self.user_dir.clone().or(defaults.user),
        }
    }
}

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

    /// The ruleset layers.
    #[command(flatten)]
    pub layers: LayerArgs,
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
        let workspace = self.workspace.as_ref().map(|p| absolute(p)).transpose()?;
        let env = Environment::detect(cwd, workspace);
        let dirs = self.layers.dirs(env.paths.workspace.as_deref());
        if dirs == LayerDirs::default() {
            let rules = if self.rulesets.is_empty() {
                load::shipped().context("cannot load the built-in rulesets")?
            } else {
                load::from_paths(&self.rulesets).context("cannot load rulesets")?
            };
            return Ok(Engine::new(rules, env));
        }
        let layered = layers::load(&self.rulesets, &dirs).context("cannot load the rule layers")?;
        Ok(Engine::layered(layered, env))
    }
}

fn absolute(p: &std::path::Path) -> anyhow::Result<String> {
    let abs = std::path::absolute(p).with_context(|| format!("cannot resolve {}", p.display()))?;
    Ok(abs.to_string_lossy().into_owned())
}
