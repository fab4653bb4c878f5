//! Approvals signed with SSH keys (`ssh-keygen -Y sign`), for approvers on other machines: the
//! signer is whoever the policy's allowed-signers file says holds the key, checked with
//! `ssh-keygen -Y find-principals` and `-Y verify`.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// The signature namespace (`ssh-keygen -Y sign -n interlock`).
pub const NAMESPACE: &str = "interlock";

/// The exact text an approver signs for `request` with `reason`.
pub fn message(request: &str, reason: &str) -> String {
    format!("interlock approval\nrequest: {request}\nreason: {reason}\n")
}

/// The principal of `allowed_signers` whose key made `signature` over `message`, or why not.
pub fn signer(allowed_signers: &Path, message: &str, signature: &str) -> Result<String, String> {
    let sig_path = std::env::temp_dir().join(format!(
        "interlock-signature-{}-{}.sig",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&sig_path)
        .and_then(|mut f| f.write_all(signature.as_bytes()));
    let result = written
        .map_err(|e| format!("cannot hold the signature for checking: {e}"))
        .and_then(|()| check(allowed_signers, message, &sig_path));
    let _ = std::fs::remove_file(&sig_path);
    result
}

fn check(allowed_signers: &Path, message: &str, sig_path: &Path) -> Result<String, String> {
    let found = Command::new("ssh-keygen")
        .args(["-Y", "find-principals", "-s"])
        .arg(sig_path)
        .arg("-f")
        .arg(allowed_signers)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run ssh-keygen: {e}"))?;
    let principal = String::from_utf8_lossy(&found.stdout)
        .lines()
        .next()
        .map(str::trim)
        .filter(|p| !p.is_empty() && found.status.success())
        .map(str::to_string)
        .ok_or("the signature's key is not in the allowed signers")?;
    let mut verify = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(allowed_signers)
        .args(["-I", &principal, "-n", NAMESPACE, "-s"])
        .arg(sig_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run ssh-keygen: {e}"))?;
    if let Some(mut stdin) = verify.stdin.take() {
        stdin
            .write_all(message.as_bytes())
            .map_err(|e| format!("cannot hand the message to ssh-keygen: {e}"))?;
    }
    let status = verify
        .wait()
        .map_err(|e| format!("ssh-keygen failed: {e}"))?;
    if status.success() {
        Ok(principal)
    } else {
        Err(format!(
            "the signature does not verify as {principal}'s over this request and reason"
        ))
    }
}
