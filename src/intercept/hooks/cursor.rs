//! Cursor: `beforeShellExecution` (and the newer `preToolUse` for the `Shell` tool). Cursor has
//! no documented "no decision", so every answer is explicit; messages are sent in both the
//! current snake_case and the older camelCase spelling.

use serde_json::{Value, json};

use super::{Answer, Call, Reply, ShellCall, command_field, text};

pub(super) fn parse(v: &Value) -> Result<Call, String> {
    let event = text(v, "/hook_event_name").ok_or("the Cursor payload has no hook_event_name")?;
    let command = match event.as_str() {
        "beforeShellExecution" => v.get("command").cloned().unwrap_or(Value::Null),
        "preToolUse" => {
            if text(v, "/tool_name").as_deref() != Some("Shell") {
                return Ok(Call::OtherTool);
            }
            v.pointer("/tool_input/command")
                .cloned()
                .unwrap_or(Value::Null)
        }
        "beforeMCPExecution" | "beforeReadFile" => return Ok(Call::OtherTool),
        other => {
            return Err(format!(
                "unexpected Cursor hook event {other:?}: register interlock for beforeShellExecution"
            ));
        }
    };
    let (command, argv) = command_field(&command)?;
    let cwd = text(v, "/cwd").or_else(|| text(v, "/workspace_roots/0"));
    Ok(Call::Shell(ShellCall {
        command,
        argv,
        shell: "bash",
        cwd,
        session: text(v, "/conversation_id"),
        tool_call: text(v, "/generation_id"),
        purpose: None,
        event,
    }))
}

pub(super) fn render(answer: &Answer) -> Reply {
    let body = match answer {
        Answer::Allow | Answer::PassThrough => json!({ "permission": "allow" }),
        Answer::Ask(reason) => json!({ "permission": "ask", "question": reason,
            "user_message": reason, "agent_message": reason, "userMessage": reason, "agentMessage": reason }),
        Answer::Deny(reason) => json!({ "permission": "deny",
            "user_message": reason, "agent_message": reason, "userMessage": reason, "agentMessage": reason }),
    };
    Reply {
        stdout: super::json(body),
        stderr: String::new(),
        code: 0,
    }
}
