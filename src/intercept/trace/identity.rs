//! What a program *is*, whatever it is called: an exec target is recognised as a guarded
//! program, or another program rules are written for, by being the same file as one found on
//! PATH (a symlink or hard link) or by having the same content (a copy under another name, even
//! another program's name). A file found under several programs' names is a multi-call binary
//! (busybox), which the name it is run as decides. Content hashes are cached by device, inode,
//! size and modification time, and only files whose size equals a known program's are hashed.

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

/// The guarded programs found on the agent's PATH, the other programs rules are written for,
/// and what has been learnt about other files.
#[derive(Debug)]
pub struct Guarded {
    /// Guarded programs: every run is logged.
    names: HashSet<String>,
    /// The names each file was found under.
    by_file: HashMap<FileId, Vec<String>>,
    by_size: HashMap<u64, Vec<(String, PathBuf)>>,
    hashes: HashMap<ContentKey, Option<[u8; 32]>>,
    /// What each file compared by content, run under a name, turned out to be (the name
    /// matters to dispatchers, see [`Guarded::identify`]).
    identified: HashMap<(ContentKey, std::ffi::OsString), Option<String>>,
}

impl Guarded {
    /// Finds each of the `guarded` programs (every run logged) and of the `others` that rules
    /// are written for in the directories of `path` — every match, not only the first: a link or
    /// copy of any of them is recognised as that program (`cp /usr/sbin/wipefs ./w && ./w -a
    /// /dev/sda` runs wipefs).
    pub fn new<'a, 'b>(
        guarded: impl Iterator<Item = &'a str>,
        others: impl Iterator<Item = &'b str>,
        path: &OsStr,
    ) -> Guarded {
        let mut found = Guarded {
            names: guarded.map(str::to_string).collect(),
            by_file: HashMap::new(),
            by_size: HashMap::new(),
            hashes: HashMap::new(),
            identified: HashMap::new(),
        };
        let mut wanted = found.names.clone();
        wanted.extend(others.map(str::to_string));
        found.find_on_path(&wanted, path);
        found
    }

    fn find_on_path(&mut self, wanted: &HashSet<String>, path: &OsStr) {
        for dir in std::env::split_paths(path) {
            // One directory listing instead of a lookup per name.
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.filter_map(Result::ok) {
                let Some(name) = entry.file_name().to_str().and_then(|n| wanted.get(n)) else {
                    continue;
                };
                let file = entry.path();
                let Ok(meta) = std::fs::metadata(&file) else {
                    continue;
                };
                if meta.is_file() {
                    self.remember(name, &file, &meta);
                }
            }
        }
    }

    /// Recognises copies and links of `file` as `name` too, without making `name` a guarded
    /// program whose every run is logged (interlock itself: its rules judge what it is asked).
    pub fn recognise(&mut self, name: &str, file: &Path) {
        if let Ok(meta) = std::fs::metadata(file) {
            self.remember(name, file, &meta);
        }
    }

    /// Records that `file` is (also) program `name`.
    fn remember(&mut self, name: &str, file: &Path, meta: &std::fs::Metadata) {
        let known = self.by_file.entry((meta.dev(), meta.ino())).or_default();
        if !known.iter().any(|k| k == name) {
            known.push(name.to_string());
        }
        let same = self.by_size.entry(meta.len()).or_default();
        if !same.iter().any(|(n, _)| n == name) {
            same.push((name.to_string(), file.to_path_buf()));
        }
    }

    /// Whether `name` is a guarded program's name.
    pub fn is_guarded(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// The program `file` is — a guarded program or another that rules are written for, a
    /// link to one, or a copy of one — if any. What a file is decides, not what it is called:
    /// a copy of `rm` named `git` is `rm`.
    pub fn identify(&mut self, file: &Path, meta: &std::fs::Metadata) -> Option<String> {
        if let Some(known) = self.by_file.get(&(meta.dev(), meta.ino())) {
            return one_program(known);
        }
        // Most files exec'd (a build's compilers, `true`) have no known program's size: no key
        // is built for them on this path, which every exec takes.
        if !self.by_size.contains_key(&meta.len()) {
            return None;
        }
        let key = (content_key(meta), file.file_name()?.to_os_string());
        if let Some(known) = self.identified.get(&key) {
            return known.clone();
        }
        let found = self.by_content(file, meta);
        self.identified.insert(key, found.clone());
        found
    }

    /// The known program whose content `file` has, if exactly one has it.
    fn by_content(&mut self, file: &Path, meta: &std::fs::Metadata) -> Option<String> {
        let candidates = self.by_size.get(&meta.len())?.clone();
        let hash = self.hash(file, meta)?;
        let own_name = file.file_name()?;
        let mut same = candidates.into_iter().filter_map(|(name, path)| {
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
        });
        let names: Vec<String> = same.by_ref().take(MULTI_CALL + 1).collect();
        one_program(&names)
    }

    fn hash(&mut self, file: &Path, meta: &std::fs::Metadata) -> Option<[u8; 32]> {
        *self
            .hashes
            .entry(content_key(meta))
            .or_insert_with(|| content_hash(file).ok())
    }
}

/// More names than this for one file make it a multi-call binary.
const MULTI_CALL: usize = 3;

/// The program a file found under `names` is: one name, or a few (`mysql` and `mariadb`, `sh`
/// and `dash`: one program under its names), are that program; a file under more names than
/// [`MULTI_CALL`] is a multi-call binary (busybox, toybox), which does what the name it is run
/// as says, so it is none of them.
fn one_program(names: &[String]) -> Option<String> {
    names.first().filter(|_| names.len() <= MULTI_CALL).cloned()
}

/// A file's identity, size and modification time: its content is the same while they are.
fn content_key(meta: &std::fs::Metadata) -> ContentKey {
    (
        meta.dev(),
        meta.ino(),
        meta.len(),
        meta.mtime(),
        meta.mtime_nsec(),
    )
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

    /// What `g` takes the file at `p` for.
    fn probe(g: &mut Guarded, p: &Path) -> Option<String> {
        let m = std::fs::metadata(p).unwrap();
        g.identify(p, &m)
    }

    #[test]
    fn recognises_links_and_copies_of_a_guarded_program() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::fs::write(bin.join("aws"), "#!/bin/sh\necho fake aws\n").unwrap();
        std::fs::write(bin.join("other"), "#!/bin/sh\necho 0ther aws\n").unwrap();
        std::fs::write(bin.join("wipefs"), "#!/bin/sh\necho wipe it all\n").unwrap();
        let mut g = Guarded::new(
            ["aws", "kubectl"].into_iter(),
            ["wipefs", "aws"].into_iter(),
            bin.as_os_str(),
        );
        assert_eq!(probe(&mut g, &bin.join("aws")).as_deref(), Some("aws"));
        let copy = dir.path().join("x");
        std::fs::copy(bin.join("aws"), &copy).unwrap();
        assert_eq!(probe(&mut g, &copy).as_deref(), Some("aws"));
        let link = dir.path().join("hard");
        std::fs::hard_link(bin.join("aws"), &link).unwrap();
        assert_eq!(probe(&mut g, &link).as_deref(), Some("aws"));
        // What a file is decides, not its name: a copy of `aws` named `kubectl` is aws.
        let renamed = dir.path().join("kubectl");
        std::fs::copy(bin.join("aws"), &renamed).unwrap();
        assert_eq!(probe(&mut g, &renamed).as_deref(), Some("aws"));
        // Programs that rules are written for are recognised too, without being guarded.
        let w = dir.path().join("w");
        std::fs::copy(bin.join("wipefs"), &w).unwrap();
        assert_eq!(probe(&mut g, &w).as_deref(), Some("wipefs"));
        assert!(!g.is_guarded("wipefs") && g.is_guarded("aws"));
        // Same size, other content.
        assert_eq!(probe(&mut g, &bin.join("other")), None);
        // One dispatcher script under many names (pyenv shims): not a copy of `aws`.
        std::fs::copy(bin.join("aws"), bin.join("python3")).unwrap();
        assert_eq!(probe(&mut g, &bin.join("python3")), None);
        assert!(is_script(&copy));
    }

    #[test]
    fn a_multi_call_binary_is_the_name_it_is_run_as() {
        // busybox: one file under the names of many programs, guarded or not.
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::fs::write(bin.join("busybox"), "#!/bin/sh\necho multi-call\n").unwrap();
        for name in ["rm", "find", "dd", "xargs", "ls"] {
            std::os::unix::fs::symlink(bin.join("busybox"), bin.join(name)).unwrap();
        }
        let mut g = Guarded::new(
            ["rm", "find", "aws"].into_iter(),
            ["dd", "xargs", "ls"].into_iter(),
            bin.as_os_str(),
        );
        // Known by no name: the tracer judges it by the name it is run as.
        assert_eq!(probe(&mut g, &bin.join("rm")), None);
        assert_eq!(probe(&mut g, &bin.join("ls")), None);
        let copy = dir.path().join("x");
        std::fs::copy(bin.join("busybox"), &copy).unwrap();
        assert_eq!(probe(&mut g, &copy), None);
        // One program under a few names (`sh` and `dash`, `mysql` and `mariadb`) is that
        // program, copied or not.
        std::fs::write(bin.join("dash"), "#!/bin/sh\necho a shell\n").unwrap();
        std::os::unix::fs::symlink(bin.join("dash"), bin.join("sh")).unwrap();
        let mut g = Guarded::new(
            ["sh", "dash", "rm"].into_iter(),
            [].into_iter(),
            bin.as_os_str(),
        );
        let shell = dir.path().join("y");
        std::fs::copy(bin.join("dash"), &shell).unwrap();
        let named = probe(&mut g, &shell);
        assert!(matches!(named.as_deref(), Some("sh" | "dash")), "{named:?}");
        assert!(!is_script(Path::new("/proc/self/status")));
    }
}
