//! Environments and tiers in `interlock check --json`: the environment a command names, its tier,
//! and the production escalation.

use crate::common::{InterlockTest, json_lines};

fn verdict(t: &InterlockTest, cmd: &str) -> serde_json::Value {
    let out = t.run(&["check", "--json", "--shell", cmd], "");
    json_lines(&out).remove(0)
}

#[test]
fn a_prod_profile_is_tier_prod_and_a_dev_profile_is_not() {
    let t = InterlockTest::new();
    let prod = verdict(
        &t,
        "aws --profile prod-admin cloudformation delete-stack --stack-name api",
    );
    assert_eq!(prod["environment"]["name"], "prod-admin");
    assert_eq!(prod["environment"]["from"], "--profile");
    assert_eq!(prod["environment"]["tier"], "prod");
    assert!(prod["reason"].as_str().unwrap().contains("In production"));
    let dev = verdict(
        &t,
        "aws --profile dev cloudformation delete-stack --stack-name api",
    );
    assert_eq!(dev["environment"]["tier"], "dev");
    assert!(!dev["reason"].as_str().unwrap().contains("In production"));
    let none = verdict(&t, "git status");
    assert!(none.get("environment").is_none(), "{none:#}");
}
