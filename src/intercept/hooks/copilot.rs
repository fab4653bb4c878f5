//! GitHub Copilot CLI: `preToolUse` (camelCase, `toolArgs` a JSON string) and the
//! Claude-compatible `PreToolUse`. Non-zero exits are skipped by Copilot, so every decision is
//! JSON with exit 0.

use serde_json::{Value, json};

use super::{Answer, Call, Reply, ShellCall, command_field, text};

pub(super) fn parse(v: &Value) -> Result<Call, String> {
    let (tool, args, session, event) = if v.get("toolName").is_some() {
        (
            text(v, "/toolName"),
            v.get("toolArgs").cloned(),
            text(v, "/sessionId"),
            "preToolUse".to_string(),
        )
    } else if v.get("tool_name").is_some() {
        (
            text(v, "/tool_name"),
            v.get("tool_input").cloned(),
            text(v, "/session_id"),
            text(v, "/hook_event_name").unwrap_or_else(|| "PreToolUse".into()),
        )
    } else {
        return Err("the Copilot payload has neither toolName nor tool_name".into());
    };
    let tool = tool.ok_or("the Copilot payload has an empty tool name")?;
    let shell = match tool.as_str() {
        "bash" | "shell" | "Bash" => "bash",
        "powershell" | "PowerShell" => "pwsh",
        _ => return Ok(Call::OtherTool),
    };
    // toolArgs is a string holding JSON; accept an object too.
    let args = match args {
        Some(Value::String(s)) => {
            serde_json::from_str::<Value>(&s).map_err(|e| format!("toolArgs is not JSON ({e})"))?
        }
        Some(other) => other,
        None => return Err("the Copilot payload has no tool arguments".into()),
    };
    let (command, argv) = command_field(args.get("command").unwrap_or(&Value::Null))?;
    Ok(Call::Shell(ShellCall {
        command,
        argv,
        shell,
        cwd: text(v, "/cwd"),
        session,
        tool_call: None,
        purpose: args
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string),
        event,
    }))
}

pub(super) fn render(answer: &Answer) -> Reply {
    let stdout = match answer {
        Answer::Allow | Answer::PassThrough => "{}\n".to_string(),
        Answer::Ask(reason) => {
            super::json(json!({ "permissionDecision": "ask", "permissionDecisionReason": reason }))
        }
        Answer::Deny(reason) => {
            super::json(json!({ "permissionDecision": "deny", "permissionDecisionReason": reason }))
        }
    };
    Reply {
        stdout,
        stderr: String::new(),
        code: 0,
    }
}
