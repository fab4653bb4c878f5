//! Windows ways of running a command: `cmd /c COMMAND`, `start [options] PROGRAM ARGS`,
//! `runas /user:NAME "COMMAND"`, PowerShell's `Start-Process PROGRAM -ArgumentList ...` and
//! script blocks (`Invoke-Command -ScriptBlock { ... }`, `Start-Job { ... }`).
//! Their syntax for a simple command and `&`, `&&`, `||`, `|` is the shell's, so the command
//! is walked as shell; text that only they parse is left to the rules on the launcher itself.

use super::{shell_string, wrapper};
use crate::shell::invocation::{Invocation, quote_for_display};
use crate::shell::powershell::block_words;
use crate::shell::walk::{State, Stdin, Walker};

/// Programs that launch the command they are given; their names ignore letter case.
const LAUNCHERS: &[&str] = &["cmd", "start", "runas", "start-process", "saps"];

/// Programs that print their words: a `{ ... }` among them is text, not a script block.
const PRINTERS: &[&str] = &["echo", "printf", "write-host", "write-output"];

/// Unwraps a Windows launcher; returns whether `inv` is one. Any other command given a script
/// block has the block walked too, and is still analysed as itself.
pub(super) fn unwrap(
    w: &mut Walker<'_>,
    inv: &Invocation,
    stdin: &mut Option<Stdin>,
    st: &State,
) -> bool {
    let name = inv.program_name();
    let launcher = LAUNCHERS.iter().find(|l| name.eq_ignore_ascii_case(l));
    match launcher.copied() {
        Some("cmd") => cmd(w, inv, st),
        Some("start") => start(w, inv, stdin, st),
        Some("runas") => {
            if let Some(command) = inv.args.iter().skip(1).rfind(|a| !a.text.starts_with('/')) {
                shell_string(w, inv, &command.text, st, true);
            }
        }
        Some(_) => start_process(w, inv, st),
        None => {
            if !PRINTERS.iter().any(|p| name.eq_ignore_ascii_case(p)) {
                script_block(w, inv, st);
            }
            return false;
        }
    }
    true
}

/// `cmd /c COMMAND` (or `/k`, `/r`): the rest of its command line is the command.
fn cmd(w: &mut Walker<'_>, inv: &Invocation, st: &State) {
    let flag = inv.args.iter().position(|a| {
        ["/c", "/k", "/r"]
            .iter()
            .any(|flag| a.text.eq_ignore_ascii_case(flag))
    });
    if let Some(at) = flag {
        let words: Vec<&str> = inv.args[at + 1..].iter().map(|a| a.text.as_str()).collect();
        if !words.is_empty() {
            shell_string(w, inv, &words.join(" "), st, true);
        }
    }
}

/// `start [/wait] [/b] [/min] ["title"] PROGRAM ARGS`: cmd's launcher runs PROGRAM.
fn start(w: &mut Walker<'_>, inv: &Invocation, stdin: &mut Option<Stdin>, st: &State) {
    let first = inv.args.iter().skip(1).position(|a| {
        let t = a.text.as_str();
        !t.starts_with('/') && !t.is_empty()
    });
    if let Some(at) = first {
        wrapper(w, inv, at + 1, stdin.take(), st, None);
    }
}

/// `Start-Process PROGRAM [-ArgumentList A,B]`: the program (`-FilePath` or the first operand)
/// with its arguments (`-ArgumentList`/`-Args`, comma-separated or one string).
fn start_process(w: &mut Walker<'_>, inv: &Invocation, st: &State) {
    let mut program = None;
    let mut arguments = Vec::new();
    let mut words = inv.args.iter().skip(1);
    while let Some(arg) = words.next() {
        let t = arg.text.to_ascii_lowercase();
        match t.as_str() {
            "-filepath" | "-file" | "-path" => program = words.next().map(|a| a.text.clone()),
            "-argumentlist" | "-args" | "-arguments" => {
                arguments.extend(words.next().map(|a| a.text.replace(',', " ")));
            }
            _ if t.starts_with('-') => {
                // Switches (`-Wait`, `-NoNewWindow`) and valued options (`-Verb RunAs`).
                if matches!(
                    t.as_str(),
                    "-verb"
                        | "-workingdirectory"
                        | "-windowstyle"
                        | "-credential"
                        | "-redirectstandardoutput"
                        | "-redirectstandarderror"
                        | "-redirectstandardinput"
                ) {
                    words.next();
                }
            }
            _ if program.is_none() => program = Some(arg.text.clone()),
            _ => arguments.push(arg.text.replace(',', " ")),
        }
    }
    if let Some(program) = program {
        let line = std::iter::once(program)
            .chain(arguments)
            .collect::<Vec<_>>();
        shell_string(w, inv, &line.join(" "), st, true);
    }
}

/// A script block among a command's words (`Invoke-Command -ScriptBlock { ... }`, `Start-Job
/// { ... }`): its words are a command the block runs.
fn script_block(w: &mut Walker<'_>, inv: &Invocation, st: &State) {
    if let Some(inner) = block_words(&inv.args) {
        let block: Vec<String> = inv.args[inner]
            .iter()
            .map(|word| quote_for_display(&word.text))
            .collect();
        shell_string(w, inv, &block.join(" "), st, true);
    }
}
