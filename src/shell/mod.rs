//! Shell analysis: from a command line (or an argv) to every program invocation it could run.
//!
//! Invariant: nothing the line could execute is dropped. What can be resolved statically is
//! resolved (quotes, escapes, `~`, literal variables, `cd`, wrappers, nested shells, SQL); what
//! cannot is kept and marked dynamic or opaque; a parse failure is reported in
//! [`Analysis::errors`] so the classifier can refuse to allow it.

mod git_push;
mod http_sql;
mod inline;
mod invocation;
mod mounts;
mod moves;
mod powershell;
mod processes;
mod producer;
mod program_glob;
mod secret_readers;
mod sql;
mod tcl;
mod unwrap;
mod walk;
mod word;

pub use invocation::{Arg, Invocation, Opaque, Step, StepKind, is_unwrapped, quote_for_display};
pub use sql::{SQL_PROGRAM, cloud_sql_flags, statements as sql_statements};
pub use unwrap::ssh_host;
pub use walk::{is_network_pseudo_file, join_path, normalize};

/// What the analysis needs to know about where the line runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShellContext {
    /// The directory the line starts in (absolute), when known.
    pub cwd: Option<String>,
    /// `$HOME`, for `~` and `$HOME`.
    pub home: Option<String>,
    /// `$TMPDIR`, when set.
    pub tmpdir: Option<String>,
    /// The program names the rules know, sorted: a program named by a glob (`/bin/r? -rf ~`)
    /// is judged as each of them the glob matches.
    pub programs: std::sync::Arc<[String]>,
}

/// The result of analysing one command line.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Every invocation found, in source order (outer before inner).
    pub invocations: Vec<Invocation>,
    /// Parse errors, of the line itself or of nested code; non-empty means "not fully seen".
    pub errors: Vec<String>,
    /// The analysis stopped early because the line expands to too many invocations.
    pub truncated: bool,
}

/// Analyses a shell command line as an agent would hand it to `bash -c`.
pub fn analyze(text: &str, ctx: &ShellContext) -> Analysis {
    let mut walker = walk::Walker::new(ctx);
    let st = walker.top_state();
    walker.run_text(text, &st, None);
    walker.finish()
}

/// Analyses one argv as seen at exec time: no shell parsing of the argv itself, but wrappers,
/// nested shells and inline code inside it are unwrapped as for a command line.
pub fn analyze_argv(argv: &[String], ctx: &ShellContext) -> Analysis {
    analyze_exec(argv, Vec::new(), ctx)
}

/// Like [`analyze_argv`], for a program started with `env` among its environment variables
/// (what the exec tracer read from the call): rules and tiers see them as set for it.
pub fn analyze_exec(argv: &[String], env: Vec<(String, String)>, ctx: &ShellContext) -> Analysis {
    let mut walker = walk::Walker::new(ctx);
    let st = walker.top_state();
    if argv.is_empty() {
        return walker.finish();
    }
    let inv = Invocation {
        args: argv.iter().map(Arg::literal).collect(),
        provenance: st.prov.clone(),
        cwd: st.cwd.clone(),
        remote: false,
        redirects: Vec::new(),
        script: None,
        opaque: Vec::new(),
        code_args: Vec::new(),
        env,
    };
    walker.emit(inv, None, &[], &st);
    walker.finish()
}

#[cfg(test)]
mod tests {
    use super::walk::Stdin;
    use super::*;

    fn ctx() -> ShellContext {
        ShellContext {
            cwd: Some("/w".into()),
            home: Some("/h".into()),
            tmpdir: None,
            programs: ["bash", "git", "rm", "rmdir"].map(String::from).into(),
        }
    }

    /// Each invocation as `argv joined | step,step` for compact assertions.
    fn seen(text: &str) -> Vec<String> {
        let a = analyze(text, &ctx());
        assert!(a.errors.is_empty(), "{text}: {:?}", a.errors);
        a.invocations
            .iter()
            .map(|i| {
                let steps: Vec<&str> = i
                    .provenance
                    .iter()
                    .skip(1)
                    .map(|s| s.kind.as_str())
                    .collect();
                format!("{} | {}", i.argv().join(" "), steps.join(","))
            })
            .collect()
    }

    /// The argv of the last invocation `text` makes.
    fn last(text: &str) -> String {
        let a = analyze(text, &ctx());
        a.invocations
            .last()
            .map(|i| i.argv().join(" "))
            .unwrap_or_default()
    }

    #[test]
    fn what_a_branch_may_change_is_not_known_after_it() {
        // The directory and variables a branch changes are unknown after the `if`, `case` or
        // loop; the branch's aliases and written files are kept.
        assert_eq!(last("if true; then cd /h; fi; rm -rf .ssh"), "rm -rf .ssh");
        let a = analyze("if true; then cd /h; fi; rm -rf .ssh", &ctx());
        assert_eq!(a.invocations.last().and_then(|i| i.cwd.clone()), None);
        let a = analyze("if false; then echo; fi; rm -rf .ssh", &ctx());
        assert_eq!(
            a.invocations.last().and_then(|i| i.cwd.clone()).as_deref(),
            Some("/w")
        );
        assert_eq!(
            last("x=ls; case a in a) x=rm;; esac; $x -rf /h"),
            "${x} -rf /h"
        );
        assert_eq!(last("x=ls; for i in 1; do x=rm; done; $x"), "${x}");
        assert_eq!(last("x=ls; while true; do :; done; $x"), "ls");
        let a = analyze("if true; then alias ls='rm -rf'; fi; ls /h", &ctx());
        assert!(
            a.invocations
                .iter()
                .any(|i| i.argv() == ["rm", "-rf", "/h"])
        );
        assert_eq!(last("{ x=rm; }; $x -rf /h"), "rm -rf /h");
        assert_eq!(last("(x=rm); x=ls; (x=rm); $x"), "ls");
    }

    #[test]
    fn a_function_call_or_an_alias_changes_what_its_body_changes() {
        let a = analyze("f() { cd /h; }; f; rm -rf .ssh", &ctx());
        assert_eq!(a.invocations.last().and_then(|i| i.cwd.clone()), None);
        assert_eq!(last("x=ls; f() { x=rm; }; f; $x"), "${x}");
        // Defined, not called: nothing changes.
        assert_eq!(last("x=ls; f() { x=rm; }; $x"), "ls");
        let a = analyze("alias c='cd /h'; c; rm -rf .ssh", &ctx());
        assert_eq!(
            a.invocations.last().and_then(|i| i.cwd.clone()).as_deref(),
            Some("/h")
        );
    }

    #[test]
    fn positional_parameters_are_known_where_the_line_sets_them() {
        // `set --`, `shift`, a function's arguments, `sh -c CODE NAME ARGS`.
        assert_eq!(last("set -- push --force; git \"$@\""), "git push --force");
        assert_eq!(last("set -e -- rm -rf; \"$1\" $2 /h"), "rm -rf /h");
        assert_eq!(last("set -- a -f; shift; git push $*"), "git push -f");
        assert_eq!(last("set -- a b; shift 3; echo $# \"$*\""), "echo 2 a b");
        assert_eq!(last("set -- a b; set --; rm -rf \"$@\""), "rm -rf");
        assert_eq!(last("set -- a; echo \"$2\" ${1:-x}"), "echo  a");
        assert_eq!(
            last("f() { git push \"$@\"; }; f --force origin"),
            "git push --force origin"
        );
        assert_eq!(last("sh -c 'rm -rf \"$@\"' _ /h /etc"), "rm -rf /h /etc");
        assert_eq!(last("bash -c '\"$0\" -rf \"$1\"' rm /h"), "rm -rf /h");
        // `set -e`, `set -o pipefail` leave them; a word known only at run time, a branch
        // that sets them or `eval` make them unknown; a function's own `set --`
        // ends with its call.
        assert_eq!(last("set -- a; set -o pipefail; echo \"$1\""), "echo a");
        for text in [
            "set -- \"$x\"; echo \"$1\"",
            "set -- a; if c; then set -- b; fi; echo \"$1\"",
            "set -- a; eval \"$y\"; echo \"$1\"",
        ] {
            assert_eq!(last(text), "echo $1", "{text}");
        }
        // A new shell has its own: none here.
        assert_eq!(last("set -- a; sh -c 'echo \"$1\"'"), "echo ");
        assert_eq!(last("set -- a; f() { set -- b; }; f; echo $1"), "echo a");
        assert_eq!(last("echo \"$@\""), "echo $@");
    }

    #[test]
    fn a_function_is_walked_where_it_is_called_or_else_at_the_end() {
        // Each call with its arguments; the call is not itself a program run.
        assert_eq!(
            seen("f() { rm \"$1\"; }; f a; f b"),
            ["rm a | function-body", "rm b | function-body"]
        );
        // Never called: walked once at the end, as defined, its arguments unknown.
        assert_eq!(
            seen("cd /h; f() { rm \"$1\"; }; cd /w; echo"),
            ["cd /h | ", "cd /w | ", "echo | ", "rm $1 | function-body"]
        );
        let a = analyze("cd /h; f() { rm x; }", &ctx());
        assert_eq!(
            a.invocations.last().and_then(|i| i.cwd.clone()).as_deref(),
            Some("/h")
        );
        // A call inside its own body is judged as a program, not walked again.
        assert_eq!(seen("f() { f x; }; f"), ["f x | function-body"]);
        // The call's standard input is the body's.
        assert_eq!(
            seen("f() { sh; }; echo 'rm a' | f"),
            [
                "echo rm a | pipeline",
                "sh | pipeline,function-body",
                "rm a | pipeline,function-body,piped-stdin"
            ]
        );
    }

    #[test]
    fn builtins_that_set_variables_leave_them_unknown() {
        for text in [
            "x=ls; read x <<< rm; $x",
            "x=ls; read -r -p go: x <<< rm; $x",
            "x=ls; read -a x <<< rm; $x",
            "x=ls; printf -v x rm; $x",
            "x=ls; mapfile x < f; $x",
            "x=ls; getopts r x; $x",
            "x=ls; let x=1; $x",
            "x=ls; wait -p x; $x",
            "x=ls; eval x=rm; $x",
            "x=ls; . ./env.sh; $x",
        ] {
            assert_eq!(last(text), "${x}", "{text}");
        }
        // Others stay known.
        assert_eq!(last("x=ls; read y <<< rm; $x"), "ls");
        assert_eq!(last("x=ls; printf '%s' rm; $x"), "ls");
        // CDPATH set in the line: `cd .ssh` may go to `/h/.ssh`.
        for text in [
            "CDPATH=/h cd .ssh; rm -rf *",
            "export CDPATH=/h; cd .ssh; rm -rf *",
        ] {
            let a = analyze(text, &ctx());
            assert_eq!(
                a.invocations.last().and_then(|i| i.cwd.clone()),
                None,
                "{text}"
            );
        }
        let a = analyze("CDPATH=/h cd ./src; rm -rf *", &ctx());
        assert_eq!(
            a.invocations.last().and_then(|i| i.cwd.clone()).as_deref(),
            Some("/w/src")
        );
        // `eval cd`, `eval pushd`: the directory is not known after it.
        for text in ["eval cd /h; rm -rf .ssh", "eval 'pushd /h'; rm -rf .ssh"] {
            let a = analyze(text, &ctx());
            assert_eq!(
                a.invocations.last().and_then(|i| i.cwd.clone()),
                None,
                "{text}"
            );
        }
    }

    #[test]
    fn a_group_in_a_pipeline_writes_its_commands_outputs_in_turn() {
        // All known: the group is one text, run by the shell it is piped into.
        assert_eq!(
            seen("{ echo 'rm a'; echo 'rm b'; } | sh"),
            [
                "echo rm a | pipeline",
                "echo rm b | pipeline",
                "sh | pipeline",
                "rm a | pipeline,piped-stdin",
                "rm b | pipeline,piped-stdin"
            ]
        );
        // Partly known: the known part is analysed, the rest makes the shell opaque.
        let a = analyze("(cat x.sh; echo 'rm c') | sh", &ctx());
        assert!(a.invocations.iter().any(|i| i.argv() == ["rm", "c"]));
        let shell = a.invocations.iter().find(|i| i.program_name() == "sh");
        assert_eq!(
            shell.map(|i| i.opaque.clone()),
            Some(vec![Opaque::ScriptFile])
        );
    }

    #[test]
    fn an_alias_runs_its_text_where_its_name_is_run() {
        assert_eq!(
            seen("alias del='rm -rf'; del ~ 'a b'"),
            [
                "rm -rf | alias",
                "alias del=rm -rf | ",
                "rm -rf /h a b | alias",
                "del /h a b | "
            ]
        );
        // Not inside itself (bash does not either), and not after `unalias`.
        assert_eq!(
            seen("alias ls='ls -l'; ls"),
            [
                "ls -l | alias",
                "alias ls=ls -l | ",
                "ls -l | alias",
                "ls | "
            ]
        );
        assert_eq!(
            seen("alias x=id; unalias x; x"),
            ["id | alias", "alias x=id | ", "unalias x | ", "x | "]
        );
        // `hash -p PATH NAME` makes NAME run PATH.
        assert_eq!(
            seen("hash -p /bin/rm x; x -rf ~"),
            [
                "hash -p /bin/rm x | ",
                "/bin/rm -rf /h | alias",
                "x -rf /h | "
            ]
        );
    }

    #[test]
    fn outputs_concatenate_to_text_only_when_all_are_text() {
        let text = |t: &str| Some(Stdin::Text(t.into(), StepKind::PipedStdin));
        assert!(matches!(
            Stdin::concatenated(vec![text("a\n"), None, text("b\n")]),
            Stdin::Text(t, _) if t == "a\nb\n"
        ));
        let mixed = Stdin::concatenated(vec![
            Some(Stdin::Opaque("git".into())),
            text("a"),
            Some(Stdin::Network("curl".into())),
        ]);
        assert!(matches!(&mixed, Stdin::Group(parts) if parts.len() == 3));
        // Downloaded code is the strongest reason a group cannot be read.
        assert_eq!(mixed.as_code_opacity(), Some(Opaque::NetworkCode));
    }

    #[test]
    fn provenance_of_each_construct() {
        assert_eq!(seen("a | b"), ["a | pipeline", "b | pipeline"]);
        assert_eq!(seen("x=$(rm -r d)"), ["rm -r d | command-substitution"]);
        // Backticks are shown in the `$(...)` spelling, which rules name.
        assert_eq!(seen("echo `id`"), ["id | backticks", "echo $(id) | "]);
        assert_eq!(seen("(cd /; ls)"), ["cd / | subshell", "ls | subshell"]);
        assert_eq!(seen("f() { rm x; }"), ["rm x | function-body"]);
        assert_eq!(seen("bash <<EOF\nrm y\nEOF"), ["bash | ", "rm y | heredoc"]);
        assert_eq!(seen("sh <<< 'rm z'"), ["sh | ", "rm z | here-string"]);
        assert_eq!(
            seen("sh -c 'rm q'"),
            ["sh -c rm q | ", "rm q | shell-string"]
        );
        assert_eq!(seen("eval rm e"), ["eval rm e | ", "rm e | eval"]);
        assert_eq!(
            seen("sudo -u root rm s"),
            ["sudo -u root rm s | ", "rm s | wrapper"]
        );
        assert_eq!(
            seen("ls | xargs rm"),
            [
                "ls | pipeline",
                "xargs rm | pipeline",
                "rm <xargs input> | pipeline,xargs"
            ]
        );
        assert_eq!(
            seen("find . -name x -exec rm {} +"),
            [
                "find . -name x -exec rm {} + | ",
                "rm ./…/x | find-exec",
                "rm ./x | find-exec"
            ]
        );
        assert_eq!(
            seen("cargo +nightly clean --target-dir /srv/t"),
            [
                "cargo +nightly clean --target-dir /srv/t | ",
                "rm -rf /srv/t | tool-delete"
            ]
        );
        assert_eq!(
            seen("CARGO_TARGET_DIR=out cargo clean -p x"),
            ["cargo clean -p x | ", "rm -rf out | tool-delete"]
        );
        assert_eq!(
            seen("cargo build --target-dir /srv/t"),
            ["cargo build --target-dir /srv/t | "]
        );
        assert_eq!(
            seen("GOMODCACHE=/srv/m go clean -modcache"),
            ["go clean -modcache | ", "rm -rf /srv/m | tool-delete"]
        );
        assert_eq!(seen("go clean -modcache"), ["go clean -modcache | "]);
        assert_eq!(
            seen("diff <(ls a) b"),
            ["ls a | process-substitution", "diff <(…) b | "]
        );
        assert_eq!(
            seen("npx prisma migrate reset"),
            [
                "npx prisma migrate reset | ",
                "prisma migrate reset | package-runner"
            ]
        );
        assert_eq!(
            seen("npm run typeorm -- schema:drop"),
            [
                "npm run typeorm -- schema:drop | ",
                "typeorm schema:drop | package-runner"
            ]
        );
        assert_eq!(seen("yarn run test --watch"), ["yarn run test --watch | "]);
        assert_eq!(
            seen("psql -c 'DROP TABLE t'"),
            ["psql -c DROP TABLE t | ", "sql drop table t | sql"]
        );
        assert_eq!(
            seen("python -c 'import os; os.system(\"rm -rf d\")'")
                .last()
                .map(String::as_str),
            Some("rm -rf d | inline-code")
        );
    }

    #[test]
    fn cd_is_tracked_and_scoped() {
        let a = analyze("cd sub && rm x; (cd /tmp; rm y); rm z", &ctx());
        let cwds: Vec<_> = a
            .invocations
            .iter()
            .map(|i| i.cwd.clone().unwrap_or_default())
            .collect();
        assert_eq!(cwds, ["/w", "/w/sub", "/w/sub", "/tmp", "/w/sub"]);
        let b = analyze("cd $X && rm y", &ctx());
        assert_eq!(b.invocations[1].cwd, None);
    }

    #[test]
    fn remote_commands_have_no_local_cwd() {
        let a = analyze("ssh host 'cd /srv && rm -rf app'", &ctx());
        let rm = a
            .invocations
            .iter()
            .find(|i| i.program_name() == "rm")
            .map(|i| (i.remote, i.cwd.clone()));
        assert_eq!(rm, Some((true, Some("/srv".into()))));
    }

    #[test]
    fn a_local_script_run_on_another_host_is_judged_from_its_text() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("deploy.sh");
        std::fs::write(&script, "set -e\nrm -rf /var/lib/app\n").unwrap();
        let ctx = ShellContext {
            cwd: Some(dir.path().to_string_lossy().into_owned()),
            ..ctx()
        };
        // The invocation of `program` that `line` runs.
        let found = |line: &str, program: &str| {
            let a = analyze(line, &ctx);
            let inv = a.invocations.iter().find(|i| i.program_name() == program);
            inv.cloned()
                .unwrap_or_else(|| panic!("{line}: no {program} in {:?}", a.invocations))
        };
        for line in [
            "ssh prod 'bash -s' < deploy.sh",
            "cat deploy.sh | ssh prod sh",
            "ssh prod < deploy.sh",
            "docker exec -i app sh < deploy.sh",
        ] {
            let rm = found(line, "rm");
            assert!(rm.remote, "{line}");
            let kinds: Vec<&str> = rm.provenance.iter().map(|s| s.kind.as_str()).collect();
            assert!(kinds.contains(&"script-file"), "{line}: {kinds:?}");
        }
        // SQL from a local file runs in the database server, also out of the tracer's sight.
        std::fs::write(dir.path().join("drop.sql"), "DROP TABLE users;\n").unwrap();
        for line in [
            "psql -f drop.sql",
            "psql app < drop.sql",
            "cat drop.sql | mysql",
        ] {
            let sql = found(line, "sql");
            assert_eq!(sql.argv(), ["sql", "drop", "table", "users"], "{line}");
        }
        // Run here, a script is the exec tracer's to see; one that cannot be read stays opaque.
        for line in ["bash deploy.sh", "ssh prod sh < missing.sh"] {
            let a = analyze(line, &ctx);
            assert!(
                a.invocations.iter().all(|i| i.program_name() != "rm"),
                "{line}"
            );
        }
    }

    #[test]
    fn the_deepest_accepted_nesting_fits_a_small_thread_stack() {
        // 2 MiB is the default stack of spawned threads (and of test threads).
        let handle = std::thread::Builder::new().stack_size(2 << 20).spawn(|| {
            let depth = 100;
            for text in [
                format!("{}ls{}", "{ ".repeat(depth), "; }".repeat(depth)),
                format!(
                    "{}ls{}",
                    "if true; then ".repeat(depth),
                    "; fi".repeat(depth)
                ),
                format!("{}ls{}", "( ".repeat(depth), " )".repeat(depth)),
                format!("echo {}x{}", "$(".repeat(depth), ")".repeat(depth)),
                format!(
                    "{}ls{}",
                    "case x in x) ".repeat(depth),
                    ";; esac".repeat(depth)
                ),
            ] {
                let a = analyze(&text, &ctx());
                assert!(
                    a.errors.iter().all(|e| !e.contains("nested")),
                    "{:?}",
                    a.errors
                );
            }
        });
        assert!(handle.map(|h| h.join().is_ok()).unwrap_or(false));
    }

    #[test]
    fn unparseable_text_is_reported() {
        // A file descriptor number too large for the parser (it would panic on it).
        for text in [
            "aws x --account-id 11111111111>1",
            "echo $(echo 99999999999<f)",
            "echo a; 2147483648>&2 echo",
        ] {
            assert!(!analyze(text, &ctx()).errors.is_empty(), "{text}");
        }
        assert!(
            analyze("echo '11111111111>1' 2147483647>f", &ctx())
                .errors
                .is_empty()
        );
        assert!(!analyze("echo 'open", &ctx()).errors.is_empty());
        assert!(!analyze("bash -c 'echo \"open'", &ctx()).errors.is_empty());
    }
}
