//! Classification: every invocation of a command against the compiled rules, to one [`Verdict`].
//!
//! Invariant: strictest decision wins across all invocations and rules, and the verdict names
//! every rule that matched. What could not be analysed is never allowed: a parse failure or a
//! line too large to expand is held for confirmation by a built-in rule that no ruleset removes.

use crate::layers::{Layer, Layered, LoadedLayer, Outcome, Policy};
use crate::rules::{PathEnv, Ruleset};
use crate::shell::{self, Analysis, Invocation, ShellContext, StepKind};
use crate::tiers::Tiers;
use crate::verdict::{Adjustment, AdjustmentKind, Decision, RuleMatch, Severity, Verdict};

/// The built-in rule id for a rule that cannot be decoded.
pub const RULESET_ERROR_RULE: &str = "interlock.ruleset-error";

/// The built-in rule id for input that could not be fully parsed.
pub const UNPARSEABLE_RULE: &str = "interlock.unparseable";

/// What enters the pipeline: a command as an agent hands it over.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    /// A shell command line (`bash -c TEXT`).
    Shell(String),
    /// One argv, as seen at exec time.
    Argv(Vec<String>),
}

impl Action {
    /// The command as one line for people: the shell text, or the argv quoted where needed.
    pub fn text(&self) -> String {
        match self {
            Action::Shell(text) => text.clone(),
            Action::Argv(argv) => argv
                .iter()
                .map(|w| crate::shell::quote_for_display(w))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// Where commands run: the directory, the workspace, home and temp dirs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// What the shell front end needs (cwd, `$HOME`, `$TMPDIR`).
    pub shell: ShellContext,
    /// What path classes are computed against.
    pub paths: PathEnv,
}

impl Environment {
    /// The environment of this process: its cwd, `$HOME`, `$TMPDIR`, and the workspace found by
    /// walking up from `cwd` to the nearest directory holding `.git` (or `cwd` itself). A
    /// workspace that would be `/`, `$HOME` or a system directory is not used.
    pub fn detect(cwd: Option<String>, workspace: Option<String>) -> Environment {
        let home = std::env::var("HOME")
            .ok()
            .filter(|h| h.starts_with('/'))
            .map(|h| shell::normalize(&h));
        let tmpdir = std::env::var("TMPDIR")
            .ok()
            .filter(|t| t.starts_with('/'))
            .map(|t| shell::normalize(&t));
        let cwd = cwd
            .or_else(|| {
                std::env::current_dir()
                    .ok()
                    .map(|p| p.to_string_lossy().into_owned())
            })
            .map(|c| shell::normalize(&c));
        let workspace = workspace
            .map(|w| shell::normalize(&w))
            .or_else(|| cwd.as_deref().map(find_workspace));
        let workspace = workspace.filter(|w| usable_workspace(w, home.as_deref()));
        let mut temp_dirs = vec![
            "/tmp".to_string(),
            "/var/tmp".to_string(),
            "/dev/shm".to_string(),
        ];
        if let Some(h) = &home {
            // Caches under home hold only data that tools re-create on demand.
            temp_dirs.extend(HOME_CACHES.iter().map(|c| format!("{h}/{c}")));
        }
        if let Some(t) = &tmpdir
            && !temp_dirs.contains(t)
        {
            temp_dirs.push(t.clone());
        }
        Environment {
            paths: PathEnv {
                workspace,
                home: home.clone(),
                temp_dirs,
                guard_globs: PathEnv::default_guard_globs(home.as_deref()),
            },
            shell: ShellContext {
                cwd,
                home,
                tmpdir,
                programs: Default::default(),
            },
        }
    }
}

/// The program names `rules` are written for and the shimmed ones, sorted.
fn known_programs(rules: &Ruleset) -> std::sync::Arc<[String]> {
    let mut names: Vec<String> = rules
        .program_names()
        .map(str::to_string)
        .chain(crate::intercept::shim::programs().map(str::to_string))
        .collect();
    names.sort_unstable();
    names.dedup();
    names.into()
}

/// Cache directories under `$HOME` treated like temp dirs.
const HOME_CACHES: &[&str] = &[
    ".cache",
    ".npm/_cacache",
    ".npm/_npx",
    ".pnpm-store",
    ".yarn/cache",
    ".gradle/caches",
    ".m2/repository",
    ".cargo/registry",
    ".cargo/git",
    "go/pkg/mod",
    "Library/Caches",
    "Library/Developer/Xcode/DerivedData",
    "Library/Developer/CoreSimulator/Caches",
    ".bun/install/cache",
    ".deno/cache",
    ".nuget/packages",
    ".gem/cache",
    ".composer/cache",
    ".pub-cache",
    ".ivy2/cache",
    ".sbt/boot",
    ".stack/snapshots",
    ".cabal/packages",
];

fn find_workspace(cwd: &str) -> String {
    let mut dir = std::path::PathBuf::from(cwd);
    loop {
        if dir.join(".git").exists() {
            return dir.to_string_lossy().into_owned();
        }
        if !dir.pop() {
            return cwd.to_string();
        }
    }
}

fn usable_workspace(ws: &str, home: Option<&str>) -> bool {
    const TOO_BROAD: &[&str] = &[
        "/", "/home", "/Users", "/root", "/tmp", "/var", "/usr", "/etc", "/opt", "/srv",
    ];
    !TOO_BROAD.contains(&ws) && Some(ws) != home
}

/// The classifier: compiled rules, the layers' policy over them, the environment tiers, and
/// the environment commands run in.
#[derive(Debug)]
pub struct Engine {
    rules: Ruleset,
    policy: Policy,
    tiers: Option<Tiers>,
    layers: Vec<LoadedLayer>,
    env: Environment,
}

/// Provenance steps that count as indirection and raise severity one level.
const INDIRECT: &[StepKind] = &[
    StepKind::ShellString,
    StepKind::Eval,
    StepKind::Remote,
    StepKind::PipedStdin,
    StepKind::Heredoc,
    StepKind::HereString,
    StepKind::InlineCode,
    StepKind::Xargs,
    StepKind::FindExec,
    StepKind::Alias,
];

impl Engine {
    /// An engine over `rules` in `env`.
    pub fn new(rules: Ruleset, env: Environment) -> Engine {
        Engine {
            rules,
            policy: Policy::default(),
            tiers: None,
            layers: Vec::new(),
            env,
        }
        .knowing_programs()
    }

    /// An engine over layered rules (see [`crate::layers::load`]) in `env`.
    pub fn layered(layered: Layered, env: Environment) -> Engine {
        Engine {
            rules: layered.rules,
            policy: layered.policy,
            tiers: layered.tiers,
            layers: layered.layers,
            env,
        }
        .knowing_programs()
    }

    /// Tells the shell analysis which program names the rules know (and the shimmed ones), so
    /// that a globbed program name is judged as each name it matches.
    fn knowing_programs(mut self) -> Engine {
        self.env.shell.programs = known_programs(&self.rules);
        self
    }

    /// `env`'s shell context, with the program names this engine knows (copied only for an
    /// environment other than the engine's own).
    fn shell_in<'e>(&self, env: &'e Environment) -> std::borrow::Cow<'e, ShellContext> {
        if std::sync::Arc::ptr_eq(&env.shell.programs, &self.env.shell.programs) {
            return std::borrow::Cow::Borrowed(&env.shell);
        }
        std::borrow::Cow::Owned(ShellContext {
            programs: self.env.shell.programs.clone(),
            ..env.shell.clone()
        })
    }

    /// The rules.
    pub fn rules(&self) -> &Ruleset {
        &self.rules
    }

    /// What the layers' policy files did to the rules.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The layer directories that were loaded, in order (the shipped layer is implied).
    pub fn layers(&self) -> &[LoadedLayer] {
        &self.layers
    }

    /// The environment tiers in use.
    pub fn tiers(&self) -> &Tiers {
        self.tiers.as_ref().unwrap_or_else(|| Tiers::shipped())
    }

    /// The environment.
    pub fn environment(&self) -> &Environment {
        &self.env
    }

    /// Classifies an action in the engine's environment.
    pub fn classify(&self, action: &Action) -> Verdict {
        self.classify_in(action, &self.env)
    }

    /// Classifies an action as if it ran in `env` (another working directory, for example).
    pub fn classify_in(&self, action: &Action, env: &Environment) -> Verdict {
        let shell = self.shell_in(env);
        let analysis = match action {
            Action::Shell(text) => shell::analyze(text, &shell),
            Action::Argv(argv) => shell::analyze_argv(argv, &shell),
        };
        self.classify_analysis_in(analysis, env)
    }

    /// Classifies a program about to start in `env` with its selecting environment variables
    /// (`AWS_PROFILE`, ...) as read from the exec call.
    pub fn classify_exec(
        &self,
        argv: &[String],
        vars: Vec<(String, String)>,
        env: &Environment,
    ) -> Verdict {
        self.classify_analysis_in(shell::analyze_exec(argv, vars, &self.shell_in(env)), env)
    }

    /// Classifies a shell command line.
    pub fn classify_shell(&self, text: &str) -> Verdict {
        self.classify_analysis(shell::analyze(text, &self.env.shell))
    }

    /// Classifies one argv.
    pub fn classify_argv(&self, argv: &[String]) -> Verdict {
        self.classify_analysis(shell::analyze_argv(argv, &self.env.shell))
    }

    /// Classifies the invocations of an analysis made in the engine's environment.
    pub fn classify_analysis(&self, analysis: Analysis) -> Verdict {
        self.classify_analysis_in(analysis, &self.env)
    }

    fn classify_analysis_in(&self, analysis: Analysis, env: &Environment) -> Verdict {
        let mut matches = Vec::new();
        let mut adjustments = Vec::new();
        for (index, inv) in analysis.invocations.iter().enumerate() {
            let candidates = self.rules.candidates_at(&analysis.invocations, index);
            self.match_invocation(index, inv, candidates, env, &mut matches, &mut adjustments);
        }
        if !analysis.errors.is_empty() {
            matches.push(RuleMatch {
                rule: UNPARSEABLE_RULE.to_string(),
                decision: Decision::Confirm,
                severity: Severity::High,
                declared: Severity::High,
                reason: format!(
                    "The command could not be fully analysed ({}); it is held because what it would run cannot be seen.",
                    analysis.errors.join("; ")
                ),
                invocation: None,
                layer: Layer::Shipped,
            });
        }
        let mut verdict = Verdict::from_matches(analysis.invocations, matches);
        note_adjustments(&mut verdict, adjustments);
        crate::tiers::apply(&mut verdict, self.tiers(), &self.rules);
        verdict
    }

    fn match_invocation(
        &self,
        index: usize,
        inv: &Invocation,
        candidates: Vec<usize>,
        env: &Environment,
        out: &mut Vec<RuleMatch>,
        adjustments: &mut Vec<Adjustment>,
    ) {
        if candidates.is_empty() {
            return;
        }
        let parsed = self.rules.parse(inv);
        let indirect = inv.provenance.iter().any(|s| INDIRECT.contains(&s.kind));
        for i in candidates {
            let rule = match self.rules.compiled(i) {
                Ok(compiled) => compiled.def(),
                Err(why) => {
                    // A rule that cannot be read must not silently stop protecting.
                    out.push(RuleMatch {
                        rule: RULESET_ERROR_RULE.to_string(),
                        decision: Decision::Confirm,
                        severity: Severity::High,
                        declared: Severity::High,
                        reason: format!(
                            "Rule {} cannot be used ({why}); the command is held.",
                            self.rules.id(i)
                        ),
                        invocation: Some(index),
                        layer: Layer::Shipped,
                    });
                    continue;
                }
            };
            if !self.rules.matches(i, inv, &parsed, &env.paths) {
                continue;
            }
            let (action, declared, layer) = match self.policy.judge(&self.rules, i, inv) {
                Outcome::Disabled(origin) => {
                    adjustments.push(Adjustment {
                        rule: rule.id.to_string(),
                        kind: AdjustmentKind::Disabled,
                        layer: origin.layer,
                        at: origin.at.clone(),
                        owner: None,
                        reason: None,
                        expires: None,
                        invocation: Some(index),
                    });
                    continue;
                }
                Outcome::Excepted(exception, origin) => {
                    adjustments.push(exception_note(
                        exception,
                        origin,
                        AdjustmentKind::Exception,
                        index,
                    ));
                    continue;
                }
                Outcome::Applies {
                    action,
                    severity,
                    layer,
                    expired,
                } => {
                    for (exception, origin) in expired {
                        adjustments.push(exception_note(
                            exception,
                            origin,
                            AdjustmentKind::ExpiredException,
                            index,
                        ));
                    }
                    (action, severity, layer)
                }
            };
            let mut severity = declared;
            if parsed.escalated {
                severity = severity.raised();
            }
            if indirect && action != Decision::Allow {
                severity = severity.raised();
            }
            out.push(RuleMatch {
                rule: rule.id.to_string(),
                decision: action,
                severity,
                declared,
                reason: rule.reason.to_string(),
                invocation: Some(index),
                layer,
            });
        }
    }
}

/// The audit note of an exception that applied or has expired.
fn exception_note(
    exception: &crate::layers::Exception,
    origin: &crate::layers::Origin,
    kind: AdjustmentKind,
    index: usize,
) -> Adjustment {
    Adjustment {
        rule: exception.rule.clone(),
        kind,
        layer: origin.layer,
        at: origin.at.clone(),
        owner: Some(exception.owner.clone()),
        reason: Some(exception.reason.clone()),
        expires: Some(exception.expires.to_string()),
        invocation: Some(index),
    }
}

/// Records what the layers turned off or excepted. When that left no rule holding the command,
/// the verdict's reason and layer say so.
fn note_adjustments(verdict: &mut Verdict, adjustments: Vec<Adjustment>) {
    if verdict.matches.is_empty()
        && let Some(first) = adjustments
            .iter()
            .find(|a| a.kind != AdjustmentKind::ExpiredException)
    {
        verdict.layer = first.layer;
        let said: Vec<String> = adjustments
            .iter()
            .filter(|a| a.kind != AdjustmentKind::ExpiredException)
            .map(Adjustment::describe)
            .collect();
        verdict.reason = format!("No rule applies: {}.", said.join("; "));
    }
    verdict.adjustments = adjustments;
}
