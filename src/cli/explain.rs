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
        let matched: Vec<_> = v
            .matches
            .iter()
            .filter(|m| m.invocation == Some(i))
            .collect();
        if matched.is_empty() {
            writeln!(out, "    no rule matched")?;
        }
        for m in matched {
            let at = rules
                .find(&m.rule)
                .map(|r| {
                    let (file, line) = rules.location(r);
                    format!(" at {file}:{line}")
                })
                .unwrap_or_default();
            writeln!(
                out,
                "    matched:  {} → {} ({}){at}",
                m.rule,
                m.decision.as_str(),
                m.severity.as_str()
            )?;
            writeln!(out, "              {}", m.reason)?;
        }
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
