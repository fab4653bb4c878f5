//! Ruleset layers: shipped → organisation (`/etc/interlock`) → project (`.interlock/` in the
//! working tree) → user (`~/.config/interlock`). Each layer directory may hold:
//!
//! - `rules/*.toml`: rules it adds (the ruleset format; their examples must pass);
//! - `policy.toml`: what lower layers may loosen, ordered enable/disable by id glob or tag,
//!   action and severity overrides, and exceptions with owner, reason and expiry
//!   (see [`file`]);
//! - `tiers.toml`: environment names added to tiers (see [`crate::tiers`]).
//!
//! Invariant: a lower layer adds and tightens freely; it loosens only where the organisation
//! layer permits it (see [`policy`]). Anything that does not load is an error, never a skipped
//! layer.

pub mod error;
pub mod file;
pub mod policy;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use error::LayerError;
pub use file::{Approvals, Exception, PolicyFile, Selector, Statement};
pub use policy::{Origin, Outcome, Policy};

use crate::rules::schema::line_of;
use crate::rules::{RulesError, Ruleset, examples, load};
use crate::tiers::Tiers;

/// A ruleset layer, from the most authoritative.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// The rules compiled into interlock (or given with `--ruleset`).
    #[default]
    Shipped,
    /// The organisation's: a system directory, `/etc/interlock` by default.
    Org,
    /// The project's: `.interlock/` at the top of the working tree.
    Project,
    /// The user's: `$XDG_CONFIG_HOME/interlock` or `~/.config/interlock`.
    User,
}

impl Layer {
    /// The layer's name in verdicts and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Shipped => "shipped",
            Layer::Org => "org",
            Layer::Project => "project",
            Layer::User => "user",
        }
    }

    /// Whether this is the shipped layer.
    pub fn is_shipped(&self) -> bool {
        *self == Layer::Shipped
    }
}

/// The directories of the layers below the shipped one (`None`: the layer is not used).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerDirs {
    /// The organisation layer.
    pub org: Option<PathBuf>,
    /// The project layer.
    pub project: Option<PathBuf>,
    /// The user layer.
    pub user: Option<PathBuf>,
}

impl LayerDirs {
    /// The default places: `/etc/interlock`, `WORKSPACE/.interlock`, and
    /// `$XDG_CONFIG_HOME/interlock` (else `$HOME/.config/interlock`).
    pub fn default_for(workspace: Option<&str>) -> LayerDirs {
        let config = std::env::var("XDG_CONFIG_HOME")
            .ok()
            .filter(|d| d.starts_with('/'))
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var("HOME")
                    .ok()
                    .filter(|h| h.starts_with('/'))
                    .map(|h| Path::new(&h).join(".config"))
            });
        LayerDirs {
            org: Some(PathBuf::from("/etc/interlock")),
            project: workspace.map(|w| Path::new(w).join(".interlock")),
            user: config.map(|c| c.join("interlock")),
        }
    }

    fn each(&self) -> [(Layer, Option<&PathBuf>); 3] {
        [
            (Layer::Org, self.org.as_ref()),
            (Layer::Project, self.project.as_ref()),
            (Layer::User, self.user.as_ref()),
        ]
    }
}

/// One layer directory that exists, and what it holds.
#[derive(Debug, Clone, Serialize)]
pub struct LoadedLayer {
    /// The layer.
    pub layer: Layer,
    /// Its directory.
    pub dir: PathBuf,
    /// Its rule files.
    pub rule_files: Vec<PathBuf>,
    /// Its policy file, if any.
    pub policy: Option<PathBuf>,
    /// Its tiers file, if any.
    pub tiers: Option<PathBuf>,
}

/// Rules, the layers' policy over them, and the tiers, as loaded.
#[derive(Debug)]
pub struct Layered {
    /// Every rule of every layer.
    pub rules: Ruleset,
    /// What the layers' policy files did to them.
    pub policy: Policy,
    /// The environment tiers with the layers' additions (`None`: no layer adds any).
    pub tiers: Option<Tiers>,
    /// The layer directories that exist, in order.
    pub layers: Vec<LoadedLayer>,
}

/// Loads the base rules (`base`: ruleset paths, or empty for the shipped rules) and every layer
/// of `dirs` that exists. Layers without rule files cost nothing beyond reading their policy.
pub fn load(base: &[PathBuf], dirs: &LayerDirs) -> Result<Layered, LayerError> {
    load_with(base, dirs, true)
}

/// Like [`load`], without checking the layers' rules or running their examples (`interlock
/// rules test` reports every malformed rule and failing example instead of stopping at the
/// first).
pub fn load_unchecked(base: &[PathBuf], dirs: &LayerDirs) -> Result<Layered, LayerError> {
    load_with(base, dirs, false)
}

fn load_with(base: &[PathBuf], dirs: &LayerDirs, check: bool) -> Result<Layered, LayerError> {
    let layers = discover(dirs)?;
    let (rules, file_layer) = if layers.iter().all(|l| l.rule_files.is_empty()) {
        let rules = match (base.is_empty(), check) {
            (true, _) => load::shipped()?,
            (false, true) => load::from_paths(base)?,
            (false, false) => load::unvalidated(base)?,
        };
        (rules, Vec::new())
    } else {
        let mut files = if base.is_empty() {
            load::shipped()?.source_files()?
        } else {
            load::parse_paths(base)?
        };
        let first_checked = if base.is_empty() { files.len() } else { 1 };
        let mut file_layer = vec![Layer::Shipped; files.len()];
        for l in &layers {
            for path in &l.rule_files {
                files.push(load::parse_file(path)?);
                file_layer.push(l.layer);
            }
        }
        let rules = Ruleset::from_files(&files)?;
        if check {
            rules.validate(first_checked)?;
            examples::check(&rules, first_checked)?;
        }
        (rules, file_layer)
    };

    let mut policies = Vec::new();
    let mut tiers: Option<Tiers> = None;
    let mut approvals = Approvals::default();
    for l in &layers {
        if let Some(path) = &l.policy {
            let text = read(path)?;
            let parsed = file::parse(&path.display().to_string(), &text)?;
            if let Some((line, named)) = &parsed.approvals {
                if l.layer != Layer::Org {
                    return Err(LayerError::Syntax {
                        file: parsed.path.clone(),
                        line: Some(*line),
                        message: format!(
                            "only the org layer names approvers: [approvals] in the {} layer would let it widen who may approve",
                            l.layer.as_str()
                        ),
                    });
                }
                approvals = Approvals {
                    approvers: named.approvers.clone(),
                    allowed_signers: named.allowed_signers.as_ref().map(|p| l.dir.join(p)),
                };
            }
            policies.push((l.layer, parsed));
        }
        if let Some(path) = &l.tiers {
            let text = read(path)?;
            let added: Tiers = toml::from_str(&text).map_err(|e| LayerError::Syntax {
                file: path.display().to_string(),
                line: e.span().map(|s| line_of(&text, s.start)),
                message: e.message().to_string(),
            })?;
            let base = tiers.as_ref().unwrap_or(Tiers::shipped());
            if let Some(name) = base.narrowing(&added) {
                return Err(LayerError::Syntax {
                    file: path.display().to_string(),
                    line: None,
                    message: format!(
                        "`ignore` on the existing tier `{name}` would take names out of it: a layer can only widen a tier (declare a new tier instead)"
                    ),
                });
            }
            tiers = Some(base.extended(added));
        }
    }
    let mut policy = Policy::build(&rules, file_layer, &policies, today())?;
    policy.approvals = approvals;
    Ok(Layered {
        rules,
        policy,
        tiers,
        layers,
    })
}

/// The layer directories of `dirs` that exist, with their files. The organisation layer and
/// its files are checked for ownership and modes.
pub fn discover(dirs: &LayerDirs) -> Result<Vec<LoadedLayer>, LayerError> {
    let mut layers = Vec::new();
    for (layer, dir) in dirs.each() {
        let Some(dir) = dir else { continue };
        if !dir.exists() {
            continue;
        }
        let rules_dir = dir.join("rules");
        let rule_files = if rules_dir.is_dir() {
            load::expand(&rules_dir).or_else(|e| match e {
                RulesError::EmptyDir { .. } => Ok(Vec::new()),
                other => Err(other),
            })?
        } else {
            Vec::new()
        };
        let present = |name: &str| Some(dir.join(name)).filter(|p| p.exists());
        let loaded = LoadedLayer {
            layer,
            dir: dir.clone(),
            rule_files,
            policy: present("policy.toml"),
            tiers: present("tiers.toml"),
        };
        if layer == Layer::Org {
            for path in std::iter::once(&loaded.dir)
                .chain(&loaded.rule_files)
                .chain(&loaded.policy)
                .chain(&loaded.tiers)
            {
                check_owner(layer, path)?;
            }
        }
        layers.push(loaded);
    }
    Ok(layers)
}

/// Today's date (UTC), which decides whether an exception has expired.
fn today() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

fn read(path: &Path) -> Result<String, LayerError> {
    std::fs::read_to_string(path).map_err(|source| LayerError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A layer that may loosen rules must be owned by root or by the user running interlock, and
/// writable by no one else.
fn check_owner(layer: Layer, path: &Path) -> Result<(), LayerError> {
    let meta = std::fs::metadata(path).map_err(|source| LayerError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let me = rustix::process::geteuid().as_raw();
    let why = if meta.uid() != 0 && meta.uid() != me {
        Some(format!("is owned by uid {}", meta.uid()))
    } else if meta.mode() & 0o022 != 0 {
        Some(format!(
            "is writable by its group or others (mode {:o})",
            meta.mode() & 0o7777
        ))
    } else {
        None
    };
    match why {
        Some(why) => Err(LayerError::UnsafeDir {
            layer: layer.as_str(),
            path: path.to_path_buf(),
            why,
        }),
        None => Ok(()),
    }
}
