//! What a program *is*, whatever it is called: an exec target is recognised as a guarded
//! program by its name, by being the same file (a symlink or hard link), or by having the same
//! content (a copy under another name). Content hashes are cached by device, inode, size and
//! modification time, and only files whose size equals a guarded program's are hashed.

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// A file's identity: device and inode.
pub type FileId = (u64, u64);

/// The cache key of a content hash: identity, size and modification time.
type ContentKey = (u64, u64, u64, i64, i64);

/// The guarded programs found on the agent's PATH, and what has been learnt about other files.
#[derive(Debug)]
pub struct Guarded {
    names: HashSet<&'static str>,
    by_file: HashMap<FileId, &'static str>,
    by_size: HashMap<u64, Vec<(&'static str, PathBuf)>>,
    hashes: HashMap<ContentKey, Option<[u8; 32]>>,
}

impl Guarded {
    /// Finds each of `names` in the directories of `path` (every match, not only the first:
    /// a copy of any of them is recognised).
    pub fn new(names: impl Iterator<Item = &'static str>, path: &OsStr) -> Guarded {
        let names: HashSet<&'static str> = names.collect();
        let mut by_file = HashMap::new();
        let mut by_size: HashMap<u64, Vec<(&'static str, PathBuf)>> = HashMap::new();
        for dir in std::env::split_paths(path) {
            // One directory listing instead of a lookup per guarded name.
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.filter_map(Result::ok) {
                let Some(&name) = entry.file_name().to_str().and_then(|n| names.get(n)) else {
                    continue;
                };
                let file = entry.path();
                let Ok(meta) = std::fs::metadata(&file) else {
                    continue;
                };
                if !meta.is_file() {
                    continue;
                }
                by_file.entry((meta.dev(), meta.ino())).or_insert(name);
                let same = by_size.entry(meta.len()).or_default();
                if !same.iter().any(|(n, _)| *n == name) {
                    same.push((name, file));
                }
            }
        }
        Guarded {
            names,
            by_file,
            by_size,
            hashes: HashMap::new(),
        }
    }

    /// Recognises copies and links of `file` as `name` too, without making `name` a guarded
    /// program whose every run is logged (interlock itself: its rules judge what it is asked).
    pub fn recognise(&mut self, name: &'static str, file: &Path) {
        if let Ok(meta) = std::fs::metadata(file) {
            self.by_file.entry((meta.dev(), meta.ino())).or_insert(name);
            self.by_size
                .entry(meta.len())
                .or_default()
                .push((name, file.to_path_buf()));
        }
    }

    /// Whether `name` is a guarded program's name.
    pub fn is_guarded(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// The guarded program `file` is (its name, a link to one, or a copy of one), if any.
    pub fn identify(&mut self, file: &Path, meta: &std::fs::Metadata) -> Option<&'static str> {
        if let Some(name) = file
            .file_name()
            .and_then(OsStr::to_str)
            .and_then(|n| self.names.get(n))
        {
            return Some(name);
        }
        if let Some(name) = self.by_file.get(&(meta.dev(), meta.ino())) {
            return Some(name);
        }
        let candidates = self.by_size.get(&meta.len())?.clone();
        let hash = self.hash(file, meta)?;
        let own_name = file.file_name()?;
        candidates.into_iter().find_map(|(name, path)| {
            let theirs = std::fs::metadata(&path).ok()?;
            if self.hash(&path, &theirs)? != hash {
                return None;
            }
            // A dispatcher that acts on the name it is run as (pyenv, asdf and mise shims are
            // one script under many names): the guarded program's directory holds the same
            // content under this file's name too, so the content says nothing about identity.
            let sibling = path.with_file_name(own_name);
            let dispatcher = std::fs::metadata(&sibling)
                .ok()
                .is_some_and(|m| self.hash(&sibling, &m) == Some(hash));
            (!dispatcher).then_some(name)
        })
    }

    fn hash(&mut self, file: &Path, meta: &std::fs::Metadata) -> Option<[u8; 32]> {
        let key = (
            meta.dev(),
            meta.ino(),
            meta.len(),
            meta.mtime(),
            meta.mtime_nsec(),
        );
        *self
            .hashes
            .entry(key)
            .or_insert_with(|| content_hash(file).ok())
    }
}

fn content_hash(file: &Path) -> std::io::Result<[u8; 32]> {
    let mut f = std::fs::File::open(file)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(hasher.finalize().into());
        }
        hasher.update(&buf[..n]);
    }
}

/// Whether `file` starts with `#!` (two bytes read, never the whole file).
pub fn is_script(file: &Path) -> bool {
    let mut head = [0u8; 2];
    std::fs::File::open(file)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| &head == b"#!")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_links_and_copies_of_a_guarded_program() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::fs::write(bin.join("aws"), "#!/bin/sh\necho fake aws\n").unwrap();
        std::fs::write(bin.join("other"), "#!/bin/sh\necho 0ther aws\n").unwrap();
        let mut g = Guarded::new(["aws", "kubectl"].into_iter(), bin.as_os_str());
        let probe = |g: &mut Guarded, p: &Path| {
            let m = std::fs::metadata(p).unwrap();
            g.identify(p, &m)
        };
        assert_eq!(probe(&mut g, &bin.join("aws")), Some("aws"));
        let copy = dir.path().join("x");
        std::fs::copy(bin.join("aws"), &copy).unwrap();
        assert_eq!(probe(&mut g, &copy), Some("aws"));
        let link = dir.path().join("hard");
        std::fs::hard_link(bin.join("aws"), &link).unwrap();
        assert_eq!(probe(&mut g, &link), Some("aws"));
        // Same size, other content.
        assert_eq!(probe(&mut g, &bin.join("other")), None);
        // One dispatcher script under many names (pyenv shims): not a copy of `aws`.
        std::fs::copy(bin.join("aws"), bin.join("python3")).unwrap();
        assert_eq!(probe(&mut g, &bin.join("python3")), None);
        assert!(is_script(&copy));
        assert!(!is_script(Path::new("/proc/self/status")));
    }
}
