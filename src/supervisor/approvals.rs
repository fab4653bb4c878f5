//! The approval socket: an abstract unix socket (`@interlock/approve/SESSION`) through which
//! other OS users on the machine approve, deny or list a session's held requests. Abstract
//! sockets have no file permissions, so any local user can connect; the supervisor admits only
//! the session's own user and the approvers it was started with, by the kernel's peer
//! credentials, and only for approvals, denials and the pending list.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener};

use anyhow::Context;

use super::session::Session;

/// The abstract name prefix of every approval socket.
pub const PREFIX: &str = "interlock/approve/";

/// Binds the approval socket of `session`.
pub fn bind(session: &Session) -> anyhow::Result<UnixListener> {
    let id = session
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = format!("{PREFIX}{id}");
    let addr = SocketAddr::from_abstract_name(name.as_bytes())
        .with_context(|| format!("cannot name the approval socket @{name}"))?;
    UnixListener::bind_addr(&addr).with_context(|| format!("cannot listen on @{name}"))
}

/// The approval sockets listening on this machine (from `/proc/net/unix`), as abstract names.
pub fn discover() -> Vec<String> {
    let Ok(table) = std::fs::read_to_string("/proc/net/unix") else {
        return Vec::new();
    };
    let mut names: Vec<String> = table
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().nth(7))
        .filter_map(|path| path.strip_prefix('@'))
        .filter(|name| name.starts_with(PREFIX))
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    names
}
