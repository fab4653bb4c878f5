//! The two-person rule: a critical command in `prod` needs two distinct approvers. Approvers on
//! other machines sign with SSH keys (`ssh-keygen -Y sign`), checked against the session's
//! allowed signers. Real `interlock run`, real ssh-keygen, a fake `aws` recording its argv.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::{InterlockTest, code, describe, pending_ids, run_hook, wait_for};

fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .expect("run ssh-keygen");
    assert!(out.status.success(), "{}", describe(&out));
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("public key");
    (key, public.trim().to_string())
}

/// Signs `message` with `key` the way an approver would.
fn sign(key: &Path, message: &[u8], out: &Path) {
    let mut child = Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "interlock", "-f"])
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("ssh-keygen -Y sign");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(message)
        .expect("message");
    let signed = child.wait_with_output().expect("signature");
    assert!(signed.status.success());
    std::fs::write(out, signed.stdout).expect("write signature");
}

/// A fake `aws` on PATH that records its argv, and `agent.sh` in the workspace running
/// `script`: returns the record file and the PATH to run the session with.
fn prod_destroy_agent(t: &InterlockTest, script: &str) -> (PathBuf, std::ffi::OsString) {
    let calls = t.recording_aws();
    std::fs::write(t.workspace.join("agent.sh"), script).expect("agent");
    (calls, t.fake_path())
}

#[test]
fn a_prod_destroy_runs_only_after_two_distinct_approvers() {
    if Command::new("ssh-keygen").arg("-?").output().is_err() {
        eprintln!("skipped: no ssh-keygen");
        return;
    }
    let t = InterlockTest::new();
    let keys = t.home.join("keys");
    std::fs::create_dir_all(&keys).expect("mkdir");
    let (alice, alice_pub) = keygen(&keys, "alice");
    let (bob, bob_pub) = keygen(&keys, "bob");
    let allowed = keys.join("allowed_signers");
    std::fs::write(
        &allowed,
        format!("alice@example.com {alice_pub}\nbob@example.com {bob_pub}\n"),
    )
    .expect("allowed signers");
    let (calls, path) = prod_destroy_agent(
        &t,
        "aws --profile prod-admin cloudformation delete-stack --stack-name api; echo \"rc=$?\" > rc.txt\n",
    );
    let state = t.home.join("state");
    let state_s = state.to_str().expect("path").to_string();
    let interlock = |args: &[&str]| {
        let mut c = t.cmd(args);
        c.env("PATH", &path);
        c
    };
    let child = interlock(&[
        "run",
        "--non-interactive",
        "--wait",
        "120",
        "--state-dir",
        &state_s,
        "--allowed-signers",
        allowed.to_str().expect("path"),
        "--",
        "sh",
        "agent.sh",
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("interlock run");
    let pending = || -> Vec<String> {
        pending_ids(
            &interlock(&["pending", "--json", "--state-dir", &state_s])
                .output()
                .expect("pending"),
        )
    };
    let id = wait_for("the prod destroy to be held", || {
        pending().into_iter().next()
    });
    let approve = |key: &Path, reason: &str| {
        let message = interlock(&["approve", &id, "--reason", reason, "--print-message"])
            .output()
            .expect("message");
        let sig = keys.join(format!("{}.sig", reason.len()));
        sign(key, &message.stdout, &sig);
        interlock(&[
            "approve",
            &id,
            "--reason",
            reason,
            "--signature",
            sig.to_str().expect("path"),
            "--state-dir",
            &state_s,
        ])
        .output()
        .expect("approve")
    };
    let first = approve(&alice, "CHG-1 retire the api stack");
    assert_eq!(code(&first), 0, "{}", describe(&first));
    assert!(
        String::from_utf8_lossy(&first.stdout).contains("1 of 2"),
        "{}",
        describe(&first)
    );
    // One approval: still held, nothing ran.
    assert_eq!(pending(), std::slice::from_ref(&id));
    assert!(!calls.exists());
    // The same approver again does not count twice.
    let again = approve(&alice, "CHG-1 retire the api stack, really");
    assert_ne!(code(&again), 0, "{}", describe(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already approved"),
        "{}",
        describe(&again)
    );
    assert!(!calls.exists());
    let second = approve(&bob, "CHG-1 second pair of eyes: ok");
    assert_eq!(code(&second), 0, "{}", describe(&second));
    let out = child.wait_with_output().expect("wait");
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert_eq!(
        std::fs::read_to_string(&calls).expect("aws ran"),
        "--profile prod-admin cloudformation delete-stack --stack-name api\n"
    );
    let log = std::fs::read_to_string(state.join("audit.jsonl")).expect("log");
    assert!(log.contains("alice@example.com (ssh signature)"), "{log}");
    assert!(log.contains("bob@example.com (ssh signature)"), "{log}");
    assert!(log.contains("approver 1 of 2"), "{log}");
}

#[test]
fn through_a_hook_a_prod_destroy_waits_for_two_distinct_approvers() {
    let t = InterlockTest::new();
    let state = t.home.join("state");
    let state = state.to_str().expect("path").to_string();
    let payload = serde_json::json!({
        "session_id": "s", "cwd": t.workspace, "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "aws --profile prod-admin cloudformation delete-stack --stack-name api"},
        "tool_use_id": "t"
    })
    .to_string();
    // As an agent runs its hook: a child of a shell (the agent's tree is not the approvers').
    let call = |extra: &[&str]| {
        String::from_utf8_lossy(&run_hook(&t, "claude", &payload, extra).stdout).into_owned()
    };
    // The agent's own prompt asks one human: not enough here, so it is held with an id.
    let first = call(&["--ask", "native"]);
    assert!(first.contains("\"permissionDecision\":\"deny\""), "{first}");
    assert!(first.contains("2 different approvers"), "{first}");
    let id = first
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .find(|w| w.starts_with("h-"))
        .expect("request id")
        .to_string();
    let approve = |reason: &str| {
        t.run(
            &["approve", &id, "--reason", reason, "--state-dir", &state],
            "",
        )
    };
    let one = approve("CHG-3 retire the api stack");
    assert_eq!(code(&one), 0, "{}", describe(&one));
    assert!(
        String::from_utf8_lossy(&one.stdout).contains("1 of 2"),
        "{}",
        describe(&one)
    );
    // One approval is not enough: the retry is still refused, and keeps the approval given.
    assert!(call(&[]).contains("\"permissionDecision\":\"deny\""));
    // The same OS user does not count twice.
    let twice = approve("CHG-3 retire the api stack, again");
    assert_ne!(code(&twice), 0, "{}", describe(&twice));
    assert!(
        String::from_utf8_lossy(&twice.stderr).contains("already approved"),
        "{}",
        describe(&twice)
    );
    assert!(call(&[]).contains("\"permissionDecision\":\"deny\""));
}

/// A local OS user made for one test and removed after it.
struct OsUser {
    name: String,
    uid: u32,
}

impl OsUser {
    fn create(tag: &str) -> Option<OsUser> {
        let name = format!("ilq{}{tag}", std::process::id() % 1_000_000);
        let made = Command::new("useradd")
            .args(["-M", "-N", "-s", "/bin/sh", &name])
            .output()
            .ok()?;
        if !made.status.success() {
            eprintln!("skipped: useradd failed: {}", describe(&made));
            return None;
        }
        let id = Command::new("id").args(["-u", &name]).output().ok()?;
        let uid = String::from_utf8_lossy(&id.stdout).trim().parse().ok()?;
        Some(OsUser { name, uid })
    }

    /// `interlock ARGS` run as this user (its own uid, no supplementary groups, a home it
    /// cannot find sessions in).
    fn interlock(&self, args: &[&str]) -> std::process::Output {
        Command::new("setpriv")
            .args([
                &format!("--reuid={}", self.uid),
                "--regid=65534",
                "--clear-groups",
                "--",
                env!("CARGO_BIN_EXE_interlock"),
            ])
            .args(args)
            .env_clear()
            .env("HOME", format!("/nonexistent/{}", self.name))
            .env("PATH", "/usr/bin:/bin")
            .current_dir("/")
            .stdin(Stdio::null())
            .output()
            .expect("run interlock as another user")
    }
}

impl Drop for OsUser {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.name).output();
    }
}

#[test]
fn two_os_users_approve_a_prod_destroy_from_their_own_accounts() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!(
            "skipped: creating OS users needs root (the SSH-signature test covers remote approvers)"
        );
        return;
    }
    if Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!("skipped: no setpriv");
        return;
    }
    let (Some(alice), Some(bob), Some(mallory)) = (
        OsUser::create("a"),
        OsUser::create("b"),
        OsUser::create("m"),
    ) else {
        return;
    };
    let t = InterlockTest::new();
    // Alice is named by the organisation's policy, Bob on the command line.
    std::fs::create_dir_all(&t.org).expect("mkdir org");
    std::fs::set_permissions(&t.org, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let policy = t.org.join("policy.toml");
    std::fs::write(
        &policy,
        format!("[approvals]\napprovers = [\"{}\"]\n", alice.name),
    )
    .expect("org policy");
    std::fs::set_permissions(&policy, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let (calls, path) = prod_destroy_agent(
        &t,
        "aws --profile prod-admin cloudformation delete-stack --stack-name api\n",
    );
    let state = t.home.join("state");
    let state_s = state.to_str().expect("path").to_string();
    let child = t
        .cmd(&[
            "run",
            "--non-interactive",
            "--wait",
            "120",
            "--state-dir",
            &state_s,
            "--approver",
            &bob.name,
            "--",
            "sh",
            "agent.sh",
        ])
        .env("PATH", &path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("interlock run");
    // The approvers find the request from their own accounts.
    let id = wait_for("the prod destroy to be held", || {
        pending_ids(&alice.interlock(&["pending", "--json"]))
            .into_iter()
            .next()
    });
    // Someone who is not a listed approver neither sees nor approves it.
    let out = mallory.interlock(&["pending", "--json"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "[]",
        "{}",
        describe(&out)
    );
    let out = mallory.interlock(&["approve", &id, "--reason", "trust me"]);
    assert_ne!(code(&out), 0, "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not an approver of this session"),
        "{}",
        describe(&out)
    );
    let first = alice.interlock(&["approve", &id, "--reason", "CHG-7 retire api"]);
    assert_eq!(code(&first), 0, "{}", describe(&first));
    assert!(
        String::from_utf8_lossy(&first.stdout).contains("1 of 2"),
        "{}",
        describe(&first)
    );
    let again = alice.interlock(&["approve", &id, "--reason", "CHG-7 again"]);
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already approved"),
        "{}",
        describe(&again)
    );
    assert!(!calls.exists(), "ran after one approval");
    let second = bob.interlock(&["approve", &id, "--reason", "CHG-7 second pair of eyes"]);
    assert_eq!(code(&second), 0, "{}", describe(&second));
    let out = child.wait_with_output().expect("wait");
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert_eq!(
        std::fs::read_to_string(&calls).expect("aws ran"),
        "--profile prod-admin cloudformation delete-stack --stack-name api\n"
    );
    let log = std::fs::read_to_string(state.join("audit.jsonl")).expect("log");
    assert!(
        log.contains(&alice.name) && log.contains(&bob.name),
        "{log}"
    );
    assert!(!log.contains(&mallory.name), "{log}");
}
