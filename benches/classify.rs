//! Criterion benchmarks of the classification pipeline: loading the embedded rulesets, parsing
//! shell text, and classifying a mixed corpus of realistic agent commands with every shipped
//! ruleset on. Run `cargo bench`; `cargo bench -- classify/mixed` runs one.

#![allow(clippy::expect_used)]
// `criterion_group!` generates a function without documentation.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use interlock::shell::{ShellContext, analyze};
use interlock::{Action, Engine, Environment, rules};
use std::hint::black_box;

/// A mix weighted like an agent session: mostly reads, builds and tests, a few destructive ones.
const MIXED: &[&str] = &[
    "ls -la",
    "git status",
    "git diff --staged",
    "cargo test -- --nocapture",
    "npm run build",
    "rg -n 'TODO' src",
    "cat src/main.rs | head -50",
    "cd web && npm ci && npm test",
    "python -m pytest -q tests/",
    "docker compose logs -f api",
    "kubectl get pods -n prod -o wide",
    "terraform plan -out tfplan",
    "aws s3 ls s3://bucket/prefix/",
    "git commit -m 'fix: handle empty input'",
    "find . -name '*.rs' -not -path './target/*' | xargs wc -l",
    "rm -rf target/debug/incremental",
    "gh pr view 12 --comments",
    "psql -c 'SELECT count(*) FROM users'",
    "aws --profile prod cloudformation delete-stack --stack-name api",
    "bash -c 'cd ~ && rm -rf .'",
];

fn engine() -> Engine {
    let rules = rules::load::shipped().expect("shipped rulesets");
    Engine::new(
        rules,
        Environment::detect(
            Some("/home/user/project".into()),
            Some("/home/user/project".into()),
        ),
    )
}

fn bench_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    g.bench_function("embedded-rulesets", |b| {
        b.iter(|| black_box(rules::load::shipped().expect("load")))
    });
    g.finish();
}

fn bench_parse(c: &mut Criterion) {
    let ctx = ShellContext {
        cwd: Some("/home/user/project".into()),
        home: Some("/home/user".into()),
        tmpdir: None,
        programs: Default::default(),
    };
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(MIXED.len() as u64));
    g.bench_function("mixed", |b| {
        b.iter(|| {
            for cmd in MIXED {
                black_box(analyze(cmd, &ctx));
            }
        })
    });
    g.finish();
}

fn bench_classify(c: &mut Criterion) {
    let e = engine();
    let actions: Vec<Action> = MIXED
        .iter()
        .map(|c| Action::Shell((*c).to_string()))
        .collect();
    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Elements(actions.len() as u64));
    g.bench_function("mixed", |b| {
        b.iter(|| {
            for a in &actions {
                black_box(e.classify(a));
            }
        })
    });
    g.bench_function("harmless-one", |b| {
        b.iter(|| black_box(e.classify(&Action::Shell("git status".into()))))
    });
    g.finish();
}

criterion_group!(benches, bench_load, bench_parse, bench_classify);
criterion_main!(benches);
