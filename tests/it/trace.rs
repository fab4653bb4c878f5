//! `interlock run --enforce trace`: the exec tracer with real processes — a fake `aws` on PATH
//! that records its argv, a static binary and a racing two-thread program built here with
//! rustc, Python, `env -i`, scripts written at run time. Skipped, with the reason printed, where
//! the kernel does not let a process trace its children.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use crate::common::{InterlockTest, code, describe, pending_ids, wait_for};

/// A traced session's fixture: a fake `aws`, a state directory, an agent script.
struct Traced {
    t: InterlockTest,
    bin: PathBuf,
    state: PathBuf,
}

impl Traced {
    /// The fixture, or `None` (after printing why) when exec tracing is not possible here.
    fn new() -> Option<Traced> {
        Traced::with(InterlockTest::new())
    }

    fn with(t: InterlockTest) -> Option<Traced> {
        let bin = t.fakebin();
        t.recording_aws();
        let state = t.home.join("state");
        let s = Traced { t, bin, state };
        let probe = s
            .interlock(&["run", "--enforce", "trace", "--non-interactive", "--"])
            .arg("/bin/true")
            .output()
            .expect("run interlock");
        let stderr = String::from_utf8_lossy(&probe.stderr);
        if stderr.contains("cannot enforce by exec tracing") {
            eprintln!("skipped: {stderr}");
            return None;
        }
        assert_eq!(code(&probe), 0, "{}", describe(&probe));
        Some(s)
    }

    fn interlock(&self, args: &[&str]) -> Command {
        let mut c = self.t.cmd(args);
        c.env("PATH", self.t.fake_path());
        c
    }

    /// Starts `agent` (an executable written to the workspace) under the tracer.
    fn start(&self, agent: &str) -> Child {
        self.start_with(&[], agent)
    }

    /// Starts `agent` with `extra` options of `interlock run`.
    fn start_with(&self, extra: &[&str], agent: &str) -> Child {
        let file = self.t.workspace.join("agent");
        write_executable(&file, agent);
        let state = self.state.to_str().expect("path").to_string();
        let mut args = vec![
            "run",
            "--state-dir",
            &state,
            "--non-interactive",
            "--enforce",
            "trace",
        ];
        args.extend_from_slice(extra);
        args.push("--");
        self.interlock(&args)
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn interlock run")
    }

    fn run(&self, agent: &str) -> Output {
        self.start(agent)
            .wait_with_output()
            .expect("wait for interlock run")
    }

    /// The ids of the requests waiting for a human, oldest first.
    fn pending(&self) -> Vec<String> {
        let state = self.state.to_str().expect("path");
        let out = self
            .interlock(&["pending", "--json", "--state-dir", state])
            .output()
            .expect("interlock pending");
        pending_ids(&out)
    }

    /// `interlock approve|deny ID --reason REASON` from outside the agent's tree.
    fn decide(&self, verb: &str, id: &str, reason: &str) {
        let state = self.state.to_str().expect("path");
        let out = self
            .interlock(&[verb, id, "--reason", reason, "--state-dir", state])
            .output()
            .expect("interlock approve/deny");
        assert_eq!(code(&out), 0, "{}", describe(&out));
    }

    fn aws_calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.t.home.join("aws.calls"))
            .map(|s| s.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    fn aws(&self) -> String {
        self.bin.join("aws").display().to_string()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.state.join("audit.jsonl")).unwrap_or_default()
    }

    /// Builds `tests/programs/NAME.rs` and runs it bare, where the kernel allows what it
    /// tries and it prints `bare_output` (so the test can tell the difference), then as the
    /// agent: it must print `refused errno=1` (EPERM), and the reason on its stderr must name
    /// `reason`.
    fn assert_refused_only_under_trace(&self, name: &str, bare_output: &str, reason: &str) {
        let program = self.build(name, false);
        let bare = Command::new(&program).output().expect("run bare");
        assert_eq!(String::from_utf8_lossy(&bare.stdout).trim(), bare_output);
        let out = self.run(&format!("#!/bin/sh\n'{}'\n", program.display()));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("refused errno=1"), "{}", describe(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(reason),
            "{}",
            describe(&out)
        );
    }

    /// Compiles `tests/programs/NAME.rs` into the temp root; `static` links it statically.
    fn build(&self, name: &str, statically: bool) -> PathBuf {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/programs/{name}.rs"));
        let out = self.t.home.join(name);
        let mut rustc = Command::new("rustc");
        rustc
            .args(["--edition", "2024", "-O", "-o"])
            .arg(&out)
            .arg(&src);
        if statically {
            rustc.args(["-C", "target-feature=+crt-static"]);
        }
        let built = rustc.output().expect("run rustc");
        assert!(built.status.success(), "{}", describe(&built));
        out
    }
}

fn write_executable(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn every_way_around_a_shim_is_refused() {
    let Some(s) = Traced::new() else { return };
    let aws = s.aws();
    let static_exec = s.build("exec_aws", true);
    let work = s.t.workspace.display().to_string();
    let agent = format!(
        r#"#!/bin/sh
cd '{work}'
'{aws}' s3 ls; echo "harmless=$?"
'{aws}' cloudformation delete-stack --stack-name by-absolute-path; echo "absolute=$?"
printf '#!/bin/sh\n%s cloudformation delete-stack --stack-name from-env-i\n' '{aws}' > inner.sh
chmod +x inner.sh
env -i ./inner.sh; echo "env-i=$?"
printf '#!/bin/sh\n%s cloudformation delete-stack --stack-name from-a-script\n' '{aws}' > written.sh
chmod +x written.sh
./written.sh; echo "script=$?"
printf '#!/usr/bin/env python3\nimport subprocess, sys\nsys.exit(subprocess.run(["%s", "cloudformation", "delete-stack", "--stack-name", "from-python"]).returncode)\n' '{aws}' > sub.py
chmod +x sub.py
./sub.py 2>/dev/null; echo "python=$?"
'{static}' '{aws}'; echo "static=$?"
cp '{aws}' ./renamed
./renamed cloudformation delete-stack --stack-name by-a-copy; echo "copy=$?"
"#,
        static = static_exec.display(),
    );
    let out = s.run(&agent);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(s.aws_calls(), ["s3 ls"], "{}", describe(&out));
    assert!(stdout.contains("harmless=0"), "{}", describe(&out));
    for case in ["absolute", "env-i", "script", "static", "copy"] {
        assert!(
            stdout.contains(&format!("{case}=126")),
            "{case}: {}",
            describe(&out)
        );
    }
    // Python's subprocess raises PermissionError: a non-zero exit, and no aws call (above).
    assert!(stdout.contains("python=1"), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("interlock: refused `aws cloudformation delete-stack"),
        "{}",
        describe(&out)
    );
    assert_eq!(code(&out), 0, "{}", describe(&out));
}

#[test]
fn a_program_is_judged_by_what_it_is_not_by_its_name() {
    let Some(s) = Traced::new() else { return };
    // wipefs is no guarded program (no shim, runs not logged), but rules are written for it.
    let calls = s.t.home.join("wipefs.calls");
    let wipefs = s.t.fake_program(
        "wipefs",
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\n",
            calls.display()
        ),
    );
    let agent = format!(
        r#"#!/bin/sh
cd '{work}'
cp '{wipefs}' ./w
./w --version; echo "harmless=$?"
./w -a /dev/sda; echo "wipefs-copy=$?"
cp '{aws}' ./kubectl
./kubectl cloudformation delete-stack --stack-name named-as-kubectl; echo "aws-as-kubectl=$?"
"#,
        work = s.t.workspace.display(),
        wipefs = wipefs.display(),
        aws = s.aws(),
    );
    let out = s.run(&agent);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for expected in ["harmless=0", "wipefs-copy=126", "aws-as-kubectl=126"] {
        assert!(stdout.contains(expected), "{expected}: {}", describe(&out));
    }
    let ran = std::fs::read_to_string(&calls).unwrap_or_default();
    assert_eq!(ran, "--version\n", "{}", describe(&out));
    assert!(s.aws_calls().is_empty(), "{}", describe(&out));
}

#[test]
fn a_thread_swapping_the_exec_path_never_runs_the_refused_program() {
    let Some(s) = Traced::new() else { return };
    let racer = s.build("exec_racer", false);
    let agent = format!(
        "#!/bin/sh\ni=0\nwhile [ $i -lt 60 ]; do '{racer}' '{aws}'; echo \"rc=$?\"; i=$((i+1)); done\n",
        racer = racer.display(),
        aws = s.aws(),
    );
    let out = s.run(&agent);
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("rc=").count(), 60, "{}", describe(&out));
    assert!(
        s.aws_calls().is_empty(),
        "the refused program ran: {:?}",
        s.aws_calls()
    );
}

#[test]
fn the_agent_starts_as_asked_even_with_its_own_approvals_off() {
    // `interlock run -- claude --dangerously-skip-permissions` is how many people run an agent:
    // the agent's own exec is traced like any other, and must not be held.
    let Some(s) = Traced::new() else { return };
    s.t.fake_program("claude", "#!/bin/sh\necho \"agent started: $*\"\n");
    let state = s.state.to_str().expect("path");
    let out = s
        .interlock(&[
            "run",
            "--state-dir",
            state,
            "--non-interactive",
            "--enforce",
            "trace",
            "--",
            "claude",
            "--dangerously-skip-permissions",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run interlock");
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("agent started: --dangerously-skip-permissions"),
        "{}",
        describe(&out)
    );
}

#[test]
fn killing_the_supervisor_kills_the_agent_tree() {
    let Some(s) = Traced::new() else { return };
    let mut child = s.start("#!/bin/sh\nsleep 300 &\necho $! > sleep.pid\nwait\n");
    let pid_file = s.t.workspace.join("sleep.pid");
    let pid: i32 = wait_for("the agent's child", || {
        std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|t| t.trim().parse().ok())
    });
    child.kill().expect("kill the supervisor");
    let _ = child.wait();
    wait_for("the agent's child to die with the supervisor", || {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        // Gone, or a zombie waiting for whoever adopted it.
        (status.is_empty() || status.contains("State:\tZ")).then_some(())
    });
}

#[test]
fn the_agent_cannot_run_the_approval_command() {
    let Some(s) = Traced::new() else { return };
    let exe = env!("CARGO_BIN_EXE_interlock");
    let state = s.state.display().to_string();
    let copy = s.t.home.join("innocent");
    std::fs::copy(exe, &copy).expect("copy interlock");
    let out = s.run(&format!(
        "#!/bin/sh\n'{exe}' approve r-0123456789 --reason 'approving myself' --state-dir '{state}'; echo \"rc=$?\"\n\
         '{copy}' approve r-0123456789 --reason 'approving myself' --state-dir '{state}'; echo \"copy=$?\"\n",
        copy = copy.display(),
    ));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("rc=126"), "{}", describe(&out));
    assert!(stdout.contains("copy=126"), "{}", describe(&out));
}

#[test]
fn a_setuid_program_is_refused_with_the_reason() {
    let Some(s) = Traced::new() else { return };
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: giving a program to another owner needs root");
        return;
    }
    let program = s.t.home.join("elevate");
    std::fs::copy("/bin/true", &program).expect("copy");
    nix::unistd::chown(&program, Some(nix::unistd::Uid::from_raw(65534)), None).expect("chown");
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o4755)).expect("setuid");
    let out = s.run(&format!(
        "#!/bin/sh\n'{}'; echo \"rc=$?\"\n",
        program.display()
    ));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("rc=126"), "{}", describe(&out));
    assert!(
        stderr.contains("cannot gain privileges"),
        "{}",
        describe(&out)
    );
    assert!(s.log().contains("interlock.exec-setuid"), "{}", s.log());
}

#[test]
fn the_agent_writes_only_where_it_may() {
    let Some(fixture) = InterlockTest::outside_tmp() else {
        eprintln!("skipped: the build directory and $HOME are both inside a temp directory");
        return;
    };
    let Some(s) = Traced::with(fixture) else {
        return;
    };
    let rules = s.t.home.join("rules");
    std::fs::create_dir_all(&rules).expect("mkdir");
    std::fs::write(rules.join("org.toml"), "# the organisation's rules\n").expect("write");
    let precious = s.t.home.join("precious");
    std::fs::create_dir_all(precious.join("data")).expect("mkdir");
    // The fake cloud records its calls outside the working tree: the policy allows that file.
    let calls = s.t.home.join("aws.calls");
    std::fs::write(&calls, "").expect("create the calls file");
    let allow = calls.to_str().expect("path");
    let agent = format!(
        r#"#!/usr/bin/env python3
import os, shutil
def attempt(name, action):
    try:
        action()
        print(name + "=written")
    except PermissionError:
        print(name + "=refused")
def append(path):
    with open(path, "a") as f:
        f.write("forged record\n")
import subprocess
subprocess.run(["{aws}", "s3", "ls"], check=True)
attempt("audit", lambda: append("{state}/audit.jsonl"))
# Through a shell: refused before it runs, and logged.
attempt("shell", lambda: subprocess.run(["sh", "-c", "echo forged record >> {state}/audit.jsonl"]))
attempt("rules", lambda: append("{rules}/org.toml"))
attempt("rmtree", lambda: shutil.rmtree("{precious}"))
attempt("workspace", lambda: append("notes.txt"))
scratch = "/tmp/interlock-sandbox-test-%d" % os.getpid()
attempt("tmp", lambda: append(scratch))
if os.path.exists(scratch):
    os.remove(scratch)
"#,
        state = s.state.display(),
        rules = rules.display(),
        precious = precious.display(),
        aws = s.aws(),
    );
    let out = s
        .start_with(&["--allow-write", allow], &agent)
        .wait_with_output()
        .expect("wait for interlock run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("writes are not restricted") {
        eprintln!("skipped: {stderr}");
        return;
    }
    assert!(stderr.contains("Landlock ABI"), "{}", describe(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for refused in ["audit", "rules", "rmtree"] {
        assert!(
            stdout.contains(&format!("{refused}=refused")),
            "{}",
            describe(&out)
        );
    }
    for written in ["workspace", "tmp"] {
        assert!(
            stdout.contains(&format!("{written}=written")),
            "{}",
            describe(&out)
        );
    }
    assert!(precious.join("data").exists());
    assert_eq!(s.aws_calls(), ["s3 ls"]);
    assert!(stdout.contains("shell=refused"), "{}", describe(&out));
    let log = s.log();
    let refusal = log
        .lines()
        .find(|l| l.contains("\"status\":\"denied\"") && l.contains("audit.jsonl"))
        .unwrap_or_else(|| panic!("the attempt is not logged: {log}"));
    assert!(refusal.contains("guard.interlock"), "{refusal}");
    assert!(
        !log.lines().any(|l| l.starts_with("forged record")),
        "{log}"
    );
    let state = s.state.to_str().expect("path");
    let verify = s
        .interlock(&["audit", "verify", "--state-dir", state])
        .output()
        .expect("audit verify");
    assert_eq!(code(&verify), 0, "{}", describe(&verify));
}

#[test]
fn an_approved_shell_line_is_asked_once_not_again_for_what_it_runs() {
    let Some(s) = Traced::new() else { return };
    let child = s.start_with(
        &["--wait", "60"],
        &format!(
            "#!/bin/sh\nsh -c '{aws} cloudformation delete-stack --stack-name env; echo \"rc=$?\"'\n\
             {aws} cloudformation delete-stack --stack-name other; echo \"again=$?\"\n",
            aws = s.aws()
        ),
    );
    let id = wait_for("the shell line to be held", || {
        s.pending().into_iter().next()
    });
    s.decide("approve", &id, "CHG-7 retire env");
    // A delete outside the approved line is a request of its own: deny it.
    let second = wait_for("the command outside the approved line to be held", || {
        s.pending().into_iter().find(|i| *i != id)
    });
    s.decide("deny", &second, "not this one");
    let out = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("rc=0"), "{}", describe(&out));
    assert!(stdout.contains("again=126"), "{}", describe(&out));
    assert_eq!(
        s.aws_calls(),
        ["cloudformation delete-stack --stack-name env"]
    );
    let requested = s.log().matches("\"status\":\"requested\"").count();
    assert_eq!(requested, 2, "{}", s.log());
}

#[test]
fn a_nested_sandbox_cannot_install_a_notification_listener() {
    let Some(s) = Traced::new() else { return };
    s.assert_refused_only_under_trace("notify_filter", "listener", "notification listener");
}

#[test]
fn no_process_of_the_agent_writes_into_another_s_memory() {
    let Some(s) = Traced::new() else { return };
    s.assert_refused_only_under_trace("memory_writer", "wrote", "process_vm_writev");
}

/// A Python program that attaches with ptrace to the process `argv[1]` and detaches again;
/// prints `attached` or `refused errno=N`.
const PTRACE_ATTACHER: &str = r#"
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
pid = int(sys.argv[1])
if libc.ptrace(16, pid, None, None) == 0:
    os.waitpid(pid, 0x40000000)
    libc.ptrace(17, pid, None, None)
    print("attached")
else:
    print("refused errno=%d" % ctypes.get_errno())
"#;

#[test]
fn the_agent_cannot_trace_the_supervisor() {
    let Some(s) = Traced::new() else { return };
    let attacher = s.t.home.join("attacher.py");
    std::fs::write(&attacher, PTRACE_ATTACHER).expect("write attacher");
    // Outside interlock a process of the same user can be traced: the test can tell.
    let mut sleeper = Command::new("sleep")
        .arg("60")
        .spawn()
        .expect("spawn sleep");
    let bare = Command::new("python3")
        .arg(&attacher)
        .arg(sleeper.id().to_string())
        .output()
        .expect("run python3");
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    assert_eq!(String::from_utf8_lossy(&bare.stdout).trim(), "attached");
    // The agent's parent is the supervisor, whose tracer holds every exec of the tree.
    let out = s.run(&format!(
        "#!/bin/sh\npython3 '{}' \"$PPID\"\n",
        attacher.display()
    ));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("refused errno=1"), "{}", describe(&out));
}

/// A Python program that starts a child and opens the child's memory for writing through
/// `/proc/PID/mem` (the other way to change a command after its check); prints `opened` or
/// `refused errno=N`.
const MEM_OPENER: &str = r#"
import os, time
pid = os.fork()
if pid == 0:
    time.sleep(30)
    os._exit(0)
try:
    with open("/proc/%d/mem" % pid, "r+b"):
        print("opened")
except OSError as e:
    print("refused errno=%d" % e.errno)
os.kill(pid, 9)
os.waitpid(pid, 0)
"#;

#[test]
fn no_process_of_the_agent_opens_another_s_memory_for_writing() {
    let Some(s) = Traced::new() else { return };
    let opener = s.t.home.join("mem_opener.py");
    std::fs::write(&opener, MEM_OPENER).expect("write the opener");
    // Outside interlock a process may write its child's memory: the test can tell.
    let bare = Command::new("python3")
        .arg(&opener)
        .output()
        .expect("run python3");
    assert_eq!(String::from_utf8_lossy(&bare.stdout).trim(), "opened");
    // Inside, the sandbox lets the tree write nothing under /proc.
    let out = s.run(&format!(
        "#!/bin/sh
python3 '{}'
",
        opener.display()
    ));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("refused errno=13"), "{}", describe(&out));
}

#[test]
fn long_and_odd_argvs_pass_the_post_exec_check_intact() {
    let Some(s) = Traced::new() else { return };
    // 5,000 arguments span pages of pointers; empty and non-UTF-8 arguments must be read as
    // the kernel reads them, or the post-exec check would kill the program.
    let out = s.run(
        "#!/bin/sh\n/bin/echo $(seq 5000) | wc -w\n/bin/printf '[%s]' '' \"$(printf 'caf\\351')\" x; echo\n",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().next() == Some("5000"), "{}", describe(&out));
    assert!(stdout.contains("[][caf\u{fffd}][x]"), "{}", describe(&out));
    assert!(!s.log().contains("exec-mismatch"), "{}", s.log());
}

#[test]
fn a_command_approved_through_the_agents_hook_is_not_asked_again_when_it_runs() {
    let Some(s) = Traced::new() else { return };
    let exe = env!("CARGO_BIN_EXE_interlock");
    let work = s.t.workspace.display().to_string();
    let command = "aws cloudformation delete-stack --stack-name env";
    let payload = serde_json::json!({
        "session_id": "s1", "cwd": work, "hook_event_name": "PreToolUse", "tool_name": "Bash",
        "tool_input": {"command": command, "description": "retire the env stack"},
        "tool_use_id": "t1"
    });
    std::fs::write(s.t.workspace.join("payload.json"), payload.to_string()).expect("payload");
    // What Claude Code does: the hook first, then the command inside its own shell wrapper.
    let child = s.start_with(
        &["--wait", "60"],
        &format!(
            "#!/bin/sh\n'{exe}' hook --agent claude --input payload.json > hook.json; echo \"hook=$?\"\n\
             bash -c \"eval '{command}' < /dev/null\"; echo \"rc=$?\"\n"
        ),
    );
    let id = wait_for("the hook's request", || s.pending().into_iter().next());
    s.decide("approve", &id, "CHG-9 retire env");
    let out = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("hook=0"), "{}", describe(&out));
    assert!(stdout.contains("rc=0"), "{}", describe(&out));
    assert_eq!(
        s.aws_calls(),
        ["cloudformation delete-stack --stack-name env"]
    );
    let log = s.log();
    assert_eq!(log.matches("\"status\":\"requested\"").count(), 1, "{log}");
    assert!(log.contains(&format!("approval of {id}")), "{log}");
}

#[test]
fn a_shell_walking_path_after_a_refusal_is_refused_again_without_a_second_request() {
    let Some(s) = Traced::new() else { return };
    // A second `aws` later on PATH (a copy, as when two installs coexist).
    let later = s.t.home.join("laterbin");
    std::fs::create_dir_all(&later).expect("mkdir");
    std::fs::copy(s.bin.join("aws"), later.join("aws")).expect("copy aws");
    let path = format!(
        "{}:{}:{}",
        s.bin.display(),
        later.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = s.run(&format!(
        "#!/bin/sh\nexport PATH='{path}'\naws cloudformation delete-stack --stack-name env; echo \"rc=$?\"\n"
    ));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("rc=126"), "{}", describe(&out));
    assert!(s.aws_calls().is_empty(), "{:?}", s.aws_calls());
    let log = s.log();
    assert_eq!(log.matches("\"status\":\"requested\"").count(), 1, "{log}");
}

/// The state letter of `pid` (`R`, `S`, `T`, `t`, ...), from `/proc/PID/stat`.
fn state_of(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ")?.1.chars().next()
}

#[test]
fn a_stopped_agent_stops_interlock_and_fg_resumes_both() {
    let Some(s) = Traced::new() else { return };
    write_executable(
        &s.t.workspace.join("agent"),
        "#!/bin/sh\necho agent-ready\nwhile :; do sleep 0.1; done\n",
    );
    let mut cmd = s.interlock(&["run", "--enforce", "trace", "--state-dir"]);
    cmd.arg(&s.state)
        .arg("--")
        .arg("./agent")
        .env("TERM", "xterm");
    let mut p = expectrl::Session::spawn(cmd).expect("spawn in a pty");
    p.set_expect_timeout(Some(Duration::from_secs(60)));
    p.expect("agent-ready").expect("the agent starts");
    // expectrl speaks an older nix: carry the pid as a number.
    let interlock = nix::unistd::Pid::from_raw(p.get_process().pid().as_raw());
    // The agent: interlock's child, leader of its own session on the inner terminal.
    let agent: i32 = wait_for("the agent's pid", || {
        std::fs::read_dir(format!("/proc/{interlock}/task"))
            .ok()?
            .filter_map(Result::ok)
            .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
            .flat_map(|c| c.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .find_map(|c| c.parse().ok())
    });
    // The agent leads its own session, like a program under a terminal emulator: it decides
    // what Ctrl-Z does (SIGTSTP to an orphaned group is dropped). SIGSTOP always stops it.
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(agent), nix::sys::signal::SIGSTOP)
        .expect("SIGSTOP");
    wait_for("interlock to stop with its agent", || {
        (state_of(interlock.as_raw()) == Some('T')).then_some(())
    });
    assert!(
        matches!(state_of(agent), Some('t' | 'T')),
        "{:?}",
        state_of(agent)
    );
    // What `fg` does: SIGCONT to interlock, which resumes the agent.
    nix::sys::signal::kill(interlock, nix::sys::signal::SIGCONT).expect("SIGCONT");
    wait_for("the agent to run again", || {
        matches!(state_of(agent), Some('S' | 'R')).then_some(())
    });
    p.get_process_mut()
        .kill(expectrl::Signal::SIGKILL)
        .expect("end the session");
}

#[test]
fn without_ptrace_auto_falls_back_to_shims_and_says_so_while_trace_refuses_to_start() {
    let Some(s) = Traced::new() else { return };
    let no_ptrace = s.build("no_ptrace", false);
    write_executable(
        &s.t.workspace.join("agent"),
        "#!/bin/sh\naws cloudformation delete-stack --stack-name env; echo \"rc=$?\"\n",
    );
    let state = s.state.to_str().expect("path").to_string();
    let exe = env!("CARGO_BIN_EXE_interlock");
    let run = |enforce: &str| {
        let mut c = s.interlock(&[]);
        c.env_remove("INTERLOCK_SOCKET");
        let mut cmd = Command::new(&no_ptrace);
        cmd.arg(exe)
            .args([
                "run",
                "--non-interactive",
                "--enforce",
                enforce,
                "--state-dir",
                &state,
                "--",
            ])
            .arg("./agent")
            .current_dir(&s.t.workspace)
            .env_clear()
            .envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))));
        cmd.output().expect("run interlock without ptrace")
    };
    let auto = run("auto");
    let stderr = String::from_utf8_lossy(&auto.stderr);
    assert!(
        stderr.contains("exec tracing is not available"),
        "{}",
        describe(&auto)
    );
    assert!(stderr.contains("using PATH shims"), "{}", describe(&auto));
    // The shims still hold the destructive command.
    assert!(
        String::from_utf8_lossy(&auto.stdout).contains("rc=126"),
        "{}",
        describe(&auto)
    );
    assert!(s.aws_calls().is_empty());
    let trace = run("trace");
    assert_ne!(code(&trace), 0, "{}", describe(&trace));
    assert!(
        String::from_utf8_lossy(&trace.stderr).contains("cannot enforce by exec tracing"),
        "{}",
        describe(&trace)
    );
}

#[test]
fn a_directory_deleted_then_made_again_is_seen_as_a_recreate_across_commands() {
    let Some(s) = Traced::new() else { return };
    // Two separate commands, as an agent runs them: neither alone is held.
    let out = s.run(
        "#!/bin/sh\nmkdir -p env/stage && rm -rf env\nmkdir env; echo \"rc=$?\"\ntest -d env || echo gone\n",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("rc=126"), "{}", describe(&out));
    assert!(stdout.contains("gone"), "{}", describe(&out));
    let log = s.log();
    assert!(log.contains("sequence.delete-recreate"), "{log}");
    assert!(log.contains("rm -rf env"), "{log}");
}

#[test]
fn the_environment_a_tool_is_started_with_names_its_tier() {
    let Some(s) = Traced::new() else { return };
    // The profile comes from the agent's exported variable, in a separate command: only the
    // exec call carries it.
    let out = s.run(
        "#!/bin/sh\naws s3 cp build.zip s3://releases/; echo \"dev-rc=$?\"\nexport AWS_PROFILE=prod-admin\naws s3 cp build.zip s3://releases/; echo \"prod-rc=$?\"\n",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("dev-rc=0"), "{}", describe(&out));
    assert!(stdout.contains("prod-rc=126"), "{}", describe(&out));
    assert_eq!(s.aws_calls(), vec!["s3 cp build.zip s3://releases/"]);
    let log = s.log();
    assert!(log.contains("tier.prod-change"), "{log}");
    assert!(log.contains("prod-admin"), "{log}");
}

/// A home with an SSH key in it, for the tests that must not lose it.
fn ssh_key(s: &Traced) -> PathBuf {
    let key = s.t.home.join(".ssh/id_ed25519");
    std::fs::create_dir_all(key.parent().expect("parent")).expect("mkdir .ssh");
    std::fs::write(&key, "key").expect("write key");
    key
}

#[test]
fn a_command_after_cd_is_judged_where_it_runs() {
    let Some(s) = Traced::new() else { return };
    let key = ssh_key(&s);
    // The shell's working directory is known after its first command; `cd` changes it, and so
    // does `fchdir` in a program that then execs by itself.
    let out = s.run(concat!(
        "#!/bin/sh\n/bin/true\n",
        "python3 -c 'import os; os.fchdir(os.open(os.environ[\"HOME\"], os.O_RDONLY)); ",
        "os.execv(\"/bin/rm\", [\"rm\", \"-rf\", \".ssh\"])'; echo \"python-rc=$?\"\n",
        "cd \"$HOME\" && rm -rf .ssh; echo \"rc=$?\"\n",
    ));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("python-rc=1\n"), "{}", describe(&out));
    assert!(stdout.contains("rc=126"), "{}", describe(&out));
    assert!(key.exists());
    assert!(s.log().contains("rm -rf .ssh"), "{}", s.log());
}

#[test]
fn a_parent_renamed_under_a_shell_does_not_move_where_its_commands_are_judged() {
    let Some(s) = Traced::new() else { return };
    let key = ssh_key(&s);
    // In w/a/b, `../../.ssh` is inside the workspace; once another process has moved the
    // shell's directory to b2, the same words name the home's `.ssh`.
    let out = s.run(
        "#!/bin/sh\nws=$PWD\nmkdir -p w/a/b && cd w/a/b && /bin/true\nmv \"$ws/w/a/b\" \"$ws/b2\" && echo moved\nrm -rf ../../.ssh; echo \"rc=$?\"\n",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("moved"), "{}", describe(&out));
    assert!(stdout.contains("rc=126"), "{}", describe(&out));
    assert!(key.exists());
}

#[test]
fn programs_keep_the_cpu_affinity_they_would_have_bare() {
    let Some(s) = Traced::new() else { return };
    // The tracer leaves every thread's CPU affinity alone: what each program sees is what it
    // would see bare, one it narrowed itself stays narrowed, and so does a failed exec's caller.
    // (Steering tracees onto the tracer's CPU was measured and dropped: see the README. A version
    // that narrowed a tracee's affinity for each resume let programs see it narrowed.)
    let agent = concat!(
        "#!/bin/sh\n",
        "spin() { i=0; while [ $i -lt 40 ]; do /bin/true; i=$((i+1)); done; }\n",
        "spin; grep Cpus_allowed_list: /proc/self/status\n",
        "spin; python3 -c 'import os; print(\"own\", sorted(os.sched_getaffinity(0)))'\n",
        "spin; python3 -c 'import os; c = max(os.sched_getaffinity(0)); os.sched_setaffinity(0, {c}); ",
        "os.execv(\"/bin/grep\", [\"grep\", \"Cpus_allowed_list:\", \"/proc/self/status\"])'\n",
        "spin; grep Cpus_allowed_list: /proc/self/status\n",
        // An exec that fails (a file that is not executable) returns to the program.
        // (Short programs run from Python first: `python3` may be a pyenv shim, whose own helpers
        // run long.)
        "python3 -c 'import os, subprocess\nopen(\"plain\", \"w\").close()\n",
        "for _ in range(20): subprocess.run([\"/bin/true\"])\ntry: os.execv(\"./plain\", [\"plain\"])\n",
        "except OSError as e: print(\"failed\", e.errno, sorted(os.sched_getaffinity(0)))'\n",
    );
    let script = s.t.home.join("affinity.sh");
    write_executable(&script, agent);
    let bare = Command::new(&script)
        .current_dir(&s.t.workspace)
        .env_clear()
        .env("HOME", &s.t.home)
        .env("PATH", s.t.fake_path())
        .output()
        .expect("run bare");
    assert!(bare.status.success(), "{}", describe(&bare));
    let traced = s.run(agent);
    assert_eq!(code(&traced), 0, "{}", describe(&traced));
    assert_eq!(
        String::from_utf8_lossy(&traced.stdout),
        String::from_utf8_lossy(&bare.stdout),
        "{}",
        describe(&traced)
    );
}
