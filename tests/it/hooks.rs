//! `interlock hook --agent NAME` with recorded payloads in each agent's exact format, and
//! `interlock install` / `uninstall` on real settings files.

use std::process::Output;

use serde_json::Value;

use crate::common::{InterlockTest, code, describe, run_hook};

/// A recorded payload from tests/hooks, with the working directory filled in.
fn payload(t: &InterlockTest, name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hooks/").to_string() + name;
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .replace("__CWD__", t.workspace.to_str().expect("utf-8"))
}

/// The field of `agent`'s reply that carries its decision (allow, ask or deny).
fn decision<'a>(agent: &str, reply: &'a Value) -> &'a Value {
    let pointer = match agent {
        "claude" | "codex" => "/hookSpecificOutput/permissionDecision",
        "gemini" => "/decision",
        "cursor" => "/permission",
        "copilot" => "/permissionDecision",
        other => panic!("no decision field known for {other}"),
    };
    reply.pointer(pointer).unwrap_or(&Value::Null)
}

fn stdout_json(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("stdout is not one JSON object ({e}): {}", describe(out)))
}

#[test]
fn claude_and_codex_deny_destructive_commands_and_stay_silent_otherwise() {
    let t = InterlockTest::new();
    for (agent, file) in [
        ("claude", "claude-bash-destructive.json"),
        ("codex", "codex-bash-destructive.json"),
    ] {
        let out = run_hook(&t, agent, &payload(&t, file), &[]);
        assert_eq!(code(&out), 2, "{agent}: {}", describe(&out));
        let v = stdout_json(&out);
        assert_eq!(v["hookSpecificOutput"]["hookEventName"], "PreToolUse");
        assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
        let reason = v["hookSpecificOutput"]["permissionDecisionReason"]
            .as_str()
            .unwrap_or_default();
        assert!(reason.contains("interlock approve h-"), "{reason}");
        assert!(
            !out.stderr.is_empty(),
            "the reason is on stderr too (exit 2 blocks)"
        );
    }
    for (agent, file) in [
        ("claude", "claude-bash-harmless.json"),
        ("codex", "codex-bash-harmless.json"),
        ("claude", "claude-edit.json"),
        ("codex", "codex-apply-patch.json"),
    ] {
        let out = run_hook(&t, agent, &payload(&t, file), &[]);
        assert_eq!(code(&out), 0, "{agent} {file}: {}", describe(&out));
        assert!(
            out.stdout.is_empty(),
            "{agent} {file}: no decision means the agent's own flow: {}",
            describe(&out)
        );
    }
    let out = run_hook(
        &t,
        "claude",
        &payload(&t, "claude-permission-request.json"),
        &[],
    );
    assert_eq!(
        stdout_json(&out)["hookSpecificOutput"]["decision"]["behavior"],
        "deny",
        "{}",
        describe(&out)
    );
}

#[test]
fn native_ask_where_the_agent_has_one() {
    let t = InterlockTest::new();
    for (agent, file, expected) in [
        ("claude", "claude-bash-destructive.json", "ask"),
        ("gemini", "gemini-shell-destructive.json", "ask"),
        ("cursor", "cursor-shell-destructive.json", "ask"),
        ("copilot", "copilot-bash-destructive.json", "ask"),
        // Codex cannot ask from a pre-tool hook (an "ask" would fail open): it is denied.
        ("codex", "codex-bash-destructive.json", "deny"),
    ] {
        let out = run_hook(&t, agent, &payload(&t, file), &["--ask", "native"]);
        assert_eq!(
            decision(agent, &stdout_json(&out)),
            expected,
            "{agent}: {}",
            describe(&out)
        );
    }
}

#[test]
fn gemini_cursor_and_copilot_speak_their_own_protocols() {
    let t = InterlockTest::new();
    let out = run_hook(
        &t,
        "gemini",
        &payload(&t, "gemini-shell-destructive.json"),
        &[],
    );
    assert_eq!(stdout_json(&out)["decision"], "deny", "{}", describe(&out));
    assert_eq!(
        stdout_json(&run_hook(
            &t,
            "gemini",
            &payload(&t, "gemini-shell-harmless.json"),
            &[]
        )),
        serde_json::json!({})
    );
    assert_eq!(
        stdout_json(&run_hook(
            &t,
            "gemini",
            &payload(&t, "gemini-read-file.json"),
            &[]
        )),
        serde_json::json!({})
    );

    let out = run_hook(
        &t,
        "cursor",
        &payload(&t, "cursor-shell-destructive.json"),
        &[],
    );
    assert_eq!(code(&out), 0);
    let v = stdout_json(&out);
    assert_eq!(v["permission"], "deny");
    assert!(
        v["agent_message"]
            .as_str()
            .is_some_and(|m| m.contains("protected branch"))
            && v["agentMessage"] == v["agent_message"],
        "{v}"
    );
    assert_eq!(
        stdout_json(&run_hook(
            &t,
            "cursor",
            &payload(&t, "cursor-shell-harmless.json"),
            &[]
        ))["permission"],
        "allow"
    );
    assert_eq!(
        stdout_json(&run_hook(
            &t,
            "cursor",
            &payload(&t, "cursor-mcp.json"),
            &[]
        ))["permission"],
        "allow"
    );

    let out = run_hook(
        &t,
        "copilot",
        &payload(&t, "copilot-bash-destructive.json"),
        &[],
    );
    assert_eq!(code(&out), 0);
    assert_eq!(stdout_json(&out)["permissionDecision"], "deny");
    assert_eq!(
        stdout_json(&run_hook(
            &t,
            "copilot",
            &payload(&t, "copilot-bash-harmless.json"),
            &[]
        )),
        serde_json::json!({})
    );
    assert_eq!(
        stdout_json(&run_hook(
            &t,
            "copilot",
            &payload(&t, "copilot-view.json"),
            &[]
        )),
        serde_json::json!({})
    );
}

#[test]
fn malformed_or_unknown_input_is_denied_in_every_protocol() {
    let t = InterlockTest::new();
    for agent in ["claude", "codex", "gemini", "cursor", "copilot"] {
        for input in ["", "not json", "[1,2]", "{\"unexpected\": true}"] {
            let out = run_hook(&t, agent, input, &[]);
            assert_eq!(
                decision(agent, &stdout_json(&out)),
                "deny",
                "{agent} {input:?}: {}",
                describe(&out)
            );
        }
    }
    // A ruleset that does not load is an internal error: denied too.
    let broken = t.write("broken.toml", "[[rule]]\nid = \"x\"\n");
    let out = run_hook(
        &t,
        "claude",
        &payload(&t, "claude-bash-harmless.json"),
        &["--ruleset", broken.to_str().expect("path")],
    );
    assert_eq!(
        stdout_json(&out)["hookSpecificOutput"]["permissionDecision"],
        "deny",
        "{}",
        describe(&out)
    );
}

#[test]
fn an_approval_lets_the_identical_retry_through_once() {
    let t = InterlockTest::new();
    let input = payload(&t, "claude-bash-destructive.json");
    let out = run_hook(&t, "claude", &input, &[]);
    let reason = stdout_json(&out)["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let id = reason
        .split_whitespace()
        .find(|w| w.starts_with("h-"))
        .map(|w| {
            w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_string()
        })
        .expect("request id");
    // The agent retrying before anyone approved is the same request, not a new one.
    let again = run_hook(&t, "claude", &input, &[]);
    assert_eq!(code(&again), 2, "{}", describe(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains(&id),
        "same request id {id}: {}",
        describe(&again)
    );
    let held = std::fs::read_dir(t.home.join("state/hook-requests"))
        .expect("requests dir")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".json"))
        })
        .count();
    assert_eq!(held, 1, "one held request for one command");
    let state = t.home.join("state");
    let state = state.to_str().expect("path");
    let approve = t.run(
        &[
            "approve",
            &id,
            "--reason",
            "CHG-5 retire the env stack",
            "--state-dir",
            state,
        ],
        "",
    );
    assert_eq!(code(&approve), 0, "{}", describe(&approve));
    let retry = run_hook(&t, "claude", &input, &[]);
    assert_eq!(
        code(&retry),
        0,
        "the approved retry passes: {}",
        describe(&retry)
    );
    assert!(retry.stdout.is_empty());
    let again = run_hook(&t, "claude", &input, &[]);
    assert_eq!(
        code(&again),
        2,
        "the approval is used up: {}",
        describe(&again)
    );
    // A different command in the same place is not covered.
    let other = input.replace("--stack-name env", "--stack-name other");
    assert_eq!(code(&run_hook(&t, "claude", &other, &[])), 2);
    let log = std::fs::read_to_string(t.home.join("state/audit.jsonl")).expect("log");
    assert!(log.contains("CHG-5 retire the env stack"), "{log}");
    assert!(
        log.contains("\"stated_purpose\":\"Delete the old environment stack\""),
        "{log}"
    );
    assert!(
        log.contains("\"session_uid\":\"abc123\"")
            && log.contains("\"tool_call_uid\":\"toolu_01ABC123\""),
        "{log}"
    );
    assert_eq!(
        code(&t.run(&["audit", "verify", "--state-dir", state], "")),
        0
    );
}

#[test]
fn install_merges_into_existing_settings_and_uninstall_reverses_it() {
    let t = InterlockTest::new();
    let settings = t.workspace.join(".claude/settings.json");
    std::fs::create_dir_all(settings.parent().expect("dir")).expect("mkdir");
    let original = "{\n  \"permissions\": {\n    \"allow\": [\"Bash(ls)\"]\n  },\n  \"hooks\": {\n    \"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"notify\"}]}]\n  },\n  \"model\": \"opus\"\n}\n";
    std::fs::write(&settings, original).expect("write settings");

    let dry = t.run(
        &["install", "--agent", "claude", "--project", "--dry-run"],
        "",
    );
    assert_eq!(code(&dry), 0, "{}", describe(&dry));
    assert!(
        String::from_utf8_lossy(&dry.stdout).contains("+    \"PreToolUse\""),
        "{}",
        describe(&dry)
    );
    assert_eq!(
        std::fs::read_to_string(&settings).expect("read"),
        original,
        "--dry-run writes nothing"
    );

    let refused = t.run(&["install", "--agent", "claude"], "");
    assert_ne!(
        code(&refused),
        0,
        "no terminal and no --yes: nothing is written"
    );
    assert_eq!(std::fs::read_to_string(&settings).expect("read"), original);

    let out = t.run(&["install", "--agent", "claude", "--yes"], "");
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).expect("read")).expect("json");
    assert_eq!(v["permissions"]["allow"][0], "Bash(ls)");
    assert_eq!(v["model"], "opus");
    assert_eq!(v["hooks"]["Stop"][0]["hooks"][0]["command"], "notify");
    assert_eq!(
        v["hooks"]["PreToolUse"][0]["hooks"][0]["args"],
        serde_json::json!(["hook", "--agent", "claude"])
    );
    let again = t.run(&["install", "--agent", "claude", "--yes"], "");
    assert!(String::from_utf8_lossy(&again.stdout).contains("already registered"));

    let out = t.run(&["uninstall", "--agent", "claude", "--yes"], "");
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let back: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).expect("read")).expect("json");
    let orig: Value = serde_json::from_str(original).expect("json");
    assert_eq!(back, orig);

    for agent in ["codex", "gemini", "cursor", "copilot"] {
        let out = t.run(&["install", "--agent", agent, "--yes"], "");
        assert_eq!(code(&out), 0, "{agent}: {}", describe(&out));
    }
    assert!(t.workspace.join(".github/hooks/interlock.json").exists());
    assert!(t.workspace.join(".cursor/hooks.json").exists());
}

#[test]
fn under_interlock_run_the_hook_asks_the_supervisor() {
    let t = InterlockTest::new();
    std::fs::write(
        t.workspace.join("destructive.json"),
        payload(&t, "claude-bash-destructive.json"),
    )
    .expect("write");
    std::fs::write(
        t.workspace.join("harmless.json"),
        payload(&t, "claude-bash-harmless.json"),
    )
    .expect("write");
    let exe = env!("CARGO_BIN_EXE_interlock");
    let script = format!(
        "'{exe}' hook --agent claude < destructive.json > d.out; echo \"d=$?\" > rc.txt\n'{exe}' hook --agent claude < harmless.json > h.out; echo \"h=$?\" >> rc.txt\n"
    );
    std::fs::write(t.workspace.join("agent.sh"), script).expect("write agent");
    let state = t.home.join("state");
    let out = t.run(
        &[
            "run",
            "--state-dir",
            state.to_str().expect("path"),
            "--non-interactive",
            "--",
            "sh",
            "agent.sh",
        ],
        "",
    );
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let rc = std::fs::read_to_string(t.workspace.join("rc.txt")).expect("rc");
    assert_eq!(rc, "d=2\nh=0\n");
    let denied = std::fs::read_to_string(t.workspace.join("d.out")).expect("d.out");
    assert!(
        denied.contains("\"deny\"") && denied.contains("(request r-"),
        "the supervisor's request id: {denied}"
    );
    let log = std::fs::read_to_string(state.join("audit.jsonl")).expect("log");
    assert!(
        log.contains("\"name\":\"claude\"") && log.contains("toolu_01ABC123"),
        "{log}"
    );
}

#[test]
fn words_inside_the_command_text_are_not_taken_for_a_script_name() {
    // The hook classifies `bash -c TEXT`; TEXT is code, so a commit message or a grep pattern
    // that mentions "teardown" or "purge" must not look like running a script of that name.
    let t = InterlockTest::new();
    let base: Value =
        serde_json::from_str(&payload(&t, "claude-bash-harmless.json")).expect("json");
    for (command, allowed) in [
        ("git commit -m 'fix teardown flake'", true),
        ("rg -n 'purge|wipe' src", true),
        ("./scripts/teardown.sh staging", false),
    ] {
        let mut input = base.clone();
        input["tool_input"]["command"] = Value::String(command.into());
        let out = run_hook(&t, "claude", &input.to_string(), &[]);
        if allowed {
            assert_eq!(code(&out), 0, "{command}: {}", describe(&out));
            assert!(out.stdout.is_empty(), "{command}: {}", describe(&out));
        } else {
            assert_eq!(code(&out), 2, "{command}: {}", describe(&out));
        }
    }
}

#[test]
fn hook_help_and_usage_errors_come_from_its_own_parser() {
    let t = InterlockTest::new();
    let help = t.run(&["hook", "--help"], "");
    assert_eq!(code(&help), 0, "{}", describe(&help));
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        text.contains("Usage: interlock hook") && text.contains("interlock install"),
        "{text}"
    );
    let missing = t.run(&["hook"], "");
    assert_eq!(code(&missing), 2, "{}", describe(&missing));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--agent"));
    let listed = t.run(&["--help"], "");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("The pre-tool hook for an agent"));
}
