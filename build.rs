//! Parses the shipped rulesets (`rulesets/*.toml`) at build time and embeds them in the binary
//! as a postcard bundle (an index plus one encoding per rule), so a fresh `interlock` process
//! never parses TOML and decodes only the rules of the programs it sees. A ruleset that does not
//! parse, or that repeats a rule id, fails the build with the file and line. The rules' inline
//! examples are checked by the test suite, which runs the real shell front end.
//!
//! The rules' `script` patterns are compiled here too, into dense DFAs serialized for the target
//! (`script-dfas.bin`, each entry 8-byte aligned, indexed by `script-dfas.rs`): loading one costs
//! microseconds, where compiling it in the process that checks one `python -c` cost a
//! fraction of a millisecond per pattern.

use std::path::Path;

#[allow(dead_code)]
#[path = "src/level.rs"]
mod level;
#[allow(dead_code)]
#[path = "src/rules/schema.rs"]
mod schema;
#[path = "src/rules/script_syntax.rs"]
mod script_syntax;

fn main() {
    println!("cargo::rerun-if-changed=rulesets");
    println!("cargo::rerun-if-changed=src/rules/schema.rs");
    println!("cargo::rerun-if-changed=src/level.rs");
    println!("cargo::rerun-if-changed=src/rules/script_syntax.rs");
    let dir = Path::new("rulesets");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read rulesets/: {e}"))
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    let mut files = Vec::new();
    for name in &names {
        let path = dir.join(name);
        println!("cargo::rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let file = schema::parse_toml(name, &text)
            .unwrap_or_else(|e| panic!("rulesets/{name}:{}: {}", e.line.unwrap_or(0), e.message));
        files.push(file);
    }
    let (index, blob) = schema::bundle(&files).unwrap_or_else(|d| {
        panic!(
            "rulesets/{}:{} {}: rule id already declared at rulesets/{}",
            d.file, d.line, d.id, d.first
        )
    });
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|e| panic!("OUT_DIR: {e}")))
        .to_path_buf();
    for (name, bytes) in [
        ("rules-index.postcard", index),
        ("rules-blob.postcard", blob),
    ] {
        let path = out.join(name);
        std::fs::write(&path, bytes)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
    write_script_dfas(&files, &out);
    write_tiers(&out);
}

/// One environment tier as `rulesets/environments/tiers.toml` declares it; encoded with postcard
/// in the field order of `interlock::tiers::Tier` (name, name globs, directory globs,
/// approvers, ignored words).
#[derive(serde::Deserialize, serde::Serialize)]
struct TierDef {
    name: String,
    #[serde(rename = "match")]
    globs: Vec<String>,
    #[serde(default)]
    dirs: Vec<String>,
    #[serde(default = "one")]
    approvers: u8,
    #[serde(default)]
    ignore: Vec<String>,
}

fn one() -> u8 {
    1
}

#[derive(serde::Deserialize, serde::Serialize)]
struct TiersDef {
    #[serde(rename = "tier")]
    tiers: Vec<TierDef>,
}

/// Parses the environment tiers at build time, so a process never parses TOML to find them.
fn write_tiers(out: &Path) {
    let path = Path::new("rulesets/environments/tiers.toml");
    println!("cargo::rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let tiers: TiersDef =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let bytes = postcard::to_allocvec(&tiers)
        .unwrap_or_else(|e| panic!("cannot encode {}: {e}", path.display()));
    let target = out.join("tiers.postcard");
    std::fs::write(&target, bytes)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", target.display()));
}

/// Compiles every distinct `script` pattern of the shipped rules into a dense DFA for the
/// target's byte order. A pattern that does not compile is left out: the runtime then compiles
/// it itself and reports it the way it reports any bad pattern.
fn write_script_dfas(files: &[schema::SourceFile<'_>], out: &Path) {
    use regex_automata::dfa::{StartKind, dense};

    let big_endian = std::env::var("CARGO_CFG_TARGET_ENDIAN").is_ok_and(|e| e == "big");
    let mut patterns: Vec<&str> = files
        .iter()
        .flat_map(|f| &f.rules)
        .filter_map(|r| r.item.script.as_ref().map(|s| s.as_str()))
        .collect();
    patterns.sort_unstable();
    patterns.dedup();
    let mut bytes = Vec::new();
    let mut index = String::from(
        "/// Shipped `script` patterns and where each one's dense DFA lies in the embedded bytes.\n\
         static PRECOMPILED: &[(&str, usize, usize)] = &[\n",
    );
    for pattern in patterns {
        let Ok(dfa) = dense::Builder::new()
            .syntax(script_syntax::syntax_config())
            .thompson(script_syntax::thompson_config())
            // Minimized: loading validates every transition, so fewer states load faster. Not
            // accelerated: inline code is short, and the accelerated loop's first memchr call
            // probes the CPU, which costs more under a hypervisor than scanning the code.
            .configure(
                dense::Config::new()
                    .start_kind(StartKind::Unanchored)
                    .minimize(true)
                    .accelerate(false),
            )
            .build(pattern)
        else {
            continue;
        };
        let (serialized, pad) = if big_endian {
            dfa.to_bytes_big_endian()
        } else {
            dfa.to_bytes_little_endian()
        };
        let start = bytes.len();
        bytes.extend_from_slice(&serialized[pad..]);
        index.push_str(&format!(
            "    ({pattern:?}, {start}, {}),\n",
            bytes.len() - start
        ));
        bytes.resize(bytes.len().next_multiple_of(8), 0);
    }
    index.push_str("];\n");
    for (name, contents) in [
        ("script-dfas.bin", bytes),
        ("script-dfas.rs", index.into_bytes()),
    ] {
        let path = out.join(name);
        std::fs::write(&path, contents)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}
