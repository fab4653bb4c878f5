//! Claude Code: `PreToolUse` (and `PermissionRequest`) for the `Bash` and `PowerShell` tools.
//! Deny is `permissionDecision: "deny"` plus exit 2 with the reason on stderr (which beats allow
//! rules); ask is `permissionDecision: "ask"`; allow is a no-op (Claude's own rules decide).

use serde_json::{Value, json};

use super::{Answer, Call, Reply, ShellCall, command_field, text};

pub(super) fn parse(v: &Value) -> Result<Call, String> {
    let event =
        text(v, "/hook_event_name").ok_or("the Claude Code payload has no hook_event_name")?;
    if event != "PreToolUse" && event != "PermissionRequest" {
        return Err(format!(
            "unexpected Claude Code hook event {event:?}: register interlock for PreToolUse"
        ));
    }
    let tool = text(v, "/tool_name").ok_or("the Claude Code payload has no tool_name")?;
    let shell = match tool.as_str() {
        "Bash" => "bash",
        "PowerShell" => "pwsh",
        _ => return Ok(Call::OtherTool),
    };
    let (command, argv) = command_field(v.pointer("/tool_input/command").unwrap_or(&Value::Null))?;
    Ok(Call::Shell(ShellCall {
        command,
        argv,
        shell,
        cwd: text(v, "/cwd"),
        session: text(v, "/session_id"),
        tool_call: text(v, "/tool_use_id"),
        purpose: text(v, "/tool_input/description"),
        event,
    }))
}

pub(super) fn render(event: &str, answer: &Answer) -> Reply {
    pre_tool_use(event, answer)
}

/// The Claude-style reply shared with Codex (whose caller adjusts what it does not support).
pub(super) fn pre_tool_use(event: &str, answer: &Answer) -> Reply {
    let permission_request = event == "PermissionRequest";
    match answer {
        Answer::Allow | Answer::PassThrough => Reply {
            stdout: String::new(),
            stderr: String::new(),
            code: 0,
        },
        Answer::Ask(reason) if !permission_request => Reply {
            stdout: super::json(json!({ "hookSpecificOutput": {
                "hookEventName": "PreToolUse", "permissionDecision": "ask", "permissionDecisionReason": reason } })),
            stderr: String::new(),
            code: 0,
        },
        // PermissionRequest means the host is about to ask already: let it.
        Answer::Ask(_) => Reply {
            stdout: String::new(),
            stderr: String::new(),
            code: 0,
        },
        Answer::Deny(reason) => {
            let stdout = if permission_request {
                json!({ "hookSpecificOutput": { "hookEventName": "PermissionRequest",
                    "decision": { "behavior": "deny", "message": reason } } })
            } else {
                json!({ "hookSpecificOutput": { "hookEventName": "PreToolUse",
                    "permissionDecision": "deny", "permissionDecisionReason": reason } })
            };
            Reply {
                stdout: super::json(stdout),
                stderr: format!("{reason}\n"),
                code: 2,
            }
        }
    }
}
