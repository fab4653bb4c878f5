//! Delete-and-recreate through `interlock check`: a session replayed with `--batch` (each line
//! with its `session` and `time`), and both halves in one command line.

use crate::common::{InterlockTest, json_lines};

#[test]
fn a_replayed_session_escalates_each_recreate_and_names_both_commands() {
    let t = InterlockTest::new();
    let lines = [
        (0, "a", "aws cloudformation delete-stack --stack-name env"),
        (20_000, "a", "kubectl delete namespace prod"),
        (30_000, "a", "psql -h db.internal -c 'DROP DATABASE orders'"),
        (40_000, "a", "git status"),
        // Another session creating the same stack is no recreate of its own.
        (
            50_000,
            "b",
            "aws cloudformation create-stack --stack-name env --template-body file://t.yaml",
        ),
        (
            180_000,
            "a",
            "aws cloudformation create-stack --stack-name env --template-body file://t.yaml",
        ),
        (200_000, "a", "kubectl create namespace prod"),
        (
            210_000,
            "a",
            "psql -h db.internal -c 'CREATE DATABASE orders'",
        ),
        (220_000, "a", "kubectl create namespace staging"),
    ];
    let input: String = lines
        .iter()
        .map(|(time, session, cmd)| {
            format!(
                "{}\n",
                serde_json::json!({"cmd": cmd, "session": session, "time": 1_795_700_000_000_i64 + time})
            )
        })
        .collect();
    let out = t.run(&["check", "--batch", "-"], &input);
    let verdicts = json_lines(&out);
    assert_eq!(verdicts.len(), lines.len());
    let escalated: Vec<usize> = verdicts
        .iter()
        .enumerate()
        .filter(|(_, v)| v["rules"][0] == "sequence.delete-recreate")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(escalated, [5, 6, 7], "{verdicts:#?}");
    for (i, delete_line) in [(5, 0), (6, 1), (7, 2)] {
        let v = &verdicts[i];
        let reason = v["reason"].as_str().unwrap();
        assert_eq!(v["severity"], "critical");
        assert_ne!(v["decision"], "allow");
        assert!(reason.contains(lines[delete_line].2), "{reason}");
        assert!(reason.contains(lines[i].2), "{reason}");
    }
    assert!(
        verdicts[5]["reason"]
            .as_str()
            .unwrap()
            .contains("3 min before")
    );
    assert!(
        verdicts[6]["reason"]
            .as_str()
            .unwrap()
            .contains("Kubernetes namespace prod")
    );
}

#[test]
fn both_halves_in_one_line_are_escalated() {
    let t = InterlockTest::new();
    let out = t.run(
        &[
            "check",
            "--json",
            "--shell",
            "kubectl delete ns prod && kubectl create ns prod && kubectl apply -f prod.yaml",
        ],
        "",
    );
    let v = &json_lines(&out)[0];
    assert_eq!(v["rules"][0], "sequence.delete-recreate", "{v:#}");
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .contains("earlier in the same command")
    );
}

#[test]
fn an_agent_hook_sees_the_recreate_across_calls_of_one_session() {
    let t = InterlockTest::new();
    let state = t.home.join("state");
    let state = state.to_str().unwrap();
    let call = |session: &str, command: &str| -> String {
        let payload = serde_json::json!({
            "session_id": session, "cwd": t.workspace, "hook_event_name": "PreToolUse",
            "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": "t"
        });
        let out = t.run(
            &["hook", "--agent", "claude", "--state-dir", state],
            &payload.to_string(),
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    call("s1", "aws cloudformation delete-stack --stack-name env");
    let create = "aws cloudformation create-stack --stack-name env --template-body file://t.yaml";
    let same_session = call("s1", create);
    assert!(
        same_session.contains("Delete-and-recreate"),
        "{same_session}"
    );
    assert!(
        same_session.contains("aws cloudformation delete-stack --stack-name env"),
        "{same_session}"
    );
    let other_session = call("s2", create);
    assert!(
        !other_session.contains("Delete-and-recreate"),
        "{other_session}"
    );
}
