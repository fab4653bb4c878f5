//! Loads rulesets: the shipped ones compiled into the binary, or files and directories from disk.
//!
//! Invariant: the shipped grammars (the knowledge of each CLI's syntax) are always present;
//! `--ruleset` replaces the shipped *rules* only. Files from disk must pass their inline examples
//! or they do not load.

use std::path::{Path, PathBuf};

use super::error::{Result, RulesError};
use super::examples;
use super::ruleset::Ruleset;
use super::schema::{SourceFile, parse_toml};

/// The shipped rulesets, parsed by `build.rs` and encoded with postcard.
static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/rulesets.postcard"));

/// The shipped ruleset files, decoded without copying their strings.
pub fn embedded_files() -> Result<Vec<SourceFile<'static>>> {
    postcard::from_bytes(EMBEDDED).map_err(|e| RulesError::Embedded(e.to_string()))
}

/// The shipped rulesets.
pub fn shipped() -> Result<Ruleset> {
    Ruleset::build(embedded_files()?)
}

/// The shipped grammars with the rules of `paths` (files, or directories of `*.toml` files).
/// Every loaded rule's examples are checked.
pub fn from_paths(paths: &[PathBuf]) -> Result<Ruleset> {
    let grammars = SourceFile {
        name: "<built-in grammars>".into(),
        grammars: embedded_files()?.into_iter().flat_map(|f| f.grammars).collect(),
        rules: Vec::new(),
    };
    let mut files = vec![grammars];
    for path in paths {
        for file in expand(path)? {
            let text = std::fs::read_to_string(&file).map_err(|source| RulesError::Io { path: file.clone(), source })?;
            let name = file.display().to_string();
            let parsed = parse_toml(&name, &text).map_err(|e| RulesError::Syntax { file: name.clone(), line: e.line, message: e.message })?;
            files.push(parsed);
        }
    }
    let ruleset = Ruleset::build(files)?;
    examples::check(&ruleset, 1)?;
    Ok(ruleset)
}

/// A file, or the sorted `*.toml` files of a directory.
fn expand(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path).map_err(|source| RulesError::Io { path: path.to_path_buf(), source })?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|source| RulesError::Io { path: path.to_path_buf(), source })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(RulesError::EmptyDir { path: path.to_path_buf() });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_rulesets_load_and_their_examples_pass() {
        let rs = shipped().unwrap_or_else(|e| panic!("{e}"));
        assert!(!rs.is_empty());
        let failures = examples::failures(&rs, 0);
        let text: Vec<String> = failures.iter().map(|e| e.to_string()).collect();
        assert!(failures.is_empty(), "{} example failures:\n{}", failures.len(), text.join("\n"));
    }
}
