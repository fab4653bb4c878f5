//! `interlock audit verify`: recompute every fingerprint and check every link.

use std::io::BufRead;
use std::path::Path;

use serde_json::Value;

use super::error::AuditError;
use super::{GENESIS, fingerprint};

/// The outcome of verifying a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records that verified, in order.
    pub records: usize,
    /// The first problem: 1-based line number and what is wrong. `None` means the log is intact.
    pub first_break: Option<(usize, String)>,
}

/// Verifies the log at `path`: each line parses, its fingerprint matches its content, it
/// links to the previous record's fingerprint, sequence numbers go up by one, and the file
/// ends with a complete line.
pub fn verify(path: &Path) -> Result<VerifyReport, AuditError> {
    let io = |source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut reader = std::io::BufReader::new(file);
    let mut prev = GENESIS.to_string();
    let mut chain: Option<String> = None;
    let mut records = 0;
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(io)?;
        if n == 0 {
            break;
        }
        number += 1;
        let broken = |reason: String| {
            Ok(VerifyReport {
                records,
                first_break: Some((number, reason)),
            })
        };
        if line.last() != Some(&b'\n') {
            return broken("the line is incomplete (the log was truncated)".into());
        }
        let record: Value = match serde_json::from_slice(&line[..line.len() - 1]) {
            Ok(v) => v,
            Err(e) => return broken(format!("not valid JSON: {e}")),
        };
        let stated = record
            .pointer("/attestation/fingerprint")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if fingerprint(&record) != stated {
            return broken(
                "the record was modified: its fingerprint does not match its content".into(),
            );
        }
        let link = record
            .pointer("/attestation/prev_event/fingerprint")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if link != prev {
            return broken(
                "the chain is broken: a record before this one was removed, reordered or modified"
                    .into(),
            );
        }
        let sequence = record
            .pointer("/metadata/sequence")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if sequence != records as u64 + 1 {
            return broken(format!(
                "sequence {sequence} where {} was expected",
                records + 1
            ));
        }
        let uid = record
            .pointer("/attestation/chain_uid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if chain.get_or_insert_with(|| uid.clone()) != &uid {
            return broken("the record belongs to another chain".into());
        }
        prev = stated.to_string();
        records += 1;
    }
    Ok(VerifyReport {
        records,
        first_break: None,
    })
}
