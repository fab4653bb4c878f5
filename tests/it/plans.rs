//! Plans, not command lines: `terraform apply PLAN` judged through a fake `terraform` on PATH
//! whose `show -json` prints the plan (the stand-in for the real tool and its providers).

use crate::common::{InterlockTest, json_lines};

/// A fake `terraform` whose `show -json` prints `plan`, and `check --json -- terraform apply
/// plan.out` run with it first on PATH.
fn apply_with_plan(plan: &str) -> serde_json::Value {
    let t = InterlockTest::new();
    std::fs::write(t.home.join("plan.json"), plan).expect("plan json");
    t.fake_program(
        "terraform",
        &format!(
            "#!/bin/sh\nif [ \"$1 $2 $3\" = 'show -json plan.out' ]; then cat '{}'; else exit 1; fi\n",
            t.home.join("plan.json").display()
        ),
    );
    std::fs::write(t.workspace.join("plan.out"), "binary plan").expect("plan file");
    let path = t.fake_path();
    let out = t
        .cmd(&["check", "--json", "--", "terraform", "apply", "plan.out"])
        .env("PATH", path)
        .output()
        .expect("run check");
    json_lines(&out).remove(0)
}

#[test]
fn a_plan_replacing_a_database_makes_apply_critical_and_lists_it() {
    let v = apply_with_plan(
        r#"{"format_version": "1.2", "resource_changes": [
            {"address": "aws_db_instance.main", "type": "aws_db_instance", "change": {"actions": ["delete", "create"]}},
            {"address": "aws_instance.web", "type": "aws_instance", "change": {"actions": ["update"]}}
        ]}"#,
    );
    assert_eq!(v["severity"], "critical", "{v:#}");
    assert_eq!(v["decision"], "confirm");
    assert_eq!(v["rules"][0], "plan.destroys-resources");
    let reason = v["reason"].as_str().unwrap();
    assert!(
        reason.contains("aws_db_instance.main (replace)"),
        "{reason}"
    );
    assert!(!reason.contains("aws_instance.web"), "{reason}");
}

#[test]
fn a_plan_that_destroys_nothing_keeps_the_usual_verdict_and_an_unreadable_one_says_so() {
    let v = apply_with_plan(
        r#"{"resource_changes": [{"address": "aws_instance.web", "type": "aws_instance", "change": {"actions": ["update"]}}]}"#,
    );
    assert_eq!(v["rules"][0], "iac.terraform.apply", "{v:#}");
    let broken = apply_with_plan("not json");
    assert_eq!(broken["rules"][0], "plan.unreadable", "{broken:#}");
    assert_ne!(broken["decision"], "allow");
    assert!(
        broken["reason"]
            .as_str()
            .unwrap()
            .contains("could not be previewed")
    );
}

#[test]
fn a_change_set_replacing_a_database_makes_execute_critical_and_lists_it() {
    let t = InterlockTest::new();
    std::fs::write(
        t.home.join("set.json"),
        r#"{"Changes": [{"Type": "Resource", "ResourceChange": {"Action": "Modify", "LogicalResourceId": "OrdersDb", "ResourceType": "AWS::RDS::DBInstance", "Replacement": "True"}}]}"#,
    )
    .expect("change set json");
    t.fake_program(
        "aws",
        &format!(
            "#!/bin/sh\ncase \"$*\" in *describe-change-set*) cat '{}';; *) exit 1;; esac\n",
            t.home.join("set.json").display()
        ),
    );
    let path = t.fake_path();
    let out = t
        .cmd(&[
            "check",
            "--json",
            "--shell",
            "aws cloudformation execute-change-set --change-set-name cs-42 --stack-name orders",
        ])
        .env("PATH", path)
        .output()
        .expect("run check");
    let v = json_lines(&out).remove(0);
    assert_eq!(v["severity"], "critical", "{v:#}");
    let reason = v["reason"].as_str().unwrap();
    assert!(reason.contains("change set cs-42"), "{reason}");
    assert!(
        reason.contains("OrdersDb (AWS::RDS::DBInstance) (replace)"),
        "{reason}"
    );
}

#[test]
fn the_supervisor_previews_plans_while_it_traces_the_agent() {
    // The tracer waits only for its own tracees: the preview the supervisor runs beside it is
    // never reaped from under it (which made previews fail at random before).
    let t = InterlockTest::new();
    std::fs::write(
        t.home.join("plan.json"),
        r#"{"resource_changes": [{"address": "aws_db_instance.main", "type": "aws_db_instance", "change": {"actions": ["delete", "create"]}}]}"#,
    )
    .expect("plan json");
    t.fake_program(
        "terraform",
        &format!(
            "#!/bin/sh\nif [ \"$1\" = show ]; then cat '{}'; else echo applied; fi\n",
            t.home.join("plan.json").display()
        ),
    );
    std::fs::write(t.workspace.join("plan.out"), "binary plan").expect("plan file");
    std::fs::write(
        t.workspace.join("agent.sh"),
        "i=0\nwhile [ $i -lt 10 ]; do terraform apply plan.out; i=$((i+1)); done\n",
    )
    .expect("agent");
    let path = t.fake_path();
    let state = t.home.join("state");
    let out = t
        .cmd(&[
            "run",
            "--non-interactive",
            "--state-dir",
            state.to_str().expect("path"),
            "--",
            "sh",
            "agent.sh",
        ])
        .env("PATH", path)
        .output()
        .expect("interlock run");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("applied"));
    let log = std::fs::read_to_string(state.join("audit.jsonl")).expect("log");
    let held = log
        .lines()
        .filter(|l| l.contains("\"status\":\"requested\""))
        .collect::<Vec<_>>();
    assert_eq!(held.len(), 10, "{log}");
    for line in held {
        assert!(line.contains("aws_db_instance.main (replace)"), "{line}");
    }
}
