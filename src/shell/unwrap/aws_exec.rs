//! Commands the `aws` CLI runs on instances and containers: `aws ssm send-command` with the
//! shell-script documents (`AWS-RunShellScript`, `AWS-RunPowerShellScript`), `aws ssm
//! start-session` with the command documents, and `aws ecs execute-command --command CMD`. The
//! commands run there, and are analysed as run on another machine. What interlock cannot read —
//! another document, parameters in a file, `--cli-input-json` — is remote code not analysed.

use super::remote::remote_state;
use super::shells::code_from_stdin_in;
use crate::shell::invocation::{Arg, Invocation, Opaque};
use crate::shell::walk::{State, Stdin, Walker};

/// Unwraps `aws ssm send-command`, `aws ssm start-session` and `aws ecs execute-command`;
/// returns whether `inv` is one of them. `stdin` is what the session's shell reads when no
/// command is given (`... | aws ssm start-session --target i-1`).
pub(super) fn unwrap(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    stdin: Option<Stdin>,
    st: &State,
) -> bool {
    let Some(at) = inv.args.windows(2).position(|pair| {
        matches!(
            (pair[0].text.as_str(), pair[1].text.as_str()),
            ("ssm", "send-command" | "start-session") | ("ecs", "execute-command")
        )
    }) else {
        return false;
    };
    let verb = inv.args[at + 1].text.as_str();
    let rest = &inv.args[at + 2..];
    let mut sub = remote_state(inv, st, format!("aws {verb}"));
    if rest
        .iter()
        .any(|a| a.text.starts_with("--cli-input-json") || a.text.starts_with("--cli-input-yaml"))
    {
        w.mark_opaque(index, Opaque::RemoteCode);
        return true;
    }
    let document = option(rest, "--document-name").map(|(_, v)| v);
    let (key, powershell) = match (verb, document) {
        ("execute-command", _) => {
            if let Some((arg, command)) = option(rest, "--command") {
                sub.stdin = stdin;
                run(w, index, arg, command, false, &sub);
            }
            return true;
        }
        ("send-command", Some("AWS-RunShellScript")) => ("commands", false),
        ("send-command", Some("AWS-RunPowerShellScript")) => ("commands", true),
        (
            "start-session",
            Some("AWS-StartInteractiveCommand" | "AWS-StartNonInteractiveCommand"),
        ) => ("command", false),
        // An interactive shell: it runs what it reads, which is a human's typing unless
        // something is piped in.
        ("start-session", None) => {
            code_from_stdin_in(w, index, "aws ssm start-session", stdin, &sub);
            return true;
        }
        // A port forward or an ssh tunnel: nothing runs there.
        (
            "start-session",
            Some(
                "AWS-StartSSHSession"
                | "AWS-StartPortForwardingSession"
                | "AWS-StartPortForwardingSessionToRemoteHost"
                | "AWS-StartPortForwardingSessionToSocket",
            ),
        ) => return true,
        _ => {
            w.mark_opaque(index, Opaque::RemoteCode);
            return true;
        }
    };
    let Some((arg, parameters)) = option(rest, "--parameters") else {
        return true;
    };
    match commands(parameters, key) {
        Some(commands) => {
            for command in commands {
                run(w, index, arg, &command, powershell, &sub);
            }
        }
        None => w.mark_opaque(index, Opaque::RemoteCode),
    }
    true
}

/// Walks `command` (from word `arg`) as run on the other machine: shell code, or PowerShell
/// code for the PowerShell document.
fn run(w: &mut Walker<'_>, index: usize, arg: &Arg, command: &str, powershell: bool, sub: &State) {
    if arg.dynamic {
        w.mark_opaque(index, Opaque::DynamicCode);
    }
    if powershell {
        let quoted = command.replace('\'', r"'\''");
        w.run_text(&format!("pwsh -NoProfile -Command '{quoted}'"), sub, None);
    } else {
        w.run_text(command, sub, None);
    }
}

/// The last value of option `name` (`--name VALUE` or `--name=VALUE`) and the word it is in.
fn option<'a>(args: &'a [Arg], name: &str) -> Option<(&'a Arg, &'a str)> {
    let mut found = None;
    for (i, a) in args.iter().enumerate() {
        if a.text == name {
            if let Some(next) = args.get(i + 1) {
                found = Some((next, next.text.as_str()));
            }
        } else if let Some(v) = a.text.strip_prefix(name).and_then(|v| v.strip_prefix('=')) {
            found = Some((a, v));
        }
    }
    found
}

/// The commands in a `--parameters` value under `key`: JSON (`{"commands": ["a", "b"]}`) or the
/// CLI's shorthand (`commands=a,b`, `commands=["a","b"]`, `workingDirectory=/x,commands=a`).
/// In the shorthand every item is taken as a command: another key's item (`executionTimeout=60`)
/// reads as a harmless assignment, and a command is never dropped. `None` when the value cannot
/// be read here (a file, or JSON without the key).
fn commands(parameters: &str, key: &str) -> Option<Vec<String>> {
    let text = parameters.trim();
    if text.starts_with("file://") || text.starts_with("fileb://") || text.starts_with("http") {
        return None;
    }
    if text.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        return match value.get(key)? {
            serde_json::Value::String(s) => Some(vec![s.clone()]),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => None,
        };
    }
    let prefix = format!("{key}=");
    Some(
        shorthand_items(text)
            .into_iter()
            .map(|item| {
                let item = item.strip_prefix(&prefix).unwrap_or(&item);
                let item = item.strip_prefix('[').unwrap_or(item);
                let item = item.strip_suffix(']').unwrap_or(item);
                unquote(item.trim()).to_string()
            })
            .filter(|item| !item.is_empty())
            .collect(),
    )
}

/// The comma-separated items of shorthand text; commas inside quotes do not separate.
fn shorthand_items(text: &str) -> Vec<String> {
    let mut items = vec![String::new()];
    let mut quote = None;
    for c in text.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, ',') => {
                items.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(last) = items.last_mut() {
            last.push(c);
        }
    }
    items
}

/// `text` without one pair of surrounding double or single quotes.
fn unquote(text: &str) -> &str {
    ['"', '\'']
        .iter()
        .find_map(|q| text.strip_prefix(*q).and_then(|t| t.strip_suffix(*q)))
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_commands_from_json_and_shorthand() {
        let json = r#"{"commands": ["uptime", "rm -rf /data"], "executionTimeout": ["60"]}"#;
        assert_eq!(
            commands(json, "commands").unwrap(),
            ["uptime", "rm -rf /data"]
        );
        assert_eq!(
            commands(r#"commands=["df -h","echo a,b"]"#, "commands").unwrap(),
            ["df -h", "echo a,b"]
        );
        assert_eq!(
            commands("commands=rm -rf /data", "commands").unwrap(),
            ["rm -rf /data"]
        );
        assert_eq!(
            commands("workingDirectory=/srv,commands=ls,make clean", "commands").unwrap(),
            ["workingDirectory=/srv", "ls", "make clean"]
        );
        assert_eq!(
            commands("command='sudo systemctl stop nginx'", "command").unwrap(),
            ["sudo systemctl stop nginx"]
        );
    }

    #[test]
    fn parameters_it_cannot_read_are_none() {
        assert!(commands("file://params.json", "commands").is_none());
        assert!(commands(r#"{"workingDirectory": ["/x"]}"#, "commands").is_none());
        assert!(commands("{not json", "commands").is_none());
    }
}
