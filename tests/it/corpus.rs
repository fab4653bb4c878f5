//! The labelled corpora through `interlock check --batch`: every `block` case is held (confirm
//! or deny), every `allow` case passes; optional `decision` and `rule` fields are checked too.

use crate::common::{InterlockTest, code, corpus_dir, describe, json_lines};

fn run_corpus(file: &str) {
    let t = InterlockTest::new();
    let path = corpus_dir().join(file);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let cases: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{file}: bad line {l:?}: {e}")))
        .collect();
    assert!(!cases.is_empty(), "{file} is empty");
    let out = t.run(
        &["check", "--batch", path.to_str().expect("utf-8 path")],
        "",
    );
    assert!([0, 10, 20].contains(&code(&out)), "{}", describe(&out));
    let verdicts = json_lines(&out);
    assert_eq!(
        verdicts.len(),
        cases.len(),
        "one verdict per case\n{}",
        describe(&out)
    );
    let mut failures = Vec::new();
    for (case, verdict) in cases.iter().zip(&verdicts) {
        let cmd = case["cmd"].as_str().unwrap_or_default();
        let decision = verdict["decision"].as_str().unwrap_or_default();
        let rules: Vec<&str> = verdict["rules"]
            .as_array()
            .map(|a| a.iter().filter_map(|r| r.as_str()).collect())
            .unwrap_or_default();
        let ok = match case["expect"].as_str() {
            Some("block") => decision == "confirm" || decision == "deny",
            Some("allow") => decision == "allow",
            other => panic!("{file}: unknown expect {other:?} for {cmd:?}"),
        };
        let decision_ok = case["decision"].as_str().is_none_or(|d| d == decision);
        let rule_ok = case["rule"].as_str().is_none_or(|r| rules.contains(&r));
        if !(ok && decision_ok && rule_ok) {
            failures.push(format!(
                "expected {} {:?}: got {decision} {rules:?} — {cmd:?}",
                case["expect"],
                case.get("rule")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed in {file}:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn shared_corpus() {
    run_corpus("shared.jsonl");
}

#[test]
fn own_corpus() {
    run_corpus("own.jsonl");
}

#[test]
fn own_corpus_is_large_and_balanced() {
    let text = std::fs::read_to_string(corpus_dir().join("own.jsonl")).expect("read own corpus");
    let block = text
        .lines()
        .filter(|l| l.contains("\"expect\": \"block\""))
        .count();
    let allow = text
        .lines()
        .filter(|l| l.contains("\"expect\": \"allow\""))
        .count();
    assert!(
        block + allow >= 400,
        "at least 400 own cases, got {}",
        block + allow
    );
    assert!(
        block >= 150 && allow >= 150,
        "both kinds well represented: {block} block, {allow} allow"
    );
}
