//! Agent hooks: `interlock hook --agent NAME` reads the agent's pre-tool JSON on stdin,
//! classifies the shell command in it, and answers in that agent's own protocol.
//!
//! Invariant: every host fails open when a hook crashes, so the hook never does: malformed
//! input, an unknown shape, a missing ruleset or any internal error become an explicit deny in
//! the agent's protocol. Only the decision is written to stdout.

mod claude;
mod codex;
mod copilot;
mod cursor;
mod gemini;
pub mod install;

use serde_json::Value;

/// The agents interlock integrates with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Agent {
    /// Claude Code (PreToolUse / PermissionRequest).
    Claude,
    /// OpenAI Codex CLI (PreToolUse / PermissionRequest).
    Codex,
    /// Gemini CLI (BeforeTool).
    Gemini,
    /// Cursor (beforeShellExecution).
    Cursor,
    /// GitHub Copilot CLI (preToolUse / PreToolUse).
    Copilot,
}

impl Agent {
    /// The agent's name as used on the command line and in the audit log.
    pub fn name(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
            Agent::Cursor => "cursor",
            Agent::Copilot => "copilot",
        }
    }

    /// Whether the agent can ask its user natively from a pre-tool hook.
    pub fn has_native_ask(self) -> bool {
        !matches!(self, Agent::Codex)
    }
}

/// What the agent's hook payload asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// A shell command the agent wants to run.
    Shell(ShellCall),
    /// Another tool: not interlock's business, passed through untouched.
    OtherTool,
}

/// A shell command from a hook payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellCall {
    /// The command line (or argv joined, for agents that send argv).
    pub command: String,
    /// The argv, for agents that send one instead of a line.
    pub argv: Option<Vec<String>>,
    /// The shell that runs it: `bash`, or `pwsh` for PowerShell tools.
    pub shell: &'static str,
    /// The working directory.
    pub cwd: Option<String>,
    /// The agent's session id.
    pub session: Option<String>,
    /// The tool call id.
    pub tool_call: Option<String>,
    /// The agent's own stated purpose for the command.
    pub purpose: Option<String>,
    /// The hook event (`PreToolUse`, `PermissionRequest`, ...), for the reply's shape.
    pub event: String,
}

/// The answer to give the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// No objection: the agent's own permission flow decides (or an explicit allow where the
    /// agent requires one).
    Allow,
    /// Not a shell command: say nothing.
    PassThrough,
    /// Ask the user through the agent's native prompt.
    Ask(String),
    /// Refuse, with a reason the model can act on.
    Deny(String),
}

/// What to print and how to exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// stdout (may be empty).
    pub stdout: String,
    /// stderr (may be empty).
    pub stderr: String,
    /// Exit status.
    pub code: u8,
}

/// Parses `input` as `agent`'s payload.
pub fn parse(agent: Agent, input: &str) -> Result<Call, String> {
    let value: Value = serde_json::from_str(input)
        .map_err(|e| format!("the hook input is not valid JSON ({e})"))?;
    if !value.is_object() {
        return Err("the hook input is not a JSON object".into());
    }
    match agent {
        Agent::Claude => claude::parse(&value),
        Agent::Codex => codex::parse(&value),
        Agent::Gemini => gemini::parse(&value),
        Agent::Cursor => cursor::parse(&value),
        Agent::Copilot => copilot::parse(&value),
    }
}

/// Renders `answer` in `agent`'s protocol for `event`.
pub fn render(agent: Agent, event: &str, answer: &Answer) -> Reply {
    match agent {
        Agent::Claude => claude::render(event, answer),
        Agent::Codex => codex::render(event, answer),
        Agent::Gemini => gemini::render(answer),
        Agent::Cursor => cursor::render(answer),
        Agent::Copilot => copilot::render(answer),
    }
}

/// A string field, if present and non-empty.
fn text(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `tool_input.command` as a line, or as an argv array (older Codex builds).
fn command_field(v: &Value) -> Result<(String, Option<Vec<String>>), String> {
    match v {
        Value::String(s) => Ok((s.clone(), None)),
        Value::Array(items) => {
            let argv: Option<Vec<String>> = items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect();
            let argv = argv.ok_or("the command array holds a non-string")?;
            Ok((argv.join(" "), Some(argv)))
        }
        _ => Err("the shell tool call has no command".into()),
    }
}

/// A JSON reply, compact, on one line.
fn json(value: Value) -> String {
    let mut s = serde_json::to_string(&value).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_agent_parses_its_shell_payload() {
        let claude = r#"{"session_id":"s","cwd":"/w","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls","description":"list"},"tool_use_id":"t"}"#;
        let Ok(Call::Shell(c)) = parse(Agent::Claude, claude) else {
            panic!("claude")
        };
        assert_eq!(
            (
                c.command.as_str(),
                c.purpose.as_deref(),
                c.tool_call.as_deref()
            ),
            ("ls", Some("list"), Some("t"))
        );
        let codex = r#"{"session_id":"s","cwd":"/w","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":["bash","-lc","ls"]},"tool_use_id":"c"}"#;
        let Ok(Call::Shell(c)) = parse(Agent::Codex, codex) else {
            panic!("codex")
        };
        assert_eq!(
            c.argv.as_deref(),
            Some(&["bash".to_string(), "-lc".to_string(), "ls".to_string()][..])
        );
        let gemini = r#"{"session_id":"s","cwd":"/w","hook_event_name":"BeforeTool","tool_name":"run_shell_command","tool_input":{"command":"ls","dir_path":"sub"}}"#;
        let Ok(Call::Shell(c)) = parse(Agent::Gemini, gemini) else {
            panic!("gemini")
        };
        assert_eq!(c.cwd.as_deref(), Some("/w/sub"));
        let cursor = r#"{"hook_event_name":"beforeShellExecution","conversation_id":"c","generation_id":"g","command":"ls","cwd":"/w"}"#;
        assert!(matches!(parse(Agent::Cursor, cursor), Ok(Call::Shell(_))));
        let copilot = r#"{"timestamp":1704614600000,"cwd":"/w","toolName":"bash","toolArgs":"{\"command\":\"rm -rf dist\",\"description\":\"Clean\"}"}"#;
        let Ok(Call::Shell(c)) = parse(Agent::Copilot, copilot) else {
            panic!("copilot")
        };
        assert_eq!(c.command, "rm -rf dist");
    }

    #[test]
    fn other_tools_pass_through_and_garbage_is_an_error() {
        let edit =
            r#"{"hook_event_name":"PreToolUse","tool_name":"Edit","tool_input":{"file_path":"x"}}"#;
        assert_eq!(parse(Agent::Claude, edit), Ok(Call::OtherTool));
        assert!(parse(Agent::Claude, "not json").is_err());
        assert!(parse(Agent::Claude, "[]").is_err());
        assert!(
            parse(
                Agent::Claude,
                r#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{}}"#
            )
            .is_err()
        );
    }
}
