//! A supervised session's private directory: `STATE_DIR/sessions/ID/` (mode 0700) holding the
//! supervisor's socket and the directory of shims put first on the agent's PATH.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::intercept::shim;

/// One session's paths.
#[derive(Debug)]
pub struct Session {
    /// The session directory (removed when the session ends).
    pub dir: PathBuf,
    /// The supervisor's socket.
    pub socket: PathBuf,
    /// The shim directory.
    pub shims: PathBuf,
}

/// The sessions directory of a state directory.
pub fn sessions_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("sessions")
}

/// The sockets of the sessions currently recorded under `state_dir`.
pub fn sockets(state_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(sessions_dir(state_dir)) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("sock"))
        .filter(|p| p.exists())
        .collect();
    out.sort();
    out
}

fn private_dir(path: &Path) -> anyhow::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .with_context(|| format!("cannot create {}", path.display()))
}

impl Session {
    /// Creates a new session directory, with its shims pointing at this binary when
    /// `link_shims` (an empty shim directory otherwise).
    pub fn create(state_dir: &Path, link_shims: bool) -> anyhow::Result<Session> {
        private_dir(state_dir)?;
        let id = format!(
            "{}-{}",
            std::process::id(),
            jiff::Timestamp::now().as_millisecond()
        );
        let dir = sessions_dir(state_dir).join(id);
        private_dir(&dir)?;
        let shims = dir.join("shims");
        private_dir(&shims)?;
        let exe =
            std::env::current_exe().context("cannot find the interlock binary to link shims to")?;
        for name in shim::programs().filter(|_| link_shims) {
            let link = shims.join(name);
            std::os::unix::fs::symlink(&exe, &link)
                .with_context(|| format!("cannot create the shim {}", link.display()))?;
        }
        Ok(Session {
            socket: dir.join("sock"),
            dir,
            shims,
        })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
