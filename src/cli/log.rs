//! `interlock log`: the audit log as a table, or as JSON lines, filtered.

use std::io::{BufRead, Write};

use anyhow::Context;
use clap::Args;
use serde_json::Value;

use super::ExitStatus;
use super::audit::LogLocation;
use crate::Decision;

/// Arguments of `interlock log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Where the log is.
    #[command(flatten)]
    pub location: LogLocation,

    /// Print matching records as JSON lines, unchanged.
    #[arg(long)]
    pub json: bool,

    /// Only records since this time: a duration back from now (`30m`, `2h`, `1d`) or a
    /// timestamp (`2026-11-26T09:00:00Z`).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,

    /// Only records with this decision.
    #[arg(long, value_name = "DECISION", value_parser = ["allow", "confirm", "deny"])]
    pub decision: Option<String>,

    /// Only records of this request.
    #[arg(long, value_name = "ID")]
    pub request: Option<String>,
}

fn since_millis(when: &str) -> anyhow::Result<i64> {
    if let Ok(ts) = when.parse::<jiff::Timestamp>() {
        return Ok(ts.as_millisecond());
    }
    let span: jiff::Span = when
        .parse()
        .with_context(|| format!("--since {when:?}: expected a duration such as 30m, 2h, 1d, or a timestamp such as 2026-11-26T09:00:00Z"))?;
    let now = jiff::Zoned::now();
    let then = now
        .checked_sub(span)
        .with_context(|| format!("--since {when:?} is out of range"))?;
    Ok(then.timestamp().as_millisecond())
}

/// Runs `interlock log`.
pub fn run(args: LogArgs) -> anyhow::Result<ExitStatus> {
    let path = args.location.path()?;
    let since = args.since.as_deref().map(since_millis).transpose()?;
    let file = std::fs::File::open(&path)
        .with_context(|| format!("cannot open the audit log {}", path.display()))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if !args.json {
        writeln!(
            out,
            "{:<24} {:<13} {:<8} {:<9} {:<12} {:<32} COMMAND",
            "TIME", "STATUS", "DECISION", "SEVERITY", "REQUEST", "RULE"
        )?;
    }
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        let Ok(record) = serde_json::from_str::<Value>(&line) else {
            writeln!(
                out,
                "line {}: not a JSON record (run `interlock audit verify`)",
                n + 1
            )?;
            continue;
        };
        let time = record["time"].as_i64().unwrap_or(0);
        if since.is_some_and(|s| time < s) {
            continue;
        }
        if args
            .decision
            .as_deref()
            .is_some_and(|d| record["decision"] != d)
        {
            continue;
        }
        let request = record
            .pointer("/metadata/correlation_uid")
            .and_then(Value::as_str)
            .unwrap_or("");
        if args.request.as_deref().is_some_and(|r| r != request) {
            continue;
        }
        if args.json {
            writeln!(out, "{line}")?;
            continue;
        }
        let when = jiff::Timestamp::from_millisecond(time)
            .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default();
        let severity = match record["severity_id"].as_u64() {
            Some(1) => "info",
            Some(2) => "low",
            Some(3) => "medium",
            Some(4) => "high",
            Some(5) => "critical",
            _ => "?",
        };
        let decision = serde_json::from_value::<Decision>(record["decision"].clone())
            .map(Decision::as_str)
            .unwrap_or("?");
        writeln!(
            out,
            "{:<24} {:<13} {:<8} {:<9} {:<12} {:<32} {}",
            when,
            record["status"].as_str().unwrap_or("?"),
            decision,
            severity,
            request,
            record
                .pointer("/policy/uid")
                .and_then(Value::as_str)
                .unwrap_or(""),
            record
                .pointer("/process/cmd_line")
                .and_then(Value::as_str)
                .unwrap_or(""),
        )?;
    }
    out.flush()?;
    Ok(ExitStatus::Allow)
}
