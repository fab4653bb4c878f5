//! Interception: how commands reach the classifier. This module holds the PATH shims; agent
//! hooks and the exec tracer are later layers.

pub mod hooks;
pub mod shim;
