//! Terminals and multiplexers that run a command in another window or pane, or type text into
//! one: `tmux new-window 'cmd'`, `tmux send-keys 'cmd' Enter`, `screen -dm cmd`, `screen -X
//! stuff 'cmd\n'`, `xterm -e cmd`, `gnome-terminal -- cmd`, `xfce4-terminal -e 'cmd'`,
//! `kitty @ send-text 'cmd\n'`, `wezterm cli spawn -- cmd`, and keyboard simulators that type
//! into the focused window (`xdotool type 'cmd'`, `ydotool type`, `wtype`). Some of these run
//! the command outside this process tree (a tmux or screen server started earlier,
//! gnome-terminal's server started by D-Bus), where only this analysis sees it.

use super::{has, opts, scan, shell_string, value_of, wrapper};
use crate::shell::invocation::Invocation;
use crate::shell::walk::{State, Stdin, Walker};

/// Terminals whose `-e` takes one string the terminal splits into a command (`-x` or `--`
/// takes the command's words).
const STRING_COMMAND: &[&str] = &[
    "gnome-terminal",
    "xfce4-terminal",
    "mate-terminal",
    "terminator",
    "tilix",
    "guake",
    "lxterminal",
    "sakura",
];

/// Terminals whose `-e` takes the command's words, to the end of the line.
const ARGV_COMMAND: &[&str] = &[
    "xterm",
    "uxterm",
    "urxvt",
    "rxvt",
    "st",
    "konsole",
    "alacritty",
    "foot",
    "x-terminal-emulator",
    "qterminal",
    "terminology",
    "ptyxis",
    "kgx",
    "ghostty",
    "wezterm",
];

/// Unwraps a terminal or multiplexer; returns whether `inv` is one.
pub(super) fn unwrap(
    w: &mut Walker<'_>,
    inv: &Invocation,
    stdin: &mut Option<Stdin>,
    st: &State,
) -> bool {
    let name = inv.program_name();
    let typed = matches!(name, "kitty" | "wezterm")
        .then(|| typed_text(inv))
        .flatten();
    match name {
        _ if typed.is_some() => run_typed(w, inv, typed.as_deref().unwrap_or_default(), st),
        "tmux" => tmux(w, inv, st),
        "xdotool" | "ydotool" | "wtype" => {
            let Some(text) = keyboard_text(inv) else {
                return false;
            };
            run_typed(w, inv, &text, st);
        }
        "screen" => screen(w, inv, stdin, st),
        "kitty" => kitty(w, inv, stdin, st),
        _ if STRING_COMMAND.contains(&name) || ARGV_COMMAND.contains(&name) => {
            terminal(w, inv, stdin, st);
        }
        _ => return false,
    }
    true
}

/// `tmux new-session 'cmd'`, `tmux send-keys 'cmd' Enter`, `tmux run-shell 'cmd'`: shell code.
fn tmux(w: &mut Walker<'_>, inv: &Invocation, st: &State) {
    let verbs = [
        "new-session",
        "new",
        "new-window",
        "neww",
        "split-window",
        "splitw",
        "send-keys",
        "send",
        "run-shell",
        "run",
        "respawn-pane",
        "respawnp",
    ];
    let Some(v) = inv
        .args
        .iter()
        .position(|a| verbs.contains(&a.text.as_str()))
    else {
        return;
    };
    let words: Vec<&str> = inv.args[v + 1..]
        .iter()
        .map(|a| a.text.as_str())
        .filter(|t| !t.starts_with('-') && !matches!(*t, "Enter" | "C-m" | "KPEnter"))
        .collect();
    if let Some(code) = words.last() {
        shell_string(w, inv, code, st, false);
    }
}

/// `screen -dm cmd` runs a command; `screen -X stuff 'text'` types text into a running
/// window's shell; `screen -X exec cmd` and `screen -X screen cmd` run one there.
fn screen(w: &mut Walker<'_>, inv: &Invocation, stdin: &mut Option<Stdin>, st: &State) {
    let (k, seen) = scan(&inv.args, 1, &opts("SpXcTtle", &[]));
    match value_of(&seen, &["-X"]) {
        Some("stuff") => {
            if let Some(text) = inv.args.get(k) {
                run_typed(w, inv, &text.text, st);
            }
        }
        Some("exec" | "screen") => wrapper(w, inv, k, stdin.take(), st, None),
        Some(_) => {}
        None => wrapper(w, inv, k, stdin.take(), st, None),
    }
}

/// The text `xdotool type TEXT`, `ydotool type TEXT` or `wtype TEXT` types into the focused
/// window, which may be a terminal's shell. `None` for their other commands.
fn keyboard_text(inv: &Invocation) -> Option<String> {
    let (start, options) = match inv.program_name() {
        "wtype" => (1, opts("dskPpmM", &[])),
        _ => (
            inv.args.iter().position(|a| a.text == "type")? + 1,
            opts(
                "dHD",
                &["--window", "--delay", "--terminator", "--file", "--args"],
            ),
        ),
    };
    let (k, _) = scan(&inv.args, start, &options);
    let words: Vec<&str> = inv.args[k.min(inv.args.len())..]
        .iter()
        .map(|a| a.text.as_str())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The text `kitty @ send-text TEXT` or `wezterm cli send-text TEXT` types into a window.
fn typed_text(inv: &Invocation) -> Option<String> {
    let words: Vec<&str> = inv.args.iter().skip(1).map(|a| a.text.as_str()).collect();
    let verb = words.iter().position(|w| *w == "send-text")?;
    let remote = match inv.program_name() {
        "kitty" => words[..verb].contains(&"@"),
        _ => words[..verb].contains(&"cli"),
    };
    let text = words[verb + 1..]
        .iter()
        .rev()
        .find(|w| !w.starts_with('-'))?;
    remote.then(|| text.to_string())
}

/// Analyses text typed into a shell as the lines it enters (`\n`, `\r` and `^M` written as
/// escapes end a line, as the terminal or multiplexer reads them).
fn run_typed(w: &mut Walker<'_>, inv: &Invocation, text: &str, st: &State) {
    let lines = text
        .replace("\\n", "\n")
        .replace("\\r", "\n")
        .replace("^M", "\n")
        .replace("\\015", "\n");
    shell_string(w, inv, &lines, st, false);
}

/// A terminal emulator given a command: `-e` (one string for some, the words to the end for
/// others), or `-x`/`--execute` or `--` (the words to the end). Returns whether it had one.
fn terminal(w: &mut Walker<'_>, inv: &Invocation, stdin: &mut Option<Stdin>, st: &State) -> bool {
    let name = inv.program_name();
    let string_e = STRING_COMMAND.contains(&name);
    for (i, arg) in inv.args.iter().enumerate().skip(1) {
        let text = arg.text.as_str();
        if let Some(code) = text.strip_prefix("--command=").filter(|_| string_e) {
            shell_string(w, inv, code, st, false);
            return true;
        }
        match text {
            "--" | "-x" | "--execute" => wrapper(w, inv, i + 1, stdin.take(), st, None),
            "-e" | "--command" | "--exec" => match &inv.args[i + 1..] {
                [one] if string_e || one.text.contains(char::is_whitespace) => {
                    shell_string(w, inv, &one.text, st, false);
                }
                [one, ..] if string_e => shell_string(w, inv, &one.text, st, false),
                _ => wrapper(w, inv, i + 1, stdin.take(), st, None),
            },
            _ => continue,
        }
        return true;
    }
    false
}

/// kitty: besides a terminal's forms (see [`terminal`]), `kitty [options] cmd args` and
/// `kitty @ launch [options] cmd args` run a command.
fn kitty(w: &mut Walker<'_>, inv: &Invocation, stdin: &mut Option<Stdin>, st: &State) {
    if terminal(w, inv, stdin, st) {
        return;
    }
    let (k, seen) = scan(&inv.args, 1, &opts("coTd", KITTY_VALUE_OPTIONS));
    if inv.args.get(k).is_some_and(|a| a.text == "@") {
        if let Some(verb) = inv.args.iter().position(|a| a.text == "launch") {
            let (k, _) = scan(&inv.args, verb + 1, &opts("", KITTY_VALUE_OPTIONS));
            wrapper(w, inv, k, stdin.take(), st, None);
        }
    } else if !has(&seen, &["--help", "-h", "--version", "-v"]) {
        wrapper(w, inv, k, stdin.take(), st, None);
    }
}

/// kitty's options (and `kitty @ launch`'s) that take a value.
const KITTY_VALUE_OPTIONS: &[&str] = &[
    "--class",
    "--name",
    "--title",
    "--config",
    "--override",
    "--directory",
    "--session",
    "--listen-on",
    "--start-as",
    "--watcher",
    "--instance-group",
    "--type",
    "--cwd",
    "--match",
    "--to",
    "--window-title",
    "--tab-title",
    "--env",
    "--var",
    "--location",
    "--os-window-class",
    "--os-window-name",
    "--os-window-title",
    "--os-window-state",
    "--next-to",
    "--logo",
];
