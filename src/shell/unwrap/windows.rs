//! Windows ways of running a command: `cmd /c COMMAND`, `start [options] PROGRAM ARGS`,
//! `runas /user:NAME "COMMAND"`, PowerShell's `Start-Process PROGRAM -ArgumentList ...` and
//! script blocks (`Invoke-Command -ScriptBlock { ... }`, `Start-Job { ... }`, `& { ... }`).
//! Their syntax for a simple command and `&`, `&&`, `||`, `|` is the shell's, so the command
//! is walked as shell; text that only they parse is left to the rules on the launcher itself.

use super::{shell_string, wrapper};
use crate::shell::invocation::{Invocation, quote_for_display};
use crate::shell::walk::{State, Stdin, Walker};

/// Unwraps a Windows launcher or a command given a script block; returns whether `inv` is one.
pub(super) fn unwrap(
    w: &mut Walker<'_>,
    inv: &Invocation,
    stdin: &mut Option<Stdin>,
    st: &State,
) -> bool {
    let name = inv.program_name().to_ascii_lowercase();
    match name.as_str() {
        "cmd" => cmd(w, inv, st),
        "start" => start(w, inv, stdin, st),
        "runas" => {
            if let Some(command) = inv.args.iter().skip(1).rfind(|a| !a.text.starts_with('/')) {
                shell_string(w, inv, &command.text, st, true);
            }
        }
        "start-process" | "saps" => start_process(w, inv, st),
        "echo" | "printf" | "write-host" | "write-output" => {}
        // Additive: the command with the block is still analysed as itself.
        _ => script_block(w, inv, st),
    }
    matches!(
        name.as_str(),
        "cmd" | "start" | "runas" | "start-process" | "saps"
    )
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
    let words: Vec<&str> = inv.args.iter().map(|a| a.text.as_str()).collect();
    let open = words.iter().position(|t| *t == "{");
    let close = words.iter().rposition(|t| *t == "}");
    if let (Some(open), Some(close)) = (open, close)
        && close > open + 1
    {
        let block: Vec<String> = words[open + 1..close]
            .iter()
            .map(|word| quote_for_display(word))
            .collect();
        shell_string(w, inv, &block.join(" "), st, true);
    }
}
