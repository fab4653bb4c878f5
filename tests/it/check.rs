//! The `interlock check` contract: input forms, JSON verdict fields, exit codes, batch behaviour.

use crate::common::{InterlockTest, code, describe, json_lines};

#[test]
fn exit_codes_follow_the_decision() {
    let t = InterlockTest::new();
    assert_eq!(code(&t.run(&["check", "--shell", "ls -la"], "")), 0);
    assert_eq!(
        code(&t.run(&["check", "--shell", "git push --force"], "")),
        10
    );
    assert_eq!(code(&t.run(&["check", "--shell", "rm -rf /"], "")), 20);
}

#[test]
fn json_verdict_has_the_stable_fields() {
    let t = InterlockTest::new();
    let out = t.run(
        &[
            "check",
            "--json",
            "--shell",
            "aws --profile prod cloudformation delete-stack --stack-name api",
        ],
        "",
    );
    assert_eq!(code(&out), 10, "{}", describe(&out));
    let v = &json_lines(&out)[0];
    assert_eq!(v["decision"], "confirm");
    assert_eq!(v["severity"], "critical");
    assert_eq!(v["rules"][0], "aws.cloudformation.delete-stack");
    assert!(
        v["reason"]
            .as_str()
            .is_some_and(|r| r.contains("CloudFormation"))
    );
    let inv = &v["invocations"][0];
    assert_eq!(inv["argv"][4], "delete-stack");
    assert_eq!(inv["provenance"][0]["kind"], "top-level");
}

#[test]
fn argv_form_classifies_exec_level_commands() {
    let t = InterlockTest::new();
    let out = t.run(
        &[
            "check", "--json", "--", "git", "-C", "repo", "push", "--force",
        ],
        "",
    );
    assert_eq!(code(&out), 10, "{}", describe(&out));
    assert_eq!(json_lines(&out)[0]["rules"][0], "git.push.force");
    // No shell parsing of argv: a `;` inside one argument is just text.
    let out = t.run(&["check", "--", "echo", "hi; rm -rf /"], "");
    assert_eq!(code(&out), 0, "{}", describe(&out));
    // But nested shells inside the argv are unwrapped.
    let out = t.run(&["check", "--", "bash", "-c", "rm -rf ~"], "");
    assert_eq!(code(&out), 20, "{}", describe(&out));
}

#[test]
fn provenance_names_the_nesting() {
    let t = InterlockTest::new();
    let out = t.run(
        &[
            "check",
            "--json",
            "--shell",
            "ssh web-1 'sudo rm -rf /var/www/html'",
        ],
        "",
    );
    let v = &json_lines(&out)[0];
    let invs = v["invocations"].as_array().expect("invocations");
    let rm = invs
        .iter()
        .find(|i| i["program"] == "rm")
        .expect("rm found");
    let kinds: Vec<&str> = rm["provenance"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["top-level", "remote", "wrapper"]);
    assert_eq!(rm["remote"], true);
}

#[test]
fn batch_keeps_order_and_survives_bad_lines() {
    let t = InterlockTest::new();
    let input = concat!(
        "{\"cmd\": \"ls\"}\n",
        "not json\n",
        "\n",
        "{\"other\": 1}\n",
        "{\"cmd\": \"terraform destroy\", \"expect\": \"block\"}\n",
        "{\"argv\": [\"rm\", \"-rf\", \"/\"]}\n",
    );
    let out = t.run(&["check", "--batch", "-"], input);
    assert_eq!(
        code(&out),
        20,
        "strictest decision wins: {}",
        describe(&out)
    );
    let v = json_lines(&out);
    assert_eq!(v.len(), 6, "{}", describe(&out));
    let decisions: Vec<&str> = v
        .iter()
        .map(|x| x["decision"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        decisions,
        ["allow", "confirm", "confirm", "confirm", "confirm", "deny"]
    );
    assert_eq!(v[1]["rules"][0], "interlock.bad-input");
    assert!(
        v[1]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("line 2"))
    );
    assert_eq!(v[4]["rules"][0], "iac.terraform.destroy");
}

#[test]
fn batch_line_that_is_not_utf8_gets_a_verdict() {
    let t = InterlockTest::new();
    let path = t.write("bytes.jsonl", "");
    std::fs::write(&path, b"{\"cmd\": \"ls\"}\n\xff\xfe\n{\"cmd\": \"pwd\"}\n").expect("write");
    let out = t.run(&["check", "--batch", path.to_str().expect("path")], "");
    let v = json_lines(&out);
    assert_eq!(v.len(), 3, "{}", describe(&out));
    assert_eq!(v[1]["decision"], "confirm");
    assert_eq!(v[2]["decision"], "allow");
}

#[test]
fn unreadable_input_and_bad_usage_exit_2() {
    let t = InterlockTest::new();
    let out = t.run(&["check", "--batch", "/nonexistent/file.jsonl"], "");
    assert_eq!(code(&out), 2, "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/file.jsonl"));
    assert_eq!(code(&t.run(&["check"], "")), 2);
    assert_eq!(
        code(&t.run(&["check", "--shell", "ls", "--batch", "-"], "")),
        2
    );
    assert_eq!(code(&t.run(&["check", "--no-such-flag"], "")), 2);
}

#[test]
fn unparseable_input_is_never_allowed() {
    let t = InterlockTest::new();
    for text in ["echo 'unterminated", "if then fi (", "ls $(", "cat <<EOF"] {
        let out = t.run(&["check", "--json", "--shell", text], "");
        let v = &json_lines(&out)[0];
        assert_ne!(v["decision"], "allow", "{text:?}: {}", describe(&out));
    }
}

#[test]
fn paths_are_judged_from_cwd_and_workspace() {
    let t = InterlockTest::new();
    assert_eq!(code(&t.run(&["check", "--shell", "rm -rf build"], "")), 0);
    assert_eq!(code(&t.run(&["check", "--shell", "rm -rf ."], "")), 10);
    assert_eq!(
        code(&t.run(&["check", "--shell", "cd .. && rm -rf project"], "")),
        10
    );
    let sub = t.workspace.join("sub");
    std::fs::create_dir_all(&sub).expect("mkdir");
    let out = t.run(
        &[
            "check",
            "--cwd",
            sub.to_str().expect("path"),
            "--shell",
            "rm -rf *",
        ],
        "",
    );
    assert_eq!(
        code(&out),
        0,
        "a subdirectory's contents are inside the workspace: {}",
        describe(&out)
    );
}

#[test]
fn human_output_names_the_rules() {
    let t = InterlockTest::new();
    let out = t.run(&["check", "--shell", "kubectl delete ns prod"], "");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("confirm (critical):"), "{text}");
    assert!(text.contains("k8s.delete.namespace"), "{text}");
}

#[test]
fn help_teaches_every_subcommand() {
    let t = InterlockTest::new();
    for args in [
        &["--help"][..],
        &["check", "--help"],
        &["explain", "--help"],
    ] {
        let out = t.run(args, "");
        assert_eq!(code(&out), 0, "{}", describe(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage:"), "{text}");
    }
    let check = String::from_utf8_lossy(&t.run(&["check", "--help"], "").stdout).to_string();
    for needle in [
        "--shell",
        "--batch",
        "--json",
        "--ruleset",
        "Exit status: 0 allow, 10 confirm, 20 deny",
    ] {
        assert!(
            check.contains(needle),
            "check --help lacks {needle:?}:\n{check}"
        );
    }
}

#[test]
fn hostile_nesting_is_held_not_crashed() {
    let t = InterlockTest::new();
    let n = 20_000;
    let inputs = [
        format!("{}ls{}", "{ ".repeat(n), "; }".repeat(n)),
        format!("{}x{}", "$(".repeat(n), ")".repeat(n)),
        format!("{}ls{}", "if true; then ".repeat(n), "; fi".repeat(n)),
        format!("{}ls{}", "case x in x) ".repeat(n), ";; esac".repeat(n)),
    ];
    let batch: String = inputs
        .iter()
        .map(|cmd| format!("{}\n", serde_json::json!({ "cmd": cmd })))
        .collect();
    let out = t.run(&["check", "--batch", "-"], &batch);
    assert_eq!(code(&out), 10, "{}", describe(&out));
    let verdicts = json_lines(&out);
    assert_eq!(verdicts.len(), inputs.len());
    for v in verdicts {
        assert_eq!(v["rules"][0], "interlock.unparseable", "{v}");
    }
}

#[test]
fn a_force_push_without_refspec_is_judged_by_the_branch_checked_out() {
    let t = InterlockTest::new();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(&t.workspace)
            .env("HOME", &t.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git runs");
        assert!(status.status.success(), "git {args:?}: {status:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    let check = |line: &str| {
        let out = t.run(&["check", "--json", "--shell", line], "");
        (code(&out), json_lines(&out)[0].clone())
    };
    // On main, a lease does not make a rewrite of main harmless.
    let (status, v) = check("git push --force-with-lease");
    assert_eq!(status, 10, "{v}");
    assert_eq!(v["rules"][0], "git.push.force-with-lease-protected");
    assert_eq!(v["invocations"][0]["argv"].as_array().unwrap().len(), 3);
    assert_eq!(v["invocations"][0]["implied"][0], "HEAD:main");
    let (_, v) = check("git push -f origin HEAD");
    assert_eq!(v["rules"][0], "git.push.force-protected", "{v}");
    // On a feature branch, the same lease push passes.
    git(&["checkout", "-q", "-b", "feature/x"]);
    let (status, v) = check("git push --force-with-lease");
    assert_eq!(status, 0, "{v}");
    assert_eq!(v["invocations"][0]["implied"][0], "HEAD:feature/x");
}

#[test]
fn a_tool_no_rule_names_is_held_for_its_delete_verb_and_its_wrappers_are_not() {
    let t = InterlockTest::new();
    let out = t.run(
        &[
            "check",
            "--json",
            "--shell",
            "sudo -u deploy timeout 60 acmectl env delete prod",
        ],
        "",
    );
    let v = &json_lines(&out)[0];
    assert_eq!(v["decision"], "confirm");
    let invs = v["invocations"].as_array().expect("invocations");
    let programs: Vec<&str> = v["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .map(|m| {
            assert_eq!(m["rule"], "cli.unknown.delete");
            invs[m["invocation"].as_u64().expect("index") as usize]["program"]
                .as_str()
                .expect("program")
        })
        .collect();
    // sudo and timeout carry the same words, but they are wrappers: only acmectl is held.
    assert_eq!(programs, ["acmectl"]);

    let out = t.run(&["check", "--json", "--shell", "grep -rn delete src/"], "");
    assert_eq!(json_lines(&out)[0]["decision"], "allow");
}
