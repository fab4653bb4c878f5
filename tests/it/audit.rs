//! `interlock audit verify` and `interlock log` on real log files.

use interlock::audit::{AuditLog, Event, Status};
use interlock::{Decision, Severity};

use crate::common::{InterlockTest, code, describe};

fn write_log(t: &InterlockTest, n: usize) -> std::path::PathBuf {
    let path = t.home.join(".local/state/interlock/audit.jsonl");
    let log = AuditLog::new(&path);
    for i in 0..n {
        let (status, decision) = if i % 2 == 0 {
            (Status::Requested, Decision::Confirm)
        } else {
            (Status::Denied, Decision::Confirm)
        };
        let argv = vec![
            "aws".to_string(),
            "cloudformation".into(),
            "delete-stack".into(),
            "--stack-name".into(),
            format!("env{i}"),
        ];
        let ev = Event::new(
            status,
            &format!("r{}", i / 2),
            &argv,
            "/w",
            decision,
            Severity::Critical,
            &["aws.cloudformation.delete-stack".into()],
            "Deletes a stack.",
        );
        log.append(&ev).expect("append");
    }
    path
}

#[test]
fn verify_reports_intact_logs_and_the_first_tampered_line() {
    let t = InterlockTest::new();
    let path = write_log(&t, 6);
    let out = t.run(&["audit", "verify"], "");
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact, 6 records"));

    let text = std::fs::read_to_string(&path).expect("read");
    let tampered: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 3 {
                l.replace("env3", "env9")
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&path, tampered.join("\n") + "\n").expect("write");
    let out = t.run(
        &["audit", "verify", "--log", path.to_str().expect("path")],
        "",
    );
    assert_eq!(code(&out), 1, "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("audit.jsonl:4: the record was modified"),
        "{text}"
    );
}

#[test]
fn log_shows_a_table_and_filters() {
    let t = InterlockTest::new();
    write_log(&t, 4);
    let out = t.run(&["log"], "");
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(
        text.lines()
            .nth(2)
            .is_some_and(|l| l.contains("denied") && l.contains("aws.cloudformation.delete-stack")),
        "{text}"
    );
    let out = t.run(&["log", "--json", "--request", "r1", "--since", "1h"], "");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        2,
        "{}",
        describe(&out)
    );
    let out = t.run(&["log", "--decision", "allow"], "");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    assert_eq!(code(&t.run(&["log", "--since", "yesterday-ish"], "")), 2);
}
