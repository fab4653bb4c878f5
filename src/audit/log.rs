//! Appending to the audit log: lock, read the chain's tail, write one line, sync.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};
use serde_json::{Value, json};

use super::error::AuditError;
use super::event::Event;
use super::{GENESIS, fingerprint};

/// How much of the file's end is read first to find the last record (doubled until a whole
/// line is in view, up to [`MAX_RECORD`]).
const TAIL_WINDOW: u64 = 8 << 10;
/// The longest record the log accepts as its tail.
const MAX_RECORD: u64 = 16 << 20;

/// An append-only, hash-chained JSON-lines log.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
    /// The file's length and last record after this handle's last append: when the length is
    /// unchanged (no other writer since), the tail need not be read again.
    tail: std::sync::Arc<std::sync::Mutex<Option<(u64, Value)>>>,
}

/// What appending produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The record's sequence number (1 for the first).
    pub sequence: u64,
    /// The record's fingerprint.
    pub fingerprint: String,
}

/// `$XDG_STATE_HOME/interlock`, else `~/.local/state/interlock`.
pub fn default_state_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state"));
    xdg.or(home).map(|d| d.join("interlock"))
}

impl AuditLog {
    /// The log at `path` (created on first append, mode 0600).
    pub fn new(path: impl Into<PathBuf>) -> AuditLog {
        AuditLog {
            path: path.into(),
            tail: Default::default(),
        }
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, source: std::io::Error) -> AuditError {
        AuditError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Appends `event`, chained to the last record, and — when a command runs on it (an approval)
    /// or it records an exit ([`Status::must_sync`]) — syncs it and every earlier line to disk
    /// before returning.
    ///
    /// [`Status::must_sync`]: super::Status::must_sync
    pub fn append(&self, event: &Event) -> Result<Appended, AuditError> {
        self.write(event, event.status.must_sync())
    }

    /// Appends `event` and syncs it to disk before returning, whatever its status: for a record
    /// a command may run on without a later approval record (a request handed to the agent's
    /// own prompt).
    pub fn append_synced(&self, event: &Event) -> Result<Appended, AuditError> {
        self.write(event, true)
    }

    fn write(&self, event: &Event, sync: bool) -> Result<Appended, AuditError> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| self.io(e))?;
        }
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&self.path)
            .map_err(|e| self.io(e))?;
        let mut file = Flock::lock(file, FlockArg::LockExclusive)
            .map_err(|(_, errno)| self.io(errno.into()))?;
        let len = file.metadata().map_err(|e| self.io(e))?.len();
        let cached = self.tail.lock().ok().and_then(|t| {
            t.as_ref()
                .filter(|(l, _)| *l == len)
                .map(|(_, v)| v.clone())
        });
        let tail = match cached {
            Some(record) => Some(record),
            None => self.last_record(&mut file)?,
        };
        let (sequence, prev, chain) = match &tail {
            None => (1, GENESIS.to_string(), new_chain_uid()),
            Some(record) => (
                record
                    .pointer("/metadata/sequence")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
                    + 1,
                record
                    .pointer("/attestation/fingerprint")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                record
                    .pointer("/attestation/chain_uid")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            ),
        };
        let mut record =
            serde_json::to_value(event).map_err(|e| self.io(std::io::Error::other(e)))?;
        if let Some(obj) = record.as_object_mut() {
            let correlation = obj.remove("correlation_uid").unwrap_or(Value::Null);
            obj.insert(
                "metadata".into(),
                json!({
                    "correlation_uid": correlation,
                    "sequence": sequence,
                    "product": { "name": "interlock", "version": env!("CARGO_PKG_VERSION") },
                }),
            );
            obj.insert(
                "attestation".into(),
                json!({ "chain_uid": chain, "prev_event": { "fingerprint": prev } }),
            );
        }
        let fp = fingerprint(&record);
        if let Some(att) = record.get_mut("attestation").and_then(Value::as_object_mut) {
            att.insert("fingerprint".into(), Value::String(fp.clone()));
        }
        let mut line =
            serde_json::to_string(&record).map_err(|e| self.io(std::io::Error::other(e)))?;
        line.push('\n');
        // One write of the whole line (O_APPEND), then data sync, all under the lock. Only the
        // records a command runs on (an approval) and its exit are synced one by one; a sync
        // flushes every earlier line too, so the request before an approval is on disk before the
        // command runs. Records of commands that do not run (allowed-harmless lines ride along;
        // denials, expiries, held requests) are flushed by the next sync, and the chain shows any
        // a crash lost.
        file.write_all(line.as_bytes()).map_err(|e| self.io(e))?;
        if sync {
            file.sync_data().map_err(|e| self.io(e))?;
        }
        if let Ok(mut t) = self.tail.lock() {
            *t = Some((len + line.len() as u64, record));
        }
        Ok(Appended {
            sequence,
            fingerprint: fp,
        })
    }

    /// The last record, or `None` for an empty log. A damaged tail is an
    /// error: the chain cannot be continued from it.
    fn last_record(&self, file: &mut File) -> Result<Option<Value>, AuditError> {
        let len = file.seek(SeekFrom::End(0)).map_err(|e| self.io(e))?;
        if len == 0 {
            return Ok(None);
        }
        let damaged = |reason: &str| AuditError::Damaged {
            path: self.path.clone(),
            line: 0,
            reason: reason.to_string(),
        };
        let mut window = TAIL_WINDOW;
        loop {
            let start = len.saturating_sub(window);
            file.seek(SeekFrom::Start(start)).map_err(|e| self.io(e))?;
            let mut buf = Vec::new();
            file.read_to_end(&mut buf).map_err(|e| self.io(e))?;
            if buf.last() != Some(&b'\n') {
                return Err(damaged("the last line is incomplete"));
            }
            let body = &buf[..buf.len() - 1];
            let last = match body.iter().rposition(|b| *b == b'\n') {
                Some(i) => &body[i + 1..],
                None if start == 0 => body,
                None if window >= MAX_RECORD => return Err(damaged("the last line is too long")),
                None => {
                    window *= 2;
                    continue;
                }
            };
            let record: Value = serde_json::from_slice(last)
                .map_err(|e| damaged(&format!("the last line is not JSON: {e}")))?;
            if fingerprint(&record)
                != record
                    .pointer("/attestation/fingerprint")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            {
                return Err(damaged(
                    "the last record's fingerprint does not match its content",
                ));
            }
            return Ok(Some(record));
        }
    }
}

/// A new chain id: the SHA-256 of this moment and process, shortened.
fn new_chain_uid() -> String {
    let seed = format!(
        "{}:{}:{:?}",
        jiff::Timestamp::now().as_nanosecond(),
        std::process::id(),
        std::thread::current().id()
    );
    crate::ids::hashed_id("chain", &seed, 16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Event, Status, VerifyReport, verify};
    use crate::{Decision, Severity};

    fn event(n: usize) -> Event {
        Event::new(
            Status::Requested,
            &format!("req-{n}"),
            &["aws".into(), "s3".into(), "ls".into()],
            "/w",
            Decision::Allow,
            Severity::Info,
            &[],
            "harmless",
        )
    }

    fn log_with(n: usize) -> (tempfile::TempDir, AuditLog) {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::new(dir.path().join("audit.jsonl"));
        for i in 0..n {
            let a = log.append(&event(i)).expect("append");
            assert_eq!(a.sequence, i as u64 + 1);
        }
        (dir, log)
    }

    fn rewrite(log: &AuditLog, f: impl FnOnce(&mut Vec<String>)) {
        let text = std::fs::read_to_string(log.path()).expect("read");
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        f(&mut lines);
        std::fs::write(
            log.path(),
            lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
        )
        .expect("write");
    }

    #[test]
    fn an_intact_log_verifies() {
        let (_d, log) = log_with(5);
        let report = verify(log.path()).expect("verify");
        assert_eq!(
            report,
            VerifyReport {
                records: 5,
                first_break: None
            }
        );
    }

    #[test]
    fn edits_deletions_reordering_and_truncation_are_found() {
        let (_d, log) = log_with(5);
        rewrite(&log, |l| l[2] = l[2].replace("req-2", "req-X"));
        assert_eq!(
            verify(log.path()).expect("verify").first_break.map(|b| b.0),
            Some(3)
        );

        let (_d, log) = log_with(5);
        rewrite(&log, |l| {
            l.remove(1);
        });
        assert_eq!(
            verify(log.path()).expect("verify").first_break.map(|b| b.0),
            Some(2)
        );

        let (_d, log) = log_with(5);
        rewrite(&log, |l| l.swap(1, 3));
        assert_eq!(
            verify(log.path()).expect("verify").first_break.map(|b| b.0),
            Some(2)
        );

        let (_d, log) = log_with(3);
        let text = std::fs::read_to_string(log.path()).expect("read");
        std::fs::write(log.path(), &text[..text.len() - 10]).expect("truncate");
        assert_eq!(
            verify(log.path()).expect("verify").first_break.map(|b| b.0),
            Some(3)
        );
        // A damaged tail also stops further appends: the chain cannot continue from it.
        assert!(matches!(
            log.append(&event(9)),
            Err(AuditError::Damaged { .. })
        ));
    }

    #[test]
    fn concurrent_writers_never_lose_or_interleave_records() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.jsonl");
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let log = AuditLog::new(path);
                    for i in 0..25 {
                        log.append(&event(t * 100 + i)).expect("append");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("join");
        }
        let report = verify(&path).expect("verify");
        assert_eq!(
            report,
            VerifyReport {
                records: 200,
                first_break: None
            }
        );
    }
}
