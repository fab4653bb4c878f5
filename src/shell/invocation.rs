//! [`Invocation`]: one program a command line could run, with exact argv and where it came from.
//!
//! Invariant: every word of `args` is the text the program would receive, quotes and escapes
//! resolved; a word that depends on run-time expansion is marked `dynamic` and keeps, as its
//! static prefix, only the bytes known before the first expansion.

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

/// One argv word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// The word as the program receives it; a dynamic part is shown as its source (`$HOME`,
    /// `$(cmd)`).
    pub text: String,
    /// The word depends on expansion (`$VAR`, `$(...)`, unknown input).
    pub dynamic: bool,
    /// Bytes of `text` known statically (all of it unless `dynamic`).
    pub static_len: usize,
    /// The word contains an unquoted glob character (`*`, `?`, `[`).
    pub glob: bool,
    /// The word is not on the command line: the analysis named what the program acts on
    /// without being told (the branch `git push --force` pushes, the path a pipeline hands
    /// `Remove-Item`). Rules see it; the program's real argv does not have it.
    pub implied: bool,
}

impl Arg {
    /// A word known exactly.
    pub fn literal(text: impl Into<String>) -> Arg {
        let text = text.into();
        Arg {
            static_len: text.len(),
            text,
            dynamic: false,
            glob: false,
            implied: false,
        }
    }

    /// A word known exactly that the program is not given: what it acts on implicitly.
    pub fn implied(text: impl Into<String>) -> Arg {
        Arg {
            implied: true,
            ..Arg::literal(text)
        }
    }

    /// A word whose value is unknown until run time; `display` says where it comes from.
    pub fn unknown(display: impl Into<String>) -> Arg {
        Arg {
            text: display.into(),
            dynamic: true,
            static_len: 0,
            glob: false,
            implied: false,
        }
    }

    /// The part of the word known before run time.
    pub fn static_prefix(&self) -> &str {
        self.text.get(..self.static_len).unwrap_or("")
    }
}

/// How an invocation was reached from the command line, one step of nesting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// A command of the line itself.
    TopLevel,
    /// A stage of a pipeline (`a | b`).
    Pipeline,
    /// Inside `$(...)`.
    CommandSubstitution,
    /// Inside backticks.
    Backticks,
    /// Inside `<(...)` or `>(...)`.
    ProcessSubstitution,
    /// Inside `( ... )`.
    Subshell,
    /// Inside a function body.
    FunctionBody,
    /// A heredoc fed to a shell, interpreter or database client.
    Heredoc,
    /// A here-string fed to a shell, interpreter or database client.
    HereString,
    /// Text piped into a shell, interpreter or database client.
    PipedStdin,
    /// The string of `bash -c`, `sh -c`, `su -c`, `watch`, ...
    ShellString,
    /// The arguments of `eval`.
    Eval,
    /// A prefix wrapper (`sudo`, `env`, `nice`, `timeout`, `nohup`, ...).
    Wrapper,
    /// The command `xargs` runs.
    Xargs,
    /// The command `find -exec`/`-execdir`/`-ok` runs.
    FindExec,
    /// A command run on another host or container (`ssh`, `kubectl exec`, `docker exec|run`).
    Remote,
    /// A package runner (`npx`, `pnpm dlx`, `bunx`, `bundle exec`, `uv run`, ...).
    PackageRunner,
    /// A SQL statement sent to a database client.
    Sql,
    /// A shell command embedded in inline interpreter code (`os.system("...")`).
    InlineCode,
    /// An alias definition.
    Alias,
    /// A loop body, once per literal value of the loop variable.
    Loop,
    /// A program named by a glob (`/bin/r?`) or in other letters (`RM`, which a case-insensitive
    /// file system runs as `rm`), as one of the programs it may be.
    ProgramGlob,
    /// The text of a local file whose commands run where the exec tracer cannot see them: on
    /// another host, in a container or in a database server (`ssh host bash < deploy.sh`,
    /// `psql -f drop.sql`).
    ScriptFile,
    /// The same command on the original of what an earlier `mv`, `cp` or `ln` of the line put
    /// where it acts (`mv ~/project /tmp/t && rm -rf /tmp/t`).
    Placed,
    /// A function calling itself from a pipeline stage inside its own body (`f() { f | f & }`):
    /// each call starts more processes than it ends, a fork bomb whatever the function is named.
    SelfSpawn,
    /// What a tool deletes because of how it is called, as the command it amounts to: the
    /// directory an option or variable names (`cargo clean --target-dir DIR` is `rm -rf DIR`),
    /// the cron table an empty one replaces (`echo "" | crontab -` is `crontab -r`).
    ToolDelete,
}

impl StepKind {
    /// The kebab-case name used in JSON and rulesets.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::TopLevel => "top-level",
            StepKind::Pipeline => "pipeline",
            StepKind::CommandSubstitution => "command-substitution",
            StepKind::Backticks => "backticks",
            StepKind::ProcessSubstitution => "process-substitution",
            StepKind::Subshell => "subshell",
            StepKind::FunctionBody => "function-body",
            StepKind::Heredoc => "heredoc",
            StepKind::HereString => "here-string",
            StepKind::PipedStdin => "piped-stdin",
            StepKind::ShellString => "shell-string",
            StepKind::Eval => "eval",
            StepKind::Wrapper => "wrapper",
            StepKind::Xargs => "xargs",
            StepKind::FindExec => "find-exec",
            StepKind::Remote => "remote",
            StepKind::PackageRunner => "package-runner",
            StepKind::Sql => "sql",
            StepKind::InlineCode => "inline-code",
            StepKind::Alias => "alias",
            StepKind::Loop => "loop",
            StepKind::ProgramGlob => "program-glob",
            StepKind::ScriptFile => "script-file",
            StepKind::Placed => "placed",
            StepKind::SelfSpawn => "self-spawn",
            StepKind::ToolDelete => "tool-delete",
        }
    }

    /// Every kind, for validating rulesets.
    pub const ALL: [StepKind; 26] = [
        StepKind::TopLevel,
        StepKind::Pipeline,
        StepKind::CommandSubstitution,
        StepKind::Backticks,
        StepKind::ProcessSubstitution,
        StepKind::Subshell,
        StepKind::FunctionBody,
        StepKind::Heredoc,
        StepKind::HereString,
        StepKind::PipedStdin,
        StepKind::ShellString,
        StepKind::Eval,
        StepKind::Wrapper,
        StepKind::Xargs,
        StepKind::FindExec,
        StepKind::Remote,
        StepKind::PackageRunner,
        StepKind::Sql,
        StepKind::InlineCode,
        StepKind::Alias,
        StepKind::Loop,
        StepKind::ProgramGlob,
        StepKind::ScriptFile,
        StepKind::Placed,
        StepKind::SelfSpawn,
        StepKind::ToolDelete,
    ];
}

/// One step of provenance: its kind and the program that caused it, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The kind of nesting.
    pub kind: StepKind,
    /// The program or construct responsible (`sudo`, `bash`, `ssh web-1`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

impl Step {
    /// A step with no responsible program.
    pub fn new(kind: StepKind) -> Step {
        Step { kind, via: None }
    }

    /// A step caused by `via`.
    pub fn via(kind: StepKind, via: impl Into<String>) -> Step {
        Step {
            kind,
            via: Some(via.into()),
        }
    }
}

/// Ways in which what an invocation runs cannot be seen statically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Opaque {
    /// The program name itself comes from an expansion (`$(echo aws) ...`, `$cmd ...`).
    DynamicProgram,
    /// Code run by `eval`, `bash -c`, `python -c`, ... comes from an expansion.
    DynamicCode,
    /// Code downloaded and run (`curl ... | sh`, `bash <(curl ...)`).
    NetworkCode,
    /// Code piped or decoded into an interpreter from something that cannot be read statically
    /// (`base64 -d | sh`, `cat x | bash`).
    PipedCode,
    /// A script file or SQL file whose content is not analysed (`sh deploy.sh`, `psql -f x.sql`).
    ScriptFile,
    /// Code run on another machine that cannot be read here (`aws ssm send-command` with a
    /// document or a parameters file, `az vm run-command invoke --scripts @deploy.sh`): the
    /// exec tracer does not see it run either.
    RemoteCode,
}

impl Opaque {
    /// The kebab-case name used in rulesets.
    pub fn as_str(self) -> &'static str {
        match self {
            Opaque::DynamicProgram => "dynamic-program",
            Opaque::DynamicCode => "dynamic-code",
            Opaque::NetworkCode => "network-code",
            Opaque::PipedCode => "piped-code",
            Opaque::ScriptFile => "script-file",
            Opaque::RemoteCode => "remote-code",
        }
    }

    /// Every opaque kind, for validating rulesets.
    pub const ALL: [Opaque; 6] = [
        Opaque::DynamicProgram,
        Opaque::DynamicCode,
        Opaque::NetworkCode,
        Opaque::PipedCode,
        Opaque::ScriptFile,
        Opaque::RemoteCode,
    ];
}

/// Whether the analysis unwrapped invocation `index` into another (`sudo X`, `xargs X`, `ssh
/// host X`, `k3s kubectl ...`): a later invocation was reached through it, one step deeper.
pub fn is_unwrapped(invocations: &[Invocation], index: usize) -> bool {
    let Some(inv) = invocations.get(index) else {
        return false;
    };
    let depth = inv.provenance.len();
    invocations[index + 1..].iter().any(|later| {
        later.provenance.len() == depth + 1
            && later.provenance.starts_with(&inv.provenance)
            && later.provenance[depth]
                .via
                .as_deref()
                .and_then(|via| via.split(' ').next())
                .is_some_and(|via| via == inv.program_name())
    })
}

/// One program the command line could run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// argv, program first.
    pub args: Vec<Arg>,
    /// How it was reached, outermost first; always starts with [`StepKind::TopLevel`].
    pub provenance: Vec<Step>,
    /// The directory it will run in, when known; `None` for a remote host or after a dynamic `cd`.
    pub cwd: Option<String>,
    /// Runs on another host or in a container: local paths do not apply.
    pub remote: bool,
    /// Targets of output redirections (`>`, `>>`, `&>`), which it writes.
    pub redirects: Vec<Arg>,
    /// Inline code it runs (`python -c CODE`, a heredoc fed to `node`), when known.
    pub script: Option<String>,
    /// Ways in which what it runs cannot be seen.
    pub opaque: Vec<Opaque>,
    /// Indexes into `args` of arguments that are inline code (`bash -c CODE`, `python -c CODE`),
    /// not operands: the code is analysed as commands or `script`, and rules never see it as a
    /// positional word (a script *named* `teardown.sh` is one thing, code mentioning it another).
    pub code_args: Vec<usize>,
    /// Environment variables the command line sets for it, when known: prefix assignments
    /// (`AWS_PROFILE=prod aws ...`), `env K=V`, and variables assigned or exported earlier in
    /// the line. Sorted by name.
    pub env: Vec<(String, String)>,
}

#[cfg(test)]
impl Invocation {
    /// A top-level invocation of `words`, each known exactly, with no directory: for tests.
    pub(crate) fn of_words(words: &[&str]) -> Invocation {
        Invocation {
            args: words.iter().map(|w| Arg::literal(*w)).collect(),
            provenance: vec![Step::new(StepKind::TopLevel)],
            cwd: None,
            remote: false,
            redirects: Vec::new(),
            script: None,
            opaque: Vec::new(),
            code_args: Vec::new(),
            env: Vec::new(),
        }
    }
}

impl Invocation {
    /// The program as written (`/usr/bin/rm`), or "" for an empty argv.
    pub fn program(&self) -> &str {
        self.args.first().map(|a| a.text.as_str()).unwrap_or("")
    }

    /// The program's basename (`rm` for `/usr/bin/rm`), without a version suffix
    /// (`kubectl-1.29`, `terraform-v1.6.2`). The customary short names of
    /// kubectl and terraform (`k`, `tf`), the copies bundled by local clusters
    /// (`microk8s.kubectl`) and GitHub's git wrapper `hub` are taken for the programs
    /// themselves.
    pub fn program_name(&self) -> &str {
        let p = self.program();
        // A Windows path names the program after its last backslash (`C:\Program
        // Files\Git\bin\git.exe`).
        let base = p.rsplit(['/', '\\']).next().unwrap_or(p);
        match base {
            "k" | "microk8s.kubectl" | "k3s-kubectl" => return "kubectl",
            "tf" => return "terraform",
            "hub" => return "git",
            _ => {}
        }
        // Windows programs called from WSL (`powershell.exe`, `cmd.exe`, `aws.exe`) are the
        // same programs.
        let base = match base.len().checked_sub(4) {
            Some(cut)
                if cut > 0
                    && base
                        .get(cut..)
                        .is_some_and(|ext| ext.eq_ignore_ascii_case(".exe")) =>
            {
                base.get(..cut).unwrap_or(base)
            }
            _ => base,
        };
        without_version_suffix(without_wrapper_marks(base))
    }

    /// A command this invocation runs: `args`, reached through `steps`, in the same directory
    /// and on the same host. Redirections, inline code and opacity are not inherited.
    pub fn nested(&self, args: Vec<Arg>, steps: impl IntoIterator<Item = Step>) -> Invocation {
        let mut provenance = self.provenance.clone();
        provenance.extend(steps);
        Invocation {
            args,
            provenance,
            cwd: self.cwd.clone(),
            remote: self.remote,
            redirects: Vec::new(),
            script: None,
            opaque: Vec::new(),
            code_args: Vec::new(),
            env: self.env.clone(),
        }
    }

    /// The value the command line gives variable `name` for this invocation, if it gives one.
    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// argv as plain strings: the words the program receives (not the [`Arg::implied`] ones).
    pub fn argv(&self) -> Vec<String> {
        self.args
            .iter()
            .filter(|a| !a.implied)
            .map(|a| a.text.clone())
            .collect()
    }

    /// The command re-quoted for display on one line.
    pub fn display(&self) -> String {
        self.args
            .iter()
            .filter(|a| !a.implied)
            .map(|a| quote_for_display(&a.text))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Quotes a word for display with single quotes when it holds shell-special characters.
pub fn quote_for_display(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%^~{}$()*?[]".contains(&b));
    if plain {
        word.to_string()
    } else {
        single_quoted(word)
    }
}

/// `word` in single quotes, as a shell reads it back unchanged (`it's` → `'it'\''s'`).
pub fn single_quoted(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

impl Serialize for Invocation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let dynamic: Vec<usize> = self
            .args
            .iter()
            .enumerate()
            .filter(|(_, a)| a.dynamic || a.glob)
            .map(|(i, _)| i)
            .collect();
        let implied: Vec<&str> = self
            .args
            .iter()
            .filter(|a| a.implied)
            .map(|a| a.text.as_str())
            .collect();
        let mut fields = 3;
        fields += usize::from(!dynamic.is_empty())
            + usize::from(!implied.is_empty())
            + usize::from(self.cwd.is_some())
            + usize::from(self.remote)
            + usize::from(!self.opaque.is_empty());
        let mut s = serializer.serialize_struct("Invocation", fields)?;
        s.serialize_field("argv", &self.argv())?;
        s.serialize_field("provenance", &self.provenance)?;
        s.serialize_field("program", self.program_name())?;
        if !dynamic.is_empty() {
            // Words whose value depends on expansion: variables, substitutions, globs.
            s.serialize_field("dynamic", &dynamic)?;
        }
        if !implied.is_empty() {
            // What the program acts on without being told, named by the analysis (the branch a
            // force push rewrites); the rules see these words after argv.
            s.serialize_field("implied", &implied)?;
        }
        if let Some(cwd) = &self.cwd {
            s.serialize_field("cwd", cwd)?;
        }
        if self.remote {
            s.serialize_field("remote", &true)?;
        }
        if !self.opaque.is_empty() {
            s.serialize_field("opaque", &self.opaque)?;
        }
        s.end()
    }
}

/// The program a renamed original or a wrapper's target is: `aws.real`, `aws.orig` and
/// `aws.distrib` (moved aside for a wrapper or by `dpkg-divert`), `kubectl-real`, and Nix's
/// `.terraform-wrapped`.
fn without_wrapper_marks(name: &str) -> &str {
    if let Some(inner) = name
        .strip_prefix('.')
        .and_then(|n| n.strip_suffix("-wrapped"))
        .filter(|n| !n.is_empty())
    {
        return inner;
    }
    [
        ".real", ".orig", ".distrib", ".bak", ".old", "-real", "-orig",
    ]
    .iter()
    .find_map(|mark| name.strip_suffix(mark).filter(|n| !n.is_empty()))
    .unwrap_or(name)
}

/// `name` without a trailing `-VERSION` (`kubectl-1.29`, `terraform-v1.6.2`, `gcc-12`): a
/// versioned install of a program is that program.
fn without_version_suffix(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((program, version))
            if !program.is_empty()
                && version
                    .strip_prefix('v')
                    .unwrap_or(version)
                    .split('.')
                    .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit())) =>
        {
            program
        }
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::{without_version_suffix, without_wrapper_marks};

    #[test]
    fn originals_moved_aside_for_a_wrapper_are_the_program() {
        assert_eq!(without_wrapper_marks("aws.real"), "aws");
        assert_eq!(without_wrapper_marks("git.orig"), "git");
        assert_eq!(without_wrapper_marks("rm.distrib"), "rm");
        assert_eq!(without_wrapper_marks("kubectl-real"), "kubectl");
        assert_eq!(without_wrapper_marks(".terraform-wrapped"), "terraform");
        assert_eq!(without_wrapper_marks(".real"), ".real");
        assert_eq!(without_wrapper_marks("-wrapped"), "-wrapped");
        assert_eq!(without_wrapper_marks("realpath"), "realpath");
    }

    #[test]
    fn version_suffixes_are_dropped() {
        assert_eq!(without_version_suffix("kubectl-1.29"), "kubectl");
        assert_eq!(without_version_suffix("terraform-v1.6.2"), "terraform");
        assert_eq!(without_version_suffix("gcc-12"), "gcc");
        assert_eq!(without_version_suffix("linode-cli"), "linode-cli");
        assert_eq!(without_version_suffix("x-1.2a"), "x-1.2a");
        assert_eq!(without_version_suffix("-1"), "-1");
        assert_eq!(without_version_suffix("tool-v"), "tool-v");
        assert_eq!(without_version_suffix("a-1..2"), "a-1..2");
    }
}
