//! The supervisor: owns the audit log and the decisions for one agent session. Shims and the
//! approval commands talk to it over a unix socket in a private (0700) session directory.

pub mod approvals;
pub mod client;
pub mod launch;
pub mod peer;
pub mod protocol;
pub mod pty;
pub mod server;
pub mod session;

pub use protocol::{PendingRequest, Request, Response};
