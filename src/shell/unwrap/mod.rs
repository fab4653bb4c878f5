//! Unwraps what an invocation runs on behalf of something else: prefix wrappers (`sudo`, `env`,
//! `timeout`, `xargs`, ...), shells given code (`bash -c`, `eval`, text piped into `sh`),
//! package runners (`npx`, `bundle exec`, `uv run`), remote execution (`ssh`, `kubectl exec`,
//! `docker run`), `find -exec`, sed scripts that run commands (`e`), database clients given SQL,
//! and interpreters given inline code.
//!
//! Invariant: each inner command becomes its own invocation (or inline code on the invocation),
//! with the outer invocation's provenance plus one step; code that cannot be seen marks the
//! invocation opaque instead of being dropped.

mod aws_exec;
mod cleaners;
pub(super) mod find;
mod remote;

pub use remote::ssh_host;
mod runners;
mod sed;
mod shells;
mod terminals;
mod windows;
mod wrappers;

pub(super) use shells::is_shell;

use super::git_push;
use super::http_sql;
use super::inline;
use super::invocation::{Arg, Invocation, Opaque, Step, StepKind};
use super::sql;
use super::walk::{State, Stdin, Walker};

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

/// The values the long option `flag` is given among `args`, in order (`--flag VALUE` or
/// `--flag=VALUE`); the attached value of a word that depends on expansion is unknown.
fn long_option_values<'a>(args: &'a [Arg], flag: &'a str) -> impl Iterator<Item = Arg> + 'a {
    let mut words = args.iter();
    std::iter::from_fn(move || {
        while let Some(word) = words.next() {
            match word.text.strip_prefix(flag) {
                Some("") => return words.next().cloned(),
                Some(rest) if rest.starts_with('=') => {
                    let value = &rest[1..];
                    return Some(match word.dynamic {
                        true => Arg::unknown(value),
                        false => Arg::literal(value),
                    });
                }
                _ => {}
            }
        }
        None
    })
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
    // A new shell has positional parameters of its own.
    sub.vars.positional = None;
    sub.vars.shell_name = None;
    if inv.remote {
        on_another_host(&mut sub);
    }
    sub
}

/// Makes `sub` the state of code run on another host or in a container: this machine's home,
/// working and temp directories say nothing of that one's.
fn on_another_host(sub: &mut State) {
    sub.remote = true;
    sub.placed.clear();
    for local in ["HOME", "PWD", "TMPDIR"] {
        sub.vars.set(local, None);
    }
}

/// Variables whose value a program runs as a shell command (`GIT_SSH_COMMAND`, `EDITOR`,
/// `PAGER`, ...).
const COMMAND_VARIABLES: &[&str] = &[
    "GIT_SSH_COMMAND",
    "GIT_SSH",
    "GIT_EDITOR",
    "GIT_SEQUENCE_EDITOR",
    "GIT_PAGER",
    "GIT_EXTERNAL_DIFF",
    "GIT_ASKPASS",
    "GIT_PROXY_COMMAND",
    "SSH_ASKPASS",
    "PAGER",
    "MANPAGER",
    "SYSTEMD_PAGER",
    "EDITOR",
    "VISUAL",
    "KUBE_EDITOR",
    "FCEDIT",
    "BROWSER",
    "LESSOPEN",
    "LESSCLOSE",
    "PROMPT_COMMAND",
    "RSYNC_RSH",
];

/// Prompt strings, whose command substitutions bash runs whenever it shows them (`PS4` for
/// each traced command under `-x`).
const PROMPT_VARIABLES: &[&str] = &["PS0", "PS1", "PS2", "PS3", "PS4"];

/// Variables that load a shared library into whatever runs: its code runs without an exec, so
/// neither the classifier nor the exec tracer sees what it does.
const LIBRARY_VARIABLES: &[&str] = &["LD_PRELOAD", "LD_AUDIT"];

/// Variables that make a program load code from a script file (`BASH_ENV`, ...).
const CODE_FILE_VARIABLES: &[&str] = &[
    "BASH_ENV",
    "ENV",
    "PERL5OPT",
    "RUBYOPT",
    "NODE_OPTIONS",
    "PYTHONSTARTUP",
];

/// Options whose value a program runs as a shell command: `(programs, options)`. A long option
/// takes its value as `--opt=VALUE` or as the next word; a short one as `-oVALUE` or the next
/// word.
const COMMAND_OPTIONS: &[(&[&str], &[&str])] = &[
    (
        &["tar", "gtar", "bsdtar"],
        &[
            "--to-command",
            "--use-compress-program",
            "-I",
            "--rsh-command",
            "--info-script",
            "--new-volume-script",
            "-F",
        ],
    ),
    (&["zip"], &["-TT", "--unzip-command"]),
    // The program git runs at the other end of a local or ssh transport.
    (&["git"], &["--upload-pack", "--receive-pack", "--exec"]),
    (&["rsync"], &["-e", "--rsh", "--rsync-path"]),
    (&["man"], &["-P", "--pager", "-H", "--html"]),
    (&["nodemon"], &["--exec", "-x"]),
    (&["entr"], &["-s"]),
    // The shell every package script runs in: `SCRIPT_SHELL -c SCRIPT`.
    (&["npm", "pnpm", "yarn"], &["--script-shell"]),
];

/// Command-running options spelled in a program's own way.
enum OwnSyntax {
    /// `tar --checkpoint-action=exec=CMD`.
    TarCheckpoint,
    /// `ssh -o ProxyCommand=CMD` (and the other [`SSH_COMMAND_SETTINGS`]).
    SshSetting,
    /// `gdb -ex 'shell CMD'` or `-ex '!CMD'`.
    GdbShell,
    /// `less +!CMD`.
    PagerEscape,
    /// `make SHELL=CMD`: every recipe runs as `CMD -c RECIPE`.
    MakeShell,
}

/// `ssh -o` settings whose value is a command run locally.
const SSH_COMMAND_SETTINGS: &[&str] = &["proxycommand", "localcommand", "knownhostscommand"];

/// Commands hidden in options of programs that run them (`tar --to-command`, `rsync -e`,
/// `ssh -o ProxyCommand=`, `gdb -ex 'shell ...'`, `less +!cmd`): each is analysed as the shell
/// text the program would run.
fn option_commands(w: &mut Walker<'_>, inv: &Invocation, st: &State) {
    let name = inv.program_name();
    let mut found: Vec<(String, String)> = Vec::new();
    let options = COMMAND_OPTIONS
        .iter()
        .find(|(programs, _)| programs.contains(&name))
        .map_or(&[][..], |(_, options)| *options);
    // Programs whose command-running options have a syntax of their own.
    let syntax = match name {
        "tar" | "gtar" | "bsdtar" => Some(OwnSyntax::TarCheckpoint),
        "ssh" | "scp" | "sftp" | "autossh" => Some(OwnSyntax::SshSetting),
        "gdb" => Some(OwnSyntax::GdbShell),
        "less" | "more" => Some(OwnSyntax::PagerEscape),
        "make" | "gmake" => Some(OwnSyntax::MakeShell),
        _ => None,
    };
    // This runs for every invocation: programs without such options stop here.
    if options.is_empty() && syntax.is_none() {
        return;
    }
    let mut i = 1;
    while let Some(a) = inv.args.get(i) {
        let t = a.text.as_str();
        let next = inv.args.get(i + 1).map(|n| n.text.as_str());
        i += 1;
        if t == "--" {
            break;
        }
        for &opt in options {
            if t == opt {
                if let Some(v) = next {
                    found.push((opt.to_string(), v.to_string()));
                }
            } else if let Some(v) = t.strip_prefix(opt) {
                let v = if opt.starts_with("--") {
                    v.strip_prefix('=')
                } else {
                    Some(v)
                };
                if let Some(v) = v.filter(|v| !v.is_empty()) {
                    found.push((opt.to_string(), v.to_string()));
                }
            }
        }
        match syntax {
            Some(OwnSyntax::TarCheckpoint) => {
                if let Some(cmd) = t.strip_prefix("--checkpoint-action=exec=") {
                    found.push(("--checkpoint-action".into(), cmd.to_string()));
                }
            }
            Some(OwnSyntax::SshSetting) => {
                let setting = t
                    .strip_prefix("-o")
                    .and_then(|rest| if rest.is_empty() { next } else { Some(rest) });
                if let Some(setting) = setting {
                    let (key, value) = setting.split_once(['=', ' ']).unwrap_or((setting, ""));
                    let value = value.trim();
                    if SSH_COMMAND_SETTINGS.contains(&key.to_ascii_lowercase().as_str())
                        && !value.is_empty()
                        && !value.eq_ignore_ascii_case("none")
                    {
                        found.push((format!("-o {key}"), value.to_string()));
                    }
                }
            }
            Some(OwnSyntax::GdbShell) => {
                if matches!(t, "-ex" | "--eval-command" | "-iex" | "--init-eval-command")
                    && let Some(v) = next
                {
                    let v = v.trim_start();
                    if let Some(cmd) = v.strip_prefix("shell ").or_else(|| v.strip_prefix('!')) {
                        found.push((t.to_string(), cmd.to_string()));
                    }
                }
            }
            Some(OwnSyntax::PagerEscape) => {
                if let Some(cmd) = t.strip_prefix("+!").or_else(|| t.strip_prefix("+:!")) {
                    found.push(("+!".into(), cmd.to_string()));
                }
            }
            Some(OwnSyntax::MakeShell) => {
                if let Some(cmd) = t.strip_prefix("SHELL=").filter(|c| !c.is_empty()) {
                    found.push(("SHELL".into(), cmd.to_string()));
                }
            }
            None => {}
        }
    }
    for (option, text) in found {
        w.run_text(
            &text,
            &nested_state(inv, st),
            Some(Step::via(StepKind::ShellString, format!("{name} {option}"))),
        );
    }
}

/// The code variable `name` holds when the shell or a program runs it: a command variable's
/// value as shell text (the variable left out of that walk, so `PAGER=less` is not expanded
/// again), a prompt's command substitutions (bash expands `PS4` under -x each time it shows
/// it). Judged for a command's environment (`GIT_SSH_COMMAND='…' git fetch`) and where such a
/// variable is assigned without a command (`PROMPT_COMMAND='…'`, `export EDITOR='…'`), since
/// what runs it may be a later command line of the same shell.
pub fn assigned_code(w: &mut Walker<'_>, name: &str, value: &str, st: &State) {
    if COMMAND_VARIABLES.contains(&name) && !value.trim().is_empty() {
        let mut sub = st.clone();
        sub.vars.set(name, None);
        w.run_text(
            value,
            &sub,
            Some(Step::via(StepKind::ShellString, name.to_string())),
        );
    } else if PROMPT_VARIABLES.contains(&name) {
        w.run_substitutions(value, st, name);
    }
}

/// Commands hidden in the variables an invocation runs with: a command variable's value is
/// analysed as the shell text the program would run; a variable that loads a library or a
/// script makes the invocation opaque. The variable is left out of the nested walk, so a value naming
/// its own program (`PAGER=less`) is not expanded again.
fn env_commands(w: &mut Walker<'_>, index: usize, inv: &Invocation, st: &State) {
    for (name, value) in &inv.env {
        if COMMAND_VARIABLES.contains(&name.as_str()) || PROMPT_VARIABLES.contains(&name.as_str()) {
            assigned_code(w, name, value, &nested_state(inv, st));
        } else if name.starts_with("BASH_FUNC_") {
            // `BASH_FUNC_ls%%=() { ...; }`: a function bash imports and runs by that name.
            let body = value.trim_start().strip_prefix("()").unwrap_or(value);
            w.run_text(
                body,
                &nested_state(inv, st),
                Some(Step::via(StepKind::ShellString, name.clone())),
            );
        } else if LIBRARY_VARIABLES.contains(&name.as_str()) && !value.trim().is_empty() {
            w.mark_opaque(index, Opaque::DynamicCode);
        } else if CODE_FILE_VARIABLES.contains(&name.as_str())
            && !value.trim().is_empty()
            // `ENV=production make` is a setting, not a startup file: only shells read these.
            && (!matches!(name.as_str(), "BASH_ENV" | "ENV")
                || matches!(inv.program_name(), "sh" | "bash" | "dash" | "zsh" | "ksh" | "mksh"))
            && (name != "NODE_OPTIONS" || value.contains("--require") || value.contains("-r "))
            && (name != "PERL5OPT" || value.contains("-M"))
        {
            w.mark_opaque(index, Opaque::ScriptFile);
        }
    }
}

/// Unwraps invocation `index` of the walker's output.
pub fn unwrap(
    w: &mut Walker<'_>,
    index: usize,
    stdin: Option<Stdin>,
    procsubs: &[(usize, Stdin)],
    st: &State,
) {
    let Some(inv) = w.out.invocations.get_mut(index) else {
        return;
    };
    git_push::name_pushed_branch(inv);
    let inv = inv.clone();
    env_commands(w, index, &inv, st);
    option_commands(w, &inv, st);
    let mut stdin = stdin;
    if shells::unwrap(w, index, &inv, &mut stdin, procsubs, st)
        || wrappers::unwrap(w, index, &inv, &mut stdin, st)
        || terminals::unwrap(w, &inv, &mut stdin, st)
        || windows::unwrap(w, &inv, &mut stdin, st)
        || runners::unwrap(w, index, &inv, &mut stdin, st)
        || remote::unwrap(w, index, &inv, &mut stdin, st)
    {
        return;
    }
    let name = inv.program_name();
    if name == "find" {
        find::find(w, &inv, st);
    } else if name == "fd" || name == "fdfind" {
        find::fd(w, &inv, st);
    } else if name == "cargo" || name == "go" {
        cleaners::unwrap(w, &inv, st);
    } else if sed::is_sed(name) {
        sed::unwrap(w, index, &inv, st);
    } else if sql::is_client(name) {
        sql::unwrap_client(w, index, &inv, stdin, procsubs, st);
    } else if let Some(flags) = sql::cloud_sql_flags(&inv) {
        sql::unwrap_cloud_sql(w, index, &inv, flags, st);
    } else if let Some(sql) = sql::cloud_sql_operand(&inv) {
        sql::unwrap_cloud_sql_operand(w, index, &inv, sql, st);
    } else if sql::framework_db_shell(&inv) {
        sql::unwrap_framework_db_shell(w, index, &inv, stdin, procsubs, st);
    } else if let Some(code) = inline::rails_runner_code(&inv) {
        inline::unwrap_rails_runner(w, index, &inv, code, st);
    } else if inline::rails_console(&inv) {
        inline::unwrap_rails_console(w, index, &inv, stdin, st);
    } else if let Some(service) = sql::raw_service(&inv) {
        sql::unwrap_raw_protocol(w, &inv, service, stdin, st);
    } else if http_sql::is_client(name) {
        http_sql::unwrap(w, &inv, stdin.as_ref(), st);
    } else if inline::is_interpreter(name) {
        inline::unwrap_interpreter(w, index, &inv, stdin, procsubs, st);
    }
}

/// Walks `text`, shell code that `inv` runs (a terminal's command string, text typed into a
/// window, `cmd /c`'s line), in `inv`'s directory and state, with a shell-string step naming
/// `inv`'s program. A terminal splits its string as a shell would, so walking it as shell finds
/// the same program. `lenient` leaves text that does not parse as shell alone
/// ([`Walker::run_text_if_shell`]) instead of reporting it unparseable.
fn shell_string(w: &mut Walker<'_>, inv: &Invocation, text: &str, st: &State, lenient: bool) {
    let sub = nested_state(inv, st);
    let step = Some(Step::via(
        StepKind::ShellString,
        inv.program_name().to_string(),
    ));
    if lenient {
        w.run_text_if_shell(text, &sub, step);
    } else {
        w.run_text(text, &sub, step);
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

/// Like [`remote`], with the program the container starts (its entrypoint) put before the
/// arguments from `from` on.
fn remote_entrypoint(
    w: &mut Walker<'_>,
    inv: &Invocation,
    program: &str,
    from: usize,
    stdin: Option<Stdin>,
    st: &State,
    via: String,
) {
    let args: Vec<Arg> = std::iter::once(Arg::literal(program))
        .chain(inv.args.get(from..).unwrap_or(&[]).iter().cloned())
        .collect();
    nested_args(
        w,
        inv,
        args,
        Step::via(StepKind::Remote, via),
        stdin,
        st,
        Some(None),
        true,
    );
}

/// Emits `inv`'s arguments from `from` on as the command it runs (see [`nested_args`]);
/// nothing when there are none.
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
    nested_args(w, inv, args.to_vec(), step, stdin, st, cwd, remote);
}

/// Emits `args` as a command `inv` runs, reached through `step`: in `cwd` (`None`: `inv`'s own;
/// `Some(None)`: unknown), on another host or in a container when `remote`, with `inv`'s
/// redirections.
#[allow(clippy::too_many_arguments)]
fn nested_args(
    w: &mut Walker<'_>,
    inv: &Invocation,
    args: Vec<Arg>,
    step: Step,
    stdin: Option<Stdin>,
    st: &State,
    cwd: Option<Option<String>>,
    remote: bool,
) {
    let mut inner = inv.nested(args, [step]);
    inner.cwd = cwd.unwrap_or_else(|| inv.cwd.clone());
    inner.remote = remote;
    inner.redirects = inv.redirects.clone();
    w.emit(inner, stdin, &[], st);
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
}
