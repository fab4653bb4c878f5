//! `interlock run`: real supervisor, real shims, real child processes. A fake `aws` script on
//! PATH records its argv (the stand-in for the cloud).

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

use crate::common::{InterlockTest, code, describe, pending_ids, wait_for};

/// A test session: the fixture plus a fake `aws` and a state directory.
struct Session {
    t: InterlockTest,
    state: PathBuf,
}

impl Session {
    fn new() -> Session {
        let t = InterlockTest::new();
        t.recording_aws();
        let state = t.home.join("state");
        Session { t, state }
    }

    fn interlock(&self, args: &[&str]) -> Command {
        let mut c = self.t.cmd(args);
        c.env("PATH", self.t.fake_path());
        c
    }

    fn run_agent(&self, extra: &[&str], script: &str) -> Child {
        let file = self.t.workspace.join("agent.sh");
        std::fs::write(&file, script).expect("write agent script");
        let state = self.state.to_str().expect("path").to_string();
        let mut args = vec!["run", "--state-dir", &state, "--non-interactive"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", "sh", "agent.sh"]);
        self.interlock(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn interlock run")
    }

    fn aws_calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.t.home.join("aws.calls"))
            .map(|s| s.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    fn log(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.state.join("audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("log line is JSON"))
            .collect()
    }

    fn verify(&self) -> Output {
        let state = self.state.to_str().expect("path");
        self.interlock(&["audit", "verify", "--state-dir", state])
            .output()
            .expect("audit verify")
    }
}

fn statuses(log: &[serde_json::Value]) -> Vec<String> {
    log.iter()
        .map(|r| r["status"].as_str().unwrap_or("").to_string())
        .collect()
}

fn finish(child: Child) -> Output {
    child.wait_with_output().expect("wait for interlock run")
}

#[test]
fn a_held_command_is_refused_without_a_human_and_logged() {
    let s = Session::new();
    let state = s.state.to_str().expect("path").to_string();
    let out = s
        .interlock(&[
            "run",
            "--state-dir",
            &state,
            "--non-interactive",
            "--",
            "sh",
            "-c",
            "aws cloudformation delete-stack --stack-name env",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_ne!(code(&out), 0, "{}", describe(&out));
    assert!(
        s.aws_calls().is_empty(),
        "the fake aws must not run: {:?}",
        s.aws_calls()
    );
    let log = s.log();
    assert_eq!(statuses(&log), ["requested", "expired"]);
    assert_eq!(log[0]["policy"]["uid"], "aws.cloudformation.delete-stack");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("interlock approve r-"), "{err}");
    assert_eq!(code(&s.verify()), 0, "{}", describe(&s.verify()));
}

#[test]
fn an_approval_from_another_process_lets_it_run_once() {
    let s = Session::new();
    let child = s.run_agent(
        &["--wait", "60"],
        "aws cloudformation delete-stack --stack-name env\necho \"rc=$?\" > rc.txt\n",
    );
    let state = s.state.to_str().expect("path").to_string();
    let id = wait_for("a pending request", || {
        let out = s
            .interlock(&["pending", "--json", "--state-dir", &state])
            .output()
            .ok()?;
        pending_ids(&out).into_iter().next()
    });
    let out = s
        .interlock(&[
            "approve",
            &id,
            "--reason",
            "CHG-42 retire the env stack",
            "--state-dir",
            &state,
        ])
        .output()
        .expect("approve");
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let out = finish(child);
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert_eq!(
        s.aws_calls(),
        ["cloudformation delete-stack --stack-name env"]
    );
    assert_eq!(
        std::fs::read_to_string(s.t.workspace.join("rc.txt"))
            .expect("rc")
            .trim(),
        "rc=0"
    );
    let log = s.log();
    assert_eq!(statuses(&log), ["requested", "approved", "exited"]);
    assert_eq!(
        log[1]["approval"]["justification"],
        "CHG-42 retire the env stack"
    );
    assert_eq!(log[2]["exit_code"], 0);
    assert_eq!(code(&s.verify()), 0);
}

#[test]
fn harmless_commands_run_without_a_prompt() {
    let s = Session::new();
    let child = s.run_agent(&[], "aws s3 ls && git init -q && git status --short >/dev/null && ls >/dev/null && echo ok > ok.txt\n");
    let out = finish(child);
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert_eq!(s.aws_calls(), ["s3 ls"]);
    assert!(s.t.workspace.join("ok.txt").exists());
    assert!(
        statuses(&s.log()).iter().all(|st| st == "auto_allowed"),
        "{:?}",
        statuses(&s.log())
    );
}

#[test]
fn the_agent_cannot_approve_its_own_requests() {
    let s = Session::new();
    let exe = env!("CARGO_BIN_EXE_interlock");
    let state = s.state.to_str().expect("path").to_string();
    let script = format!(
        "aws cloudformation delete-stack --stack-name env &\n\
         until id=$('{exe}' pending --json --state-dir '{state}' | grep -o 'r-[0-9a-f]*' | head -n1) && [ -n \"$id\" ]; do sleep 0.05; done\n\
         '{exe}' approve \"$id\" --reason 'the agent approves itself' --state-dir '{state}' 2> inside.txt; echo \"rc=$?\" >> inside.txt\n\
         env -u INTERLOCK_SOCKET '{exe}' approve \"$id\" --reason 'the agent approves itself' --state-dir '{state}' 2>> inside.txt; echo \"rc=$?\" >> inside.txt\n\
         wait\n"
    );
    // With PATH shims the approval command itself runs and refuses; under the exec tracer it
    // does not even start (see trace.rs).
    let out = finish(s.run_agent(&["--wait", "3", "--enforce", "shims"], &script));
    let inside = std::fs::read_to_string(s.t.workspace.join("inside.txt")).expect("inside.txt");
    assert!(s.aws_calls().is_empty(), "{inside}\n{}", describe(&out));
    assert!(
        inside.contains("inside a supervised agent session"),
        "{inside}"
    );
    assert!(
        inside.contains("cannot come from inside the agent's own process tree"),
        "{inside}"
    );
    assert_eq!(inside.matches("rc=2").count(), 2, "{inside}");
}

#[test]
fn without_a_supervisor_guarded_commands_are_refused() {
    let s = Session::new();
    let script = "touch ready\nwhile [ ! -e go ]; do sleep 0.05; done\n\
                  aws cloudformation delete-stack --stack-name env; echo \"held=$?\" > result.txt\n\
                  aws s3 ls; echo \"harmless=$?\" >> result.txt\n";
    // With PATH shims the agent outlives a killed supervisor (under the exec tracer it dies
    // with it: see trace.rs), and its shims must refuse on their own.
    let mut child = s.run_agent(&["--enforce", "shims"], script);
    let ready = s.t.workspace.join("ready");
    wait_for("the agent to start", || ready.exists().then_some(()));
    // Kill the supervisor (the `interlock run` process); the agent lives on.
    child.kill().expect("kill supervisor");
    let _ = child.wait();
    std::fs::write(s.t.workspace.join("go"), "").expect("go");
    let result = s.t.workspace.join("result.txt");
    let text = wait_for("the agent to finish", || {
        std::fs::read_to_string(&result)
            .ok()
            .filter(|t| t.contains("harmless="))
    });
    assert!(text.contains("held=126"), "{text}");
    assert!(text.contains("harmless=0"), "{text}");
    assert_eq!(s.aws_calls(), ["s3 ls"]);
}

#[test]
fn fifty_concurrent_guarded_commands_are_all_decided_and_logged() {
    let s = Session::new();
    let script = "i=0\nwhile [ $i -lt 45 ]; do aws s3 ls \"b$i\" & i=$((i+1)); done\n\
                  i=0\nwhile [ $i -lt 5 ]; do aws ec2 terminate-instances --instance-ids \"i-$i\" & i=$((i+1)); done\nwait\n";
    let out = finish(s.run_agent(&[], script));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert_eq!(s.aws_calls().len(), 45, "{:?}", s.aws_calls());
    let log = s.log();
    let st = statuses(&log);
    assert_eq!(st.iter().filter(|x| *x == "auto_allowed").count(), 45);
    assert_eq!(st.iter().filter(|x| *x == "requested").count(), 5);
    assert_eq!(st.iter().filter(|x| *x == "expired").count(), 5);
    assert_eq!(code(&s.verify()), 0, "{}", describe(&s.verify()));
}
