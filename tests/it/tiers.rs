//! Environments and tiers in `interlock check --json`: the environment a command names, its tier,
//! and the production escalation.

use crate::common::{InterlockTest, code, describe, json_lines};

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

#[test]
fn variables_the_command_line_sets_name_the_environment() {
    let t = InterlockTest::new();
    for cmd in [
        "AWS_PROFILE=prod-admin aws s3 rm s3://bucket/key",
        "export AWS_PROFILE=prod-admin; aws s3 rm s3://bucket/key",
        "env AWS_PROFILE=prod-admin aws s3 rm s3://bucket/key",
        "sudo env CLOUDSDK_CORE_PROJECT=acme-prod gcloud compute instances delete vm-1",
    ] {
        let v = verdict(&t, cmd);
        assert_eq!(v["environment"]["tier"], "prod", "{cmd}: {v:#}");
        assert_eq!(v["severity"], "high", "{cmd}: {v:#}");
    }
    let v = verdict(&t, "AWS_PROFILE=dev aws s3 rm s3://bucket/key");
    assert_eq!(v["environment"]["tier"], "dev", "{v:#}");
}

#[test]
fn the_kubeconfig_current_context_names_the_cluster() {
    let t = InterlockTest::new();
    let config = t.write(
        "kube/prod.yaml",
        "apiVersion: v1\nkind: Config\ncurrent-context: gke_acme_prod-eu\ncontexts: []\n",
    );
    let dev = t.write("kube/dev.yaml", "current-context: \"kind-dev\"\n");
    let v = verdict(
        &t,
        &format!(
            "KUBECONFIG={} kubectl delete deployment web",
            config.display()
        ),
    );
    assert_eq!(v["environment"]["name"], "gke_acme_prod-eu", "{v:#}");
    assert_eq!(v["environment"]["from"], "kubeconfig current-context");
    assert_eq!(v["environment"]["tier"], "prod");
    // An explicit --context wins over the file; --kubeconfig names the file.
    let v = verdict(
        &t,
        &format!(
            "KUBECONFIG={} kubectl --context kind-dev delete deployment web",
            config.display()
        ),
    );
    assert_eq!(v["environment"]["tier"], "dev", "{v:#}");
    let v = verdict(
        &t,
        &format!(
            "kubectl --kubeconfig {} delete deployment web",
            dev.display()
        ),
    );
    assert_eq!(v["environment"]["name"], "kind-dev", "{v:#}");
    // ~/.kube/config when nothing else names one.
    std::fs::create_dir_all(t.home.join(".kube")).unwrap();
    std::fs::copy(&config, t.home.join(".kube/config")).unwrap();
    let v = verdict(&t, "kubectl delete deployment web");
    assert_eq!(v["environment"]["tier"], "prod", "{v:#}");
}

#[test]
fn a_layer_tiers_file_adds_names_to_a_tier() {
    use std::os::unix::fs::PermissionsExt;
    let t = InterlockTest::new();
    let before = verdict(
        &t,
        "aws --profile acme-main cloudformation delete-stack --stack-name api",
    );
    assert!(before["environment"].get("tier").is_none(), "{before:#}");
    std::fs::create_dir_all(&t.org).unwrap();
    std::fs::set_permissions(&t.org, std::fs::Permissions::from_mode(0o755)).unwrap();
    let file = t.org.join("tiers.toml");
    std::fs::write(
        &file,
        "[[tier]]\nname = \"prod\"\nmatch = [\"acme-main\", \"123456789012\"]\napprovers = 3\n",
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let after = verdict(
        &t,
        "aws --profile acme-main cloudformation delete-stack --stack-name api",
    );
    assert_eq!(after["environment"]["tier"], "prod", "{after:#}");
    assert_eq!(after["approvers"], 3, "{after:#}");
    // An account id named in an ARN.
    let by_account = verdict(
        &t,
        "aws cloudformation delete-stack --stack-name api --role-arn arn:aws:iam::123456789012:role/deploy",
    );
    assert_eq!(
        by_account["environment"]["from"], "ARN account",
        "{by_account:#}"
    );
    assert_eq!(by_account["environment"]["tier"], "prod", "{by_account:#}");
    // The shipped names stay where they were.
    let dev = verdict(&t, "aws --profile dev s3 rm s3://b/k");
    assert_eq!(dev["environment"]["tier"], "dev", "{dev:#}");
    // Ignored words would take names out of prod: refused, and the command is held.
    std::fs::write(
        &file,
        "[[tier]]\nname = \"prod\"\nmatch = [\"acme-main\"]\nignore = [\"prod\"]\n",
    )
    .unwrap();
    let out = t.run(&["check", "--shell", "aws --profile prod s3 ls"], "");
    assert_ne!(code(&out), 0, "{}", describe(&out));
    let text = describe(&out);
    assert!(
        text.contains("only widen") && text.contains("tiers.toml"),
        "{text}"
    );
}

#[test]
fn a_rule_raises_its_own_action_and_approvers_in_a_tier() {
    let t = InterlockTest::new();
    let rules = t.write(
        "rules/team.toml",
        r#"[[rule]]
id = "team.s3.rm"
severity = "medium"
action = "confirm"
reason = "Deletes S3 objects."
program = "aws"
command = ["s3", "rm"]
match = ["aws s3 rm s3://b/k"]

[[rule.in_tier]]
tier = "prod"
severity = "high"
approvers = 2

[[rule.in_tier]]
tier = "staging"
action = "deny"
"#,
    );
    let run = |cmd: &str| {
        let out = t.run(
            &[
                "check",
                "--json",
                "--ruleset",
                rules.to_str().unwrap(),
                "--shell",
                cmd,
            ],
            "",
        );
        json_lines(&out).remove(0)
    };
    let dev = run("aws --profile dev s3 rm s3://b/k");
    assert_eq!(dev["decision"], "confirm", "{dev:#}");
    assert!(dev.get("approvers").is_none(), "{dev:#}");
    let prod = run("aws --profile prod-admin s3 rm s3://b/k");
    assert_eq!(prod["decision"], "confirm", "{prod:#}");
    assert_eq!(prod["severity"], "high", "{prod:#}");
    assert_eq!(prod["approvers"], 2, "{prod:#}");
    assert!(
        prod["reason"]
            .as_str()
            .unwrap()
            .contains("In prod, team.s3.rm is stricter."),
        "{prod:#}"
    );
    let staging = run("aws --profile staging s3 rm s3://b/k");
    assert_eq!(staging["decision"], "deny", "{staging:#}");
}

#[test]
fn a_database_url_names_its_host() {
    let t = InterlockTest::new();
    let v = verdict(
        &t,
        "psql postgres://app:secret@db.prod.internal:5432/app -c 'DROP TABLE users'",
    );
    assert_eq!(v["environment"]["name"], "db.prod.internal", "{v:#}");
    assert_eq!(v["environment"]["tier"], "prod", "{v:#}");
}
