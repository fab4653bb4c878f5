//! Package runners: `npx`, `pnpm dlx`, `bunx`, `yarn <bin>`, `bundle exec`, `uv run`, `uvx`,
//! `poetry run`, `pipx run`, `conda run`, ... run a package's binary with the rest of the line.

use super::{nested_state, opts, runner, scan, value_of};
use crate::shell::inline;
use crate::shell::invocation::{Invocation, Step, StepKind};
use crate::shell::walk::{State, Stdin, Walker};

/// Unwraps a package runner; returns whether `inv` is one.
pub(super) fn unwrap(
    w: &mut Walker<'_>,
    index: usize,
    inv: &Invocation,
    stdin: &mut Option<Stdin>,
    st: &State,
) -> bool {
    let name = inv.program_name();
    match name {
        "npx" | "pnpx" | "bunx" => package_runner(w, inv, 1, stdin.take(), st),
        "npm" => {
            if inv
                .args
                .get(1)
                .is_some_and(|a| matches!(a.text.as_str(), "exec" | "x"))
            {
                package_runner(w, inv, 2, stdin.take(), st);
            } else {
                let npm_opts = opts("w", &["--prefix", "--workspace"]);
                let (k, _) = scan(&inv.args, 1, &npm_opts);
                if inv.args.get(k).is_some_and(|a| {
                    matches!(a.text.as_str(), "run" | "run-script" | "rum" | "urn")
                }) {
                    let (name, _) = scan(&inv.args, k + 1, &npm_opts);
                    script_with_arguments(w, inv, name, stdin.take(), st);
                }
                package_scripts(w, inv, k, st);
            }
        }
        "pnpm" | "yarn" | "bun" => js_runner(w, index, inv, stdin.take(), st),
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
                runner(w, inv, k, stdin.take(), st, name);
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
                runner(w, inv, k, stdin.take(), st, "uv");
            }
        }
        "uvx" | "pipx" => {
            let start = if name == "pipx" {
                if inv.args.get(1).is_some_and(|a| a.text == "run") {
                    2
                } else {
                    return true;
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
            package_runner(w, inv, k, stdin.take(), st);
        }
        "conda" | "mamba" | "micromamba" => {
            if inv.args.get(1).is_some_and(|a| a.text == "run") {
                let (k, _) = scan(&inv.args, 2, &opts("np", &["--name", "--prefix", "--cwd"]));
                runner(w, inv, k, stdin.take(), st, name);
            }
        }
        _ => return false,
    }
    true
}

/// `npm pkg set scripts.deploy='CMD'`, `npm set-script deploy 'CMD'` (and pnpm's and bun's `pkg
/// set`): a package script is shell text that `npm run deploy`, or an install hook, runs later,
/// in a command where nothing shows what it is; so it is judged where it is written, as a git
/// alias is. `k` is the index of the subcommand (`pkg`, `set-script`).
fn package_scripts(w: &mut Walker<'_>, inv: &Invocation, k: usize, st: &State) {
    let word = |i: usize| inv.args.get(i).map(|a| a.text.as_str());
    let mut scripts: Vec<(&str, String)> = Vec::new();
    match word(k) {
        Some("set-script") => {
            if let (Some(name), Some(text)) = (word(k + 1), word(k + 2)) {
                scripts.push((name, text.to_string()));
            }
        }
        Some("pkg") if word(k + 1) == Some("set") => {
            // With `--json`, values are JSON: a script is a JSON string.
            let json = inv.args.iter().any(|a| a.text == "--json");
            for a in &inv.args[k + 2..] {
                if let Some((key, value)) = a.text.split_once('=')
                    && let Some(name) = key.strip_prefix("scripts.")
                {
                    let text = json
                        .then(|| serde_json::from_str::<String>(value).ok())
                        .flatten()
                        .unwrap_or_else(|| value.to_string());
                    scripts.push((name, text));
                }
            }
        }
        _ => {}
    }
    for (name, text) in scripts {
        let step = Step::via(
            StepKind::Alias,
            format!("{} scripts.{name}", inv.program_name()),
        );
        w.run_text(&text, &nested_state(inv, st), Some(step));
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
    let mut inner = inv.nested(args, [Step::via(StepKind::PackageRunner, via)]);
    inner.redirects = inv.redirects.clone();
    w.emit(inner, stdin, &[], st);
}

/// `npm run NAME -- ARGS`, `yarn run NAME ARGS`: a script named after a tool usually runs that
/// tool (`"typeorm": "typeorm-ts-node-commonjs -d src/data-source.ts"`), so the arguments it
/// is given are also judged as that tool's, as `yarn NAME ARGS` is. `at` is the index of the
/// script's name; a script given no arguments, or with a conventional name that is no tool's
/// (`test`, `build`, `lint`), is left to the rules on script names.
fn script_with_arguments(
    w: &mut Walker<'_>,
    inv: &Invocation,
    at: usize,
    stdin: Option<Stdin>,
    st: &State,
) {
    let mut args = inv.args.get(at..).unwrap_or(&[]).to_vec();
    if args.get(1).is_some_and(|a| a.text == "--") {
        args.remove(1);
    }
    if args.len() < 2 || JS_RUNNER_BUILTINS.contains(&args[0].text.as_str()) {
        return;
    }
    let via = format!("{} run", inv.program_name());
    let mut inner = inv.nested(args, [Step::via(StepKind::PackageRunner, via)]);
    inner.redirects = inv.redirects.clone();
    w.emit(inner, stdin, &[], st);
}

/// Packages whose binary has another name than the package.
const PACKAGE_BINARIES: &[(&str, &str)] = &[
    ("firebase-tools", "firebase"),
    ("netlify-cli", "netlify"),
    ("twilio-cli", "twilio"),
    ("@railway/cli", "railway"),
    ("@salesforce/cli", "sf"),
    ("@sentry/cli", "sentry-cli"),
    ("@datadog/datadog-ci", "datadog-ci"),
    ("@cloudflare/wrangler", "wrangler"),
    ("@azure/static-web-apps-cli", "swa"),
    ("@prisma/cli", "prisma"),
    ("@google/clasp", "clasp"),
    ("@shopify/cli", "shopify"),
    ("@nestjs/cli", "nest"),
    ("@angular/cli", "ng"),
];

/// `prisma@5.1` → `prisma`; `@aws-cdk/cli` → `cdk`; `firebase-tools` → `firebase`;
/// `@scope/tool` → `tool`.
fn package_binary(pkg: &str) -> String {
    let unversioned = match pkg.strip_prefix('@') {
        Some(rest) => &pkg[..1 + rest.find('@').unwrap_or(rest.len())],
        None => pkg.split('@').next().unwrap_or(pkg),
    };
    if let Some((_, binary)) = PACKAGE_BINARIES.iter().find(|(p, _)| *p == unversioned) {
        return (*binary).to_string();
    }
    let (name, scoped) = match unversioned.strip_prefix('@') {
        Some(rest) => (rest.split_once('/').map_or(rest, |(_, n)| n), true),
        None => (unversioned, false),
    };
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
    // `bun -e CODE` / `bun --print CODE`: the flag comes before the code, which the flag scan
    // above stepped over as an operand.
    if name == "bun"
        && inv
            .args
            .get(1..k)
            .unwrap_or(&[])
            .iter()
            .any(|a| matches!(a.text.as_str(), "-e" | "--eval" | "-p" | "--print"))
    {
        inline::unwrap_interpreter(w, index, inv, stdin, &[], st);
        return;
    }
    let Some(sub) = inv.args.get(k) else { return };
    // `pnpm pkg set scripts.x=CMD`, `bun pm pkg set scripts.x=CMD`.
    if name != "yarn" && matches!(sub.text.as_str(), "pkg" | "pm") {
        let pkg = k + usize::from(sub.text == "pm");
        package_scripts(w, inv, pkg, st);
        return;
    }
    match sub.text.as_str() {
        "dlx" | "exec" | "x" => package_runner(w, inv, k + 1, stdin, st),
        "-e" | "--eval" | "eval" if name == "bun" => {
            inline::unwrap_interpreter(w, index, inv, stdin, &[], st)
        }
        "run" => {
            let (name, _) = scan(
                &inv.args,
                k + 1,
                &opts("FC", &["--filter", "--dir", "--cwd"]),
            );
            script_with_arguments(w, inv, name, stdin, st);
        }
        s if JS_RUNNER_BUILTINS.contains(&s) || s.starts_with('-') => {}
        _ => package_runner(w, inv, k, stdin, st),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_binaries() {
        assert_eq!(package_binary("prisma@5.2.0"), "prisma");
        assert_eq!(package_binary("@scope/tool@1"), "tool");
        assert_eq!(package_binary("aws-cdk"), "cdk");
        assert_eq!(package_binary("firebase-tools@13.0.0"), "firebase");
        assert_eq!(package_binary("@railway/cli@3"), "railway");
        assert_eq!(package_binary("netlify-cli"), "netlify");
    }
}
