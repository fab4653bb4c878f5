//! Loads rulesets: the shipped ones compiled into the binary, or files and directories from disk.
//!
//! Invariant: the shipped grammars (the knowledge of each CLI's syntax) are always present;
//! `--ruleset` replaces the shipped *rules* only. Files from disk must pass their inline examples
//! or they do not load.

use std::path::{Path, PathBuf};

use super::error::{Result, RulesError};
use super::examples;
use super::ruleset::Ruleset;
use super::schema::{Located, SourceFile, parse_toml};

/// The shipped rulesets' index, built by `build.rs`.
static EMBEDDED_INDEX: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/rules-index.postcard"));
/// The shipped rules, one postcard encoding each.
static EMBEDDED_BLOB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/rules-blob.postcard"));

/// The shipped rulesets. Only the index and grammars are decoded here; each rule is decoded
/// the first time an invocation of its program is classified.
pub fn shipped() -> Result<Ruleset> {
    Ruleset::from_bundle(EMBEDDED_INDEX, EMBEDDED_BLOB)
}

/// The shipped grammars with the rules of `paths` (files, or directories of `*.toml` files).
/// Every loaded rule is decoded and checked, and its examples are run.
pub fn from_paths(paths: &[PathBuf]) -> Result<Ruleset> {
    let ruleset = unchecked(paths)?;
    examples::check(&ruleset, 1)?;
    Ok(ruleset)
}

/// Like [`from_paths`], but without running the rules' examples (for `interlock rules test`,
/// which reports every failing example instead of the first).
pub fn unchecked(paths: &[PathBuf]) -> Result<Ruleset> {
    let ruleset = Ruleset::from_files(&parse_paths(paths)?)?;
    ruleset.validate(1)?;
    Ok(ruleset)
}

/// Like [`unchecked`], without stopping at a malformed rule either: every rule that cannot be
/// used is left for [`super::examples::failures`] to report, each with its file and line.
pub fn unvalidated(paths: &[PathBuf]) -> Result<Ruleset> {
    Ruleset::from_files(&parse_paths(paths)?)
}

/// The shipped grammars as a first file, then the parsed ruleset files of `paths`.
pub fn parse_paths(paths: &[PathBuf]) -> Result<Vec<SourceFile<'static>>> {
    let shipped = shipped()?;
    let grammars = SourceFile {
        name: "<built-in grammars>".into(),
        grammars: shipped
            .grammars()
            .into_iter()
            .map(|item| Located { line: 0, item })
            .collect(),
        rules: Vec::new(),
    };
    let mut files = vec![grammars];
    for path in paths {
        for file in expand(path)? {
            files.push(parse_file(&file)?);
        }
    }
    Ok(files)
}

/// Reads and parses one ruleset file, named in messages by its path.
pub fn parse_file(file: &Path) -> Result<SourceFile<'static>> {
    let text = std::fs::read_to_string(file).map_err(|source| RulesError::Io {
        path: file.to_path_buf(),
        source,
    })?;
    let name = file.display().to_string();
    parse_toml(&name, &text).map_err(|e| RulesError::Syntax {
        file: name,
        line: e.line,
        message: e.message,
    })
}

/// A file, or the sorted `*.toml` files of a directory.
pub fn expand(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path).map_err(|source| RulesError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|source| RulesError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(RulesError::EmptyDir {
            path: path.to_path_buf(),
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_rulesets_load_and_their_examples_pass() {
        let rs = shipped().unwrap_or_else(|e| panic!("{e}"));
        assert!(rs.len() > 200, "{} rules", rs.len());
        rs.validate(0).unwrap_or_else(|e| panic!("{e}"));
        let failures = examples::failures(&rs, 0);
        let text: Vec<String> = failures.iter().map(|e| e.to_string()).collect();
        assert!(
            failures.is_empty(),
            "{} example failures:\n{}",
            failures.len(),
            text.join("\n")
        );
    }
}
