//! `interlock rules list` and `interlock rules show`: what is loaded, from where, and whether
//! it is enabled.

use std::io::Write;

use serde::Serialize;

use super::{ListArgs, ShowArgs, load_view};
use crate::cli::ExitStatus;

/// One rule as `rules list --json` prints it.
#[derive(Debug, Serialize)]
struct Listed<'a> {
    id: &'a str,
    action: &'static str,
    severity: &'static str,
    programs: Vec<&'a str>,
    tags: Vec<&'a str>,
    layer: &'static str,
    file: &'a str,
    line: u32,
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    disabled_by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action_set_by: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    exceptions: Vec<ListedException<'a>>,
}

/// One exception of a rule, as `rules list --json` prints it.
#[derive(Debug, Serialize)]
struct ListedException<'a> {
    layer: &'static str,
    at: &'a str,
    owner: &'a str,
    reason: &'a str,
    command: Option<&'a str>,
    cwd: Option<&'a str>,
    expires: String,
    expired: bool,
}

/// Runs `interlock rules list`.
pub fn list(args: ListArgs) -> anyhow::Result<ExitStatus> {
    let engine = load_view(&args.paths, &args.layers)?;
    let (rules, policy) = (engine.rules(), engine.policy());
    let exceptions = policy.exceptions();
    let mut rows = Vec::new();
    for i in rules.indices() {
        let (file, line) = rules.location(i);
        let def = rules
            .compiled(i)
            .map_err(|e| anyhow::anyhow!("rule {} cannot be read: {e}", rules.id(i)))?
            .def();
        let layer = policy.layer_of(rules, i);
        let (action, severity, set_by) =
            policy
                .effective(rules, i)
                .unwrap_or((def.action, def.severity, layer));
        rows.push(Listed {
            id: def.id.as_str(),
            action: action.as_str(),
            severity: severity.as_str(),
            programs: def
                .program
                .iter()
                .chain(def.programs.iter())
                .map(|p| p.as_str())
                .collect(),
            tags: def.tags.iter().map(|t| t.as_str()).collect(),
            layer: layer.as_str(),
            file,
            line,
            enabled: policy.disabled(i).is_none(),
            disabled_by: policy.disabled(i).map(|o| o.at.as_str()),
            action_set_by: (set_by != layer).then_some(set_by.as_str()),
            exceptions: exceptions
                .iter()
                .filter(|(x, _, _)| x.rule == def.id.as_str())
                .map(|(x, o, expired)| ListedException {
                    layer: o.layer.as_str(),
                    at: &o.at,
                    owner: &x.owner,
                    reason: &x.reason,
                    command: x.command.as_deref(),
                    cwd: x.cwd.as_deref(),
                    expires: x.expires.to_string(),
                    expired: *expired,
                })
                .collect(),
        });
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &rows)?;
        writeln!(out)?;
        return Ok(ExitStatus::Allow);
    }
    for r in &rows {
        let state = match (r.disabled_by, r.action_set_by) {
            (Some(at), _) => format!("  DISABLED by {at}"),
            (None, Some(layer)) => format!("  (action set by the {layer} layer)"),
            (None, None) => String::new(),
        };
        writeln!(
            out,
            "{:<44} {:<8} {:<9} {:<24} {:<8} {}:{}{state}",
            r.id,
            r.action,
            r.severity,
            r.programs.join(","),
            r.layer,
            r.file,
            r.line
        )?;
    }
    let disabled = rows.iter().filter(|r| !r.enabled).count();
    writeln!(out, "{} rules, {disabled} disabled", rows.len())?;
    for (x, origin, expired) in &exceptions {
        writeln!(
            out,
            "exception {} [{} layer, {}]: {} {}{}; owner {}, {} {}: {}",
            x.rule,
            origin.layer.as_str(),
            origin.at,
            x.command.as_deref().unwrap_or("any command"),
            if x.cwd.is_some() { "in " } else { "" },
            x.cwd.as_deref().unwrap_or(""),
            x.owner,
            if *expired { "EXPIRED after" } else { "until" },
            x.expires,
            x.reason
        )?;
    }
    Ok(ExitStatus::Allow)
}

/// Runs `interlock rules show`.
pub fn show(args: ShowArgs) -> anyhow::Result<ExitStatus> {
    let engine = load_view(&args.paths, &args.layers)?;
    let (rules, policy) = (engine.rules(), engine.policy());
    let Some(i) = rules.find(&args.id) else {
        anyhow::bail!(
            "no rule {} is loaded; `interlock rules list` shows the ids",
            args.id
        );
    };
    let (file, line) = rules.location(i);
    let def = rules
        .compiled(i)
        .map_err(|e| anyhow::anyhow!("rule {} cannot be read: {e}", args.id))?
        .def();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "# {file}:{line} ({} layer)",
        policy.layer_of(rules, i).as_str()
    )?;
    if let Some(origin) = policy.disabled(i) {
        writeln!(
            out,
            "# DISABLED by the {} layer at {}",
            origin.layer.as_str(),
            origin.at
        )?;
    }
    if let Some((action, severity, layer)) = policy.effective(rules, i)
        && (action != def.action || severity != def.severity)
    {
        writeln!(
            out,
            "# the {} layer sets action {} and severity {}",
            layer.as_str(),
            action.as_str(),
            severity.as_str()
        )?;
    }
    for (x, origin, expired) in policy.exceptions() {
        if x.rule == args.id {
            writeln!(
                out,
                "# exception at {} ({} layer, owner {}, {} {}): {}",
                origin.at,
                origin.layer.as_str(),
                x.owner,
                if expired { "EXPIRED after" } else { "until" },
                x.expires,
                x.reason
            )?;
        }
    }
    writeln!(out, "{}", serde_json::to_string_pretty(def)?)?;
    Ok(ExitStatus::Allow)
}
