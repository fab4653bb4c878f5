//! Registering `interlock hook` in an agent's settings file: where the file is, and the JSON
//! change that adds (or removes) interlock's entry while keeping every other key.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::Agent;

/// Where the registration goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The project's settings (relative to the project directory).
    Project,
    /// The user's settings (under `$HOME`).
    User,
}

/// The settings file for `agent` in `scope`.
pub fn settings_path(
    agent: Agent,
    scope: Scope,
    project: &Path,
    home: Option<&Path>,
) -> Result<PathBuf, String> {
    let base = match scope {
        Scope::Project => project.to_path_buf(),
        Scope::User => home.ok_or("HOME is not set")?.to_path_buf(),
    };
    Ok(match (agent, scope) {
        (Agent::Claude, _) => base.join(".claude/settings.json"),
        (Agent::Codex, _) => base.join(".codex/hooks.json"),
        (Agent::Gemini, _) => base.join(".gemini/settings.json"),
        (Agent::Cursor, _) => base.join(".cursor/hooks.json"),
        (Agent::Copilot, Scope::Project) => base.join(".github/hooks/interlock.json"),
        (Agent::Copilot, Scope::User) => {
            return Err("Copilot CLI reads hooks from the repository only: use --project".into());
        }
    })
}

/// The event key and the entry that registers `exe` as `agent`'s hook.
fn registration(agent: Agent, exe: &str) -> (&'static str, Value) {
    let line = format!("{exe} hook --agent {}", agent.name());
    match agent {
        Agent::Claude => (
            "PreToolUse",
            json!({ "matcher": "Bash|PowerShell", "hooks": [ {
            "type": "command", "command": exe, "args": ["hook", "--agent", "claude"],
            "timeout": 600, "statusMessage": "interlock policy check" } ] }),
        ),
        Agent::Codex => (
            "PreToolUse",
            json!({ "matcher": "^(Bash|shell|local_shell|exec_command)$", "hooks": [ {
            "type": "command", "command": line, "timeout": 600, "statusMessage": "interlock policy check" } ] }),
        ),
        Agent::Gemini => (
            "BeforeTool",
            json!({ "matcher": "run_shell_command", "hooks": [ {
            "type": "command", "name": "interlock", "command": line, "timeout": 600000 } ] }),
        ),
        Agent::Cursor => ("beforeShellExecution", json!({ "command": line })),
        Agent::Copilot => (
            "preToolUse",
            json!({ "type": "command", "bash": line, "cwd": ".", "timeoutSec": 600 }),
        ),
    }
}

/// Whether a hook entry (or group of entries) runs `interlock hook`.
fn is_interlock(entry: &Value) -> bool {
    let text = entry.to_string();
    text.contains("interlock") && text.contains("hook") && text.contains("--agent")
}

/// `settings` with interlock registered; `None` when it already is.
pub fn install(agent: Agent, settings: &Value, exe: &str) -> Result<Option<Value>, String> {
    let mut root = match settings {
        Value::Object(map) => map.clone(),
        Value::Null => Map::new(),
        _ => return Err("the settings file does not hold a JSON object".into()),
    };
    if matches!(agent, Agent::Cursor | Agent::Copilot) && !root.contains_key("version") {
        root.insert("version".into(), json!(1));
    }
    let hooks = root.entry("hooks").or_insert_with(|| json!({}));
    let Value::Object(hooks) = hooks else {
        return Err("`hooks` in the settings file is not an object".into());
    };
    let (event, entry) = registration(agent, exe);
    let list = hooks.entry(event).or_insert_with(|| json!([]));
    let Value::Array(list) = list else {
        return Err(format!(
            "`hooks.{event}` in the settings file is not an array"
        ));
    };
    if list.iter().any(is_interlock) {
        return Ok(None);
    }
    list.push(entry);
    Ok(Some(Value::Object(root)))
}

/// `settings` without interlock's registration; `None` when it has none.
pub fn uninstall(agent: Agent, settings: &Value) -> Option<Value> {
    let (event, _) = registration(agent, "");
    let mut root = settings.as_object()?.clone();
    let hooks = root.get_mut("hooks")?.as_object_mut()?;
    let list = hooks.get_mut(event)?.as_array_mut()?;
    let before = list.len();
    list.retain(|e| !is_interlock(e));
    if list.len() == before {
        return None;
    }
    if list.is_empty() {
        hooks.remove(event);
    }
    if hooks.is_empty() {
        root.remove("hooks");
    }
    Some(Value::Object(root))
}

/// A settings file's text after the change: pretty JSON with a final newline.
pub fn render(settings: &Value) -> String {
    let mut text = serde_json::to_string_pretty(settings).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_keeps_other_keys_and_is_idempotent() {
        let existing = json!({ "permissions": { "allow": ["Bash(ls)"] }, "hooks": { "PreToolUse": [ { "matcher": "Edit", "hooks": [] } ], "Stop": [] }, "model": "x" });
        let new = install(Agent::Claude, &existing, "/usr/local/bin/interlock")
            .expect("install")
            .expect("changed");
        assert_eq!(new["permissions"], existing["permissions"]);
        assert_eq!(new["model"], "x");
        assert_eq!(new["hooks"]["Stop"], json!([]));
        assert_eq!(new["hooks"]["PreToolUse"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            install(Agent::Claude, &new, "/usr/local/bin/interlock"),
            Ok(None)
        );
        assert_eq!(uninstall(Agent::Claude, &new), Some(existing.clone()));
        assert_eq!(uninstall(Agent::Claude, &existing), None);
    }

    #[test]
    fn cursor_and_copilot_files_get_a_version() {
        let new = install(Agent::Cursor, &Value::Null, "/bin/interlock")
            .expect("install")
            .expect("changed");
        assert_eq!(new["version"], 1);
        assert_eq!(
            new["hooks"]["beforeShellExecution"][0]["command"],
            "/bin/interlock hook --agent cursor"
        );
        assert!(
            settings_path(
                Agent::Copilot,
                Scope::User,
                Path::new("/p"),
                Some(Path::new("/h"))
            )
            .is_err()
        );
    }
}
