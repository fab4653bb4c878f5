//! Rulesets from disk: they load only when their inline examples hold, and errors name the
//! file, line, rule and example.

use std::path::Path;
use std::process::Output;

use crate::common::{InterlockTest, code, describe};

const GOOD: &str = r#"
[[rule]]
id = "org.make.deploy-prod"
severity = "high"
action = "confirm"
tags = ["org"]
reason = "Deploys to production."
program = "make"
command = ["deploy-prod"]
match = ["make deploy-prod", "sudo make -j4 deploy-prod"]
not_match = ["make test"]
"#;

/// Loads the ruleset at `path` (classifying a harmless `ls` with it).
fn load(t: &InterlockTest, path: &Path) -> Output {
    t.run(
        &[
            "check",
            "--ruleset",
            path.to_str().expect("path"),
            "--shell",
            "ls",
        ],
        "",
    )
}

#[test]
fn a_custom_ruleset_replaces_the_shipped_rules() {
    let t = InterlockTest::new();
    let path = t.write("org/rules.toml", GOOD);
    let p = path.to_str().expect("path");
    let out = t.run(
        &[
            "check",
            "--ruleset",
            p,
            "--json",
            "--shell",
            "make deploy-prod",
        ],
        "",
    );
    assert_eq!(code(&out), 10, "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("org.make.deploy-prod"));
    // Only the given rules apply (the shipped grammars still do).
    assert_eq!(
        code(&t.run(
            &["check", "--ruleset", p, "--shell", "terraform destroy"],
            ""
        )),
        0
    );
    // A directory loads every *.toml in it.
    let dir = path
        .parent()
        .expect("dir")
        .to_str()
        .expect("path")
        .to_string();
    assert_eq!(
        code(&t.run(
            &["check", "--ruleset", &dir, "--shell", "make deploy-prod"],
            ""
        )),
        10
    );
}

#[test]
fn a_failing_example_stops_the_load_with_a_precise_message() {
    let t = InterlockTest::new();
    let broken = GOOD.replace(
        "not_match = [\"make test\"]",
        "not_match = [\"make test\", \"make deploy-prod\"]",
    );
    let path = t.write("broken.toml", &broken);
    let out = load(&t, &path);
    assert_eq!(code(&out), 2, "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "{}:2 org.make.deploy-prod: example \"make deploy-prod\" matched, but it is listed under not_match",
        path.display()
    );
    assert!(err.contains(&expected), "expected {expected:?} in:\n{err}");
    assert!(
        out.stdout.is_empty(),
        "nothing is classified with a broken ruleset"
    );
}

#[test]
fn a_match_example_that_does_not_match_is_reported() {
    let t = InterlockTest::new();
    let broken = GOOD.replace(
        "match = [\"make deploy-prod\",",
        "match = [\"make deploy-staging\",",
    );
    let path = t.write("nomatch.toml", &broken);
    let out = load(&t, &path);
    assert_eq!(code(&out), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "example \"make deploy-staging\" did not match (invocations seen: make deploy-staging)"
        ),
        "{err}"
    );
}

#[test]
fn schema_errors_name_file_and_line() {
    let t = InterlockTest::new();
    let cases = [
        (
            "typo.toml",
            GOOD.replace("severity = \"high\"", "severity = \"hihg\""),
            "typo.toml:4: unknown variant `hihg`",
        ),
        (
            "unknown-field.toml",
            GOOD.replace("tags = [\"org\"]", "tags = [\"org\"]\nflag_any = [\"-f\"]"),
            "unknown field `flag_any`",
        ),
        (
            "class.toml",
            GOOD.replace(
                "command = [\"deploy-prod\"]",
                "command = [\"deploy-prod\"]\npaths_any = [\"everywhere\"]",
            ),
            "unknown path class `everywhere`",
        ),
        (
            "noexample.toml",
            GOOD.replace(
                "match = [\"make deploy-prod\", \"sudo make -j4 deploy-prod\"]",
                "",
            ),
            "no `match` examples",
        ),
        (
            "regex.toml",
            GOOD.replace("command = [\"deploy-prod\"]", "script = \"(unclosed\""),
            "not a valid regular expression",
        ),
        ("dup.toml", format!("{GOOD}\n{GOOD}"), "already declared at"),
    ];
    for (name, text, needle) in cases {
        let path = t.write(name, &text);
        let out = load(&t, &path);
        assert_eq!(code(&out), 2, "{name}: {}", describe(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(needle),
            "{name}: expected {needle:?} in:\n{err}"
        );
        assert!(err.contains(name), "{name}: the file is named in:\n{err}");
    }
}

#[test]
fn missing_ruleset_path_is_bad_input() {
    let t = InterlockTest::new();
    let out = t.run(
        &["check", "--ruleset", "/no/such/rules.toml", "--shell", "ls"],
        "",
    );
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/rules.toml"));
}
