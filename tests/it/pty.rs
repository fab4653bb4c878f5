//! Human confirmation through a real pseudo-terminal (expectrl): the prompt appears on the
//! terminal, the keys typed answer it, and the agent never sees them.

use std::process::Command;
use std::time::Duration;

use crate::common::InterlockTest;

/// A fake `aws` that records its argv, and an agent script that runs a critical command and
/// then reports its exit status.
fn setup(t: &InterlockTest) -> (std::ffi::OsString, std::path::PathBuf) {
    let record = t.recording_aws();
    std::fs::write(
        t.workspace.join("agent.sh"),
        "echo agent-started\naws cloudformation delete-stack --stack-name env\necho \"agent-rc=$?\"\nread -r line\necho \"agent-read=$line\"\n",
    )
    .expect("write agent");
    (t.fake_path(), record)
}

fn session(t: &InterlockTest, path: &std::ffi::OsString) -> expectrl::Session {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_interlock"));
    let state = t.home.join("state");
    cmd.args([
        "run",
        "--state-dir",
        state.to_str().expect("path"),
        "--",
        "sh",
        "agent.sh",
    ])
    .current_dir(&t.workspace)
    .env_clear()
    .env("HOME", &t.home)
    .env("PATH", path)
    .env("TERM", "xterm");
    let mut p = expectrl::Session::spawn(cmd).expect("spawn in a pty");
    p.set_expect_timeout(Some(Duration::from_secs(60)));
    p
}

#[test]
fn a_critical_command_runs_after_justification_and_the_typed_name() {
    let t = InterlockTest::new();
    let (path, record) = setup(&t);
    let mut p = session(&t, &path);
    p.expect("agent-started").expect("agent starts");
    if let Err(e) = p.expect("Justification") {
        // Say what the session had done by then: whether the command reached the supervisor.
        panic!(
            "the prompt did not ask for a justification ({e}); audit log so far:\n{}",
            std::fs::read_to_string(t.home.join("state/audit.jsonl")).unwrap_or_default()
        );
    }
    p.send_line("CHG-77 retire the env stack")
        .expect("type justification");
    p.expect("Type")
        .expect("the prompt asks for the target's name");
    p.send_line("env").expect("type name");
    p.expect("agent-rc=0").expect("the command ran");
    // The keys typed at the prompt never reached the agent: it reads only what comes next.
    p.send_line("after").expect("type for the agent");
    p.expect("agent-read=after")
        .expect("the agent reads its own input");
    p.expect(expectrl::Eof).expect("the session ends");
    assert_eq!(
        std::fs::read_to_string(&record).expect("aws ran").trim(),
        "cloudformation delete-stack --stack-name env"
    );
    let log = std::fs::read_to_string(t.home.join("state/audit.jsonl")).expect("log");
    assert!(
        log.contains("CHG-77 retire the env stack") && log.contains("tty+typed-confirm"),
        "{log}"
    );
}

#[test]
fn refusing_at_the_prompt_does_not_run_it() {
    let t = InterlockTest::new();
    let (path, record) = setup(&t);
    let mut p = session(&t, &path);
    p.expect("Justification")
        .expect("the prompt asks for a justification");
    p.send("\x1b").expect("press Esc");
    p.expect("agent-rc=126").expect("the command was refused");
    p.send_line("x").expect("type for the agent");
    p.expect(expectrl::Eof).expect("the session ends");
    assert!(!record.exists(), "the fake aws must not run");
    let log = std::fs::read_to_string(t.home.join("state/audit.jsonl")).expect("log");
    assert!(log.contains("\"status\":\"denied\""), "{log}");
}
