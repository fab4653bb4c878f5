//! OpenAI Codex CLI: `PreToolUse` / `PermissionRequest` for the shell tool. Claude-shaped, but
//! a pre-tool hook cannot ask (an `ask` fails open there) and a plain `allow` is a hook failure:
//! ask becomes a deny that names the approval step, allow becomes silence.

use serde_json::Value;

use super::{Answer, Call, Reply, ShellCall, command_field, text};

/// Codex's names for its shell tool.
const SHELL_TOOLS: &[&str] = &[
    "Bash",
    "shell",
    "local_shell",
    "exec_command",
    "container.exec",
];

pub(super) fn parse(v: &Value) -> Result<Call, String> {
    let event = text(v, "/hook_event_name").ok_or("the Codex payload has no hook_event_name")?;
    if event != "PreToolUse" && event != "PermissionRequest" {
        return Err(format!(
            "unexpected Codex hook event {event:?}: register interlock for PreToolUse"
        ));
    }
    let tool = text(v, "/tool_name").ok_or("the Codex payload has no tool_name")?;
    if !SHELL_TOOLS.contains(&tool.as_str()) {
        return Ok(Call::OtherTool);
    }
    let (command, argv) = command_field(v.pointer("/tool_input/command").unwrap_or(&Value::Null))?;
    Ok(Call::Shell(ShellCall {
        command,
        argv,
        shell: "bash",
        cwd: text(v, "/cwd"),
        session: text(v, "/session_id"),
        tool_call: text(v, "/tool_use_id").or_else(|| text(v, "/turn_id")),
        purpose: text(v, "/tool_input/description"),
        event,
    }))
}

pub(super) fn render(event: &str, answer: &Answer) -> Reply {
    match answer {
        Answer::Ask(reason) => super::claude::pre_tool_use(event, &Answer::Deny(reason.clone())),
        other => super::claude::pre_tool_use(event, other),
    }
}
