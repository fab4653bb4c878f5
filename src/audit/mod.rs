//! The audit log: one JSON object per line, append-only, hash-chained.
//!
//! Invariant: a record is written with one `write(2)` under an exclusive lock, and every record
//! a command runs on (an approval, a request handed to the agent's own prompt) and every exit is
//! `fdatasync`'d before [`AuditLog::append`] returns, flushing the lines before it (the request
//! an approval answers); records of commands that do not run ride on the next sync. Each record
//! carries the SHA-256 fingerprint of the one before it, so [`verify`] finds any edited, deleted, reordered or truncated line. A log that
//! cannot be written or whose tail is damaged refuses further records (fail closed).

mod error;
mod event;
mod log;
mod verify;

pub use error::AuditError;
pub use event::{AiAgent, Approval, Event, Status};
pub use log::{Appended, AuditLog, default_state_dir};
pub use verify::{VerifyReport, verify};

/// The fingerprint of the (absent) record before the first one.
pub const GENESIS: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// The fingerprint of a record: SHA-256 over its canonical JSON (object keys sorted, no
/// whitespace) with `attestation.fingerprint` removed.
pub fn fingerprint(record: &serde_json::Value) -> String {
    use sha2::{Digest, Sha256};
    let mut unsigned = canonical(record);
    if let Some(att) = unsigned
        .get_mut("attestation")
        .and_then(|a| a.as_object_mut())
    {
        att.remove("fingerprint");
    }
    let text = serde_json::to_string(&unsigned).unwrap_or_default();
    format!("sha256:{:x}", Sha256::digest(text.as_bytes()))
}

/// A copy of `value` with every object's keys in sorted order.
fn canonical(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            serde_json::Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), canonical(&map[k])))
                    .collect(),
            )
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(canonical).collect())
        }
        other => other.clone(),
    }
}
