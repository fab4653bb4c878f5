//! Process listings handed to a command that signals what it is given: `ps -e | xargs kill -9`,
//! `kill -9 $(ps aux | awk '{print $2}')`, `Get-Process | Stop-Process -Force`. A listing no
//! filter narrows holds every process (of the machine, a user or the terminal, the agent's own
//! shell among them), so the command is judged as signalling every process it may, as
//! `kill -1` and `Stop-Process -Name *` spell it.

use super::invocation::Arg;
use super::walk::Stdin;

/// Whether `ps` (or PowerShell's `Get-Process`/`gps`) run with `rest` lists processes no option
/// or operand narrows by id, command or name (`ps aux`, `ps -e -o pid=`, `ps -u "$USER"`, plain
/// `ps`; not `ps -p 123`, `ps -C node`, `Get-Process -Name node`).
pub fn lists_every_process(name: &str, rest: &[Arg]) -> bool {
    if name == "ps" {
        // Options whose value follows (`-u "$USER"`, `-o pid`): the value is no process id.
        const VALUED: &[&str] = &[
            "-u", "-U", "-g", "-G", "-o", "-O", "-t", "-k", "--user", "--format", "--sort",
        ];
        let is_value =
            std::iter::once(false).chain(rest.iter().map(|a| VALUED.contains(&a.text.as_str())));
        return !rest
            .iter()
            .zip(is_value)
            .any(|(a, is_value)| !is_value && narrows_ps(a));
    }
    let cmdlet = ["get-process", "gps"]
        .iter()
        .any(|c| name.eq_ignore_ascii_case(c));
    cmdlet
        && !rest.iter().any(|a| {
            let t = a.text.to_ascii_lowercase();
            !t.starts_with('-')
                || ["-name", "-id", "-inputobject", "-n", "-i"]
                    .iter()
                    .any(|p| t.starts_with(p) && !t.starts_with("-includeusername"))
        })
}

/// Whether word `a` of `ps` selects some processes only: by id (`-p 12`, `-p12`, `--pid=4`, an
/// id operand, a word known only at run time), by command (`-C node`), by parent or session.
fn narrows_ps(a: &Arg) -> bool {
    const NARROWING: &[&str] = &[
        "-p",
        "--pid",
        "p",
        "-q",
        "--quick-pid",
        "q",
        "-C",
        "--ppid",
        "--sid",
        "-s",
    ];
    let t = a.text.as_str();
    let attached = ["-p", "-C", "-q"].iter().any(|f| {
        t.strip_prefix(f)
            .is_some_and(|v| !v.is_empty() && !v.bytes().all(|b| b.is_ascii_alphabetic()))
    });
    NARROWING.contains(&t)
        || NARROWING
            .iter()
            .any(|n| n.starts_with("--") && t.starts_with(&format!("{n}=")))
        || attached
        || !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
        || a.dynamic && !t.starts_with('-')
}

/// Whether the filter `name` run with `rest` passes on every line of a process listing (it
/// reformats, sorts or cuts columns, skips a header, or drops only what a negated match
/// names): `awk '{print $2}'`, `awk 'NR>1 {print $1}'`, `cut -c1-5`, `tail -n +2`,
/// `grep -v grep`, `Select-Object Id`, `Where-Object { $_.Id -ne $PID }`. A filter that keeps
/// only some lines (`grep node`, `awk '/node/ {print $2}'`) narrows it.
pub fn passes_every_line(name: &str, rest: &[Arg]) -> bool {
    match name {
        "awk" | "gawk" | "mawk" | "nawk" => {
            let mut words = rest.iter();
            let mut program = None;
            while let Some(a) = words.next() {
                match a.text.as_str() {
                    "-F" | "-v" | "-f" => {
                        words.next();
                    }
                    t if t.starts_with('-') => {}
                    _ => {
                        program = Some(a);
                        break;
                    }
                }
            }
            program.is_some_and(|p| {
                let pattern = p.text.split('{').next().unwrap_or_default();
                p.text.contains('{')
                    && pattern
                        .chars()
                        .all(|c| "NRF<>=! \t".contains(c) || c.is_ascii_digit())
            })
        }
        "cut" | "tr" | "sort" | "uniq" | "column" | "head" | "tail" => true,
        "sed" => !rest.iter().any(|a| a.text == "-n" || a.text == "--quiet"),
        "grep" | "egrep" | "fgrep" => rest
            .iter()
            .any(|a| a.text == "-v" || a.text == "--invert-match"),
        _ if ["select-object", "select", "sort-object", "sort"]
            .iter()
            .any(|c| name.eq_ignore_ascii_case(c)) =>
        {
            true
        }
        _ if ["where-object", "where", "?"]
            .iter()
            .any(|c| name.eq_ignore_ascii_case(c)) =>
        {
            let operators: Vec<String> = rest
                .iter()
                .flat_map(|a| a.text.split_whitespace())
                .map(str::to_ascii_lowercase)
                .filter(|w| w.starts_with('-') && w != "-filterscript")
                .collect();
            !operators.is_empty()
                && operators
                    .iter()
                    .all(|op| ["-ne", "-notmatch", "-notlike"].contains(&op.as_str()))
        }
        _ => false,
    }
}

/// Names what a command given a process listing signals: `kill` given every process's id (by a
/// command substitution that lists them, `kill -9 $(ps -e -o pid=)`) and `Stop-Process` (or
/// `spps`) given every process through the pipeline are judged as the spellings that signal
/// every process, `kill -1` and `Stop-Process -Name *`: implied words, which for `kill` take
/// the place of the substitution (the real argv's ids).
pub fn name_every_process(args: &mut Vec<Arg>, stdin: Option<&Stdin>) {
    let Some(program) = args.first() else { return };
    let name = program.text.rsplit(['/', '\\']).next().unwrap_or_default();
    if name == "kill" {
        // The substitution's words are the process ids: it stands for `-1`, which names them
        // all (and only as the last word is `-1` a process id rather than a signal).
        let listing = args.iter().skip(1).position(|a| {
            a.dynamic
                && a.text
                    .strip_prefix("$(")
                    .and_then(|t| t.strip_suffix(')'))
                    .is_some_and(substitution_lists_every_process)
        });
        if let Some(k) = listing {
            args.remove(k + 1);
            args.push(Arg::implied("-1"));
        }
        return;
    }
    // Checked first, and cheaply: this runs for every invocation the analysis finds.
    let stops = matches!(stdin, Some(Stdin::Processes))
        && ["stop-process", "spps"]
            .iter()
            .any(|c| name.eq_ignore_ascii_case(c));
    if !stops {
        return;
    }
    let named = args.iter().skip(1).any(|a| {
        let t = a.text.to_ascii_lowercase();
        !t.starts_with('-') || t.starts_with("-n") || t.starts_with("-i")
    });
    if !named {
        args.push(Arg::implied("-Name"));
        args.push(Arg::implied("*"));
    }
}

/// Whether the command substitution `text` prints a listing of every process: one pipeline of
/// a listing ([`lists_every_process`]) and filters that keep every line
/// ([`passes_every_line`]), `ps -e -o pid=` or `ps aux | grep -v grep | awk '{print $2}'`.
fn substitution_lists_every_process(text: &str) -> bool {
    if !text.trim_start().starts_with(['p', 'P', 'g', 'G']) {
        return false;
    }
    let analysis = super::analyze(text, &super::ShellContext::default());
    if !analysis.errors.is_empty() {
        return false;
    }
    let mut output: Option<Stdin> = None;
    for inv in &analysis.invocations {
        let nested = inv.provenance.iter().any(|s| {
            !matches!(
                s.kind,
                super::invocation::StepKind::TopLevel | super::invocation::StepKind::Pipeline
            )
        });
        if nested {
            return false;
        }
        output = super::producer::producer_output(inv, output.as_ref());
    }
    matches!(output, Some(Stdin::Processes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Arg> {
        text.split_whitespace().map(Arg::literal).collect()
    }

    #[test]
    fn listings_of_every_process_and_narrowed_ones() {
        for every in ["", "aux", "-e -o pid=", "-ef", "-u bob -o pid", "-A"] {
            assert!(lists_every_process("ps", &words(every)), "ps {every}");
        }
        for narrowed in [
            "-p 12", "-p12", "-C node", "--pid=4", "12", "-q 3", "--ppid 1",
        ] {
            assert!(
                !lists_every_process("ps", &words(narrowed)),
                "ps {narrowed}"
            );
        }
        assert!(lists_every_process("Get-Process", &[]));
        assert!(!lists_every_process("Get-Process", &words("-Name node")));
        assert!(!lists_every_process("gps", &words("node")));
    }

    #[test]
    fn kill_given_every_process_is_named_as_kill_minus_one() {
        // The implied words of the line's last invocation (the outer command).
        let named = |line: &str| {
            let analysis = super::super::analyze(line, &super::super::ShellContext::default());
            let outer = analysis.invocations.last().expect("an invocation");
            outer
                .args
                .iter()
                .filter(|a| a.implied)
                .map(|a| a.text.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(named("kill -9 $(ps -e -o pid=)"), ["-1"]);
        assert_eq!(named("kill $(ps -u \"$USER\" -o pid=)"), ["-1"]);
        assert_eq!(
            named("kill `ps aux | grep -v grep | awk '{print $2}'`"),
            ["-1"]
        );
        assert!(named("kill $(ps aux | grep node | awk '{print $2}')").is_empty());
        assert!(named("kill $(pgrep node)").is_empty());
        assert!(named("kill $(cat pid)").is_empty());
        assert_eq!(named("Get-Process | Stop-Process -Force"), ["-Name", "*"]);
        assert_eq!(named("ps aux | awk '{print $2}' | xargs kill -9"), ["-1"]);
        assert!(named("cat ids | Stop-Process -Force").is_empty());
    }

    #[test]
    fn filters_that_keep_every_line_and_those_that_narrow() {
        for keeps in [
            ("awk", "{print $2}"),
            ("awk", "NR>1{print $1}"),
            ("awk", "-F : {print $1}"),
            ("cut", "-c1-5"),
            ("tail", "-n +2"),
            ("grep", "-v grep"),
            ("sed", "1d"),
            ("Where-Object", "{ $_.Id -ne $PID }"),
            ("Select-Object", "Id"),
        ] {
            assert!(passes_every_line(keeps.0, &words(keeps.1)), "{keeps:?}");
        }
        for narrows in [
            ("grep", "node"),
            ("awk", "/node/ {print $2}"),
            ("awk", "$11 ~ /vite/ {print $2}"),
            ("sed", "-n /node/p"),
            ("Where-Object", "{ $_.Name -eq \"node\" }"),
            ("jq", "."),
        ] {
            assert!(
                !passes_every_line(narrows.0, &words(narrows.1)),
                "{narrows:?}"
            );
        }
    }
}
