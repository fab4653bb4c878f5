//! The effect of the layers' policy files on the loaded rules: which rules are off, which
//! actions and severities were changed and by whom, and which exceptions apply.
//!
//! Invariant: a lower layer loosens a rule (turns it off, lowers its action or severity, adds an
//! exception) only when the rule is its own or the organisation layer permits it; otherwise the
//! policy does not load. The shipped layer permits the organisation layer everything, and only
//! the organisation layer grants permits (the project layer is in the agent-writable working
//! tree).

use std::collections::HashMap;

use super::Layer;
use super::error::{LayerError, NotPermitted};
use super::file::{Approvals, Exception, PolicyFile, Selector, Statement};
use crate::level::{Decision, Severity};
use crate::rules::Ruleset;
use crate::rules::pattern::glob_match;
use crate::shell::Invocation;

/// Where a policy statement was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The layer.
    pub layer: Layer,
    /// `file:line` of the statement.
    pub at: String,
}

/// What the layers did to one rule.
#[derive(Debug, Clone, Default)]
struct RuleState {
    disabled: Option<Origin>,
    action: Option<(Decision, Origin)>,
    severity: Option<(Severity, Origin)>,
    exceptions: Vec<(Exception, Origin)>,
}

/// How a rule that matched an invocation applies to it after the layers.
#[derive(Debug)]
pub enum Outcome<'a> {
    /// The rule is turned off.
    Disabled(&'a Origin),
    /// An exception covers this invocation.
    Excepted(&'a Exception, &'a Origin),
    /// The rule applies.
    Applies {
        /// Its action after overrides.
        action: Decision,
        /// Its declared severity after overrides.
        severity: Severity,
        /// The layer that decided the action: the rule's own, or the last that overrode it.
        layer: Layer,
        /// Exceptions that would have covered the invocation but have expired.
        expired: Vec<(&'a Exception, &'a Origin)>,
    },
}

/// The layers' effect on a loaded ruleset. The default changes nothing.
#[derive(Debug, Default)]
pub struct Policy {
    file_layer: Vec<Layer>,
    states: HashMap<usize, RuleState>,
    today: Option<jiff::civil::Date>,
    /// Who may approve, as the organisation layer names them.
    pub(super) approvals: Approvals,
}

impl Policy {
    /// Who may approve besides the session's own user, as the organisation layer names them.
    pub fn approvals(&self) -> &Approvals {
        &self.approvals
    }

    /// The layer that declared rule `i`.
    pub fn layer_of(&self, rules: &Ruleset, i: usize) -> Layer {
        self.file_layer
            .get(rules.file_index(i))
            .copied()
            .unwrap_or_default()
    }

    /// The statement that turned rule `i` off, if it is off.
    pub fn disabled(&self, i: usize) -> Option<&Origin> {
        self.states.get(&i).and_then(|s| s.disabled.as_ref())
    }

    /// Rule `i`'s action and severity after the layers, and the layer that set the action.
    pub fn effective(&self, rules: &Ruleset, i: usize) -> Option<(Decision, Severity, Layer)> {
        let def = rules.rule(i)?;
        let state = self.states.get(&i);
        let action = state.and_then(|s| s.action.as_ref());
        let severity = state.and_then(|s| s.severity.as_ref());
        let layer = action
            .map(|(_, o)| o.layer)
            .or(severity.map(|(_, o)| o.layer))
            .unwrap_or_else(|| self.layer_of(rules, i));
        Some((
            action.map_or(def.action, |(a, _)| *a),
            severity.map_or(def.severity, |(s, _)| *s),
            layer,
        ))
    }

    /// Every exception, with where it was written and whether it has expired.
    pub fn exceptions(&self) -> Vec<(&Exception, &Origin, bool)> {
        let mut all: Vec<_> = self
            .states
            .values()
            .flat_map(|s| s.exceptions.iter())
            .map(|(x, o)| (x, o, self.is_expired(x)))
            .collect();
        all.sort_by(|a, b| a.1.at.cmp(&b.1.at));
        all
    }

    fn is_expired(&self, x: &Exception) -> bool {
        self.today.is_some_and(|today| x.expires < today)
    }

    /// How rule `i`, which matched `inv`, applies to it.
    pub fn judge<'a>(&'a self, rules: &Ruleset, i: usize, inv: &Invocation) -> Outcome<'a> {
        let state = self.states.get(&i);
        if let Some(origin) = state.and_then(|s| s.disabled.as_ref()) {
            return Outcome::Disabled(origin);
        }
        let mut expired = Vec::new();
        for (x, origin) in state.map(|s| s.exceptions.as_slice()).unwrap_or(&[]) {
            if !covers(x, inv) {
                continue;
            }
            if self.is_expired(x) {
                expired.push((x, origin));
            } else {
                return Outcome::Excepted(x, origin);
            }
        }
        let (action, severity, layer) =
            self.effective(rules, i)
                .unwrap_or((Decision::Confirm, Severity::High, Layer::Shipped));
        Outcome::Applies {
            action,
            severity,
            layer,
            expired,
        }
    }

    /// Applies the layers' policy files, in order, to `rules`. `file_layer` gives the layer of
    /// each ruleset file; `today` decides which exceptions have expired.
    pub fn build(
        rules: &Ruleset,
        file_layer: Vec<Layer>,
        policies: &[(Layer, PolicyFile)],
        today: jiff::civil::Date,
    ) -> Result<Policy, LayerError> {
        let mut policy = Policy {
            file_layer,
            states: HashMap::new(),
            today: Some(today),
            approvals: Approvals::default(),
        };
        // Permits granted so far, by the layers above the one being applied.
        let mut permits: Vec<Selector> = Vec::new();
        for (layer, file) in policies {
            // The project layer lives in the working tree the agent writes, and the user layer
            // is last: permits count only from the organisation layer.
            if let Some(line) = file.permit_line
                && *layer != Layer::Org
            {
                return Err(LayerError::Syntax {
                    file: file.path.clone(),
                    line: Some(line),
                    message: format!(
                        "only the org layer grants [permit]: the {} layer cannot let the layers below it loosen rules (the project layer is in the working tree the agent writes)",
                        layer.as_str()
                    ),
                });
            }
            for (line, statement) in &file.statements {
                let origin = Origin {
                    layer: *layer,
                    at: format!("{}:{line}", file.path),
                };
                policy.apply(rules, &permits, statement, origin, *line, &file.path)?;
            }
            permits.extend(file.permits.iter().cloned());
        }
        Ok(policy)
    }

    fn apply(
        &mut self,
        rules: &Ruleset,
        permits: &[Selector],
        statement: &Statement,
        origin: Origin,
        line: u32,
        path: &str,
    ) -> Result<(), LayerError> {
        let layer = origin.layer;
        let check = |policy: &Policy, i: usize, what: &'static str| {
            policy.check_loosening(rules, permits, layer, i, what, path, line)
        };
        let no_such = |selector: String| LayerError::NoSuchRule {
            file: path.to_string(),
            line,
            selector,
        };
        match statement {
            Statement::Disable(sel) => {
                let hits = selected(rules, sel);
                if hits.is_empty() {
                    return Err(no_such(sel.to_string()));
                }
                for i in hits {
                    if self.disabled(i).is_none() {
                        check(self, i, "disable")?;
                        self.states.entry(i).or_default().disabled = Some(origin.clone());
                    }
                }
            }
            Statement::Enable(sel) => {
                let hits = selected(rules, sel);
                if hits.is_empty() {
                    return Err(no_such(sel.to_string()));
                }
                for i in hits {
                    if let Some(state) = self.states.get_mut(&i) {
                        state.disabled = None;
                    }
                }
            }
            Statement::Override {
                rule,
                action,
                severity,
            } => {
                let hits = selected(rules, rule);
                if hits.is_empty() {
                    return Err(no_such(rule.to_string()));
                }
                for i in hits {
                    let Some((now_action, now_severity, _)) = self.effective(rules, i) else {
                        continue;
                    };
                    if let Some(a) = action {
                        if *a < now_action {
                            check(self, i, "lower the action of")?;
                        }
                        self.states.entry(i).or_default().action = Some((*a, origin.clone()));
                    }
                    if let Some(s) = severity {
                        if *s < now_severity {
                            check(self, i, "lower the severity of")?;
                        }
                        self.states.entry(i).or_default().severity = Some((*s, origin.clone()));
                    }
                }
            }
            Statement::Exception(x) => {
                let Some(i) = rules.find(&x.rule) else {
                    return Err(no_such(x.rule.clone()));
                };
                check(self, i, "add an exception to")?;
                self.states
                    .entry(i)
                    .or_default()
                    .exceptions
                    .push((x.clone(), origin));
            }
        }
        Ok(())
    }

    /// Whether `layer` may loosen rule `i`: its own rules always; the organisation layer every
    /// shipped rule; any other only where the organisation layer's `[permit] loosen` names it.
    #[allow(clippy::too_many_arguments)]
    fn check_loosening(
        &self,
        rules: &Ruleset,
        permits: &[Selector],
        layer: Layer,
        i: usize,
        what: &'static str,
        path: &str,
        line: u32,
    ) -> Result<(), LayerError> {
        let owner = self.layer_of(rules, i);
        if owner == layer || layer == Layer::Org || permits.iter().any(|p| selects(rules, p, i)) {
            return Ok(());
        }
        let (file, decl_line) = rules.location(i);
        Err(LayerError::NotPermitted(Box::new(NotPermitted {
            file: path.to_string(),
            line,
            layer: layer.as_str(),
            what,
            rule: rules.id(i).to_string(),
            severity: rules.rule(i).map_or("?", |d| d.severity.as_str()),
            owner: owner.as_str(),
            declared: format!("{file}:{decl_line}"),
        })))
    }
}

/// Whether exception `x` describes invocation `inv`. Invocations with words only known at run
/// time (`$VAR`, `$(...)`) are never covered: what they run cannot be compared.
fn covers(x: &Exception, inv: &Invocation) -> bool {
    if inv.args.iter().any(|a| a.dynamic) {
        return false;
    }
    if let Some(glob) = &x.command {
        let mut words = vec![inv.program_name()];
        words.extend(inv.args.iter().skip(1).map(|a| a.text.as_str()));
        if !glob_match(glob, &words.join(" ")) {
            return false;
        }
    }
    if let Some(glob) = &x.cwd {
        match &inv.cwd {
            Some(cwd) if !inv.remote && glob_match(glob, cwd) => {}
            _ => return false,
        }
    }
    true
}

/// Whether selector `sel` names rule `i`.
fn selects(rules: &Ruleset, sel: &Selector, i: usize) -> bool {
    match sel {
        Selector::Id(glob) => glob_match(glob, rules.id(i)),
        Selector::Tag(tag) => rules
            .rule(i)
            .is_some_and(|d| d.tags.iter().any(|t| t.as_str() == tag)),
    }
}

/// Every rule `sel` names.
fn selected(rules: &Ruleset, sel: &Selector) -> Vec<usize> {
    rules
        .indices()
        .filter(|&i| selects(rules, sel, i))
        .collect()
}
