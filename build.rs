//! Parses the shipped rulesets (`rulesets/*.toml`) at build time and embeds them in the binary
//! as a postcard bundle (an index plus one encoding per rule), so a fresh `interlock` process
//! never parses TOML and decodes only the rules of the programs it sees. A ruleset that does not
//! parse, or that repeats a rule id, fails the build with the file and line. The rules' inline
//! examples are checked by the test suite, which runs the real shell front end.

use std::path::Path;

#[allow(dead_code)]
#[path = "src/level.rs"]
mod level;
#[allow(dead_code)]
#[path = "src/rules/schema.rs"]
mod schema;

fn main() {
    println!("cargo::rerun-if-changed=rulesets");
    println!("cargo::rerun-if-changed=src/rules/schema.rs");
    println!("cargo::rerun-if-changed=src/level.rs");
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
}
