//! Terminals and multiplexers that run a command in another window or pane, or type text into
//! one: `tmux new-window 'cmd'`, `tmux send-keys 'cmd' Enter`, `screen -dm cmd`, `screen -X
//! stuff 'cmd\n'`, `xterm -e cmd`, `gnome-terminal -- cmd`, `xfce4-terminal -e 'cmd'`,
//! `kitty @ send-text 'cmd\n'`, `wezterm cli spawn -- cmd`. Some of these run the command
//! outside this process tree (a tmux or screen server started earlier, gnome-terminal's server
//! started by D-Bus), where only this analysis sees it.

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
    match name {
        "tmux" => tmux(w, inv, st),
        "screen" => screen(w, inv, stdin, st),
        "kitty" | "wezterm" if typed_text(inv).is_some() => {
            if let Some(text) = typed_text(inv) {
                run_typed(w, inv, &text, st);
            }
        }
        _ if STRING_COMMAND.contains(&name) || ARGV_COMMAND.contains(&name) || name == "kitty" => {
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
/// others), `-x`/`--execute` or `--` (the words to the end), or `kitty`'s and `wezterm start`'s
/// words after their options.
fn terminal(w: &mut Walker<'_>, inv: &Invocation, stdin: &mut Option<Stdin>, st: &State) {
    let name = inv.program_name();
    let string_e = STRING_COMMAND.contains(&name);
    for (i, arg) in inv.args.iter().enumerate().skip(1) {
        let text = arg.text.as_str();
        if let Some(code) = text.strip_prefix("--command=").filter(|_| string_e) {
            return shell_string(w, inv, code, st, false);
        }
        match text {
            "--" | "-x" | "--execute" => return wrapper(w, inv, i + 1, stdin.take(), st, None),
            "-e" | "--command" | "--exec" => {
                let rest = &inv.args[i + 1..];
                return match rest {
                    [one] if string_e || one.text.contains(char::is_whitespace) => {
                        shell_string(w, inv, &one.text, st, false);
                    }
                    [one, ..] if string_e => shell_string(w, inv, &one.text, st, false),
                    _ => wrapper(w, inv, i + 1, stdin.take(), st, None),
                };
            }
            _ => {}
        }
    }
    // `kitty [options] cmd args`, `wezterm start cmd args`, `kitty @ launch cmd args`.
    let (k, seen) = match name {
        "kitty" => scan(
            &inv.args,
            1,
            &opts(
                "coTd",
                &[
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
                ],
            ),
        ),
        _ => return,
    };
    let launch = inv.args.get(k).is_some_and(|a| a.text == "@");
    if launch {
        if let Some(verb) = inv.args.iter().position(|a| a.text == "launch") {
            let (k, _) = scan(
                &inv.args,
                verb + 1,
                &opts(
                    "",
                    &[
                        "--type",
                        "--cwd",
                        "--title",
                        "--tab-title",
                        "--window-title",
                        "--env",
                        "--var",
                        "--location",
                        "--match",
                        "--next-to",
                        "--os-window-class",
                        "--os-window-name",
                        "--os-window-title",
                        "--os-window-state",
                        "--logo",
                        "--to",
                    ],
                ),
            );
            wrapper(w, inv, k, stdin.take(), st, None);
        }
    } else if !has(&seen, &["--help", "-h", "--version", "-v"]) {
        wrapper(w, inv, k, stdin.take(), st, None);
    }
}
