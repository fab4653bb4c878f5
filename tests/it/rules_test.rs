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
    assert!(
        stdout.contains("1 rule examples failed; 2 corpus cases, 1 failed"),
        "{stdout}"
    );
}
