//! Unwraps what an invocation runs on behalf of something else: prefix wrappers (`sudo`, `env`,
//! `timeout`, `xargs`, ...), shells given code (`bash -c`, `eval`, text piped into `sh`),
//! package runners (`npx`, `bundle exec`, `uv run`), remote execution (`ssh`, `kubectl exec`,
//! `docker run`), `find -exec`, database clients given SQL, and interpreters given inline code.
//!
//! Invariant: each inner command becomes its own invocation (or inline code on the invocation),
//! with the outer invocation's provenance plus one step; code that cannot be seen marks the
//! invocation opaque instead of being dropped.

use super::inline;
use super::invocation::{Arg, Invocation, Opaque, Step, StepKind, quote_for_display};
use super::sql;
use super::walk::{State, Stdin, Walker, join_path, written_content};

/// How a wrapper's own options are spelled, so its operands can be found.
struct Opts {
    /// Short options that take a value (`-u root`, `-uroot`).
    short_value: &'static str,
    /// Long options that take a value when written as two words (`--user root`).
    long_value: &'static [&'static str],
    /// Options are only recognised before the first operand (getopt with `+`, as wrappers do).
    stop_at_operand: bool,
}

const fn opts(short_value: &'static str, long_value: &'static [&'static str]) -> Opts {
    Opts {
        short_value,
        long_value,
        stop_at_operand: true,
    }
}

/// One option seen while scanning: its name (`-u`, `--user`) and value, if any.
type SeenOpt = (String, Option<String>);

/// Scans options from `start`; returns the index of the first operand and the options seen.
fn scan(args: &[Arg], start: usize, spec: &Opts) -> (usize, Vec<SeenOpt>) {
    let mut seen = Vec::new();
    let mut i = start;
    while let Some(a) = args.get(i) {
        let t = a.text.as_str();
        if t == "--" {
            return (i + 1, seen);
        }
        if !t.starts_with('-') || t == "-" || a.dynamic && a.static_len == 0 {
            if spec.stop_at_operand {
                return (i, seen);
            }
            i += 1;
            continue;
        }
        if let Some(long) = t.strip_prefix("--") {
            match long.split_once('=') {
                Some((k, v)) => seen.push((format!("--{k}"), Some(v.to_string()))),
                None if spec.long_value.contains(&t) => {
                    seen.push((t.to_string(), args.get(i + 1).map(|a| a.text.clone())));
                    i += 1;
                }
                None => seen.push((t.to_string(), None)),
            }
            i += 1;
            continue;
        }
        // A short cluster: `-abc`, where a value-taking letter takes the rest or the next word.
        let body = &t[1..];
        let mut consumed_next = false;
        for (pos, c) in body.char_indices() {
            if spec.short_value.contains(c) {
                let rest = &body[pos + c.len_utf8()..];
                if rest.is_empty() {
                    seen.push((format!("-{c}"), args.get(i + 1).map(|a| a.text.clone())));
                    consumed_next = true;
                } else {
                    seen.push((format!("-{c}"), Some(rest.to_string())));
                }
                break;
            }
            seen.push((format!("-{c}"), None));
        }
        i += if consumed_next { 2 } else { 1 };
    }
    (i, seen)
}

fn has(seen: &[SeenOpt], names: &[&str]) -> bool {
    seen.iter().any(|(k, _)| names.contains(&k.as_str()))
}

fn value_of<'a>(seen: &'a [SeenOpt], names: &[&str]) -> Option<&'a str> {
    seen.iter()
        .rev()
        .find(|(k, _)| names.contains(&k.as_str()))
        .and_then(|(_, v)| v.as_deref())
}

/// The state in which code nested in invocation `inv` is walked.
fn nested_state(inv: &Invocation, st: &State) -> State {
    let mut sub = st.clone();
    sub.prov = inv.provenance.clone();
    sub.cwd = inv.cwd.clone();
    sub.remote = inv.remote;
    sub.stdin = None;
    sub
}

/// Shells that take `-c STRING` and read a script from stdin.
const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "yash", "posh", "rbash",
];

/// Unwraps invocation `index` of the walker's output.
pub fn unwrap(
    w: &mut Walker<'_>,
    index: usize,
    stdin: Option<Stdin>,
    procsubs: &[(usize, Stdin)],
    st: &State,
) {
    let Some(inv) = w.out.invocations.get(index).cloned() else {
        return;
    };
    let name = inv.program_name().to_string();
    let name = name.as_str();
    match name {
        n if SHELLS.contains(&n) => shell(w, index, &inv, stdin, procsubs, st),
        "busybox" | "toybox" => wrapper(w, &inv, 1, stdin, st, None),
        "eval" => {
            let rest = inv.args.get(1..).unwrap_or(&[]);
            if !rest.is_empty() && rest.iter().all(|a| is_env_setup_output(&a.text)) {
                // `eval "$(ssh-agent -s)"`: the well-known generator was classified itself.
                return;
            }
            if rest.iter().any(|a| a.dynamic) {
                w.mark_opaque(index, Opaque::DynamicCode);
            }
            let text = rest
                .iter()
                .map(|a| a.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            w.run_text(
                &text,
                &nested_state(&inv, st),
                Some(Step::via(StepKind::Eval, "eval")),
            );
        }
        "source" | "." => match procsubs.iter().find(|(i, _)| *i == 1) {
            Some((_, produced)) => code_from_stdin(w, index, &inv, Some(produced.clone()), st),
            None => match inv
                .args
                .get(1)
                .and_then(|f| written_content(f, inv.cwd.as_deref(), st))
            {
                Some(content) => code_from_stdin(w, index, &inv, Some(content), st),
                None => w.mark_opaque(index, Opaque::ScriptFile),
            },
        },
        "sudo" => {
            let (k, seen) = scan(
                &inv.args,
                1,
                &opts(
                    "ugCDhprtTUc",
                    &[
                        "--user",
                        "--group",
                        "--chdir",
                        "--prompt",
                        "--role",
                        "--type",
                        "--host",
                        "--close-from",
                        "--other-user",
                        "--command-timeout",
                    ],
                ),
            );
            if has(
                &seen,
                &[
                    "-e",
                    "--edit",
                    "-l",
                    "--list",
                    "-v",
                    "--validate",
                    "-k",
                    "-K",
                ],
            ) && k >= inv.args.len()
            {
                return;
            }
            let cwd = value_of(&seen, &["-D", "--chdir"]).map(|d| join_path(inv.cwd.as_deref(), d));
            wrapper(w, &inv, k, stdin, st, cwd);
        }
        "doas" => {
            let (k, _) = scan(&inv.args, 1, &opts("uC", &[]));
            wrapper(w, &inv, k, stdin, st, None);
        }
        "env" => env(w, &inv, stdin, st),
        "command" => {
            let (k, seen) = scan(&inv.args, 1, &opts("", &[]));
            if !has(&seen, &["-v", "-V"]) {
                wrapper(w, &inv, k, stdin, st, None);
            }
        }
        "builtin" | "nohup" | "chronic" | "unbuffer" | "catchsegv" | "proxychains"
        | "proxychains4" | "torsocks" | "tsocks" | "caffeinate" => {
            let (k, _) = scan(&inv.args, 1, &opts("", &[]));
            wrapper(w, &inv, k, stdin, st, None);
        }
        "exec" => {
            let (k, _) = scan(&inv.args, 1, &opts("a", &[]));
            wrapper(w, &inv, k, stdin, st, None);
        }
        "nice" | "renice" => {
            let (k, _) = scan(&inv.args, 1, &opts("n", &["--adjustment"]));
            wrapper(w, &inv, k, stdin, st, None);
        }
        "ionice" => {
            let (k, seen) = scan(
                &inv.args,
                1,
                &opts("cnp", &["--class", "--classdata", "--pid"]),
            );
            if !has(&seen, &["-p", "--pid"]) {
                wrapper(w, &inv, k, stdin, st, None);
            }
        }
        "setsid" | "sg" => {
            let (k, _) = scan(&inv.args, 1, &opts("", &[]));
            wrapper(w, &inv, k, stdin, st, None);
        }
        "stdbuf" => {
            let (k, _) = scan(
                &inv.args,
                1,
                &opts("ioe", &["--input", "--output", "--error"]),
            );
            wrapper(w, &inv, k, stdin, st, None);
        }
        "timeout" => {
            let (k, _) = scan(&inv.args, 1, &opts("sk", &["--signal", "--kill-after"]));
            wrapper(w, &inv, k + 1, stdin, st, None);
        }
        "time" => {
            let (k, _) = scan(&inv.args, 1, &opts("fo", &["--format", "--output"]));
            wrapper(w, &inv, k, stdin, st, None);
        }
        "watch" => {
            let (k, seen) = scan(&inv.args, 1, &opts("nq", &["--interval", "--equexit"]));
            if has(&seen, &["-x", "--exec"]) {
                wrapper(w, &inv, k, stdin, st, None);
            } else {
                shell_words(
                    w,
                    index,
                    &inv,
                    k,
                    st,
                    Step::via(StepKind::ShellString, "watch"),
                );
            }
        }
        "xargs" => xargs(w, &inv, st),
        "parallel" => parallel(w, &inv, st),
        "flock" => {
            let (k, seen) = scan(
                &inv.args,
                1,
                &opts(
                    "wEc",
                    &["--timeout", "--wait", "--conflict-exit-code", "--command"],
                ),
            );
            match value_of(&seen, &["-c", "--command"]) {
                Some(text) => w.run_text(
                    text,
                    &nested_state(&inv, st),
                    Some(Step::via(StepKind::ShellString, "flock")),
                ),
                None => wrapper(w, &inv, k + 1, stdin, st, None),
            }
        }
        "chroot" => {
            let (k, _) = scan(&inv.args, 1, &opts("", &["--userspec", "--groups"]));
            remote(w, &inv, k + 1, stdin, st, "chroot".into());
        }
        "su" | "runuser" => {
            let (k, seen) = scan(
                &inv.args,
                1,
                &opts(
                    "cgGsuw",
                    &[
                        "--command",
                        "--group",
                        "--supp-group",
                        "--shell",
                        "--user",
                        "--whitelist-environment",
                    ],
                ),
            );
            match value_of(&seen, &["-c", "--command"]) {
                Some(text) => w.run_text(
                    text,
                    &nested_state(&inv, st),
                    Some(Step::via(StepKind::ShellString, name)),
                ),
                None if name == "runuser" && has(&seen, &["-u", "--user"]) => {
                    wrapper(w, &inv, k, stdin, st, None)
                }
                None => {}
            }
        }
        "systemd-run" | "strace" | "ltrace" | "firejail" | "valgrind" => {
            let (k, _) = scan(
                &inv.args,
                1,
                &opts(
                    "uEpoesSaIbXPMH",
                    &[
                        "--unit",
                        "--property",
                        "--setenv",
                        "--uid",
                        "--gid",
                        "--machine",
                        "--description",
                        "--slice",
                        "--working-directory",
                        "--host",
                        "--nice",
                        "--on-calendar",
                    ],
                ),
            );
            wrapper(w, &inv, k, stdin, st, None);
        }
        "aws-vault" => {
            if inv.args.get(1).is_some_and(|a| a.text == "exec") {
                let (k, _) = scan(
                    &inv.args,
                    2,
                    &opts("", &["--duration", "--mfa-token", "--region", "--prompt"]),
                );
                wrapper(w, &inv, k + 1, stdin, st, None);
                if let Some(pos) = inv.args.iter().position(|a| a.text == "--") {
                    wrapper(w, &inv, pos + 1, None, st, None);
                }
            }
        }
        "op" | "doppler" | "infisical" | "dotenvx" | "dotenv" | "envchain" | "chamber" => {
            if let Some(pos) = inv.args.iter().position(|a| a.text == "--") {
                wrapper(w, &inv, pos + 1, stdin, st, None);
            }
        }
        "direnv" => {
            if inv.args.get(1).is_some_and(|a| a.text == "exec") {
                let dir = inv
                    .args
                    .get(2)
                    .map(|d| join_path(inv.cwd.as_deref(), &d.text));
                wrapper(w, &inv, 3, stdin, st, dir);
            }
        }
        "mise" | "rtx" | "asdf" | "devbox" | "flox" => {
            if inv
                .args
                .get(1)
                .is_some_and(|a| matches!(a.text.as_str(), "exec" | "x" | "run"))
            {
                let k = inv
                    .args
                    .iter()
                    .position(|a| a.text == "--")
                    .map(|p| p + 1)
                    .unwrap_or(2);
                wrapper(w, &inv, k, stdin, st, None);
            }
        }
        "nix-shell" => {
            let (_, seen) = scan(
                &inv.args,
                1,
                &Opts {
                    short_value: "pIAE",
                    long_value: &[
                        "--run",
                        "--command",
                        "--packages",
                        "--attr",
                        "--arg",
                        "--argstr",
                    ],
                    stop_at_operand: false,
                },
            );
            if let Some(text) = value_of(&seen, &["--run", "--command"]) {
                w.run_text(
                    text,
                    &nested_state(&inv, st),
                    Some(Step::via(StepKind::ShellString, "nix-shell")),
                );
            }
        }
        "nix" => {
            if let Some(pos) = inv
                .args
                .iter()
                .position(|a| a.text == "-c" || a.text == "--command")
            {
                wrapper(w, &inv, pos + 1, stdin, st, None);
            }
        }
        "sops" => {
            if inv
                .args
                .get(1)
                .is_some_and(|a| a.text == "exec-env" || a.text == "exec-file")
                && let Some(text) = inv.args.get(3)
            {
                w.run_text(
                    &text.text,
                    &nested_state(&inv, st),
                    Some(Step::via(StepKind::ShellString, "sops")),
                );
            }
        }
        "npx" | "pnpx" | "bunx" => package_runner(w, &inv, 1, stdin, st),
        "npm" => {
            if inv
                .args
                .get(1)
                .is_some_and(|a| matches!(a.text.as_str(), "exec" | "x"))
            {
                package_runner(w, &inv, 2, stdin, st);
            }
        }
        "pnpm" | "yarn" | "bun" => js_runner(w, index, &inv, stdin, st),
        "bundle" | "poetry" | "pdm" | "hatch" | "rye" | "pipenv" | "pixi" => {
            if inv
                .args
                .get(1)
                .is_some_and(|a| matches!(a.text.as_str(), "exec" | "run"))
            {
                let (k, _) = scan(
                    &inv.args,
                    2,
                    &opts("e", &["--env", "--environment", "--manifest-path"]),
                );
                runner(w, &inv, k, stdin, st, name);
            }
        }
        "uv" => {
            let sub = inv.args.get(1).map(|a| a.text.as_str());
            let start = match (sub, inv.args.get(2).map(|a| a.text.as_str())) {
                (Some("run"), _) => Some(2),
                (Some("tool"), Some("run")) => Some(3),
                _ => None,
            };
            if let Some(start) = start {
                let (k, _) = scan(
                    &inv.args,
                    start,
                    &opts(
                        "wp",
                        &[
                            "--with",
                            "--python",
                            "--project",
                            "--directory",
                            "--env-file",
                            "--group",
                            "--extra",
                            "--package",
                            "--index",
                            "--from",
                            "--with-requirements",
                            "--with-editable",
                            "--module",
                        ],
                    ),
                );
                runner(w, &inv, k, stdin, st, "uv");
            }
        }
        "uvx" | "pipx" => {
            let start = if name == "pipx" {
                if inv.args.get(1).is_some_and(|a| a.text == "run") {
                    2
                } else {
                    return;
                }
            } else {
                1
            };
            let (k, _) = scan(
                &inv.args,
                start,
                &opts(
                    "p",
                    &["--from", "--with", "--python", "--spec", "--index-url"],
                ),
            );
            package_runner(w, &inv, k, stdin, st);
        }
        "conda" | "mamba" | "micromamba" => {
            if inv.args.get(1).is_some_and(|a| a.text == "run") {
                let (k, _) = scan(&inv.args, 2, &opts("np", &["--name", "--prefix", "--cwd"]));
                runner(w, &inv, k, stdin, st, name);
            }
        }
        "ssh" => ssh(w, index, &inv, stdin, st),
        "kubectl" | "oc" => kubectl(w, &inv, stdin, st),
        "docker" | "podman" | "nerdctl" | "docker-compose" | "podman-compose" => {
            container(w, &inv, stdin, st)
        }
        "find" => find(w, &inv, st),
        "git" => git_aliases(w, &inv, st),
        _ if inv.program().contains('/')
            && written_content(&inv.args[0], inv.cwd.as_deref(), st).is_some() =>
        {
            let content = written_content(&inv.args[0], inv.cwd.as_deref(), st);
            code_from_stdin(w, index, &inv, content, st);
        }
        _ => {
            if sql::is_client(name) {
                sql::unwrap_client(w, index, &inv, stdin, st);
            } else if inline::is_interpreter(name) {
                inline::unwrap_interpreter(w, index, &inv, stdin, st);
            }
        }
    }
}

/// Emits `inv.args[from..]` as a new invocation run by a wrapper.
fn wrapper(
    w: &mut Walker<'_>,
    inv: &Invocation,
    from: usize,
    stdin: Option<Stdin>,
    st: &State,
    cwd: Option<Option<String>>,
) {
    let via = inv.program_name().to_string();
    nested_argv(
        w,
        inv,
        from,
        Step::via(StepKind::Wrapper, via),
        stdin,
        st,
        cwd,
        inv.remote,
    );
}

fn runner(
    w: &mut Walker<'_>,
    inv: &Invocation,
    from: usize,
    stdin: Option<Stdin>,
    st: &State,
    via: &str,
) {
    nested_argv(
        w,
        inv,
        from,
        Step::via(StepKind::PackageRunner, via),
        stdin,
        st,
        None,
        inv.remote,
    );
}

fn remote(
    w: &mut Walker<'_>,
    inv: &Invocation,
    from: usize,
    stdin: Option<Stdin>,
    st: &State,
    via: String,
) {
    nested_argv(
        w,
        inv,
        from,
        Step::via(StepKind::Remote, via),
        stdin,
        st,
        Some(None),
        true,
    );
}

#[allow(clippy::too_many_arguments)]
fn nested_argv(
    w: &mut Walker<'_>,
    inv: &Invocation,
    from: usize,
    step: Step,
    stdin: Option<Stdin>,
    st: &State,
    cwd: Option<Option<String>>,
    remote: bool,
) {
    let Some(args) = inv.args.get(from..).filter(|a| !a.is_empty()) else {
        return;
    };
    let mut provenance = inv.provenance.clone();
    provenance.push(step);
    let inner = Invocation {
        args: args.to_vec(),
        provenance,
        cwd: cwd.unwrap_or_else(|| inv.cwd.clone()),
        remote,
        redirects: inv.redirects.clone(),
        script: None,
        opaque: Vec::new(),
    };
    w.emit(inner, stdin, &[], st);
}

/// `bash -c`, `bash script`, `bash -s`, `bash` reading stdin.
fn shell(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    stdin: Option<Stdin>,
    procsubs: &[(usize, Stdin)],
    st: &State,
) {
    let via = inv.program_name().to_string();
    let mut i = 1;
    let mut command_mode = false;
    let mut read_stdin = false;
    while let Some(a) = inv.args.get(i) {
        let t = a.text.as_str();
        if t == "--" || t == "-" {
            i += 1;
            if t == "-" {
                read_stdin = true;
            }
            break;
        }
        if let Some(long) = t.strip_prefix("--") {
            if matches!(long, "rcfile" | "init-file") {
                i += 1;
            } else if long == "command" {
                command_mode = true;
            }
            i += 1;
            continue;
        }
        if (t.starts_with('-') || t.starts_with('+')) && t.len() > 1 {
            let body = &t[1..];
            if body.contains('c') {
                command_mode = true;
            }
            if body.contains('s') {
                read_stdin = true;
            }
            if body.ends_with('o') || body.ends_with('O') {
                i += 1;
            }
            i += 1;
            continue;
        }
        break;
    }
    if command_mode {
        match inv.args.get(i) {
            Some(code) if code.dynamic => w.mark_opaque(index, Opaque::DynamicCode),
            Some(code) => w.run_text(
                &code.text,
                &nested_state(inv, st),
                Some(Step::via(StepKind::ShellString, via)),
            ),
            None => {}
        }
        return;
    }
    if !read_stdin && let Some(script) = inv.args.get(i) {
        match procsubs.iter().find(|(k, _)| *k == i) {
            Some((_, produced)) => code_from_stdin(w, index, inv, Some(produced.clone()), st),
            None if script.dynamic => w.mark_opaque(index, Opaque::DynamicCode),
            None => match written_content(script, inv.cwd.as_deref(), st) {
                Some(content) => code_from_stdin(w, index, inv, Some(content), st),
                None => w.mark_opaque(index, Opaque::ScriptFile),
            },
        }
        return;
    }
    code_from_stdin(w, index, inv, stdin, st);
}

/// Programs that print shell code to set up an environment, run as `eval "$(tool ...)"` or
/// `source <(tool ...)` in every tutorial: the generator itself is classified like any command.
const ENV_SETUP_GENERATORS: &[&str] = &[
    "ssh-agent",
    "pyenv",
    "rbenv",
    "nodenv",
    "goenv",
    "jenv",
    "plenv",
    "direnv",
    "minikube",
    "docker-machine",
    "conda",
    "mamba",
    "micromamba",
    "brew",
    "opam",
    "fnm",
    "zoxide",
    "starship",
    "mise",
    "rtx",
    "thefuck",
    "kubectl",
    "helm",
    "gh",
    "register-python-argcomplete",
    "luarocks",
    "dircolors",
    "keychain",
    "gpg-agent",
    "rustup",
    "uv",
    "pip",
    "npm",
    "terraform",
    "aws_completer",
    "kind",
    "flux",
    "argocd",
    "oc",
];

/// Whether `word` is exactly `$(GENERATOR ...)` for a known environment-setup generator.
fn is_env_setup_output(word: &str) -> bool {
    let inner = word
        .strip_prefix("$(")
        .and_then(|w| w.strip_suffix(')'))
        .or_else(|| word.strip_prefix('`').and_then(|w| w.strip_suffix('`')));
    let Some(first) = inner.and_then(|i| i.split_whitespace().next()) else {
        return false;
    };
    ENV_SETUP_GENERATORS.contains(&first.rsplit('/').next().unwrap_or(first))
}

/// A shell reads its code from standard input.
fn code_from_stdin(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    stdin: Option<Stdin>,
    st: &State,
) {
    let via = inv.program_name().to_string();
    match stdin {
        Some(Stdin::Opaque(producer)) if ENV_SETUP_GENERATORS.contains(&producer.as_str()) => {}
        Some(Stdin::Text(text, kind)) => {
            w.run_text(&text, &nested_state(inv, st), Some(Step::via(kind, via)))
        }
        Some(other) => {
            if let Some(kind) = other.as_code_opacity() {
                w.mark_opaque(index, kind);
            }
        }
        None => {}
    }
}

/// `watch 'cmd'` and `ssh host cmd args`: the words are joined and run by a shell.
fn shell_words(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    from: usize,
    st: &State,
    step: Step,
) {
    let Some(words) = inv.args.get(from..).filter(|a| !a.is_empty()) else {
        return;
    };
    if words.iter().any(|a| a.dynamic && a.static_len == 0) {
        w.mark_opaque(index, Opaque::DynamicCode);
    }
    let text = words
        .iter()
        .map(|a| a.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    w.run_text(&text, &nested_state(inv, st), Some(step));
}

fn env(w: &mut Walker<'_>, inv: &Invocation, stdin: Option<Stdin>, st: &State) {
    let (mut k, seen) = scan(
        &inv.args,
        1,
        &opts("uCSP", &["--unset", "--chdir", "--split-string"]),
    );
    if let Some(split) = value_of(&seen, &["-S", "--split-string"]) {
        let rest: Vec<&str> = inv
            .args
            .get(k..)
            .unwrap_or(&[])
            .iter()
            .map(|a| a.text.as_str())
            .collect();
        let text = format!("{split} {}", rest.join(" "));
        w.run_text(
            &text,
            &nested_state(inv, st),
            Some(Step::via(StepKind::Wrapper, "env")),
        );
        return;
    }
    while inv.args.get(k).is_some_and(|a| {
        a.text.split_once('=').is_some_and(|(n, _)| {
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
    }) {
        k += 1;
    }
    let cwd = value_of(&seen, &["-C", "--chdir"]).map(|d| join_path(inv.cwd.as_deref(), d));
    wrapper(w, inv, k, stdin, st, cwd);
}

fn xargs(w: &mut Walker<'_>, inv: &Invocation, st: &State) {
    let (k, seen) = scan(
        &inv.args,
        1,
        &opts(
            "adEILnPs",
            &[
                "--arg-file",
                "--delimiter",
                "--eof",
                "--max-lines",
                "--max-args",
                "--max-procs",
                "--max-chars",
                "--process-slot-var",
            ],
        ),
    );
    let replace = value_of(&seen, &["-I", "-i", "--replace"])
        .map(str::to_string)
        .or_else(|| has(&seen, &["-i", "--replace"]).then(|| "{}".to_string()));
    let mut args: Vec<Arg> = inv.args.get(k..).unwrap_or(&[]).to_vec();
    if args.is_empty() {
        args.push(Arg::literal("echo"));
    }
    let input = Arg::unknown("<xargs input>");
    match replace {
        Some(r) => {
            for a in args.iter_mut().skip(1) {
                if a.text.contains(&r) {
                    let prefix_len = a.text.find(&r).unwrap_or(0).min(a.static_len);
                    a.text = a.text.replace(&r, &input.text);
                    a.dynamic = true;
                    a.static_len = prefix_len;
                }
            }
        }
        None => args.push(input),
    }
    let mut provenance = inv.provenance.clone();
    provenance.push(Step::via(StepKind::Xargs, "xargs"));
    let inner = Invocation {
        args,
        provenance,
        cwd: inv.cwd.clone(),
        remote: inv.remote,
        redirects: Vec::new(),
        script: None,
        opaque: Vec::new(),
    };
    w.emit(inner, None, &[], st);
}

fn parallel(w: &mut Walker<'_>, inv: &Invocation, st: &State) {
    let (k, _) = scan(
        &inv.args,
        1,
        &opts(
            "jSa",
            &[
                "--jobs",
                "--sshlogin",
                "--arg-file",
                "--joblog",
                "--delay",
                "--timeout",
            ],
        ),
    );
    let sep = inv
        .args
        .iter()
        .position(|a| a.text == ":::" || a.text == "::::");
    let end = sep.unwrap_or(inv.args.len());
    let Some(words) = inv.args.get(k..end).filter(|a| !a.is_empty()) else {
        return;
    };
    let values: Vec<&Arg> = match sep {
        Some(s) if inv.args[s].text == ":::" => inv.args[s + 1..]
            .iter()
            .filter(|a| a.text != ":::")
            .take(8)
            .collect(),
        _ => Vec::new(),
    };
    let template: Vec<String> = words.iter().map(|a| a.text.clone()).collect();
    let run = |value: &str| {
        let mut text: Vec<String> = template.iter().map(|t| t.replace("{}", value)).collect();
        if !template.iter().any(|t| t.contains("{}")) {
            text.push(value.to_string());
        }
        text.join(" ")
    };
    let unknown = "\"$PARALLEL_ARG\"";
    let texts: Vec<String> = if values.is_empty() || values.iter().any(|v| v.dynamic) {
        vec![run(unknown)]
    } else {
        values
            .iter()
            .map(|v| run(&quote_for_display(&v.text)))
            .collect()
    };
    for text in texts {
        w.run_text(
            &text,
            &nested_state(inv, st),
            Some(Step::via(StepKind::Xargs, "parallel")),
        );
    }
}

/// `npx pkg args`: the package's binary runs with the rest.
fn package_runner(
    w: &mut Walker<'_>,
    inv: &Invocation,
    start: usize,
    stdin: Option<Stdin>,
    st: &State,
) {
    let via = inv.program_name().to_string();
    let (k, seen) = scan(
        &inv.args,
        start,
        &opts("pc", &["--package", "--call", "--node-options"]),
    );
    if let Some(text) = value_of(&seen, &["-c", "--call"]) {
        w.run_text(
            text,
            &nested_state(inv, st),
            Some(Step::via(StepKind::PackageRunner, via)),
        );
        return;
    }
    let Some(pkg) = inv.args.get(k) else { return };
    let mut args = inv.args.get(k..).unwrap_or(&[]).to_vec();
    if let Some(first) = args.first_mut() {
        first.text = package_binary(&pkg.text);
        first.static_len = if first.dynamic {
            first.static_len.min(first.text.len())
        } else {
            first.text.len()
        };
    }
    let mut provenance = inv.provenance.clone();
    provenance.push(Step::via(StepKind::PackageRunner, via));
    let inner = Invocation {
        args,
        provenance,
        cwd: inv.cwd.clone(),
        remote: inv.remote,
        redirects: inv.redirects.clone(),
        script: None,
        opaque: Vec::new(),
    };
    w.emit(inner, stdin, &[], st);
}

/// `prisma@5.1` → `prisma`; `@aws-cdk/cli` → `cdk`; `@scope/tool` → `tool`.
fn package_binary(pkg: &str) -> String {
    let (scope_stripped, scoped) = match pkg.strip_prefix('@') {
        Some(rest) => (rest.split_once('/').map(|(_, n)| n).unwrap_or(rest), true),
        None => (pkg, false),
    };
    let name = scope_stripped.split('@').next().unwrap_or(scope_stripped);
    match (scoped, name) {
        (_, "aws-cdk") | (true, "cli") if pkg.contains("cdk") => "cdk".to_string(),
        (_, "serverless") => "serverless".to_string(),
        _ => name.to_string(),
    }
}

/// Built-in subcommands of pnpm/yarn/bun; anything else runs a package binary or script.
const JS_RUNNER_BUILTINS: &[&str] = &[
    "install",
    "i",
    "add",
    "remove",
    "rm",
    "uninstall",
    "up",
    "upgrade",
    "update",
    "run",
    "test",
    "t",
    "build",
    "start",
    "init",
    "create",
    "publish",
    "pack",
    "link",
    "unlink",
    "why",
    "outdated",
    "audit",
    "list",
    "ls",
    "info",
    "config",
    "cache",
    "store",
    "import",
    "rebuild",
    "prune",
    "dedupe",
    "patch",
    "patch-commit",
    "workspaces",
    "workspace",
    "set",
    "version",
    "login",
    "logout",
    "whoami",
    "help",
    "node",
    "env",
    "setup",
    "plugin",
    "constraints",
    "explain",
    "npm",
    "pm",
    "dev",
    "lint",
    "format",
    "tsc",
    "--version",
    "-v",
];

fn js_runner(w: &mut Walker<'_>, index: usize, inv: &Invocation, stdin: Option<Stdin>, st: &State) {
    let name = inv.program_name();
    let (k, _) = scan(
        &inv.args,
        1,
        &opts("FC", &["--filter", "--dir", "--cwd", "--cwd"]),
    );
    let Some(sub) = inv.args.get(k) else { return };
    match sub.text.as_str() {
        "dlx" | "exec" | "x" => package_runner(w, inv, k + 1, stdin, st),
        "-e" | "--eval" | "eval" if name == "bun" => {
            inline::unwrap_interpreter(w, index, inv, stdin, st)
        }
        s if JS_RUNNER_BUILTINS.contains(&s) || s.starts_with('-') => {}
        _ => package_runner(w, inv, k, stdin, st),
    }
}

fn ssh(w: &mut Walker<'_>, index: usize, inv: &Invocation, stdin: Option<Stdin>, st: &State) {
    let (k, _) = scan(&inv.args, 1, &opts("bcDEeFIiJLlmOopQRSWwB", &[]));
    let Some(host) = inv.args.get(k) else { return };
    let Some(words) = inv.args.get(k + 1..).filter(|a| !a.is_empty()) else {
        return;
    };
    if words.iter().any(|a| a.dynamic && a.static_len == 0) {
        w.mark_opaque(index, Opaque::DynamicCode);
    }
    let text = words
        .iter()
        .map(|a| a.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let mut sub = nested_state(inv, st);
    sub.prov
        .push(Step::via(StepKind::Remote, format!("ssh {}", host.text)));
    sub.cwd = None;
    sub.remote = true;
    sub.stdin = stdin;
    w.run_text(&text, &sub, None);
}

fn kubectl(w: &mut Walker<'_>, inv: &Invocation, stdin: Option<Stdin>, st: &State) {
    let verb_pos = inv
        .args
        .iter()
        .skip(1)
        .position(|a| matches!(a.text.as_str(), "exec" | "debug" | "run" | "attach"))
        .map(|p| p + 1);
    let Some(verb_pos) = verb_pos else { return };
    let via = format!("{} {}", inv.program_name(), inv.args[verb_pos].text);
    if let Some(dd) = inv.args.iter().position(|a| a.text == "--") {
        remote(w, inv, dd + 1, stdin, st, via);
    } else if inv.args[verb_pos].text == "exec" {
        let (k, _) = scan(
            &inv.args,
            verb_pos + 1,
            &opts(
                "cnf",
                &[
                    "--container",
                    "--namespace",
                    "--context",
                    "--filename",
                    "--kubeconfig",
                    "--pod-running-timeout",
                ],
            ),
        );
        remote(w, inv, k + 1, stdin, st, via);
    }
}

/// Long options of `docker run/exec` that take no value; every other long option takes one.
const DOCKER_BOOL_LONG: &[&str] = &[
    "--rm",
    "--detach",
    "--interactive",
    "--tty",
    "--privileged",
    "--init",
    "--read-only",
    "--publish-all",
    "--no-healthcheck",
    "--oom-kill-disable",
    "--sig-proxy",
    "--disable-content-trust",
    "--quiet",
    "--help",
    "--no-deps",
    "--service-ports",
    "--use-aliases",
    "--remove-orphans",
    "--build",
    "--no-TTY",
    "--pull",
];

fn container(w: &mut Walker<'_>, inv: &Invocation, stdin: Option<Stdin>, st: &State) {
    let (mut k, _) = scan(
        &inv.args,
        1,
        &opts(
            "Hcl",
            &[
                "--host",
                "--context",
                "--config",
                "--log-level",
                "--tlscacert",
                "--tlscert",
                "--tlskey",
                "--file",
                "--project-name",
                "--profile",
                "--env-file",
                "--project-directory",
            ],
        ),
    );
    if inv
        .args
        .get(k)
        .is_some_and(|a| a.text == "container" || a.text == "compose")
    {
        let (k2, _) = scan(
            &inv.args,
            k + 1,
            &opts(
                "fp",
                &[
                    "--file",
                    "--project-name",
                    "--profile",
                    "--env-file",
                    "--project-directory",
                    "--parallel",
                    "--ansi",
                    "--progress",
                ],
            ),
        );
        k = k2;
    }
    let Some(verb) = inv.args.get(k).map(|a| a.text.as_str()) else {
        return;
    };
    if !matches!(verb, "exec" | "run") {
        return;
    }
    let mut i = k + 1;
    while let Some(a) = inv.args.get(i) {
        let t = a.text.as_str();
        if t == "--" {
            i += 1;
            break;
        }
        if !t.starts_with('-') || t == "-" {
            break;
        }
        if t.starts_with("--") {
            if !t.contains('=') && !DOCKER_BOOL_LONG.contains(&t) {
                i += 1;
            }
        } else if let Some(c) = t[1..].chars().find(|c| "evpwulmhcaL".contains(*c)) {
            let body = &t[1..];
            if body.ends_with(c) && !body.contains(['i', 't', 'd']) || body.len() == 1 {
                i += 1;
            }
        }
        i += 1;
    }
    let target = inv.args.get(i).map(|a| a.text.clone()).unwrap_or_default();
    remote(
        w,
        inv,
        i + 1,
        stdin,
        st,
        format!("{} {verb} {target}", inv.program_name()),
    );
}

/// `git -c alias.x='!cmd' x`: a shell alias defined on the command line runs `cmd`.
fn git_aliases(w: &mut Walker<'_>, inv: &Invocation, st: &State) {
    let mut i = 1;
    while let Some(a) = inv.args.get(i) {
        let value = match a.text.as_str() {
            "-c" => inv.args.get(i + 1).map(|v| v.text.as_str()),
            t => t.strip_prefix("-c").filter(|v| v.contains('=')),
        };
        if let Some((key, code)) = value.and_then(|v| v.split_once('='))
            && key.starts_with("alias.")
            && let Some(shell) = code.strip_prefix('!')
        {
            w.run_text(
                shell,
                &nested_state(inv, st),
                Some(Step::via(StepKind::Alias, format!("git {key}"))),
            );
        }
        if !a.text.starts_with('-') {
            break;
        }
        i += if a.text == "-c" || a.text == "-C" {
            2
        } else {
            1
        };
    }
}

/// Expression words of `find` that introduce a command ending in `;` or `+`.
const FIND_EXEC: &[&str] = &["-exec", "-execdir", "-ok", "-okdir"];

/// `find` tests that narrow which files reach `-exec`; without one, the start directory itself
/// is among them.
const FIND_TESTS: &[&str] = &[
    "-name",
    "-iname",
    "-path",
    "-ipath",
    "-wholename",
    "-iwholename",
    "-regex",
    "-iregex",
    "-type",
    "-xtype",
    "-mtime",
    "-mmin",
    "-atime",
    "-amin",
    "-ctime",
    "-cmin",
    "-size",
    "-empty",
    "-newer",
    "-user",
    "-group",
    "-perm",
    "-links",
    "-inum",
    "-lname",
    "-ilname",
    "-samefile",
    "-newermt",
    "-mindepth",
    "-uid",
    "-gid",
];

fn find(w: &mut Walker<'_>, inv: &Invocation, st: &State) {
    let mut starts: Vec<&Arg> = Vec::new();
    let mut i = 1;
    while let Some(a) = inv.args.get(i) {
        if matches!(a.text.as_str(), "-H" | "-L" | "-P")
            || a.text.starts_with("-O")
            || a.text == "-D"
        {
            i += if a.text == "-D" { 2 } else { 1 };
            continue;
        }
        break;
    }
    while let Some(a) = inv.args.get(i) {
        if a.text.starts_with('-') || a.text == "(" || a.text == "!" {
            break;
        }
        starts.push(a);
        i += 1;
    }
    let dot = Arg::literal(".");
    if starts.is_empty() {
        starts.push(&dot);
    }
    let mut filtered = false;
    while i < inv.args.len() {
        let word = inv.args[i].text.as_str();
        if FIND_TESTS.contains(&word) {
            filtered = true;
        }
        if !FIND_EXEC.contains(&word) {
            i += 1;
            continue;
        }
        let via = word.to_string();
        let begin = i + 1;
        let mut end = begin;
        while end < inv.args.len() && !matches!(inv.args[end].text.as_str(), ";" | "+") {
            end += 1;
        }
        for start in starts.iter().take(4) {
            let args: Vec<Arg> = inv.args[begin..end]
                .iter()
                .map(|a| found_path(a, start, filtered))
                .collect();
            if args.is_empty() {
                continue;
            }
            let mut provenance = inv.provenance.clone();
            provenance.push(Step::via(StepKind::FindExec, format!("find {via}")));
            let inner = Invocation {
                args,
                provenance,
                cwd: inv.cwd.clone(),
                remote: inv.remote,
                redirects: Vec::new(),
                script: None,
                opaque: Vec::new(),
            };
            w.emit(inner, None, &[], st);
        }
        i = end + 1;
    }
}

/// Replaces `{}` in an `-exec` word: with some path under the start directory, or — when no
/// test narrows the search — the start directory itself, which find visits first.
fn found_path(a: &Arg, start: &Arg, filtered: bool) -> Arg {
    if !a.text.contains("{}") {
        return a.clone();
    }
    if !filtered && a.text == "{}" {
        return start.clone();
    }
    let found = format!("{}/", start.text.trim_end_matches('/'));
    let at = a.text.find("{}").unwrap_or(0);
    Arg {
        text: a.text.replace("{}", &format!("{found}…")),
        dynamic: true,
        static_len: at + found.len(),
        glob: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(ws: &[&str]) -> Vec<Arg> {
        ws.iter().map(|w| Arg::literal(*w)).collect()
    }

    #[test]
    fn scan_stops_at_first_operand() {
        let args = words(&["sudo", "-u", "root", "-E", "rm", "-rf", "/"]);
        let (k, seen) = scan(&args, 1, &opts("u", &[]));
        assert_eq!(k, 4);
        assert_eq!(
            seen,
            vec![
                ("-u".to_string(), Some("root".to_string())),
                ("-E".to_string(), None)
            ]
        );
    }

    #[test]
    fn scan_handles_attached_values_and_double_dash() {
        let args = words(&["timeout", "-s9", "--kill-after=5", "--", "10", "x"]);
        let (k, seen) = scan(&args, 1, &opts("sk", &[]));
        assert_eq!(k, 4);
        assert_eq!(seen[0], ("-s".to_string(), Some("9".to_string())));
    }

    #[test]
    fn package_binaries() {
        assert_eq!(package_binary("prisma@5.2.0"), "prisma");
        assert_eq!(package_binary("@scope/tool@1"), "tool");
        assert_eq!(package_binary("aws-cdk"), "cdk");
    }
}
