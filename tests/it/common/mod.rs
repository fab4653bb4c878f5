//! Shared fixture for integration tests: a fresh home directory with a git workspace inside,
//! and a `Command` for the real `interlock` binary with a scrubbed environment.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary home (`<tmp>/home/user`) holding a workspace (`project/`, with `.git`).
pub struct InterlockTest {
    _dir: tempfile::TempDir,
    /// The home directory.
    pub home: PathBuf,
    /// The workspace directory (the working directory of every command).
    pub workspace: PathBuf,
    /// The organisation layer's directory (`INTERLOCK_ORG_DIR`; absent until a test makes it),
    /// so that a machine's own `/etc/interlock` never leaks into a test.
    pub org: PathBuf,
}

impl InterlockTest {
    pub fn new() -> InterlockTest {
        InterlockTest::in_dir(tempfile::tempdir().expect("create temp dir"))
    }

    /// The fixture outside every temp directory (for sandbox tests: temp directories are
    /// writable to a sandboxed agent): under the build's own temp directory, else under `$HOME`
    /// (removed afterwards). `None` when both are inside a temp directory.
    pub fn outside_tmp() -> Option<InterlockTest> {
        let temps: Vec<PathBuf> = ["/tmp", "/var/tmp", "/dev/shm"]
            .into_iter()
            .map(PathBuf::from)
            .chain(std::env::var_os("TMPDIR").map(PathBuf::from))
            .filter_map(|p| p.canonicalize().ok())
            .collect();
        [
            Some(PathBuf::from(env!("CARGO_TARGET_TMPDIR"))),
            std::env::var_os("HOME").map(PathBuf::from),
        ]
        .into_iter()
        .flatten()
        .filter_map(|p| p.canonicalize().ok())
        .find(|p| !temps.iter().any(|t| p.starts_with(t)))
        .map(|base| InterlockTest::in_dir(tempfile::tempdir_in(base).expect("create temp dir")))
    }

    fn in_dir(dir: tempfile::TempDir) -> InterlockTest {
        let root = dir.path().canonicalize().expect("canonical temp dir");
        let home = root.join("home/user");
        let workspace = home.join("project");
        std::fs::create_dir_all(workspace.join(".git")).expect("create workspace");
        InterlockTest {
            _dir: dir,
            org: root.join("etc/interlock"),
            home,
            workspace,
        }
    }

    /// `interlock ARGS` in the workspace with only HOME and PATH set.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_interlock"));
        c.args(args)
            .current_dir(&self.workspace)
            .env_clear()
            .env("HOME", &self.home)
            .env("INTERLOCK_ORG_DIR", &self.org)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        c
    }

    /// Runs `interlock ARGS` with `stdin` as standard input.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn interlock");
        let mut input = child.stdin.take().expect("stdin");
        let text = stdin.to_string();
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(text.as_bytes());
        });
        let out = child.wait_with_output().expect("wait for interlock");
        writer.join().expect("stdin writer");
        out
    }

    /// The directory of fake programs (`HOME/fakebin`), first on [`Self::fake_path`].
    pub fn fakebin(&self) -> PathBuf {
        self.home.join("fakebin")
    }

    /// Writes the executable `HOME/fakebin/NAME` running `script` and returns its path.
    pub fn fake_program(&self, name: &str, script: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let bin = self.fakebin();
        std::fs::create_dir_all(&bin).expect("create fakebin");
        let path = bin.join(name);
        std::fs::write(&path, script).expect("write fake program");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    /// A fake `aws` that appends each call's arguments, one line per call, to the file it
    /// returns (`HOME/aws.calls`, absent until the first call).
    pub fn recording_aws(&self) -> PathBuf {
        let record = self.home.join("aws.calls");
        self.fake_program(
            "aws",
            &format!(
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\n",
                record.display()
            ),
        );
        record
    }

    /// `PATH` with the fake programs first.
    pub fn fake_path(&self) -> std::ffi::OsString {
        let mut paths = vec![self.fakebin()];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        std::env::join_paths(paths).expect("join PATH")
    }

    /// Writes `text` to `name` under the temp root (outside the workspace) and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.home.parent().expect("home parent").join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&path, text).expect("write file");
        path
    }
}

/// The exit code, or a panic with the output when the process was killed.
pub fn code(out: &Output) -> i32 {
    out.status
        .code()
        .unwrap_or_else(|| panic!("interlock was killed: {}", describe(out)))
}

/// stdout and stderr for assertion messages.
pub fn describe(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Parses each stdout line as JSON.
pub fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// The request ids `interlock pending --json` printed, oldest first (none when it printed no
/// list).
pub fn pending_ids(out: &Output) -> Vec<String> {
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    list.as_array()
        .map(|l| {
            l.iter()
                .filter_map(|r| r["request"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The repository's `tests/corpus` directory.
pub fn corpus_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus"))
}

/// Waits for `check` to hold, polling; generous deadline, no fixed sleeps in assertions.
pub fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Runs the hook the way an agent does: a child of another process (here `sh`), payload on stdin.
pub fn run_hook(t: &InterlockTest, agent: &str, input: &str, extra: &[&str]) -> Output {
    let state = t.home.join("state");
    let mut args = vec![
        "hook".to_string(),
        "--agent".into(),
        agent.into(),
        "--state-dir".into(),
        state.to_str().expect("path").into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let script = format!(
        "'{}' {}; exit $?",
        env!("CARGO_BIN_EXE_interlock"),
        quoted.join(" ")
    );
    let mut child = Command::new("sh")
        .args(["-c", &script])
        .current_dir(&t.workspace)
        .env_clear()
        .env("HOME", &t.home)
        .env("INTERLOCK_ORG_DIR", &t.org)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn hook");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write payload");
    child.wait_with_output().expect("wait hook")
}
