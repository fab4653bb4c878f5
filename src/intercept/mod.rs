//! Interception: how commands reach the classifier — PATH shims, agent hooks, and (on Linux
//! x86_64) the exec tracer.

pub mod hooks;
pub mod shim;
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
pub mod trace;
