//! `interlock check`: classify a shell line, an argv, or a batch of JSON lines.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{ArgGroup, Args};
use serde::Deserialize;

use super::{ExitStatus, RulesetArgs};
use crate::sequence::Sequences;
use crate::{Action, Decision, Engine, Severity, Verdict};

/// Arguments of `interlock check`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("input").required(true).args(["shell", "batch", "argv"])))]
pub struct CheckArgs {
    /// Classify this shell command line, as an agent would hand it to `bash -c`.
    #[arg(long, value_name = "TEXT", help_heading = "Input")]
    pub shell: Option<String>,

    /// Classify one JSON object per line of FILE (`-` for stdin): `{"cmd": "..."}` or
    /// `{"argv": [...]}`, optionally with `"session"` (a name) and `"time"` (milliseconds since
    /// the epoch): lines of one session are judged as one agent's sequence, so a create of
    /// something the session deleted before is escalated (delete-and-recreate) — replay an
    /// audit log this way. Other fields are ignored. Prints one JSON verdict per input line, in
    /// order; a bad line gets a `confirm` verdict saying why and the batch goes on.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub batch: Option<PathBuf>,

    /// Print the verdict as one JSON object: decision, severity, rules, reason, invocations.
    #[arg(long, help_heading = "Output")]
    pub json: bool,

    /// Rulesets and context.
    #[command(flatten)]
    pub rules: RulesetArgs,

    /// The program and its arguments, exactly as they would be exec'd (after `--`).
    #[arg(last = true, value_name = "PROG ARG")]
    pub argv: Vec<String>,
}

/// Runs `interlock check`.
pub fn run(args: CheckArgs) -> anyhow::Result<ExitStatus> {
    let engine = args.rules.engine()?;
    if let Some(path) = &args.batch {
        return batch(&engine, path);
    }
    let action = match args.shell {
        Some(text) => Action::Shell(text),
        None => Action::Argv(args.argv),
    };
    let mut verdict = engine.classify(&action);
    // A saved plan is judged by what it does (the tool's own preview).
    let cwd = engine
        .environment()
        .shell
        .cwd
        .clone()
        .unwrap_or_else(|| ".".into());
    crate::plans::apply(&mut verdict, &cwd);
    // Both halves of a delete-and-recreate can stand in one line.
    Sequences::new().observe(engine.rules(), "", now_ms(), &action.text(), &mut verdict);
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &verdict)?;
        writeln!(out)?;
    } else {
        write_human(&mut out, &verdict)?;
    }
    out.flush()?;
    Ok(verdict.decision.into())
}

fn write_human(out: &mut impl Write, v: &Verdict) -> std::io::Result<()> {
    writeln!(
        out,
        "{} ({}): {}",
        v.decision.as_str(),
        v.severity.as_str(),
        v.reason
    )?;
    if !v.rules.is_empty() {
        writeln!(out, "  rules: {}", v.rules.join(", "))?;
    }
    if !v.layer.is_shipped() {
        writeln!(out, "  decided by the {} layer", v.layer.as_str())?;
    }
    // With no rule left, the reason already names what the layers turned off.
    let expired_only = v.rules.is_empty();
    for a in &v.adjustments {
        if !expired_only || a.kind == crate::verdict::AdjustmentKind::ExpiredException {
            writeln!(out, "  note: {}", a.describe())?;
        }
    }
    Ok(())
}

/// One line of `--batch` input.
#[derive(Debug, Deserialize)]
struct BatchLine {
    cmd: Option<String>,
    argv: Option<Vec<String>>,
    session: Option<String>,
    time: Option<i64>,
}

/// A batch line to classify: the command, and the session it belongs to, if any.
struct Line {
    action: Action,
    session: Option<String>,
    time: Option<i64>,
}

fn batch(engine: &Engine, path: &std::path::Path) -> anyhow::Result<ExitStatus> {
    let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path)
            .with_context(|| format!("cannot open batch input {}", path.display()))?;
        Box::new(std::io::BufReader::new(file))
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut strictest = Decision::Allow;
    let mut sequences = Sequences::new();
    let mut reader = reader;
    let mut line = Vec::new();
    let mut number = 0usize;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        number += 1;
        let verdict = match parse_line(&line) {
            Ok(line) => {
                let mut verdict = engine.classify(&line.action);
                let at = line.time.unwrap_or_else(now_ms);
                let text = line.action.text();
                match &line.session {
                    Some(session) => {
                        sequences.observe(engine.rules(), session, at, &text, &mut verdict)
                    }
                    None => Sequences::new().observe(engine.rules(), "", at, &text, &mut verdict),
                }
                verdict
            }
            Err(why) => bad_line(number, &why),
        };
        strictest = strictest.max(verdict.decision);
        serde_json::to_writer(&mut out, &verdict)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(strictest.into())
}

fn parse_line(raw: &[u8]) -> Result<Line, String> {
    let text = std::str::from_utf8(raw).map_err(|e| format!("the line is not UTF-8 ({e})"))?;
    let text = text.trim_end_matches(['\n', '\r']);
    if text.trim().is_empty() {
        return Err("the line is empty".into());
    }
    let line: BatchLine =
        serde_json::from_str(text).map_err(|e| format!("the line is not a JSON object ({e})"))?;
    let action = match (line.cmd, line.argv) {
        (Some(cmd), _) => Action::Shell(cmd),
        (None, Some(argv)) if !argv.is_empty() => Action::Argv(argv),
        _ => {
            return Err(
                "the object has neither a \"cmd\" string nor a non-empty \"argv\" array".into(),
            );
        }
    };
    Ok(Line {
        action,
        session: line.session,
        time: line.time,
    })
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// The verdict for an input line that cannot be classified: held, never allowed.
fn bad_line(number: usize, why: &str) -> Verdict {
    let mut v = Verdict::from_matches(Vec::new(), Vec::new());
    v.decision = Decision::Confirm;
    v.severity = Severity::Medium;
    v.rules = vec![BAD_INPUT_RULE.to_string()];
    v.reason = format!("Input line {number} cannot be classified: {why}.");
    v
}

/// The rule id of a batch line that could not be read.
pub const BAD_INPUT_RULE: &str = "interlock.bad-input";
