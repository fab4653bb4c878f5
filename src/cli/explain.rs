//! `interlock explain`: for humans, every invocation found in a command, and which rules matched
//! it and why, with each rule's file and line.

use std::io::Write;

use clap::{ArgGroup, Args};

use super::{ExitStatus, RulesetArgs};
use crate::shell::{self, Invocation, StepKind};
use crate::{Engine, Verdict};

/// Arguments of `interlock explain`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("input").required(true).args(["shell", "argv"])))]
pub struct ExplainArgs {
    /// Explain this shell command line.
    #[arg(long, value_name = "TEXT", help_heading = "Input")]
    pub shell: Option<String>,

    /// Rulesets and context.
    #[command(flatten)]
    pub rules: RulesetArgs,

    /// The program and its arguments, exactly as they would be exec'd (after `--`).
    #[arg(last = true, value_name = "PROG ARG")]
    pub argv: Vec<String>,
}

/// Runs `interlock explain`.
pub fn run(args: ExplainArgs) -> anyhow::Result<ExitStatus> {
    let engine = args.rules.engine()?;
    let env = engine.environment();
    let analysis = match &args.shell {
        Some(text) => shell::analyze(text, &env.shell),
        None => shell::analyze_argv(&args.argv, &env.shell),
    };
    let errors = analysis.errors.clone();
    let verdict = engine.classify_analysis(analysis);
    let mut out = std::io::stdout().lock();
    write_explanation(&mut out, &engine, &verdict, &errors)?;
    out.flush()?;
    Ok(verdict.decision.into())
}

fn provenance(inv: &Invocation) -> String {
    let steps: Vec<String> = inv
        .provenance
        .iter()
        .filter(|s| s.kind != StepKind::TopLevel || inv.provenance.len() == 1)
        .map(|s| {
            let kind = serde_json::to_value(s.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            match &s.via {
                Some(via) => format!("{kind} ({via})"),
                None => kind,
            }
        })
        .collect();
    steps.join(" > ")
}

fn write_explanation(
    out: &mut impl Write,
    engine: &Engine,
    v: &Verdict,
    errors: &[String],
) -> std::io::Result<()> {
    let rules = engine.rules();
    let env = engine.environment();
    writeln!(
        out,
        "decision: {} (severity {})",
        v.decision.as_str(),
        v.severity.as_str()
    )?;
    writeln!(out, "reason:   {}", v.reason)?;
    writeln!(
        out,
        "context:  cwd {}, workspace {}, home {}",
        env.shell.cwd.as_deref().unwrap_or("(unknown)"),
        env.paths.workspace.as_deref().unwrap_or("(none)"),
        env.shell.home.as_deref().unwrap_or("(unknown)")
    )?;
    writeln!(out, "rules:    {} loaded", rules.len())?;
    writeln!(out, "layers:   shipped")?;
    for l in engine.layers() {
        let mut parts = Vec::new();
        if !l.rule_files.is_empty() {
            parts.push(format!("{} rule files", l.rule_files.len()));
        }
        if l.policy.is_some() {
            parts.push("policy.toml".to_string());
        }
        if l.tiers.is_some() {
            parts.push("tiers.toml".to_string());
        }
        writeln!(
            out,
            "          {} {} ({})",
            l.layer.as_str(),
            l.dir.display(),
            if parts.is_empty() {
                "empty".to_string()
            } else {
                parts.join(", ")
            }
        )?;
    }
    if !v.layer.is_shipped() {
        writeln!(out, "decided:  by the {} layer", v.layer.as_str())?;
    }
    for e in errors {
        writeln!(out, "error:    {e}")?;
    }
    writeln!(out)?;
    for (i, inv) in v.invocations.iter().enumerate() {
        writeln!(out, "[{i}] {}", inv.display())?;
        writeln!(out, "    via:      {}", provenance(inv))?;
        if let Some(cwd) = &inv.cwd {
            writeln!(out, "    cwd:      {cwd}")?;
        } else {
            writeln!(
                out,
                "    cwd:      (unknown{})",
                if inv.remote { ", remote" } else { "" }
            )?;
        }
        let parsed = rules.parse(inv);
        if !parsed.positionals.is_empty() {
            writeln!(out, "    words:    {}", parsed.positionals.join(" "))?;
        }
        if !parsed.flags.is_empty() {
            let flags: Vec<String> = parsed
                .flags
                .iter()
                .map(|f| match f.value {
                    Some(v) => format!("{}={}", f.name, shell::quote_for_display(v)),
                    None => f.name.to_string(),
                })
                .collect();
            writeln!(out, "    flags:    {}", flags.join(" "))?;
        }
        if parsed.preview {
            writeln!(
                out,
                "    preview:  yes (help, version or dry run): rules skip it unless they say otherwise"
            )?;
        }
        if !inv.opaque.is_empty() {
            let kinds: Vec<&str> = inv.opaque.iter().map(|o| o.as_str()).collect();
            writeln!(out, "    opaque:   {}", kinds.join(", "))?;
        }
        if let Some(script) = &inv.script {
            let first = script.lines().next().unwrap_or("");
            writeln!(
                out,
                "    code:     {first}{}",
                if script.lines().count() > 1 {
                    " …"
                } else {
                    ""
                }
            )?;
        }
        write_considered(out, engine, v, i, inv, &parsed)?;
        writeln!(out)?;
    }
    for m in v.matches.iter().filter(|m| m.invocation.is_none()) {
        writeln!(
            out,
            "whole line: {} → {} ({})",
            m.rule,
            m.decision.as_str(),
            m.severity.as_str()
        )?;
        writeln!(out, "            {}", m.reason)?;
    }
    Ok(())
}

/// Every rule considered for invocation `i`, from every layer: which matched (with the action
/// the layers left it), which a layer turned off or excepted, and which did not match.
fn write_considered(
    out: &mut impl Write,
    engine: &Engine,
    v: &Verdict,
    i: usize,
    inv: &Invocation,
    parsed: &crate::rules::grammar::Parsed<'_>,
) -> std::io::Result<()> {
    let rules = engine.rules();
    let policy = engine.policy();
    let candidates = rules.candidates_at(&v.invocations, i);
    writeln!(out, "    rules considered: {}", candidates.len())?;
    let mut unmatched = Vec::new();
    let considered = candidates.len();
    for r in candidates {
        let (file, line) = rules.location(r);
        let layer = policy.layer_of(rules, r).as_str();
        let at = format!("{layer} {file}:{line}");
        let id = rules.id(r);
        if !rules.matches(r, inv, parsed, &engine.environment().paths) {
            unmatched.push(format!("{id} ({at})"));
            continue;
        }
        let adjusted = v
            .adjustments
            .iter()
            .filter(|a| a.invocation == Some(i) && a.rule == id)
            .collect::<Vec<_>>();
        match v
            .matches
            .iter()
            .find(|m| m.invocation == Some(i) && m.rule == id)
        {
            Some(m) => {
                writeln!(
                    out,
                    "    matched:  {id} → {} ({}) [{at}]{}",
                    m.decision.as_str(),
                    m.severity.as_str(),
                    if m.layer.as_str() == layer {
                        String::new()
                    } else {
                        format!(", action set by the {} layer", m.layer.as_str())
                    }
                )?;
                writeln!(out, "              {}", m.reason)?;
            }
            None => writeln!(out, "    matched:  {id}, not applied [{at}]")?,
        }
        for a in adjusted {
            writeln!(out, "              {}", a.describe())?;
        }
    }
    if unmatched.len() == considered {
        writeln!(out, "    no rule matched")?;
    }
    if unmatched.is_empty() {
        return Ok(());
    }
    writeln!(out, "    did not match:")?;
    for u in unmatched {
        writeln!(out, "              {u}")?;
    }
    Ok(())
}
