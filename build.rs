//! Parses the shipped rulesets (`rulesets/*.toml`) at build time and embeds them in the binary
//! in postcard form, so a fresh `interlock` process never parses TOML. A ruleset that does not
//! parse, or that repeats a rule id, fails the build with the file and line. The rules' inline
//! examples are checked by the test suite and by `interlock rules test`, which run the real shell
//! front end.

use std::collections::HashMap;
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
    let mut seen: HashMap<String, String> = HashMap::new();
    for name in &names {
        let path = dir.join(name);
        println!("cargo::rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let file = schema::parse_toml(name, &text).unwrap_or_else(|e| {
            panic!("rulesets/{name}:{}: {}", e.line.unwrap_or(0), e.message)
        });
        for rule in &file.rules {
            let here = format!("rulesets/{name}:{}", rule.line);
            if let Some(first) = seen.insert(rule.item.id.to_string(), here.clone()) {
                panic!("{here}: rule id `{}` is already declared at {first}", rule.item.id);
            }
        }
        files.push(file);
    }
    let bytes = postcard::to_stdvec(&files).unwrap_or_else(|e| panic!("cannot encode rulesets: {e}"));
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|e| panic!("OUT_DIR: {e}"))).join("rulesets.postcard");
    std::fs::write(&out, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
