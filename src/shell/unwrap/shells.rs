//! Shells given code: `bash -c TEXT`, `bash script` (analysed when the script was written
//! earlier in the line), text piped or redirected into a shell, `eval`, `source`/`.`, and
//! `git -c alias.x='!cmd'`.

use super::nested_state;
use crate::shell::git_push::GIT_VALUE_OPTIONS;
use crate::shell::invocation::{Invocation, Opaque, Step, StepKind, single_quoted};
use crate::shell::walk::{State, Stdin, Walker, known_texts, rest_beneath, written_content};

/// Shells that take `-c STRING` and read a script from stdin (Nushell, xonsh and Elvish speak
/// their own languages, whose simple commands read as the POSIX shell's).
const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "mksh", "oksh", "loksh", "ash", "hush", "fish", "yash",
    "posh", "rbash", "csh", "tcsh", "osh", "ysh", "nu", "xonsh", "elvish",
];

/// Whether `name` is a shell that runs the commands it reads (`sh`, `bash`, `zsh`, ...).
pub(crate) fn is_shell(name: &str) -> bool {
    SHELLS.contains(&name)
}

/// Paths that name the reading process's standard input.
const STDIN_FILES: &[&str] = &["/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"];

/// Whether `path` names an open descriptor (`/dev/fd/3`, `/proc/self/fd/3`): a shell running it
/// runs whatever was put there (`exec 3<<<"rm -rf ~"` earlier), which is not followed here.
fn is_descriptor_file(path: &str) -> bool {
    path.strip_prefix("/dev/fd/")
        .or_else(|| path.strip_prefix("/proc/self/fd/"))
        .or_else(|| {
            let rest = path.strip_prefix("/proc/")?;
            rest.split_once("/fd/").map(|(_, fd)| fd)
        })
        .is_some_and(|fd| !fd.is_empty())
}

/// Unwraps a shell given code; returns whether `inv` is one.
pub(super) fn unwrap(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    stdin: &mut Option<Stdin>,
    procsubs: &[(usize, Stdin)],
    st: &State,
) -> bool {
    let name = inv.program_name();
    match name {
        n if SHELLS.contains(&n) => shell(w, index, inv, stdin.take(), procsubs, st),
        // PowerShell's `Invoke-Expression`: its argument, else what the pipeline hands it, is
        // code (`iwr https://x/a.ps1 | iex` runs a download).
        n if n.eq_ignore_ascii_case("iex") || n.eq_ignore_ascii_case("invoke-expression") => {
            if inv.args.len() > 1 {
                evaluate(w, index, inv, st);
            } else {
                code_from_stdin(w, index, inv, stdin.take(), st);
            }
        }
        "eval" => {
            let rest = inv.args.get(1..).unwrap_or(&[]);
            if !rest.is_empty() && rest.iter().all(|a| is_env_setup_output(&a.text)) {
                // `eval "$(ssh-agent -s)"`: the well-known generator was classified itself.
                return true;
            }
            evaluate(w, index, inv, st);
        }
        "source" | "." => match procsubs.iter().find(|(i, _)| *i == 1) {
            Some((_, produced)) => code_from_stdin(w, index, inv, Some(produced.clone()), st),
            // `source /dev/stdin <<< TEXT`: the shell runs what it reads.
            None if inv
                .args
                .get(1)
                .is_some_and(|f| STDIN_FILES.contains(&f.text.as_str())) =>
            {
                code_from_stdin(w, index, inv, stdin.take(), st)
            }
            None if inv.args.get(1).is_some_and(|f| is_descriptor_file(&f.text)) => {
                w.mark_opaque(index, Opaque::PipedCode);
            }
            None => match inv
                .args
                .get(1)
                .and_then(|f| written_content(f, inv.cwd.as_deref(), st))
            {
                Some(content) => code_from_stdin(w, index, inv, Some(content), st),
                None => w.mark_opaque(index, Opaque::ScriptFile),
            },
        },
        "make" | "gmake" | "bmake" => make_file(w, index, inv, stdin.take(), procsubs, st),
        "git" => git_aliases(w, index, inv, st),
        "trap" => {
            // `trap 'code' EXIT`: the code runs later, in this shell, in the state it is in
            // then.
            if let Some(code) = inv.args.get(1).filter(|a| !a.text.starts_with('-')) {
                if code.dynamic {
                    w.mark_opaque(index, Opaque::DynamicCode);
                }
                w.defer_trap(code.text.clone());
            }
        }
        _ if inv.program().contains('/')
            && written_content(&inv.args[0], inv.cwd.as_deref(), st).is_some() =>
        {
            let content = written_content(&inv.args[0], inv.cwd.as_deref(), st);
            code_from_stdin(w, index, inv, content, st);
        }
        _ => return false,
    }
    true
}

/// `make -f -` (or `/dev/stdin`, `<(…)`, a file written earlier in the same command), and
/// GNU make's `--eval=TEXT`: the makefile comes with the command, and its recipes are shell
/// commands make runs. A makefile on disk is the project's own and is not read here (the exec
/// tracer sees what it runs).
fn make_file(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    stdin: Option<Stdin>,
    procsubs: &[(usize, Stdin)],
    st: &State,
) {
    let mut stdin = stdin;
    let mut i = 1;
    while let Some(a) = inv.args.get(i) {
        i += 1;
        let t = a.text.as_str();
        // GNU make's `--eval TEXT` and `--eval=TEXT`: makefile text on the command line.
        let eval = match t {
            "--eval" => {
                i += 1;
                inv.args.get(i - 1).map(|a| a.text.as_str())
            }
            _ => t.strip_prefix("--eval="),
        };
        if let Some(text) = eval {
            run_recipes(w, inv, text, StepKind::ShellString, st);
            continue;
        }
        // The makefile's name, and the argument that holds it when it stands alone.
        let (name, alone) = match t {
            "-f" | "--file" | "--makefile" => match inv.args.get(i) {
                Some(next) => {
                    i += 1;
                    (next.text.as_str(), Some((i - 1, next)))
                }
                None => break,
            },
            _ => match t
                .strip_prefix("--file=")
                .or_else(|| t.strip_prefix("--makefile="))
                .or_else(|| {
                    t.strip_prefix("-f")
                        .filter(|v| !v.is_empty() && !t.starts_with("--"))
                }) {
                Some(name) => (name, None),
                None => continue,
            },
        };
        let content = if let Some((_, produced)) =
            alone.and_then(|(at, _)| procsubs.iter().find(|(k, _)| *k == at))
        {
            Some(produced.clone())
        } else if name == "-" || STDIN_FILES.contains(&name) {
            stdin.take()
        } else {
            alone.and_then(|(_, arg)| written_content(arg, inv.cwd.as_deref(), st))
        };
        if let Some((text, kind)) = w.code_text(index, content.as_ref()) {
            run_recipes(w, inv, text, kind, st);
        }
    }
}

/// Walks the recipes of makefile `text`, reached as `kind`.
fn run_recipes(w: &mut Walker<'_>, inv: &Invocation, text: &str, kind: StepKind, st: &State) {
    w.run_text(
        &recipes(text).join("\n"),
        &nested_state(inv, st),
        Some(Step::via(kind, "make")),
    );
}

/// The shell commands of a makefile's recipes: tab-indented lines, and what follows `;` on a
/// rule line (`all: ; rm -rf build`), with continuation lines joined, the `@`, `-` and `+`
/// prefixes dropped and make's `$$` turned into the shell's `$`.
fn recipes(text: &str) -> Vec<String> {
    text.replace("\\\n", " ")
        .lines()
        .filter_map(|line| line.strip_prefix('\t').or_else(|| rule_recipe(line)))
        .map(|command| command.trim_start_matches(['@', '-', '+', ' ', '\t']))
        .filter(|command| !command.trim().is_empty())
        .map(|command| command.replace("$$", "$"))
        .collect()
}

/// The recipe written on a rule line after `;` (`clean: ; rm -rf out`), if the line is a rule.
fn rule_recipe(line: &str) -> Option<&str> {
    let (head, rest) = line.split_once(':')?;
    // `x := 1`, `x ::= 1` and `x = a:b; c` are assignments: a rule's targets have no `=`.
    if head.contains('=') || rest.starts_with('=') || rest.starts_with(":=") {
        return None;
    }
    let (prerequisites, recipe) = rest.split_once(';')?;
    (!prerequisites.contains('=')).then_some(recipe)
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
    let mut startup_file = None;
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
                startup_file = Some(i);
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
    // `bash --rcfile FILE -i`: the interactive shell runs FILE first.
    if let Some(k) = startup_file {
        script_file(w, index, inv, k, None, procsubs, st);
    }
    if command_mode {
        if i < inv.args.len() {
            w.mark_code_arg(index, i);
        }
        match inv.args.get(i) {
            Some(code) if code.dynamic => w.mark_opaque(index, Opaque::DynamicCode),
            Some(code) => {
                // `sh -c CODE NAME ARGS`: NAME is `$0`, ARGS are `$1`, `$2`, ….
                let mut sub = nested_state(inv, st);
                let after = inv.args.get(i + 1..).unwrap_or(&[]);
                if let Some((name, arguments)) = after.split_first() {
                    sub.vars.shell_name = (!name.dynamic).then(|| name.text.clone());
                    sub.vars.positional = known_texts(arguments.iter());
                } else {
                    sub.vars.positional = Some(Vec::new());
                }
                w.run_text(
                    &code.text,
                    &sub,
                    Some(Step::via(StepKind::ShellString, via)),
                );
            }
            None => {}
        }
        return;
    }
    if !read_stdin && i < inv.args.len() {
        script_file(w, index, inv, i, stdin, procsubs, st);
        return;
    }
    code_from_stdin(w, index, inv, stdin, st);
}

/// The script a shell runs from its word `k` (`bash script.sh`, `bash --rcfile FILE`): what a
/// process substitution there prints, what the line wrote to the file, the standard input for
/// `/dev/stdin`; a file this analysis cannot read makes the invocation opaque.
fn script_file(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    k: usize,
    stdin: Option<Stdin>,
    procsubs: &[(usize, Stdin)],
    st: &State,
) {
    let Some(script) = inv.args.get(k) else {
        return;
    };
    match procsubs.iter().find(|(at, _)| *at == k) {
        Some((_, produced)) => code_from_stdin(w, index, inv, Some(produced.clone()), st),
        None if script.dynamic => w.mark_opaque(index, Opaque::DynamicCode),
        // `bash /dev/stdin <<< TEXT`: the script is what it reads.
        None if STDIN_FILES.contains(&script.text.as_str()) => {
            code_from_stdin(w, index, inv, stdin, st)
        }
        None if is_descriptor_file(&script.text) => w.mark_opaque(index, Opaque::PipedCode),
        None => match written_content(script, inv.cwd.as_deref(), st) {
            Some(content) => code_from_stdin(w, index, inv, Some(content), st),
            None => w.mark_opaque(index, Opaque::ScriptFile),
        },
    }
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
pub(super) fn code_from_stdin(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    stdin: Option<Stdin>,
    st: &State,
) {
    code_from_stdin_in(w, index, inv.program_name(), stdin, &nested_state(inv, st));
}

/// `eval WORDS` (or PowerShell's `iex WORDS`): the words, joined by spaces, are code run by
/// invocation `index`.
///
/// Unlike a command given to `watch` or `ssh`, any expansion known only at run time makes it
/// opaque: the text itself may come from it (`eval "rm $ARGS"`).
fn evaluate(w: &mut Walker<'_>, index: usize, inv: &Invocation, st: &State) {
    if inv.args.iter().skip(1).any(|a| a.dynamic) {
        w.mark_opaque(index, Opaque::DynamicCode);
    }
    let step = Step::via(StepKind::Eval, inv.program_name());
    shell_words(w, index, inv, 1, &nested_state(inv, st), Some(step));
}

/// Invocation `index` (`via`) runs its standard input as shell code in state `sub` (nested
/// already: on another host, say): known text is analysed, the rest makes it opaque.
pub(super) fn code_from_stdin_in(
    w: &mut Walker<'_>,
    index: usize,
    via: &str,
    stdin: Option<Stdin>,
    sub: &State,
) {
    match stdin {
        Some(Stdin::Opaque(producer)) if ENV_SETUP_GENERATORS.contains(&producer.as_str()) => {}
        Some(Stdin::Text(text, kind)) => w.run_text(&text, sub, Some(Step::via(kind, via))),
        Some(other) => {
            // `{ echo "rm -rf ~"; cat more.sh; } | sh`: what is known is analysed, and the
            // rest makes the invocation opaque.
            if let Stdin::Group(parts) = &other {
                for part in parts {
                    if let Stdin::Text(text, kind) = part {
                        w.run_text(text, sub, Some(Step::via(*kind, via)));
                    }
                }
            }
            if let Some(kind) = other.as_code_opacity() {
                w.mark_opaque(index, kind);
            }
        }
        None => {}
    }
}

/// `watch 'cmd'` and `ssh host cmd args`: the words from `from` on are joined and run by a
/// shell in state `sub` (already nested: a remote host, say), reached through `step`.
pub(super) fn shell_words(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    from: usize,
    sub: &State,
    step: Option<Step>,
) {
    let Some(words) = inv.args.get(from..).filter(|a| !a.is_empty()) else {
        return;
    };
    if words.iter().any(|a| a.dynamic && a.static_len == 0) {
        w.mark_opaque(index, Opaque::DynamicCode);
    }
    // On another host the local home's path, which an unquoted `~` or `$HOME` expanded to
    // before the words left, names the home directory there too (the same user's, or
    // another home beside it).
    let home = w.ctx.home.as_deref().filter(|_| sub.remote);
    let text = words
        .iter()
        .map(|a| home_as_tilde(&a.text, home))
        .collect::<Vec<_>>()
        .join(" ");
    w.run_text(&text, sub, step);
}

/// `word` with a leading `home` path (`/home/dev`, `/home/dev/x`) written as `~`.
fn home_as_tilde<'a>(word: &'a str, home: Option<&str>) -> std::borrow::Cow<'a, str> {
    let home = home
        .map(|h| h.trim_end_matches('/'))
        .filter(|h| !h.is_empty());
    match home.and_then(|h| rest_beneath(word, h)) {
        Some(rest) => format!("~{rest}").into(),
        None => word.into(),
    }
}

/// Git configuration keys whose value git runs as a shell command.
const GIT_COMMAND_KEYS: &[&str] = &[
    "core.sshcommand",
    "core.pager",
    "core.editor",
    "core.fsmonitor",
    "core.askpass",
    "core.gitproxy",
    "sequence.editor",
    "diff.external",
    "gpg.program",
    "interactive.difffilter",
    "uploadpack.packobjectshook",
];

/// The shell text a git configuration entry makes git run, if it makes it run any: aliases
/// and credential helpers starting with `!`, command keys (`core.sshCommand`, `core.pager`,
/// ...), per-command pagers, and filter, textconv and merge drivers.
fn git_config_command<'a>(key: &str, value: &'a str) -> Option<&'a str> {
    let key = key.to_ascii_lowercase();
    if key.starts_with("alias.") || key.starts_with("credential.") && key.ends_with("helper") {
        return value.strip_prefix('!');
    }
    let driver = |prefix: &str, suffixes: &[&str]| {
        key.starts_with(prefix) && suffixes.iter().any(|s| key.ends_with(s))
    };
    (GIT_COMMAND_KEYS.contains(&key.as_str())
        || key.starts_with("pager.")
        || driver("filter.", &[".clean", ".smudge", ".process"])
        || driver("diff.", &[".textconv", ".command"])
        || driver("merge.", &[".driver"]))
    .then_some(value)
}

/// `git -c alias.x='!cmd' x`, `git -c core.sshCommand=CMD fetch`, `git config alias.x '!cmd'`:
/// configuration that makes git run a shell command runs `cmd` (now, or when used: holding it
/// where it is defined is the only place it can be seen). A git alias (`git config alias.p
/// 'push --force'`) is judged as the git command it stands for, for the same reason.
fn git_aliases(w: &mut Walker<'_>, index: usize, inv: &Invocation, st: &State) {
    let run = |w: &mut Walker<'_>, key: &str, value: &str| {
        if let Some(shell) = git_config_command(key, value) {
            w.run_text(
                shell,
                &nested_state(inv, st),
                Some(Step::via(StepKind::Alias, format!("git {key}"))),
            );
        }
    };
    let mut aliases: Vec<(String, &str)> = Vec::new();
    // `GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.pager GIT_CONFIG_VALUE_0=CMD git log`.
    for (name, key) in &inv.env {
        if let Some(n) = name.strip_prefix("GIT_CONFIG_KEY_")
            && let Some((_, value)) = inv
                .env
                .iter()
                .find(|(v, _)| v.strip_prefix("GIT_CONFIG_VALUE_") == Some(n))
        {
            run(w, key, value);
            if let Some(name) = key.to_ascii_lowercase().strip_prefix("alias.") {
                aliases.push((name.to_string(), value));
            }
        }
    }
    let mut i = 1;
    while let Some(a) = inv.args.get(i) {
        let value = match a.text.as_str() {
            "-c" => inv.args.get(i + 1).map(|v| v.text.as_str()),
            t => t.strip_prefix("-c").filter(|v| v.contains('=')),
        };
        if let Some((key, code)) = value.and_then(|v| v.split_once('=')) {
            run(w, key, code);
            if let Some(name) = key.to_ascii_lowercase().strip_prefix("alias.") {
                aliases.push((name.to_string(), code));
            }
        }
        // `git --config-env=core.pager=VAR log`: the value is the variable's.
        let config_env = match a.text.as_str() {
            "--config-env" => inv.args.get(i + 1).map(|v| v.text.as_str()),
            t => t.strip_prefix("--config-env="),
        };
        if let Some((key, var)) = config_env.and_then(|v| v.rsplit_once('=')) {
            match inv.env.iter().find(|(name, _)| name == var) {
                Some((_, value)) => run(w, key, value),
                None if git_config_command(key, "!").is_some() => {
                    w.mark_opaque(index, Opaque::DynamicCode);
                }
                None => {}
            }
        }
        if !a.text.starts_with('-') {
            break;
        }
        i += if GIT_VALUE_OPTIONS.contains(&a.text.as_str()) {
            2
        } else {
            1
        };
    }
    // `git -c alias.p='push --force' p origin main` runs `git push --force origin main`.
    if let Some(sub) = inv.args.get(i)
        && let Some((name, value)) = aliases.iter().rev().find(|(n, _)| *n == sub.text)
        && !value.starts_with('!')
    {
        let rest: Vec<String> = inv.args[i + 1..]
            .iter()
            .map(|a| single_quoted(&a.text))
            .collect();
        w.run_text(
            &format!("git {value} {}", rest.join(" ")),
            &nested_state(inv, st),
            Some(Step::via(StepKind::Alias, format!("git alias.{name}"))),
        );
    }
    // `git config [--global|--local|--file F|set] KEY VALUE`.
    if inv.args.get(i).is_some_and(|a| a.text == "config") {
        let mut words: Vec<&str> = Vec::new();
        let mut rest = inv.args[i + 1..].iter().map(|a| a.text.as_str());
        while let Some(word) = rest.next() {
            match word {
                "-f" | "--file" | "--blob" | "--type" | "--default" | "--comment" => {
                    rest.next();
                }
                "set" => {}
                w if w.starts_with('-') => {}
                w => words.push(w),
            }
        }
        if let [key, value, ..] = words.as_slice() {
            run(w, key, value);
            // `git config alias.p 'push --force'`: a later `git p` (in another command, where
            // nothing shows what it runs) force-pushes, so the alias is judged as what it runs.
            if key.to_ascii_lowercase().starts_with("alias.") && !value.starts_with('!') {
                w.run_text(
                    &format!("git {value}"),
                    &nested_state(inv, st),
                    Some(Step::via(StepKind::Alias, format!("git {key}"))),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipes_are_tab_lines_and_what_follows_a_rules_semicolon() {
        let text =
            "X := 1\nall: build ; rm -rf ~\n\t@echo $$HOME \\\n\t  done\nclean:\n\t-rm -f *.o\n";
        assert_eq!(
            recipes(text),
            vec!["rm -rf ~", "echo $HOME  \t  done", "rm -f *.o"]
        );
        assert!(recipes("CFLAGS = -O2; -g\nv := a:b; c\nw ::= x; y\nall: x\n").is_empty());
    }

    #[test]
    fn the_local_home_is_the_home_on_another_host() {
        let home = Some("/tmp/h/");
        assert_eq!(home_as_tilde("/tmp/h", home), "~");
        assert_eq!(home_as_tilde("/tmp/h/.ssh", home), "~/.ssh");
        assert_eq!(home_as_tilde("/tmp/hx", home), "/tmp/hx");
        assert_eq!(home_as_tilde("x/tmp/h", home), "x/tmp/h");
        assert_eq!(home_as_tilde("/tmp/h", None), "/tmp/h");
        assert_eq!(home_as_tilde("/etc", Some("/")), "/etc");
    }
}
