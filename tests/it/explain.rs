//! `interlock explain`: every invocation, its provenance, and each matched rule with file:line.

use crate::common::{InterlockTest, code, describe};

#[test]
fn explain_shows_invocations_rules_and_locations() {
    let t = InterlockTest::new();
    let out = t.run(&["explain", "--shell", "cd ~ && bash -c 'rm -rf .'"], "");
    assert_eq!(code(&out), 20, "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("decision: deny (severity critical)"),
        "{text}"
    );
    assert!(text.contains("[2] rm -rf ."), "{text}");
    assert!(text.contains("shell-string (bash)"), "{text}");
    assert!(
        text.contains(&format!("cwd:      {}", t.home.display())),
        "{text}"
    );
    assert!(
        text.contains("matched:  fs.rm.home → deny (critical) [shipped fs.toml:"),
        "{text}"
    );
}

#[test]
fn explain_reports_parse_errors_and_harmless_commands() {
    let t = InterlockTest::new();
    let out = t.run(&["explain", "--shell", "ls -la"], "");
    assert_eq!(code(&out), 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("no rule matched"));
    let out = t.run(&["explain", "--shell", "echo 'open"], "");
    assert_eq!(code(&out), 10);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("error:") && text.contains("interlock.unparseable"),
        "{text}"
    );
}
