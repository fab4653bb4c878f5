//! `interlock rules test`: every rule's inline examples and corpus files of expectations, each
//! failure named with its file and line.

use crate::common::{InterlockTest, code, describe};

#[test]
fn the_shipped_rules_pass_their_own_examples() {
    let t = InterlockTest::new();
    let out = t.run(&["rules", "test"], "");
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 rule examples failed"));
}

#[test]
fn a_broken_example_and_a_wrong_expectation_fail_and_are_named() {
    let t = InterlockTest::new();
    let rules = t.write(
        "team/rules.toml",
        r#"[[rule]]
id = "team.terraform.destroy"
severity = "high"
action = "deny"
reason = "No destroying from agents."
program = "terraform"
command = ["destroy"]
match = ["terraform destroy", "terraform plan"]
not_match = ["terraform plan"]

[[rule]]
id = "team.pulumi.destroy"
severity = "high"
action = "deny"
reason = "No destroying stacks from agents."
program = "pulumi"
command = ["destroy"]
"#,
    );
    let corpus = t.write(
        "team/expect.jsonl",
        "{\"cmd\": \"terraform destroy -auto-approve\", \"expect\": \"deny\", \"rule\": \"team.terraform.destroy\"}\n\
         {\"cmd\": \"terraform plan\", \"expect\": \"deny\"}\n",
    );
    let out = t.run(
        &[
            "rules",
            "test",
            rules.to_str().unwrap(),
            "--corpus",
            corpus.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code(&out), 1, "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The example that does not match its own rule, with the file and the rule's line.
    assert!(stdout.contains("rules.toml:1"), "{stdout}");
    assert!(stdout.contains("terraform plan"), "{stdout}");
    // The corpus line whose expectation fails, and only that one.
    assert!(stdout.contains("expect.jsonl:2"), "{stdout}");
    assert!(!stdout.contains("expect.jsonl:1"), "{stdout}");
    // A rule without examples is reported too, by file and line, not only the first problem.
    assert!(
        stdout.contains("rules.toml:11 team.pulumi.destroy: no `match` examples"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2 rule examples failed; 2 corpus cases, 1 failed"),
        "{stdout}"
    );
}

#[test]
fn rules_list_and_show_say_what_is_loaded_and_from_where() {
    let t = InterlockTest::new();
    let out = t.run(&["rules", "list", "--json"], "");
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let rules: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rules = rules.as_array().expect("array");
    assert!(rules.len() > 200);
    let force = rules
        .iter()
        .find(|r| r["id"] == "git.push.force-protected")
        .expect("a shipped rule");
    assert_eq!(force["file"], "git.toml");
    assert_eq!(force["action"], "confirm");
    assert_eq!(force["enabled"], true);
    let show = t.run(&["rules", "show", "git.push.force-protected"], "");
    assert_eq!(code(&show), 0, "{}", describe(&show));
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(text.starts_with("# git.toml:"), "{text}");
    assert!(text.contains("\"not_match\""), "{text}");
    let missing = t.run(&["rules", "show", "no.such.rule"], "");
    assert_ne!(code(&missing), 0);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("rules list"));
}

#[test]
fn diff_against_a_copy_without_one_rule_lists_what_it_caught_as_weakened() {
    let t = InterlockTest::new();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rulesets");
    let copy = t.home.join("rules-new");
    std::fs::create_dir_all(&copy).expect("mkdir");
    for entry in std::fs::read_dir(&shipped).expect("rulesets") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|x| x == "toml") {
            let mut text = std::fs::read_to_string(&path).expect("read");
            if let Some(start) = text.find("[[rule]]\nid = \"pkg.publish\"") {
                let end = text[start + 8..]
                    .find("[[rule]]")
                    .map_or(text.len(), |e| start + 8 + e);
                text.replace_range(start..end, "");
            }
            std::fs::write(copy.join(path.file_name().expect("name")), text).expect("write");
        }
    }
    let corpus = t.write(
        "corpus.jsonl",
        &[
            "npm publish",
            "cargo publish",
            "twine upload dist/*",
            "npm publish --dry-run",
            "git status",
            "rm -rf ~",
            "git push --force origin main",
        ]
        .iter()
        .map(|c| format!("{}\n", serde_json::json!({ "cmd": c })))
        .collect::<String>(),
    );
    let out = t.run(
        &[
            "rules",
            "diff",
            shipped.to_str().unwrap(),
            copy.to_str().unwrap(),
            "--corpus",
            corpus.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code(&out), 1, "weakening exits 1: {}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let weakened: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("== WEAKENED"))
        .skip(1)
        .take_while(|l| !l.starts_with("=="))
        .map(|l| l.trim().split("  [").next().unwrap_or_default())
        .collect();
    assert_eq!(
        weakened,
        ["npm publish", "cargo publish", "twine upload dist/*"],
        "{stdout}"
    );
    assert!(stdout.contains("-id = \"pkg.publish\""), "{stdout}");
    assert!(
        stdout.contains("7 commands: 3 weakened, 0 stricter, 0 changed"),
        "{stdout}"
    );
    // The same change judged over an audit log: the hook logged a held `npm publish` and an
    // allowed `git status`; only the first is weakened.
    let state = t.home.join("state");
    for cmd in ["npm publish", "git status"] {
        let payload = serde_json::json!({
            "session_id": "s", "cwd": t.workspace, "hook_event_name": "PreToolUse",
            "tool_name": "Bash", "tool_input": {"command": cmd}, "tool_use_id": "t"
        });
        t.run(
            &[
                "hook",
                "--agent",
                "claude",
                "--state-dir",
                state.to_str().unwrap(),
            ],
            &payload.to_string(),
        );
    }
    let log = state.join("audit.jsonl");
    let replay = t.run(
        &[
            "rules",
            "diff",
            shipped.to_str().unwrap(),
            copy.to_str().unwrap(),
            "--audit-log",
            log.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code(&replay), 1, "{}", describe(&replay));
    let text = String::from_utf8_lossy(&replay.stdout);
    assert!(text.contains("2 commands: 1 weakened"), "{text}");
    assert!(text.contains("bash -c 'npm publish'"), "{text}");
    // The same rules on both sides: nothing changes, exit 0.
    let same = t.run(
        &[
            "rules",
            "diff",
            shipped.to_str().unwrap(),
            shipped.to_str().unwrap(),
            "--corpus",
            corpus.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code(&same), 0, "{}", describe(&same));
}

#[test]
fn rules_lint_finds_duplicates_contradictions_shadows_and_broad_patterns() {
    let t = InterlockTest::new();
    let dir = t.home.parent().unwrap().join("team");
    t.write(
        "team/a.toml",
        r#"[[rule]]
id = "team.tool.delete"
severity = "high"
action = "deny"
reason = "Deletes the tool's data for good."
program = "tool"
command = ["delete"]
match = ["tool delete x"]

[[rule]]
id = "team.tool.delete-force"
severity = "medium"
action = "confirm"
reason = "Force-deletes the tool's data without asking."
program = "tool"
command = ["delete"]
flags_any = ["--force"]
match = ["tool delete --force x"]

[[rule]]
id = "team.tool.never"
severity = "low"
action = "confirm"
reason = "Purges the tool's cache on every node."
program = "tool"
command = ["purge"]
flags_all = ["--all"]
flags_none = ["--all"]
match = ["tool purge --all"]

[[rule]]
id = "team.tool.remove"
severity = "low"
action = "confirm"
reason = "Removes one of the tool's records."
program = "tool"
command = ["remove"]
match = ["tool delete y"]

[[rule]]
id = "team.python.anything"
severity = "medium"
action = "confirm"
reason = "Runs inline Python that might do anything."
programs = ["python3"]
script = "."
match = ["python3 -c 'print(1)'"]
"#,
    );
    t.write(
        "team/b.toml",
        r#"[[rule]]
id = "team.tool.delete"
severity = "low"
action = "confirm"
reason = "A second rule under the same id."
program = "tool"
command = ["remove"]
match = ["tool remove x"]
"#,
    );
    let out = t.run(&["rules", "lint", dir.to_str().unwrap()], "");
    assert_eq!(code(&out), 1, "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "error[duplicate-id]",
        "b.toml:1 team.tool.delete",
        "error[never-matches]",
        "team.tool.never",
        "error[example]",
        "team.tool.remove: example \"tool delete y\" did not match",
        "it matches team.tool.delete instead",
        "error[too-broad]",
        "team.python.anything: the script regex matches",
        "warning[shadowed]",
        "team.tool.delete-force: fully shadowed by team.tool.delete",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // The shipped rules lint clean.
    let out = t.run(&["rules", "lint", "--deny-warnings"], "");
    assert_eq!(code(&out), 0, "{}", describe(&out));
}
