//! Prefix wrappers that run another command: `sudo`, `doas`, `env`, `command`, `exec`, `nice`,
//! `timeout`, `time`, `stdbuf`, `watch`, `xargs`, `parallel`, `flock`, `su`, `chroot`, secret and
//! environment managers (`aws-vault exec`, `op run`, `envchain`, `summon`, `assume --exec`,
//! `railway run`, `direnv exec`, `mise exec`, `nix-shell`), and
//! programs that run commands later or from their own syntax (`crontab`, `schtasks /tr`, vim Ex
//! `:!cmd`).

use super::{Opts, has, nested_state, opts, remote, scan, value_of, wrapper};
use crate::shell::invocation::{Arg, Invocation, Opaque, Step, StepKind, quote_for_display};
use crate::shell::unwrap::shells::shell_words;
use crate::shell::walk::{State, Stdin, Walker, join_path, written_content};

/// Unwraps a prefix wrapper; returns whether `inv` is one.
pub(super) fn unwrap(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    stdin: &mut Option<Stdin>,
    st: &State,
) -> bool {
    let name = inv.program_name();
    match name {
        "busybox" | "toybox" => wrapper(w, inv, 1, stdin.take(), st, None),
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
                return true;
            }
            // `sudo -s` or `sudo -i` with no command: the shell runs what it reads.
            if has(&seen, &["-s", "--shell", "-i", "--login"]) && k >= inv.args.len() {
                super::shells::code_from_stdin(w, index, inv, stdin.take(), st);
                return true;
            }
            let cwd = value_of(&seen, &["-D", "--chdir"]).map(|d| join_path(inv.cwd.as_deref(), d));
            wrapper(w, inv, k, stdin.take(), st, cwd);
        }
        "doas" => {
            let (k, _) = scan(&inv.args, 1, &opts("uC", &[]));
            wrapper(w, inv, k, stdin.take(), st, None);
        }
        "env" => env(w, inv, stdin.take(), st),
        "crontab" => crontab(w, index, inv, stdin.take(), st),
        "vim" | "nvim" | "vi" | "ex" | "view" | "gvim" | "vimdiff" | "evim" => {
            editor(w, inv, st);
            editor_script(w, inv, stdin.take(), st);
        }
        "ed" | "red" => editor_script(w, inv, stdin.take(), st),
        "command" => {
            let (k, seen) = scan(&inv.args, 1, &opts("", &[]));
            if !has(&seen, &["-v", "-V"]) {
                wrapper(w, inv, k, stdin.take(), st, None);
            }
        }
        "builtin" | "nohup" | "chronic" | "unbuffer" | "catchsegv" | "proxychains"
        | "proxychains4" | "torsocks" | "tsocks" | "caffeinate" | "pkexec" | "run0"
        | "fakeroot" | "dbus-run-session" | "xvfb-run" | "setpriv" | "unshare" | "nsenter"
        | "cgexec" | "numactl" | "prlimit" | "entr" | "ssh-agent" | "dbus-launch" | "wsl" => {
            let short_value = match name {
                "nsenter" => "tSGwr",
                "ssh-agent" => "aEtPO",
                "wsl" => "du",
                "cgexec" => "g",
                "numactl" => "CNmpi",
                _ => "",
            };
            let long_value: &[&str] = &[
                "--user",
                "--map-user",
                "--map-group",
                "--setarch",
                "--reuid",
                "--regid",
                "--groups",
                "--pid",
                "--target",
                "--setuid",
                "--setgid",
                "--wd",
                "--root",
                "--membind",
                "--cpunodebind",
                "--physcpubind",
                "--interleave",
                "--preferred",
                "--distribution",
                "--cd",
            ];
            let (k, _) = scan(&inv.args, 1, &opts(short_value, long_value));
            wrapper(w, inv, k, stdin.take(), st, None);
        }
        "exec" => {
            let (k, _) = scan(&inv.args, 1, &opts("a", &[]));
            wrapper(w, inv, k, stdin.take(), st, None);
        }
        // The first operand is not the command: a user, a CPU mask, a fake time.
        "gosu" | "su-exec" | "chpst" | "taskset" | "faketime" => {
            let (k, _) = scan(&inv.args, 1, &opts("cu", &["--cpu-list"]));
            let cpu_list = name == "taskset"
                && inv
                    .args
                    .iter()
                    .any(|a| a.text == "-c" || a.text.starts_with("--cpu-list"));
            wrapper(
                w,
                inv,
                if cpu_list { k } else { k + 1 },
                stdin.take(),
                st,
                None,
            );
        }
        // `chrt -i 0 cmd`: a policy's priority, then the command (`-p` changes a running pid).
        "chrt" => {
            let (k, seen) = scan(
                &inv.args,
                1,
                &opts(
                    "TPD",
                    &["--sched-runtime", "--sched-period", "--sched-deadline"],
                ),
            );
            if !has(&seen, &["-p", "--pid", "-m", "--max"]) {
                wrapper(w, inv, k + 1, stdin.take(), st, None);
            }
        }
        // `at now`, `batch`: the job is shell code read from standard input.
        "at" | "batch" => {
            let (_, seen) = scan(&inv.args, 1, &opts("qfmt", &[]));
            if !has(&seen, &["-l", "-d", "-r", "-c"]) {
                let code = stdin.take();
                super::shells::code_from_stdin(w, index, inv, code, st);
            }
        }
        "script" => {
            let (_, seen) = scan(
                &inv.args,
                1,
                &Opts {
                    short_value: "cEIOBTm",
                    long_value: &[
                        "--command",
                        "--log-in",
                        "--log-out",
                        "--log-timing",
                        "--echo",
                    ],
                    stop_at_operand: false,
                },
            );
            if let Some(code) = value_of(&seen, &["-c", "--command"]) {
                w.run_text(
                    code,
                    &nested_state(inv, st),
                    Some(Step::via(StepKind::ShellString, "script")),
                );
            }
        }
        "nice" | "renice" => {
            let (k, _) = scan(&inv.args, 1, &opts("n", &["--adjustment"]));
            wrapper(w, inv, k, stdin.take(), st, None);
        }
        "ionice" => {
            let (k, seen) = scan(
                &inv.args,
                1,
                &opts("cnp", &["--class", "--classdata", "--pid"]),
            );
            if !has(&seen, &["-p", "--pid"]) {
                wrapper(w, inv, k, stdin.take(), st, None);
            }
        }
        // `shx rm -rf dist`: shelljs's portable `rm`, `cp`, `mv`, ... as the commands they copy.
        "setsid" | "flatpak-spawn" | "distrobox-host-exec" | "host-spawn" | "shx" => {
            let (k, _) = scan(&inv.args, 1, &opts("", &[]));
            wrapper(w, inv, k, stdin.take(), st, None);
        }
        // `sg [-] GROUP [-c] COMMAND`: COMMAND is one string run by /bin/sh.
        "sg" => {
            let mut i = 1;
            if inv.args.get(i).is_some_and(|a| a.text == "-") {
                i += 1;
            }
            i += 1;
            if inv.args.get(i).is_some_and(|a| a.text == "-c") {
                i += 1;
            }
            if let Some(text) = inv.args.get(i) {
                w.run_text(
                    &text.text,
                    &nested_state(inv, st),
                    Some(Step::via(StepKind::ShellString, "sg")),
                );
            }
        }
        "toolbox" if inv.args.get(1).is_some_and(|a| a.text == "run") => {
            let (k, _) = scan(
                &inv.args,
                2,
                &opts("cdr", &["--container", "--distro", "--release"]),
            );
            wrapper(w, inv, k, stdin.take(), st, None);
        }
        "distrobox" if inv.args.get(1).is_some_and(|a| a.text == "enter") => {
            if let Some(pos) = inv.args.iter().position(|a| a.text == "--") {
                wrapper(w, inv, pos + 1, stdin.take(), st, None);
            }
        }
        "stdbuf" => {
            let (k, _) = scan(
                &inv.args,
                1,
                &opts("ioe", &["--input", "--output", "--error"]),
            );
            wrapper(w, inv, k, stdin.take(), st, None);
        }
        "timeout" => {
            let (k, _) = scan(&inv.args, 1, &opts("sk", &["--signal", "--kill-after"]));
            wrapper(w, inv, k + 1, stdin.take(), st, None);
        }
        "time" => {
            let (k, _) = scan(&inv.args, 1, &opts("fo", &["--format", "--output"]));
            wrapper(w, inv, k, stdin.take(), st, None);
        }
        "watch" => {
            let (k, seen) = scan(&inv.args, 1, &opts("nq", &["--interval", "--equexit"]));
            if has(&seen, &["-x", "--exec"]) {
                wrapper(w, inv, k, stdin.take(), st, None);
            } else {
                shell_words(
                    w,
                    index,
                    inv,
                    k,
                    &nested_state(inv, st),
                    Some(Step::via(StepKind::ShellString, "watch")),
                );
            }
        }
        "xargs" => xargs(w, inv, stdin.as_ref(), st),
        "parallel" => parallel(w, inv, st),
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
                    &nested_state(inv, st),
                    Some(Step::via(StepKind::ShellString, "flock")),
                ),
                None => wrapper(w, inv, k + 1, stdin.take(), st, None),
            }
        }
        // `schtasks /create ... /tr "cmd /c ..."`: the task's command runs later, as written
        // (`program_name` has already dropped a `.exe`).
        n if n.eq_ignore_ascii_case("schtasks") => {
            let command = inv
                .args
                .windows(2)
                .find(|pair| pair[0].text.eq_ignore_ascii_case("/tr"))
                .map(|pair| &pair[1].text);
            if let Some(text) = command {
                w.run_text(
                    text,
                    &nested_state(inv, st),
                    Some(Step::via(StepKind::ShellString, "schtasks")),
                );
            }
        }
        "chroot" => {
            let (k, _) = scan(&inv.args, 1, &opts("", &["--userspec", "--groups"]));
            remote(w, inv, k + 1, stdin.take(), st, "chroot".into());
        }
        "su" | "runuser" => {
            // su takes its options before or after the user (`su root -c CMD`); runuser's
            // command follows its options.
            let spec = Opts {
                stop_at_operand: name == "runuser",
                ..opts(
                    "cgGsuw",
                    &[
                        "--command",
                        "--group",
                        "--supp-group",
                        "--shell",
                        "--user",
                        "--whitelist-environment",
                    ],
                )
            };
            let (k, seen) = scan(&inv.args, 1, &spec);
            match value_of(&seen, &["-c", "--command"]) {
                Some(text) => w.run_text(
                    text,
                    &nested_state(inv, st),
                    Some(Step::via(StepKind::ShellString, name)),
                ),
                None if name == "runuser" && has(&seen, &["-u", "--user"]) => {
                    wrapper(w, inv, k, stdin.take(), st, None)
                }
                // No command: the user's shell runs what it reads (`su - root <<< CMD`).
                None => super::shells::code_from_stdin(w, index, inv, stdin.take(), st),
            }
        }
        // `sshpass -p PASSWORD ssh host CMD`: feeds a password to the command it runs.
        "sshpass" => {
            let (k, _) = scan(&inv.args, 1, &opts("fdpP", &[]));
            wrapper(w, inv, k, stdin.take(), st, None);
        }
        // proot's options take their values in the next word; its command follows them.
        "proot" => {
            let (k, _) = scan(
                &inv.args,
                1,
                &opts(
                    "rbmwqkiRSv",
                    &[
                        "--rootfs",
                        "--bind",
                        "--mount",
                        "--pwd",
                        "--cwd",
                        "--qemu",
                        "--kernel-release",
                        "--change-id",
                        "--verbose",
                    ],
                ),
            );
            wrapper(w, inv, k, stdin.take(), st, None);
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
            wrapper(w, inv, k, stdin.take(), st, None);
        }
        // Local clusters bundle their own kubectl, helm and container tools.
        "microk8s" | "k3s" | "k0s" | "rke2"
            if inv.args.get(1).is_some_and(|a| {
                matches!(
                    a.text.as_str(),
                    "kubectl" | "helm" | "helm3" | "ctr" | "crictl" | "etcdctl"
                )
            }) =>
        {
            wrapper(w, inv, 1, stdin.take(), st, None);
        }
        // `minikube kubectl -- ARGS` runs the bundled kubectl with ARGS.
        "minikube" if inv.args.get(1).is_some_and(|a| a.text == "kubectl") => {
            let from = match inv.args.get(2) {
                Some(a) if a.text == "--" => 3,
                _ => 2,
            };
            let mut args = vec![Arg::literal("kubectl")];
            args.extend(inv.args.iter().skip(from).cloned());
            let inner = inv.nested(args, [Step::via(StepKind::Wrapper, "minikube kubectl")]);
            w.emit(inner, stdin.take(), &[], st);
        }
        // `cmake -E rm [-rRf] PATH...`, `cmake -E remove_directory DIR...` and `cmake -E remove
        // [-f] FILE...` are cmake's portable `rm`.
        "cmake" if inv.args.get(1).is_some_and(|a| a.text == "-E") => {
            let mut args = vec![Arg::literal("rm")];
            match inv.args.get(2).map(|a| a.text.as_str()) {
                Some("rm" | "remove") => {}
                Some("remove_directory") => args.push(Arg::literal("-r")),
                _ => return false,
            }
            args.extend(inv.args.iter().skip(3).cloned());
            let inner = inv.nested(args, [Step::via(StepKind::Wrapper, "cmake -E")]);
            w.emit(inner, stdin.take(), &[], st);
        }
        "aws-vault" => {
            if inv.args.get(1).is_some_and(|a| a.text == "exec") {
                let (k, _) = scan(
                    &inv.args,
                    2,
                    &opts("", &["--duration", "--mfa-token", "--region", "--prompt"]),
                );
                wrapper(w, inv, k + 1, stdin.take(), st, None);
                if let Some(pos) = inv.args.iter().position(|a| a.text == "--") {
                    wrapper(w, inv, pos + 1, None, st, None);
                }
            }
        }
        "op" | "doppler" | "infisical" | "dotenvx" | "dotenv" | "chamber" | "teller" => {
            if let Some(pos) = inv.args.iter().position(|a| a.text == "--") {
                wrapper(w, inv, pos + 1, stdin.take(), st, None);
            } else if matches!(name, "doppler" | "infisical") {
                // `doppler run --command "CMD"`, `infisical run --command "CMD"`
                option_code(
                    w,
                    inv,
                    st,
                    &Opts {
                        short_value: "cp",
                        long_value: &["--command", "--config", "--project", "--env", "--path"],
                        stop_at_operand: false,
                    },
                    &["--command"],
                );
            }
        }
        // `envchain [--noecho] NAMESPACE[,NAMESPACE...] CMD...` (`--set` stores secrets).
        "envchain" if !inv.args.iter().any(|a| a.text.starts_with("--set")) => {
            let (k, _) = scan(&inv.args, 1, &opts("", &[]));
            wrapper(w, inv, k + 1, stdin.take(), st, None);
        }
        // `summon [-p PROVIDER] [-f secrets.yml] [-D K=V] CMD...`
        "summon" => {
            let (k, _) = scan(
                &inv.args,
                1,
                &opts(
                    "pfD",
                    &["--provider", "--yaml", "--environment", "--ignore"],
                ),
            );
            wrapper(w, inv, k, stdin.take(), st, None);
        }
        // `saml2aws exec [OPTIONS] [--] CMD...`, `aws-sso exec [OPTIONS] [--] CMD...`
        "saml2aws" | "aws-sso" if inv.args.get(1).is_some_and(|a| a.text == "exec") => {
            let (k, _) = scan(
                &inv.args,
                2,
                &opts(
                    "apSAR",
                    &[
                        "--idp-account",
                        "--profile",
                        "--exec-profile",
                        "--region",
                        "--role",
                        "--session-duration",
                        "--sso",
                        "--arn",
                        "--account",
                    ],
                ),
            );
            wrapper(w, inv, k, stdin.take(), st, None);
        }
        // Granted's `assume PROFILE --exec "CMD"` runs the command with the role's credentials.
        "assume" | "granted" => option_code(
            w,
            inv,
            st,
            &Opts {
                short_value: "x",
                long_value: &["--exec", "--region", "--duration", "--mfa-token"],
                stop_at_operand: false,
            },
            &["--exec", "-x"],
        ),
        // `railway run [-s SERVICE] [-e ENV] [--] CMD...` and `heroku local:run CMD...` run the
        // command here, with the platform's (often production) variables.
        "railway" if inv.args.get(1).is_some_and(|a| a.text == "run") => {
            let (k, _) = scan(&inv.args, 2, &opts("se", &["--service", "--environment"]));
            wrapper(w, inv, k, stdin.take(), st, None);
        }
        "heroku" if inv.args.get(1).is_some_and(|a| a.text == "local:run") => {
            let (k, _) = scan(&inv.args, 2, &opts("ep", &["--env", "--port"]));
            wrapper(w, inv, k, stdin.take(), st, None);
        }
        "direnv" => {
            if inv.args.get(1).is_some_and(|a| a.text == "exec") {
                let dir = inv
                    .args
                    .get(2)
                    .map(|d| join_path(inv.cwd.as_deref(), &d.text));
                wrapper(w, inv, 3, stdin.take(), st, dir);
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
                wrapper(w, inv, k, stdin.take(), st, None);
            }
        }
        "nix-shell" => option_code(
            w,
            inv,
            st,
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
            &["--run", "--command"],
        ),
        "nix" => {
            if let Some(pos) = inv
                .args
                .iter()
                .position(|a| a.text == "-c" || a.text == "--command")
            {
                wrapper(w, inv, pos + 1, stdin.take(), st, None);
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
                    &nested_state(inv, st),
                    Some(Step::via(StepKind::ShellString, "sops")),
                );
            }
        }
        // `java -jar jenkins-cli.jar ARGS` runs the jar's command line, named after the jar.
        "java" if inv.args.iter().any(|a| a.text == "-jar") => {
            let Some(at) = inv.args.iter().position(|a| a.text == "-jar") else {
                return false;
            };
            let Some(jar) = inv.args.get(at + 1).filter(|j| !j.dynamic) else {
                return false;
            };
            let base = jar.text.rsplit('/').next().unwrap_or(&jar.text);
            let name = base.strip_suffix(".jar").unwrap_or(base);
            let mut args = vec![Arg::literal(name)];
            args.extend(inv.args.iter().skip(at + 2).cloned());
            let inner = inv.nested(args, [Step::via(StepKind::Wrapper, "java -jar")]);
            w.emit(inner, stdin.take(), &[], st);
        }
        // `python -m awscli ...` is `aws ...`; any other module's command line is judged as
        // a program of its name (`python -m acme_cli apps destroy` as `acme-cli apps destroy`).
        python
            if python
                .trim_end_matches(|c: char| c.is_ascii_digit() || c == '.')
                .eq("python")
                && inv.args.get(1).is_some_and(|a| a.text == "-m") =>
        {
            let Some(program) = inv
                .args
                .get(2)
                .filter(|m| !m.dynamic && !m.text.is_empty())
                .map(|m| module_program(&m.text))
            else {
                return false;
            };
            let mut args = vec![Arg::literal(&program)];
            args.extend(inv.args.iter().skip(3).cloned());
            let step = format!("{python} -m");
            let inner = inv.nested(args, [Step::via(StepKind::Wrapper, step)]);
            w.emit(inner, stdin.take(), &[], st);
        }
        _ => return false,
    }
    true
}

/// `crontab FILE` or `crontab -` (stdin): the table installed runs its commands later, so they
/// are analysed now, each line's command after its schedule. A table that cannot be read is
/// opaque.
fn crontab(w: &mut Walker<'_>, index: usize, inv: &Invocation, stdin: Option<Stdin>, st: &State) {
    let (k, seen) = scan(&inv.args, 1, &opts("u", &[]));
    if seen
        .iter()
        .any(|(flag, _)| matches!(flag.as_str(), "-l" | "-r" | "-e" | "-i"))
    {
        return;
    }
    let table = match inv.args.get(k) {
        None => stdin,
        Some(a) if a.text == "-" => stdin,
        Some(a) if a.text == "/dev/null" && !a.dynamic => Some(Stdin::File(a.text.clone())),
        Some(file) => written_content(file, inv.cwd.as_deref(), st),
    };
    let parts = match table {
        Some(Stdin::Text(text, kind)) => vec![Stdin::Text(text, kind)],
        Some(Stdin::Group(parts)) => parts,
        Some(Stdin::File(path)) if path == "/dev/null" => Vec::new(),
        _ => {
            w.mark_opaque(index, Opaque::ScriptFile);
            return;
        }
    };
    // A table with no job (`echo "" | crontab -`, `crontab /dev/null`) replaces the installed
    // one with nothing: the `crontab -r` it amounts to.
    if parts
        .iter()
        .all(|p| matches!(p, Stdin::Text(text, _) if cron_commands(text).next().is_none()))
    {
        let args = vec![Arg::literal("crontab"), Arg::literal("-r")];
        let step = Step::via(StepKind::ToolDelete, "crontab given an empty table");
        w.emit(inv.nested(args, [step]), None, &[], st);
        return;
    }
    for part in parts {
        match part {
            Stdin::Text(text, _) => crontab_lines(w, inv, &text, st),
            // `{ crontab -l; echo "..."; } | crontab -`: the table already installed, kept.
            Stdin::Opaque(producer) if producer == "crontab" => {}
            _ => w.mark_opaque(index, Opaque::ScriptFile),
        }
    }
}

/// Analyses each line of a cron table, the command after its schedule.
fn crontab_lines(w: &mut Walker<'_>, inv: &Invocation, text: &str, st: &State) {
    for command in cron_commands(text) {
        w.run_text(
            command,
            &nested_state(inv, st),
            Some(Step::via(StepKind::ShellString, "crontab")),
        );
    }
}

/// The commands of a cron table, each after its schedule; comments, blank lines and
/// `NAME=value` lines (variables for the table) are not commands.
fn cron_commands(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let fields = if line.starts_with('@') { 1 } else { 5 };
        let mut rest = line;
        for _ in 0..fields {
            rest = rest
                .trim_start()
                .split_once(char::is_whitespace)
                .map_or("", |(_, r)| r);
        }
        let variable = fields == 5
            && line
                .split_whitespace()
                .next()
                .is_some_and(|f| f.contains('='));
        let command = rest.trim();
        (!command.is_empty() && !variable).then_some(command)
    })
}

/// `vim -c ':!rm -rf x'`, `vim +'!cmd'`, `vim --cmd '!cmd'`: Ex commands that run a shell
/// (`:!`, `:silent !`, `:r !`, `:w !`) are analysed as the shell text they run.
fn editor(w: &mut Walker<'_>, inv: &Invocation, st: &State) {
    let mut i = 1;
    while let Some(a) = inv.args.get(i) {
        let command = match a.text.as_str() {
            "-c" | "--cmd" | "-S" => {
                i += 1;
                inv.args.get(i).map(|v| v.text.as_str())
            }
            t => t.strip_prefix('+'),
        };
        i += 1;
        let Some(command) = command else { continue };
        for part in command.split('|') {
            editor_shell(w, inv, part, st);
        }
    }
}

/// An editor reading its commands from standard input (`ed -s file <<< '!cmd'`,
/// `printf ':!cmd\n' | vim -es`): each line that runs a shell command runs it.
fn editor_script(w: &mut Walker<'_>, inv: &Invocation, stdin: Option<Stdin>, st: &State) {
    if let Some(Stdin::Text(script, _)) = stdin {
        for line in script.lines() {
            editor_shell(w, inv, line, st);
        }
    }
}

/// Walks the shell command an ex or ed command runs, if it runs one: `!cmd`, `r !cmd`,
/// `w !cmd`, `call system('cmd')`, after an optional `:`, line address and `silent`/`exe`.
fn editor_shell(w: &mut Walker<'_>, inv: &Invocation, command: &str, st: &State) {
    let ex = command.trim_start().trim_start_matches(':').trim_start();
    let ex = ex.trim_start_matches(|c: char| c.is_ascii_digit() || ",.$%;+-".contains(c));
    let ex = ex.strip_prefix("silent").map_or(ex, str::trim_start);
    let ex = ex.strip_prefix("exe ").map_or(ex, str::trim_start);
    let shell = ex
        .strip_prefix('!')
        .or_else(|| ex.strip_prefix("r !"))
        .or_else(|| ex.strip_prefix("r!"))
        .or_else(|| ex.strip_prefix("w !"))
        .or_else(|| ex.strip_prefix("e !"))
        .or_else(|| ex.strip_prefix("read !"))
        .or_else(|| {
            ex.strip_prefix("call system(")
                .map(|s| s.trim_end_matches(')'))
        });
    if let Some(text) = shell {
        let text = text.trim().trim_matches(|c| c == '\'' || c == '"');
        w.run_text(
            text,
            &nested_state(inv, st),
            Some(Step::via(StepKind::ShellString, inv.program_name())),
        );
    }
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
    // `env -i` (also a lone `-`) starts from nothing; `env K=V` adds to what the line already
    // set.
    let mut with_env = inv.clone();
    let lone_dash = inv.args.get(k).is_some_and(|a| a.text == "-");
    if lone_dash {
        k += 1;
    }
    if lone_dash || has(&seen, &["-i", "--ignore-environment"]) {
        with_env.env.clear();
    }
    while let Some(a) = inv.args.get(k) {
        // Any word with a `=` is a variable to env, even one the shell could not set
        // (`BASH_FUNC_ls%%=() { ...; }`, a function bash imports).
        let Some((name, value)) = a.text.split_once('=').filter(|(n, _)| !n.is_empty()) else {
            break;
        };
        with_env.env.retain(|(n, _)| n != name);
        if !a.dynamic {
            with_env.env.push((name.to_string(), value.to_string()));
        }
        k += 1;
    }
    with_env.env.sort();
    let cwd = value_of(&seen, &["-C", "--chdir"]).map(|d| join_path(inv.cwd.as_deref(), d));
    wrapper(w, &with_env, k, stdin, st, cwd);
}

/// Walks, as shell code run by `inv`'s program, the value of the last of `flags` among its
/// options, read by `spec` (`nix-shell --run CODE`, `doppler run --command CODE`, `assume prof
/// --exec CODE`).
fn option_code(w: &mut Walker<'_>, inv: &Invocation, st: &State, spec: &Opts, flags: &[&str]) {
    let (_, seen) = scan(&inv.args, 1, spec);
    if let Some(text) = value_of(&seen, flags) {
        w.run_text(
            text,
            &nested_state(inv, st),
            Some(Step::via(StepKind::ShellString, inv.program_name())),
        );
    }
}

/// `xargs [OPTIONS] [CMD...]`: GNU's `-i`, `-l` and `-e` take a value only when it is attached
/// (`-i{}`); BSD's `-J REPLSTR` puts the input where its string stands. Paths listed by `find`
/// are known by where they are (see [`Stdin::Found`]); any other input only at run time.
fn xargs(w: &mut Walker<'_>, inv: &Invocation, stdin: Option<&Stdin>, st: &State) {
    let (k, seen) = scan(
        &inv.args,
        1,
        &opts(
            "adEILnPsJRS",
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
    let replace = value_of(&seen, &["-I", "-J", "--replace"])
        .map(str::to_string)
        .or_else(|| has(&seen, &["-i", "--replace"]).then(|| "{}".to_string()));
    let mut command: Vec<Arg> = inv.args.get(k..).unwrap_or(&[]).to_vec();
    if command.is_empty() {
        command.push(Arg::literal("echo"));
    }
    // What each run of the command is given: one input with `-I` (a line), else all of them.
    let runs: Vec<Vec<Arg>> = match stdin {
        Some(Stdin::Found(listed)) => listed
            .starts
            .iter()
            .take(4)
            .flat_map(|start| super::find::found(start, &listed.tests))
            .map(|found| vec![found])
            .collect(),
        Some(Stdin::Text(text, _)) if value_of(&seen, &["-a", "--arg-file"]).is_none() => {
            let delimiter = match value_of(&seen, &["-d", "--delimiter"]) {
                _ if has(&seen, &["-0", "--null"]) => Some("\0"),
                d => d,
            };
            let mut runs = text_inputs(text, delimiter, replace.is_some());
            // A shell whose code is an input is also judged as running code not known here,
            // as it is when the input is not known (`echo ok | xargs -I{} bash -c {}`).
            if shell_code_from_input(&command, replace.as_deref()) {
                runs.push(vec![Arg::unknown("<xargs input>")]);
            }
            runs
        }
        // Every process's id: judged as the `-1` that names them all to `kill`.
        Some(Stdin::Processes) => vec![vec![Arg::implied("-1")]],
        _ => vec![vec![Arg::unknown("<xargs input>")]],
    };
    let whole_tree = matches!(stdin, Some(Stdin::Found(listed)) if !listed.tests.narrowed);
    for inputs in runs {
        let mut args = command.clone();
        match (&replace, inputs.first()) {
            (Some(r), Some(input)) => {
                for a in args.iter_mut().skip(1) {
                    substitute(a, r, input);
                }
            }
            _ => args.extend(inputs),
        }
        if whole_tree {
            super::find::as_whole_tree(&mut args);
        }
        let inner = inv.nested(args, [Step::via(StepKind::Xargs, "xargs")]);
        w.emit(inner, None, &[], st);
    }
}

/// Whether `command` is a shell given `-c` whose code xargs supplies: no code word follows
/// `-c` (the first input is the code), or the code word is the `-I` placeholder.
fn shell_code_from_input(command: &[Arg], replace: Option<&str>) -> bool {
    let program = command
        .first()
        .map_or("", |a| a.text.rsplit('/').next().unwrap_or(""));
    if !super::shells::is_shell(program) {
        return false;
    }
    let Some(at) = command
        .iter()
        .position(|a| a.text.starts_with('-') && !a.text.starts_with("--") && a.text.contains('c'))
    else {
        return false;
    };
    match command.get(at + 1) {
        None => true,
        Some(code) => replace.is_some_and(|r| code.text == r),
    }
}

/// The inputs xargs reads from known text, as the runs of its command: with `-I` one run per
/// line (the line is the input), else one run given every word (split at blanks and newlines,
/// or at `delimiter`: `\0` for `-0`, `\n` or a character for `-d`). A word with quotes or a
/// backslash, which xargs would unquote, is kept as written.
fn text_inputs(text: &str, delimiter: Option<&str>, per_line: bool) -> Vec<Vec<Arg>> {
    const MOST: usize = 256;
    if per_line {
        return text
            .lines()
            .map(str::trim_start)
            .filter(|l| !l.is_empty())
            .take(MOST)
            .map(|l| vec![Arg::literal(l)])
            .collect();
    }
    let words: Vec<Arg> = match delimiter {
        Some(d) => {
            let d = match d {
                "\\0" | "\\x00" => '\0',
                "\\n" => '\n',
                "\\t" => '\t',
                d => d.chars().next().unwrap_or('\n'),
            };
            // The newline a here-string or `echo` ends the text with is read as part of the
            // last word (`xargs -0 … <<< ~` is given `$HOME` and a newline); the word is judged
            // as the path it spells, the stricter reading.
            let text = if d == '\n' {
                text
            } else {
                text.strip_suffix('\n').unwrap_or(text)
            };
            text.split(d)
                .filter(|w| !w.is_empty())
                .take(MOST)
                .map(Arg::literal)
                .collect()
        }
        None => text
            .split_whitespace()
            .take(MOST)
            .map(Arg::literal)
            .collect(),
    };
    vec![words]
}

/// Replaces `placeholder` in word `a` with `input`: a word that is only the placeholder becomes
/// the input; otherwise the word is known up to its first part only known at run time.
fn substitute(a: &mut Arg, placeholder: &str, input: &Arg) {
    let Some(at) = a.text.find(placeholder) else {
        return;
    };
    if a.text == placeholder {
        *a = input.clone();
        return;
    }
    a.text = a.text.replace(placeholder, &input.text);
    if input.dynamic || a.dynamic {
        a.static_len = if a.dynamic && a.static_len < at {
            a.static_len
        } else if input.dynamic {
            at + input.static_len
        } else {
            a.text.len()
        };
        a.dynamic = true;
    } else {
        a.static_len = a.text.len();
    }
}

/// GNU parallel's options that take a value as the next word.
const PARALLEL_VALUES: &[&str] = &[
    "--jobs",
    "--max-procs",
    "--sshlogin",
    "--sshloginfile",
    "--slf",
    "--arg-file",
    "--joblog",
    "--delay",
    "--timeout",
    "--results",
    "--res",
    "--tmpdir",
    "--workdir",
    "--wd",
    "--delimiter",
    "--colsep",
    "--max-args",
    "--max-lines",
    "--tagstring",
    "--tag-string",
    "--env",
    "--basefile",
    "--bf",
    "--return",
    "--transferfile",
    "--tf",
    "--memfree",
    "--load",
    "--retries",
    "--halt",
    "--nice",
    "--block",
    "--block-size",
    "--header",
    "--rpl",
    "--termseq",
    "--limit",
    "--ssh",
    "--sqlmaster",
    "--sqlworker",
    "--sqlandworker",
    "--eof",
    "--replace",
    "--seqreplace",
    "--arg-sep",
    "--arg-file-sep",
    "--shellquote-arg",
];

/// `parallel [OPTIONS] [CMD...] ::: VALUES`: the command's words are joined with spaces and run
/// by a shell once per value, `{}` replaced by the value (quoted), or the value appended. With
/// `-q` each word is quoted instead; a word with spaces (`bash -c 'rm -rf {}'`) is judged both
/// ways, as written without `-q` it is most likely meant with it.
fn parallel(w: &mut Walker<'_>, inv: &Invocation, st: &State) {
    let (k, seen) = scan(&inv.args, 1, &opts("jSaCdEINLnP", PARALLEL_VALUES));
    let quoted = has(&seen, &["-q", "--quote"]);
    let sep = inv
        .args
        .iter()
        .position(|a| a.text == ":::" || a.text == "::::");
    let end = sep.unwrap_or(inv.args.len());
    let values: Vec<&Arg> = match sep {
        Some(s) if inv.args[s].text == ":::" => inv.args[s + 1..]
            .iter()
            .filter(|a| a.text != ":::")
            .take(8)
            .collect(),
        _ => Vec::new(),
    };
    let unknown = "\"$PARALLEL_ARG\"";
    let Some(words) = inv.args.get(k..end).filter(|a| !a.is_empty()) else {
        // `parallel ::: 'rm -rf ~' 'make'`: with no command, each value is a command line.
        for value in values {
            w.run_text(
                if value.dynamic { unknown } else { &value.text },
                &nested_state(inv, st),
                Some(Step::via(StepKind::Xargs, "parallel")),
            );
        }
        return;
    };
    let template: Vec<String> = words.iter().map(|a| a.text.clone()).collect();
    let has_placeholder = template.iter().any(|t| t.contains("{}"));
    // The line for one value (`value` as it is, and shell-quoted), each word quoted or not.
    let line = |value: &str, quote_words: bool| {
        let mut text: Vec<String> = template
            .iter()
            .map(|t| {
                if quote_words {
                    quote_for_display(&t.replace("{}", value))
                } else {
                    t.replace("{}", &quote_for_display(value))
                }
            })
            .collect();
        if !has_placeholder {
            text.push(quote_for_display(value));
        }
        text.join(" ")
    };
    let spaced = template.iter().any(|t| t.contains(char::is_whitespace));
    let ways: &[bool] = match (quoted, spaced) {
        (true, _) => &[true],
        (false, true) => &[false, true],
        (false, false) => &[false],
    };
    let values: Vec<&str> = if values.is_empty() || values.iter().any(|v| v.dynamic) {
        vec!["$PARALLEL_ARG"]
    } else {
        values.iter().map(|v| v.text.as_str()).collect()
    };
    for value in values {
        for &quote_words in ways {
            let text = line(value, quote_words);
            w.run_text(
                &text,
                &nested_state(inv, st),
                Some(Step::via(StepKind::Xargs, "parallel")),
            );
        }
    }
}

/// The program a Python module's command line is: `python -m awscli` runs `aws`; a module
/// with no known program is named as its console script would be (`acme_cli` → `acme-cli`).
fn module_program(module: &str) -> String {
    match module {
        "awscli" => "aws".into(),
        "azure.cli" => "az".into(),
        "django" => "django-admin".into(),
        "dbt.cli.main" => "dbt".into(),
        _ => module.replace('_', "-"),
    }
}

#[cfg(test)]
mod tests {
    use super::{Arg, cron_commands, shell_code_from_input, text_inputs};

    fn texts(runs: Vec<Vec<Arg>>) -> Vec<Vec<String>> {
        runs.into_iter()
            .map(|run| run.into_iter().map(|a| a.text).collect())
            .collect()
    }

    #[test]
    fn xargs_reads_known_text_as_words_or_lines() {
        assert_eq!(
            texts(text_inputs(
                "delete ns
 prod
",
                None,
                false
            )),
            [["delete", "ns", "prod"]]
        );
        assert_eq!(
            texts(text_inputs(
                "  a b

c
",
                None,
                true
            )),
            [["a b"], ["c"]]
        );
        assert_eq!(
            texts(text_inputs("x y\0z\0", Some("\\0"), false)),
            [["x y", "z"]]
        );
        assert_eq!(texts(text_inputs("a,b", Some(","), false)), [["a", "b"]]);
    }

    #[test]
    fn a_shell_whose_code_is_an_input_is_found() {
        let words = |ws: &[&str]| ws.iter().map(|w| Arg::literal(*w)).collect::<Vec<_>>();
        assert!(shell_code_from_input(&words(&["sh", "-c"]), None));
        assert!(shell_code_from_input(
            &words(&["bash", "-ec", "{}"]),
            Some("{}")
        ));
        assert!(!shell_code_from_input(
            &words(&["sh", "-c", "ls {}"]),
            Some("{}")
        ));
        assert!(!shell_code_from_input(
            &words(&["sh", "-c", "echo $0"]),
            None
        ));
        assert!(!shell_code_from_input(&words(&["rm", "-c"]), None));
    }

    #[test]
    fn a_cron_table_s_commands_follow_their_schedules() {
        let table =
            "# nightly\nMAILTO=ops\n\n0 3 * * * /usr/bin/backup --all\n@reboot  rm -rf /tmp/x\n";
        assert_eq!(
            cron_commands(table).collect::<Vec<_>>(),
            ["/usr/bin/backup --all", "rm -rf /tmp/x"]
        );
        // Comments, blank lines and variables only: a table with no job.
        assert_eq!(cron_commands("\n# x\nPATH=/bin\n").count(), 0);
    }
}
