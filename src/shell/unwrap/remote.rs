//! Remote execution: `ssh HOST CMD` (`mosh`, `mssh`, `autossh` too), `kubectl
//! exec|debug|run ... -- CMD`, `docker|podman exec|run ... CMD` (compose too), `gcloud compute
//! ssh VM --command CMD`, `az ssh vm -- CMD`, `aws ssm send-command` and `aws ecs
//! execute-command` (see [`super::aws_exec`]), `vagrant ssh -c CMD`, `heroku run CMD`, `fly ssh
//! console -C CMD`, `fly machine exec MACHINE CMD`, `pssh|pdsh|clush HOSTS CMD`,
//! `knife ssh QUERY CMD`, `ansible -a CMD` and `salt TARGET cmd.run CMD`. The inner command
//! runs elsewhere: it has no local working directory and local paths do not apply.

use super::shells::shell_words;
use super::{
    long_option_values, nested_argv, nested_state, on_another_host, opts, remote,
    remote_entrypoint, scan, value_of,
};
use crate::shell::invocation::{Invocation, Opaque, Step, StepKind};
use crate::shell::mounts::{bind_mounts, host_of};
use crate::shell::walk::{State, Stdin, Walker, local_script};

/// Unwraps remote execution; returns whether `inv` is one.
pub(super) fn unwrap(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    stdin: &mut Option<Stdin>,
    st: &State,
) -> bool {
    let name = inv.program_name();
    match name {
        "ansible" => ansible(w, index, inv, st),
        "salt" | "salt-ssh" | "salt-call" => salt(w, index, inv, st),
        "gcloud" => return gcloud_ssh(w, index, inv, st),
        "aws" => return super::aws_exec::unwrap(w, index, inv, local_script(stdin.take(), st), st),
        "az" => return az_run_command(w, index, inv, st) || az_ssh(w, index, inv, st),
        "vagrant" => vagrant_ssh(w, index, inv, st),
        "multipass" | "lxc" | "incus" | "limactl" | "lima" | "colima" => {
            return vm_exec(w, index, inv, st);
        }
        "heroku" => return heroku_run(w, index, inv, st),
        "fly" | "flyctl" => return fly_exec(w, index, inv, st),
        "pssh" | "parallel-ssh" | "pdsh" | "clush" => parallel_ssh(w, index, inv, st),
        "knife" => return knife_ssh(w, index, inv, st),
        "ssh" | "mssh" | "autossh" => ssh(w, index, inv, local_script(stdin.take(), st), st),
        "mosh" => mosh(w, index, inv, st),
        "kubectl" | "oc" => kubectl(w, index, inv, local_script(stdin.take(), st), st),
        "docker" | "podman" | "nerdctl" | "docker-compose" | "podman-compose" => {
            container(w, index, inv, local_script(stdin.take(), st), st)
        }
        _ => return false,
    }
    true
}

/// The state for a command that runs on another machine, reached through `via`: it has no
/// local working directory, and local paths do not apply.
pub(super) fn remote_state(inv: &Invocation, st: &State, via: String) -> State {
    let mut sub = nested_state(inv, st);
    sub.prov.push(Step::via(StepKind::Remote, via));
    sub.cwd = None;
    sub.mounts.clear();
    on_another_host(&mut sub);
    sub
}

/// Where the host operand of an `ssh`, `autossh`, `mssh` or `mosh` command line is among
/// `inv`'s words: past the program's options (`None` for another program).
fn host_at(inv: &Invocation) -> Option<usize> {
    let spec = match inv.program_name() {
        "ssh" => opts("bcDEeFIiJLlmOopQRSWwB", &[]),
        "autossh" => opts("bcDEeFIiJLlmOopQRSWwBM", &[]),
        "mssh" => opts("bcDEeFIiJLlmOopQRSWwBrut", &["--region", "--profile"]),
        "mosh" => opts(
            "p",
            &[
                "--port",
                "--ssh",
                "--server",
                "--client",
                "--predict",
                "--family",
                "--bind-server",
                "--experimental-remote-ip",
            ],
        ),
        _ => return None,
    };
    Some(scan(&inv.args, 1, &spec).0)
}

/// The host an `ssh`, `autossh`, `mssh` or `mosh` command line reaches, without the user,
/// `ssh://` or port it is written with (`ssh -p 2222 deploy@prod-web-1 …` → `prod-web-1`).
pub fn ssh_host(inv: &Invocation) -> Option<&str> {
    let operand = inv.args.get(host_at(inv)?)?;
    let host = operand.text.strip_prefix("ssh://").unwrap_or(&operand.text);
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

/// `ssh [OPTIONS] HOST [CMD]`, and the programs that take ssh's options and operands:
/// `autossh` (with `-M PORT`) and EC2 Instance Connect's `mssh` (with `-r REGION`,
/// `-u PROFILE`, `-t INSTANCE`).
fn ssh(w: &mut Walker<'_>, index: usize, inv: &Invocation, stdin: Option<Stdin>, st: &State) {
    let Some(k) = host_at(inv) else { return };
    let Some(host) = inv.args.get(k) else { return };
    let mut sub = remote_state(inv, st, format!("ssh {}", host.text));
    if inv.args.len() == k + 1 {
        // `ssh host <<EOF ... EOF`: with no command, the remote login shell runs its input.
        super::shells::code_from_stdin_in(w, index, "ssh", stdin, &sub);
        return;
    }
    sub.stdin = stdin;
    shell_words(w, index, inv, k + 1, &sub, None);
}

/// `mosh [OPTIONS] [--] HOST [--] [CMD]`: the command runs on the host, in place of its login
/// shell.
fn mosh(w: &mut Walker<'_>, index: usize, inv: &Invocation, st: &State) {
    let Some(k) = host_at(inv) else { return };
    let Some(host) = inv.args.get(k) else { return };
    let sub = remote_state(inv, st, format!("mosh {}", host.text));
    let start = if inv.args.get(k + 1).is_some_and(|a| a.text == "--") {
        k + 2
    } else {
        k + 1
    };
    if inv.args.len() > start {
        shell_words(w, index, inv, start, &sub, None);
    }
}

/// Marks the words of `inv` from `from` on as the command run elsewhere: they are that
/// command's, not the outer program's (`docker run -v x:/d alpine rm -v /d/f` is not `docker
/// rm -v`).
fn mark_command(w: &mut Walker<'_>, index: usize, inv: &Invocation, from: usize) {
    for arg in from..inv.args.len() {
        w.mark_code_arg(index, arg);
    }
}

fn kubectl(w: &mut Walker<'_>, index: usize, inv: &Invocation, stdin: Option<Stdin>, st: &State) {
    let verb_pos = inv
        .args
        .iter()
        .skip(1)
        .position(|a| matches!(a.text.as_str(), "exec" | "debug" | "run" | "attach"))
        .map(|p| p + 1);
    let Some(verb_pos) = verb_pos else { return };
    let via = format!("{} {}", inv.program_name(), inv.args[verb_pos].text);
    if let Some(dd) = inv.args.iter().position(|a| a.text == "--") {
        mark_command(w, index, inv, dd + 1);
        // `kubectl run --image=bitnami/kubectl -- delete ns prod`: without `--command`, the
        // words are the image's entrypoint's arguments.
        let options = inv.args.get(verb_pos + 1..dd).unwrap_or(&[]);
        let entrypoint = (inv.args[verb_pos].text == "run"
            && !options.iter().any(|a| a.text == "--command"))
        .then(|| {
            long_option_values(options, "--image")
                .next()
                .and_then(|image| image_entrypoint(&image.text))
        })
        .flatten();
        match entrypoint {
            Some(program) => remote_entrypoint(w, inv, program, dd + 1, stdin, st, via),
            None => remote(w, inv, dd + 1, stdin, st, via),
        }
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
        mark_command(w, index, inv, k + 1);
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

fn container(w: &mut Walker<'_>, index: usize, inv: &Invocation, stdin: Option<Stdin>, st: &State) {
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
    let via = format!("{} {verb} {target}", inv.program_name());
    // `run` starts the image's entrypoint with the words after the image as its arguments:
    // `docker run amazon/aws-cli s3 rb ...` runs `aws s3 rb ...`.
    let entrypoint = (verb == "run")
        .then(|| {
            entrypoint_flag(inv.args.get(k + 1..i).unwrap_or(&[]))
                .or_else(|| image_entrypoint(&target).map(str::to_string))
        })
        .flatten();
    mark_command(w, index, inv, i + 1);
    // A new container's command sees the host directories bound into it, and starts in the
    // host's directory when its working directory (`-w`) is one of them.
    let options = inv.args.get(k + 1..i).unwrap_or(&[]);
    let mounts = match verb {
        "run" => bind_mounts(options, inv.cwd.as_deref()),
        _ => Vec::new(),
    };
    if mounts.is_empty() {
        match entrypoint {
            Some(program) => remote_entrypoint(w, inv, &program, i + 1, stdin, st, via),
            None => remote(w, inv, i + 1, stdin, st, via),
        }
        return;
    }
    let workdir = long_option_values(options, "-w")
        .chain(long_option_values(options, "--workdir"))
        .last()
        .filter(|wd| !wd.dynamic && host_of(&wd.text, &mounts).is_some())
        .map(|wd| wd.text);
    let mut sub = st.clone();
    sub.mounts = mounts;
    match (entrypoint, workdir) {
        (Some(program), _) => remote_entrypoint(w, inv, &program, i + 1, stdin, &sub, via),
        (None, Some(wd)) => nested_argv(
            w,
            inv,
            i + 1,
            Step::via(StepKind::Remote, via),
            stdin,
            &sub,
            Some(Some(wd)),
            true,
        ),
        (None, None) => remote(w, inv, i + 1, stdin, &sub, via),
    }
}

/// The program `--entrypoint` names among a `docker run`'s options (an empty one, which
/// resets it, is none).
fn entrypoint_flag(options: &[crate::shell::invocation::Arg]) -> Option<String> {
    long_option_values(options, "--entrypoint")
        .find(|v| !v.text.is_empty())
        .map(|v| v.text)
}

/// The CLI that well-known tool images start with the command's words as its arguments.
fn image_entrypoint(image: &str) -> Option<&'static str> {
    let image = image.split('@').next().unwrap_or(image);
    let (path, _tag) = match image.rsplit_once(':') {
        Some((path, tag)) if !tag.contains('/') => (path, tag),
        _ => (image, ""),
    };
    // Without a registry host (`ghcr.io/`, `public.ecr.aws/`, `localhost:5000/`) and
    // Docker Hub's `library/`.
    let path = match path.split_once('/') {
        Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => rest,
        _ => path,
    };
    let path = path.strip_prefix("library/").unwrap_or(path);
    Some(match path {
        "amazon/aws-cli" | "aws-cli/aws-cli" => "aws",
        "hashicorp/terraform" => "terraform",
        "opentofu/opentofu" => "tofu",
        "bitnami/kubectl" | "rancher/kubectl" | "lachlanevenson/k8s-kubectl" => "kubectl",
        "alpine/helm" | "lachlanevenson/k8s-helm" => "helm",
        "flyio/flyctl" => "flyctl",
        "minio/mc" => "mc",
        "hashicorp/packer" => "packer",
        _ => return None,
    })
}

/// `az vm run-command invoke ... --scripts "cmd" ...` (also `vmss`, and `create`): each script
/// line runs on the machine. Returns whether `inv` is one.
fn az_run_command(w: &mut Walker<'_>, index: usize, inv: &Invocation, st: &State) -> bool {
    let Some(at) = inv.args.iter().position(|a| a.text == "run-command") else {
        return false;
    };
    if !inv
        .args
        .get(at + 1)
        .is_some_and(|a| matches!(a.text.as_str(), "invoke" | "create"))
    {
        return false;
    }
    let sub = remote_state(inv, st, "az run-command".into());
    let mut in_scripts = false;
    for a in &inv.args[at + 2..] {
        let value = match a.text.as_str() {
            "--scripts" | "--script" => {
                in_scripts = true;
                continue;
            }
            t if t.starts_with("--") => {
                in_scripts = false;
                t.strip_prefix("--scripts=")
                    .or_else(|| t.strip_prefix("--script="))
            }
            t if in_scripts => Some(t),
            _ => None,
        };
        if let Some(text) = value {
            if a.dynamic {
                w.mark_opaque(index, Opaque::DynamicCode);
            }
            if text.starts_with('@') {
                // `--scripts @deploy.sh`: the CLI sends that file's content.
                w.mark_opaque(index, Opaque::RemoteCode);
            } else {
                w.run_text(text, &sub, None);
            }
        }
    }
    true
}

/// `gcloud compute ssh VM --command CMD` (or `-- CMD`; `cloud-shell ssh` and TPU VMs too): the
/// command runs on the machine. Returns whether `inv` is one.
fn gcloud_ssh(w: &mut Walker<'_>, index: usize, inv: &Invocation, st: &State) -> bool {
    let Some(at) = inv.args.iter().position(|a| a.text == "ssh") else {
        return false;
    };
    let host = inv.args[at + 1..]
        .iter()
        .find(|a| !a.text.starts_with('-'))
        .map_or("", |a| a.text.as_str());
    let sub = remote_state(inv, st, format!("gcloud ssh {host}"));
    remote_command(w, index, inv, at + 1, &sub, &["--command"]);
    true
}

/// `az ssh vm|arc ... -- CMD`: the command runs on the machine. Returns whether `inv` is one.
fn az_ssh(w: &mut Walker<'_>, index: usize, inv: &Invocation, st: &State) -> bool {
    if inv.args.get(1).is_none_or(|a| a.text != "ssh") {
        return false;
    }
    let sub = remote_state(inv, st, "az ssh".into());
    remote_command(w, index, inv, 2, &sub, &[]);
    true
}

/// `heroku run [OPTIONS] CMD...` (also `run:detached`, and `run:inside DYNO CMD...`): the
/// command runs in a one-off dyno, with the app's production config. Returns whether `inv` is
/// one.
fn heroku_run(w: &mut Walker<'_>, index: usize, inv: &Invocation, st: &State) -> bool {
    let Some(verb) = inv
        .args
        .get(1)
        .map(|a| a.text.as_str())
        .filter(|v| matches!(*v, "run" | "run:detached" | "run:inside"))
    else {
        return false;
    };
    let (mut k, seen) = scan(
        &inv.args,
        2,
        &opts("arset", &["--app", "--remote", "--size", "--env", "--type"]),
    );
    if verb == "run:inside" {
        k += 1;
    }
    let app = value_of(&seen, &["--app", "-a"]).unwrap_or("");
    let sub = remote_state(
        inv,
        st,
        format!("heroku {verb} {app}").trim_end().to_string(),
    );
    shell_words(w, index, inv, k, &sub, None);
    true
}

/// `fly ssh console -C CMD` (`--command`) and `fly machine exec MACHINE CMD`: the command runs
/// in the app's machine. Returns whether `inv` is one.
fn fly_exec(w: &mut Walker<'_>, index: usize, inv: &Invocation, st: &State) -> bool {
    let word = |i: usize| inv.args.get(i).map_or("", |a| a.text.as_str());
    if word(1) == "ssh" && word(2) == "console" {
        let sub = remote_state(inv, st, "fly ssh console".into());
        remote_command(w, index, inv, 3, &sub, &["-C", "--command"]);
        return true;
    }
    if matches!(word(1), "machine" | "machines" | "m") && word(2) == "exec" {
        let (k, _) = scan(
            &inv.args,
            3,
            &opts("ac", &["--app", "--config", "--timeout", "--container"]),
        );
        let sub = remote_state(inv, st, format!("fly machine exec {}", word(k)));
        shell_words(w, index, inv, k + 1, &sub, None);
        return true;
    }
    false
}

/// A command run inside a local virtual machine or system container: `multipass exec VM [--]
/// CMD`, `lxc exec C [--] CMD` (and `incus`), `limactl shell VM CMD`, `lima CMD` (the default
/// VM), `colima ssh [--] CMD` (the profile's VM). It acts on the machine's files, not the
/// host's. Returns whether `inv` is one.
fn vm_exec(w: &mut Walker<'_>, index: usize, inv: &Invocation, st: &State) -> bool {
    let name = inv.program_name();
    let verb = inv.args.get(1).map_or("", |a| a.text.as_str());
    if (name, verb) == ("colima", "ssh") {
        let (k, _) = scan(&inv.args, 2, &opts("p", &["--profile"]));
        let from = k + usize::from(inv.args.get(k).is_some_and(|a| a.text == "--"));
        let sub = remote_state(inv, st, "colima ssh".into());
        mark_command(w, index, inv, from);
        shell_words(w, index, inv, from, &sub, None);
        return true;
    }
    let options = match (name, verb) {
        ("lima", _) => None,
        ("multipass", "exec") => Some(opts("d", &["--working-directory"])),
        ("lxc" | "incus", "exec") => Some(opts(
            "",
            &["--env", "--cwd", "--user", "--group", "--mode", "--project"],
        )),
        ("limactl", "shell") => Some(opts("", &["--workdir", "--shell"])),
        _ => return false,
    };
    // Where the command starts, and the machine it runs in.
    let (from, via) = match options {
        None => (1, "lima default".to_string()),
        Some(options) => {
            let (k, _) = scan(&inv.args, 2, &options);
            let Some(machine) = inv.args.get(k) else {
                return true;
            };
            let dd = inv.args.get(k + 1).is_some_and(|a| a.text == "--");
            (
                k + 1 + usize::from(dd),
                format!("{name} {verb} {}", machine.text),
            )
        }
    };
    let sub = remote_state(inv, st, via);
    mark_command(w, index, inv, from);
    shell_words(w, index, inv, from, &sub, None);
    true
}

/// `vagrant ssh [MACHINE] -c|--command CMD` (or `-- CMD`): the command runs in the machine.
fn vagrant_ssh(w: &mut Walker<'_>, index: usize, inv: &Invocation, st: &State) {
    if inv.args.get(1).is_some_and(|a| a.text == "ssh") {
        let sub = remote_state(inv, st, "vagrant ssh".into());
        remote_command(w, index, inv, 2, &sub, &["-c", "--command"]);
    }
}

/// Runs, in `sub`, the command an ssh-like tool takes from `flags` (`--command CMD`,
/// `--command=CMD`) or after `--`, scanning `inv`'s arguments from `from`.
fn remote_command(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    from: usize,
    sub: &State,
    flags: &[&str],
) {
    let mut i = from;
    while let Some(a) = inv.args.get(i) {
        if a.text == "--" {
            shell_words(w, index, inv, i + 1, sub, None);
            return;
        }
        let attached = a
            .text
            .split_once('=')
            .filter(|(k, _)| k.starts_with("--") && flags.contains(k))
            .map(|(_, v)| v);
        let code = match attached {
            Some(v) => Some((a, v)),
            None if flags.contains(&a.text.as_str()) => {
                inv.args.get(i + 1).map(|n| (n, n.text.as_str()))
            }
            None => None,
        };
        if let Some((code, text)) = code {
            if code.dynamic {
                w.mark_opaque(index, Opaque::DynamicCode);
            }
            w.run_text(text, sub, None);
        }
        i += 1;
    }
}

/// `pssh -h HOSTS CMD`, `pdsh -w HOSTS CMD`, `clush -w NODES CMD`: the command runs on every
/// host listed.
fn parallel_ssh(w: &mut Walker<'_>, index: usize, inv: &Invocation, st: &State) {
    let (k, _) = scan(&inv.args, 1, &opts("hHlpoetOxXwgRfu", &[]));
    if inv.args.get(k).is_none() {
        return;
    }
    let sub = remote_state(inv, st, inv.program_name().to_string());
    shell_words(w, index, inv, k, &sub, None);
}

/// `knife ssh QUERY CMD` (Chef): the command runs on every node the search query matches. Its
/// options may come anywhere; those that take a value are skipped with it.
fn knife_ssh(w: &mut Walker<'_>, index: usize, inv: &Invocation, st: &State) -> bool {
    if inv.args.get(1).is_none_or(|a| a.text != "ssh") {
        return false;
    }
    const VALUED: &[&str] = &[
        "-a",
        "--attribute",
        "-C",
        "--concurrency",
        "-p",
        "--ssh-port",
        "-P",
        "--ssh-password",
        "-x",
        "--ssh-user",
        "-i",
        "--ssh-identity-file",
        "-G",
        "--ssh-gateway",
        "--ssh-gateway-identity",
        "--prefix-attribute",
        "-c",
        "--config",
        "--environment",
        "-E",
        "-s",
        "--server-url",
        "-u",
        "--user",
        "-k",
        "--key",
        "--profile",
    ];
    let mut operands = Vec::new();
    let mut words = inv.args.iter().skip(2);
    while let Some(a) = words.next() {
        if VALUED.contains(&a.text.as_str()) {
            words.next();
        } else if !a.text.starts_with('-') {
            operands.push(a);
        }
    }
    if let Some(code) = operands.get(1) {
        if code.dynamic {
            w.mark_opaque(index, Opaque::DynamicCode);
        }
        let sub = remote_state(inv, st, "knife ssh".to_string());
        w.run_text(&code.text, &sub, None);
    }
    true
}

/// `salt TARGET cmd.run 'CMD'` (also `salt-ssh`, and `salt-call` on this minion): the
/// command runs on every matched minion.
fn salt(w: &mut Walker<'_>, index: usize, inv: &Invocation, st: &State) {
    let Some(k) = inv.args.iter().position(|a| {
        matches!(
            a.text.as_str(),
            "cmd.run"
                | "cmd.shell"
                | "cmd.run_all"
                | "cmd.run_stdout"
                | "cmd.run_stderr"
                | "cmd.run_bg"
        )
    }) else {
        return;
    };
    let Some(arg) = inv.args.get(k + 1) else {
        return;
    };
    if arg.dynamic {
        w.mark_opaque(index, Opaque::DynamicCode);
    }
    let code = arg.text.strip_prefix("cmd=").unwrap_or(&arg.text);
    let sub = remote_state(inv, st, inv.program_name().to_string());
    w.run_text(code, &sub, None);
}

/// `ansible HOSTS -m shell|command|raw -a 'CMD'`: the command runs on every matched host.
fn ansible(w: &mut Walker<'_>, index: usize, inv: &Invocation, st: &State) {
    let (_, seen) = scan(
        &inv.args,
        1,
        &super::Opts {
            short_value: "mauiMefklTtBPbK",
            long_value: &[
                "--module-name",
                "--args",
                "--user",
                "--inventory",
                "--extra-vars",
                "--forks",
                "--limit",
                "--become-user",
            ],
            stop_at_operand: false,
        },
    );
    let module = super::value_of(&seen, &["-m", "--module-name"]).unwrap_or("command");
    if !matches!(
        module,
        "shell"
            | "command"
            | "raw"
            | "ansible.builtin.shell"
            | "ansible.builtin.command"
            | "ansible.builtin.raw"
    ) {
        return;
    }
    let Some(code) = super::value_of(&seen, &["-a", "--args"]) else {
        return;
    };
    if inv
        .args
        .iter()
        .any(|a| a.dynamic && (a.text.contains(code) || code.contains(&a.text)))
    {
        w.mark_opaque(index, Opaque::DynamicCode);
    }
    let sub = remote_state(inv, st, "ansible".to_string());
    w.run_text(code, &sub, None);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::invocation::Arg;

    #[test]
    fn a_tool_image_is_known_by_its_repository_whatever_its_registry_and_tag() {
        for (image, program) in [
            ("amazon/aws-cli", Some("aws")),
            ("amazon/aws-cli:2.15.0", Some("aws")),
            ("public.ecr.aws/aws-cli/aws-cli@sha256:ab12", Some("aws")),
            ("docker.io/bitnami/kubectl:1.29", Some("kubectl")),
            ("ghcr.io/opentofu/opentofu:1.6", Some("tofu")),
            ("localhost:5000/hashicorp/terraform", Some("terraform")),
            ("alpine", None),
            ("postgres:16", None),
            ("myorg/aws-cli-wrapper", None),
        ] {
            assert_eq!(image_entrypoint(image), program, "{image}");
        }
    }

    #[test]
    fn the_entrypoint_flag_names_the_program_in_both_spellings() {
        let args = |ws: &[&str]| ws.iter().map(|w| Arg::literal(*w)).collect::<Vec<_>>();
        assert_eq!(
            entrypoint_flag(&args(&["--rm", "--entrypoint", "aws"])).as_deref(),
            Some("aws")
        );
        assert_eq!(
            entrypoint_flag(&args(&["--entrypoint=/bin/sh", "-i"])).as_deref(),
            Some("/bin/sh")
        );
        assert_eq!(entrypoint_flag(&args(&["--entrypoint="])), None);
        assert_eq!(entrypoint_flag(&args(&["--rm", "-it"])), None);
    }
}
