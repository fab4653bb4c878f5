//! Ruleset layers: organisation, project and user directories that add, tighten and — only
//! where an upper layer permits — loosen the shipped rules; exceptions that expire; verdicts
//! that name the layer that decided.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::{InterlockTest, code, describe};

/// Writes `name` under `dir` (creating it) with the modes an organisation layer needs.
fn put(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut d = path.parent();
    while let Some(p) = d {
        if !p.starts_with(dir) {
            break;
        }
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        d = p.parent();
    }
}

fn check_json(t: &InterlockTest, cmd: &str) -> (i32, serde_json::Value) {
    let out = t.run(&["check", "--json", "--shell", cmd], "");
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not a verdict ({e}): {}", describe(&out)));
    (code(&out), json)
}

#[test]
fn a_project_layer_cannot_disable_a_shipped_critical_rule_without_permission() {
    let t = InterlockTest::new();
    put(
        &t.workspace.join(".interlock"),
        "policy.toml",
        "# we know what we are doing\n[[select]]\ndisable = \"fs.rm.home\"\n",
    );
    for args in [
        vec!["check", "--shell", "rm -rf ~"],
        vec!["explain", "--shell", "ls"],
        vec!["rules", "list"],
    ] {
        let out = t.run(&args, "");
        assert_eq!(code(&out), 2, "{args:?}: {}", describe(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(".interlock/policy.toml:2"), "{err}");
        assert!(
            err.contains("the project layer may not disable rule fs.rm.home (critical"),
            "{err}"
        );
        assert!(err.contains("[permit] loosen = [\"fs.rm.home\"]"), "{err}");
    }
}

#[test]
fn with_permission_a_project_layer_disables_it_and_the_verdict_names_the_layer() {
    let t = InterlockTest::new();
    put(
        &t.org,
        "policy.toml",
        "[permit]\nloosen = [\"fs.rm.home\"]\n",
    );
    put(
        &t.workspace.join(".interlock"),
        "policy.toml",
        "[[select]]\ndisable = \"fs.rm.home\"\n",
    );
    let (status, v) = check_json(&t, "rm -rf ~");
    assert_eq!(status, 0, "{v}");
    assert_eq!(v["decision"], "allow", "{v}");
    assert_eq!(v["layer"], "project", "{v}");
    let adj = &v["adjustments"][0];
    assert_eq!(adj["rule"], "fs.rm.home", "{v}");
    assert_eq!(adj["kind"], "disabled", "{v}");
    assert!(
        adj["at"]
            .as_str()
            .unwrap()
            .ends_with(".interlock/policy.toml:1"),
        "{v}"
    );
    // Only that rule: rm -rf / is still denied by the shipped layer.
    let (status, v) = check_json(&t, "rm -rf /");
    assert_eq!(status, 20, "{v}");
    assert!(v.get("layer").is_none(), "{v}");
    // rules list shows it off, and by whom.
    let out = t.run(&["rules", "list", "--json"], "");
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let row = rows.iter().find(|r| r["id"] == "fs.rm.home").unwrap();
    assert_eq!(row["enabled"], false, "{row}");
    assert!(
        row["disabled_by"]
            .as_str()
            .unwrap()
            .contains(".interlock/policy.toml:1")
    );
}

#[test]
fn an_organisation_layer_others_can_write_is_refused() {
    let t = InterlockTest::new();
    put(&t.org, "policy.toml", "[permit]\nloosen = [\"*\"]\n");
    std::fs::set_permissions(&t.org, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = t.run(&["check", "--shell", "ls"], "");
    assert_eq!(code(&out), 2, "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("writable by its group or others"), "{err}");
}

#[test]
fn an_expired_exception_no_longer_applies_and_is_reported() {
    let t = InterlockTest::new();
    put(
        &t.org,
        "policy.toml",
        "[permit]\nloosen = [\"git.push.*\"]\n",
    );
    let exception = |expires: &str| {
        format!(
            "[[exception]]\nrule = \"git.push.force\"\ncommand = \"git push --force origin feature/*\"\nowner = \"alice@example.com\"\nreason = \"feature branches are rebased routinely\"\nexpires = {expires}\n"
        )
    };
    let project = t.workspace.join(".interlock");

    put(&project, "policy.toml", &exception("2099-12-31"));
    let (status, v) = check_json(&t, "git push --force origin feature/login");
    assert_eq!(status, 0, "{v}");
    assert_eq!(v["layer"], "project", "{v}");
    assert_eq!(v["adjustments"][0]["kind"], "exception", "{v}");
    assert_eq!(v["adjustments"][0]["owner"], "alice@example.com", "{v}");
    // Not the invocations it does not describe.
    let (status, _) = check_json(&t, "git push --force origin release/1.0");
    assert_eq!(status, 10);

    put(&project, "policy.toml", &exception("2020-01-31"));
    let (status, v) = check_json(&t, "git push --force origin feature/login");
    assert_eq!(status, 10, "{v}");
    assert_eq!(v["decision"], "confirm", "{v}");
    assert_eq!(v["rules"][0], "git.push.force", "{v}");
    assert_eq!(v["adjustments"][0]["kind"], "expired_exception", "{v}");
    let out = t.run(&["rules", "list"], "");
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("EXPIRED after 2020-01-31"),
        "{}",
        describe(&out)
    );
    let out = t.run(
        &["check", "--shell", "git push --force origin feature/login"],
        "",
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("an expired exception of the project layer"),
        "{}",
        describe(&out)
    );
}

#[test]
fn lower_layers_add_rules_and_tighten_without_permission_but_cannot_loosen() {
    let t = InterlockTest::new();
    let user = t.home.join(".config/interlock");
    put(
        &user,
        "rules/team.toml",
        r#"[[rule]]
id = "team.make.deploy-prod"
severity = "critical"
action = "deny"
tags = ["team"]
reason = "Production deploys go through the pipeline, not an agent."
program = "make"
command = ["deploy-prod"]
match = ["make deploy-prod"]
not_match = ["make test"]
"#,
    );
    put(
        &user,
        "policy.toml",
        "[[override]]\nrule = \"pkg.publish\"\naction = \"deny\"\n",
    );
    let (status, v) = check_json(&t, "make -j2 deploy-prod");
    assert_eq!(status, 20, "{v}");
    assert_eq!(v["rules"][0], "team.make.deploy-prod", "{v}");
    assert_eq!(v["layer"], "user", "{v}");
    let (status, v) = check_json(&t, "npm publish");
    assert_eq!(status, 20, "{v}");
    assert_eq!(v["matches"][0]["layer"], "user", "{v}");
    assert_eq!(v["layer"], "user", "{v}");
    // The user layer may lower the action of its own rule, not of a shipped one.
    put(
        &user,
        "policy.toml",
        "[[override]]\nrule = \"team.*\"\naction = \"confirm\"\n\n[[override]]\nrule = \"git.push.force\"\naction = \"allow\"\n",
    );
    let out = t.run(&["check", "--shell", "ls"], "");
    assert_eq!(code(&out), 2, "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("policy.toml:5"), "{err}");
    assert!(
        err.contains("the user layer may not lower the action of rule git.push.force"),
        "{err}"
    );
}

#[test]
fn enable_and_disable_apply_in_order_by_tag_and_id() {
    let t = InterlockTest::new();
    put(
        &t.org,
        "policy.toml",
        "[[select]]\ndisable = \"tag:packages\"\n\n[[select]]\nenable = \"pkg.publish\"\n",
    );
    let (status, v) = check_json(&t, "npm unpublish my-pkg@1.0.0");
    assert_eq!(status, 0, "{v}");
    assert_eq!(v["layer"], "org", "{v}");
    let (status, v) = check_json(&t, "npm publish");
    assert_eq!(status, 10, "{v}");
    assert_eq!(v["rules"][0], "pkg.publish", "{v}");
    // A selector that names nothing is a mistake, not a no-op.
    put(
        &t.org,
        "policy.toml",
        "[[select]]\nenable = \"pkg.publsh\"\n",
    );
    let out = t.run(&["check", "--shell", "ls"], "");
    assert_eq!(code(&out), 2, "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`pkg.publsh` matches no loaded rule"));
}

#[test]
fn a_layer_rule_with_a_broken_example_is_named_by_load_and_by_rules_test() {
    let t = InterlockTest::new();
    put(
        &t.workspace.join(".interlock"),
        "rules/extra.toml",
        r#"[[rule]]
id = "project.db.reset"
severity = "high"
action = "confirm"
reason = "Resets the development database."
program = "rails"
command = ["db:reset"]
match = ["rails db:reset", "rails db:migrate"]
"#,
    );
    let out = t.run(&["check", "--shell", "ls"], "");
    assert_eq!(code(&out), 2, "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("extra.toml:1 project.db.reset"), "{err}");
    assert!(err.contains("rails db:migrate"), "{err}");
    let out = t.run(&["rules", "test"], "");
    assert_eq!(code(&out), 1, "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("extra.toml:1 project.db.reset"), "{stdout}");
    assert!(stdout.contains("1 rule examples failed"), "{stdout}");
}

#[test]
fn explain_shows_every_rule_considered_from_every_layer() {
    let t = InterlockTest::new();
    put(
        &t.org,
        "policy.toml",
        "[permit]\nloosen = [\"git.push.force\"]\n",
    );
    let project = t.workspace.join(".interlock");
    put(
        &project,
        "policy.toml",
        "[[exception]]\nrule = \"git.push.force\"\ncommand = \"git push --force origin feature/*\"\nowner = \"bob\"\nreason = \"ours\"\nexpires = 2099-01-01\n",
    );
    put(
        &project,
        "rules/git.toml",
        r#"[[rule]]
id = "project.git.push-tags"
severity = "medium"
action = "confirm"
reason = "Pushing tags starts a release."
program = "git"
command = ["push"]
flags_any = ["--tags"]
match = ["git push --tags"]
not_match = ["git push"]
"#,
    );
    let out = t.run(
        &["explain", "--shell", "git push --force origin feature/x"],
        "",
    );
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("org "), "{text}");
    assert!(text.contains("project "), "{text}");
    assert!(text.contains("decided:  by the project layer"), "{text}");
    assert!(
        text.contains("matched:  git.push.force, not applied [shipped git.toml:"),
        "{text}"
    );
    assert!(text.contains("an exception of the project layer"), "{text}");
    // The project's own rule was considered and did not match; its file and line are named.
    assert!(text.contains("project.git.push-tags (project "), "{text}");
    assert!(text.contains("rules/git.toml:1)"), "{text}");
}

#[test]
fn the_agent_hook_applies_the_layers_and_the_audit_log_records_them() {
    let t = InterlockTest::new();
    put(
        &t.org,
        "policy.toml",
        "[permit]\nloosen = [\"pkg.publish\"]\n",
    );
    put(
        &t.workspace.join(".interlock"),
        "policy.toml",
        "[[exception]]\nrule = \"pkg.publish\"\ncommand = \"npm publish --tag canary*\"\nowner = \"release-team\"\nreason = \"canary builds are throwaway\"\nexpires = 2099-06-30\n",
    );
    let payload = |command: &str| {
        serde_json::json!({
            "session_id": "s1",
            "cwd": t.workspace,
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": command},
        })
        .to_string()
    };
    // The exception lets the canary publish through; a real publish is still held.
    let out = crate::common::run_hook(&t, "claude", &payload("npm publish --tag canary"), &[]);
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let out = crate::common::run_hook(&t, "claude", &payload("npm publish"), &[]);
    assert_eq!(code(&out), 2, "{}", describe(&out));
    let log = std::fs::read_to_string(t.home.join("state/audit.jsonl")).unwrap();
    let records: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let allowed = records
        .iter()
        .find(|r| r["status"] == "auto_allowed")
        .unwrap_or_else(|| panic!("no auto_allowed record in {log}"));
    assert_eq!(allowed["policy"]["layer"], "project", "{allowed}");
    let said = allowed["policy"]["adjustments"][0].as_str().unwrap();
    assert!(
        said.contains("an exception of the project layer") && said.contains("release-team"),
        "{said}"
    );
    let out = t.run(
        &[
            "audit",
            "verify",
            "--state-dir",
            t.home.join("state").to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code(&out), 0, "{}", describe(&out));
}

#[test]
fn only_the_organisation_layer_names_approvers() {
    let t = InterlockTest::new();
    put(
        &t.workspace.join(".interlock"),
        "policy.toml",
        "[approvals]\napprovers = [\"mallory\"]\n",
    );
    let out = t.run(&["check", "--shell", "ls"], "");
    assert_eq!(code(&out), 2, "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".interlock/policy.toml:1"), "{err}");
    assert!(err.contains("only the org layer names approvers"), "{err}");
}

#[test]
fn only_the_organisation_layer_grants_permits() {
    // Both of these are files an agent can write when it runs under hooks: a permit in the
    // project layer must not let the user layer turn rules off.
    let t = InterlockTest::new();
    put(
        &t.workspace.join(".interlock"),
        "policy.toml",
        "[permit]\nloosen = [\"*\"]\n",
    );
    put(
        &t.home.join(".config/interlock"),
        "policy.toml",
        "[[select]]\ndisable = \"*\"\n",
    );
    let out = t.run(&["check", "--shell", "rm -rf /"], "");
    assert_eq!(code(&out), 2, "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".interlock/policy.toml:1"), "{err}");
    assert!(err.contains("only the org layer grants [permit]"), "{err}");
}
