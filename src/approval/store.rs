//! Held requests of agents that run without `interlock run`: one JSON file per request under
//! `STATE_DIR/hook-requests/` (a 0700 directory). A human approves one from another terminal;
//! the agent's identical retry in the same directory then consumes the approval, once.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Severity;

/// A held request on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRequest {
    /// The request id.
    pub request: String,
    /// The exact argv.
    pub argv: Vec<String>,
    /// Where it was asked to run.
    pub cwd: String,
    /// Severity.
    pub severity: Severity,
    /// Matched rules.
    pub rules: Vec<String>,
    /// Why it is held.
    pub reason: String,
    /// The agent process that asked (its tree may not approve).
    pub agent_pid: u32,
    /// The agent's name.
    pub agent: String,
    /// Milliseconds since the epoch after which it can no longer be approved or used.
    pub expires: i64,
    /// The human's approval, once given (all the approvers it needs).
    pub approval: Option<StoredApproval>,
    /// How many distinct humans must approve it.
    #[serde(default = "one")]
    pub needed: u8,
    /// Approvals so far, while fewer than `needed`.
    #[serde(default)]
    pub approvals: Vec<StoredApproval>,
}

fn one() -> u8 {
    1
}

/// A human's approval of a stored request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredApproval {
    /// Why.
    pub reason: String,
    /// Who.
    pub user: String,
}

/// The directory of held hook requests.
pub fn dir(state_dir: &Path) -> PathBuf {
    state_dir.join("hook-requests")
}

fn path(state_dir: &Path, id: &str) -> Option<PathBuf> {
    let safe = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    safe.then(|| dir(state_dir).join(format!("{id}.json")))
}

/// Writes (or rewrites) a request atomically.
pub fn save(state_dir: &Path, req: &StoredRequest) -> std::io::Result<()> {
    let d = dir(state_dir);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&d)?;
    let target =
        path(state_dir, &req.request).ok_or_else(|| std::io::Error::other("bad request id"))?;
    let tmp = d.join(format!(".{}.{}.tmp", req.request, std::process::id()));
    std::fs::write(
        &tmp,
        serde_json::to_vec(req).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(&tmp, target)
}

/// Loads request `id`, if it exists.
pub fn load(state_dir: &Path, id: &str) -> Option<StoredRequest> {
    let p = path(state_dir, id)?;
    serde_json::from_slice(&std::fs::read(p).ok()?).ok()
}

/// Removes request `id`.
pub fn remove(state_dir: &Path, id: &str) {
    if let Some(p) = path(state_dir, id) {
        let _ = std::fs::remove_file(p);
    }
}

/// Every stored request that has not expired (expired ones are deleted).
pub fn list(state_dir: &Path) -> Vec<StoredRequest> {
    let now = jiff::Timestamp::now().as_millisecond();
    let Ok(entries) = std::fs::read_dir(dir(state_dir)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.filter_map(|e| e.ok()) {
        let p = entry.path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let Some(req) = std::fs::read(&p)
            .ok()
            .and_then(|b| serde_json::from_slice::<StoredRequest>(&b).ok())
        else {
            continue;
        };
        if req.expires < now {
            let _ = std::fs::remove_file(&p);
            continue;
        }
        out.push(req);
    }
    out.sort_by_key(|r| r.expires);
    out
}

/// The request id of `argv` run in `cwd`: the same command in the same place is one request,
/// however often the agent retries it, and its approval is found without reading any other.
pub fn request_id_for(argv: &[String], cwd: &str) -> String {
    let key = serde_json::json!([argv, cwd]).to_string();
    crate::ids::hashed_id("h", &key, 12)
}

/// Takes the approval for exactly this argv in this directory, if a human gave one and it has
/// not expired: the file is renamed away first, so two racing retries cannot both use it.
pub fn take(state_dir: &Path, argv: &[String], cwd: &str) -> Option<StoredRequest> {
    let id = request_id_for(argv, cwd);
    let req = load(state_dir, &id)?;
    let now = jiff::Timestamp::now().as_millisecond();
    if req.approval.is_none() || req.argv != argv || req.cwd != cwd || req.expires < now {
        return None;
    }
    let from = path(state_dir, &id)?;
    let claimed = dir(state_dir).join(format!(".{id}.used.{}", std::process::id()));
    std::fs::rename(&from, &claimed).ok()?;
    let _ = std::fs::remove_file(&claimed);
    Some(req)
}
