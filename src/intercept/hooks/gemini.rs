//! Gemini CLI: `BeforeTool` for `run_shell_command`. Deny is `decision: "deny"` with a reason
//! (exit 2 as well: non-zero exits deny there); ask is `decision: "ask"`; allow is `{}` (the
//! policy engine decides).

use serde_json::{Value, json};

use super::{Answer, Call, Reply, ShellCall, command_field, text};

pub(super) fn parse(v: &Value) -> Result<Call, String> {
    let event =
        text(v, "/hook_event_name").ok_or("the Gemini CLI payload has no hook_event_name")?;
    if event != "BeforeTool" {
        return Err(format!(
            "unexpected Gemini CLI hook event {event:?}: register interlock for BeforeTool"
        ));
    }
    let tool = text(v, "/tool_name").ok_or("the Gemini CLI payload has no tool_name")?;
    if tool != "run_shell_command" {
        return Ok(Call::OtherTool);
    }
    let (command, argv) = command_field(v.pointer("/tool_input/command").unwrap_or(&Value::Null))?;
    let cwd = text(v, "/cwd");
    let dir = text(v, "/tool_input/dir_path").map(|d| match (&cwd, d.starts_with('/')) {
        (Some(c), false) => format!("{}/{d}", c.trim_end_matches('/')),
        _ => d,
    });
    Ok(Call::Shell(ShellCall {
        command,
        argv,
        shell: "bash",
        cwd: dir.or(cwd),
        session: text(v, "/session_id"),
        tool_call: None,
        purpose: text(v, "/tool_input/description"),
        event,
    }))
}

pub(super) fn render(answer: &Answer) -> Reply {
    match answer {
        Answer::Allow | Answer::PassThrough => Reply {
            stdout: "{}\n".into(),
            stderr: String::new(),
            code: 0,
        },
        Answer::Ask(reason) => Reply {
            stdout: super::json(
                json!({ "decision": "ask", "reason": reason, "systemMessage": reason }),
            ),
            stderr: String::new(),
            code: 0,
        },
        Answer::Deny(reason) => Reply {
            stdout: super::json(
                json!({ "decision": "deny", "reason": reason, "systemMessage": reason }),
            ),
            stderr: format!("{reason}\n"),
            code: 2,
        },
    }
}
