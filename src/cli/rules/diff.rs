//! `interlock rules diff`: how verdicts change between two rulesets over a corpus or an audit
//! log, weakenings first, and the rules' text diff.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::Context;
use serde::Deserialize;

use super::DiffArgs;
use crate::cli::ExitStatus;
use crate::rules::{examples, load};
use crate::{Action, Engine, Environment};

/// One command of a diff corpus.
#[derive(Debug, Deserialize)]
struct DiffLine {
    cmd: Option<String>,
    argv: Option<Vec<String>>,
}

fn load_rules(paths: &[PathBuf]) -> anyhow::Result<crate::rules::Ruleset> {
    if paths.is_empty() {
        load::shipped().context("cannot load the shipped rules")
    } else {
        load::from_paths(paths).context("cannot load the rules")
    }
}

pub fn diff(args: DiffArgs) -> anyhow::Result<ExitStatus> {
    let env = || Environment {
        shell: examples::example_shell_context(),
        paths: examples::example_path_env(),
    };
    let old = Engine::new(load_rules(std::slice::from_ref(&args.old))?, env());
    let new = Engine::new(load_rules(std::slice::from_ref(&args.new))?, env());
    let (input, audit) = match (&args.corpus, &args.audit_log) {
        (Some(corpus), _) => (corpus, false),
        (None, Some(log)) => (log, true),
        (None, None) => anyhow::bail!("give --corpus FILE or --audit-log FILE"),
    };
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let (mut weaker, mut stricter, mut changed) =
        (Changes::default(), Changes::default(), Changes::default());
    let mut total = 0usize;
    let mut seen: std::collections::HashMap<Action, (Way, String)> =
        std::collections::HashMap::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line.with_context(|| format!("cannot read {}", input.display()))?;
        let action = if audit {
            match audited_command(&line) {
                Some(action) => action,
                None => continue,
            }
        } else {
            let Ok(entry) = serde_json::from_str::<DiffLine>(&line) else {
                continue;
            };
            match (entry.cmd, entry.argv) {
                (Some(cmd), _) => Action::Shell(cmd),
                (None, Some(argv)) if !argv.is_empty() => Action::Argv(argv),
                _ => continue,
            }
        };
        total += 1;
        // Logs repeat commands: each distinct one is judged once (the cache is bounded).
        if let Some((way, shown)) = seen.get(&action) {
            match way {
                Way::Weaker => weaker.push(shown.clone()),
                Way::Stricter => stricter.push(shown.clone()),
                Way::Changed => changed.push(shown.clone()),
                Way::Same => {}
            }
            continue;
        }
        let (a, b) = (old.classify(&action), new.classify(&action));
        let shown = format!(
            "{}  [{} {} {}] -> [{} {} {}]",
            action.text(),
            a.decision.as_str(),
            a.severity.as_str(),
            a.rules.join(","),
            b.decision.as_str(),
            b.severity.as_str(),
            b.rules.join(",")
        );
        let way = if b.decision < a.decision {
            Way::Weaker
        } else if b.decision > a.decision {
            Way::Stricter
        } else if a.rules != b.rules || a.severity != b.severity {
            Way::Changed
        } else {
            Way::Same
        };
        match way {
            Way::Weaker => weaker.push(shown.clone()),
            Way::Stricter => stricter.push(shown.clone()),
            Way::Changed => changed.push(shown.clone()),
            Way::Same => {}
        }
        if seen.len() < MAX_CACHED {
            seen.insert(action, (way, shown));
        }
    }
    let mut out = std::io::stdout().lock();
    for (title, list) in [
        ("WEAKENED: newly allowed or less strict", &weaker),
        ("newly blocked or stricter", &stricter),
        ("changed rule or severity", &changed),
    ] {
        writeln!(out, "== {title} ({})", list.describe())?;
        for (item, count) in &list.distinct {
            if *count > 1 {
                writeln!(out, "  {item}  (x{count})")?;
            } else {
                writeln!(out, "  {item}")?;
            }
        }
    }
    writeln!(out, "== rules text")?;
    let (old_text, new_text) = (ruleset_text(&args.old)?, ruleset_text(&args.new)?);
    let text = similar::TextDiff::from_lines(&old_text, &new_text);
    write!(
        out,
        "{}",
        text.unified_diff().context_radius(2).header(
            &args.old.display().to_string(),
            &args.new.display().to_string()
        )
    )?;
    writeln!(
        out,
        "{total} commands: {} weakened, {} stricter, {} changed",
        weaker.describe(),
        stricter.describe(),
        changed.describe()
    )?;
    Ok(if weaker.total == 0 {
        ExitStatus::Allow
    } else {
        ExitStatus::Code(1)
    })
}

/// Most distinct commands whose comparison is remembered.
const MAX_CACHED: usize = 200_000;

/// How a command's verdict changed.
#[derive(Clone, Copy)]
enum Way {
    Weaker,
    Stricter,
    Changed,
    Same,
}

/// Commands whose verdict changed one way, each distinct line once with how often it came.
#[derive(Default)]
struct Changes {
    distinct: Vec<(String, usize)>,
    index: std::collections::HashMap<String, usize>,
    total: usize,
}

impl Changes {
    fn push(&mut self, shown: String) {
        self.total += 1;
        match self.index.get(&shown) {
            Some(&i) => self.distinct[i].1 += 1,
            None => {
                self.index.insert(shown.clone(), self.distinct.len());
                self.distinct.push((shown, 1));
            }
        }
    }

    /// `N`, or `N (M distinct)` when commands repeat.
    fn describe(&self) -> String {
        if self.distinct.len() == self.total {
            self.total.to_string()
        } else {
            format!("{} ({} distinct)", self.total, self.distinct.len())
        }
    }
}

/// The command of an audit record that first decided a request (`requested`, `auto_allowed`
/// or `denied`; approvals and exits of the same request are skipped).
fn audited_command(line: &str) -> Option<Action> {
    let record: serde_json::Value = serde_json::from_str(line).ok()?;
    let status = record.get("status")?.as_str()?;
    if !matches!(status, "requested" | "auto_allowed" | "denied") {
        return None;
    }
    let argv: Vec<String> = record
        .pointer("/process/args")?
        .as_array()?
        .iter()
        .map(|a| a.as_str().map(str::to_string))
        .collect::<Option<_>>()?;
    (!argv.is_empty()).then_some(Action::Argv(argv))
}

/// The text of a ruleset file, or of a directory's `*.toml` files in order.
fn ruleset_text(path: &std::path::Path) -> anyhow::Result<String> {
    let files = if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut text = String::new();
    for file in files {
        text.push_str(&format!(
            "# {}\n",
            file.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        ));
        text.push_str(
            &std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?,
        );
    }
    Ok(text)
}
