//! Exec-level interception for `interlock run --enforce trace` (Linux, x86_64): the agent starts
//! under a seccomp filter that stops only `execve`/`execveat` for a ptrace tracer in the
//! supervisor, which decides each exec before it happens and checks each one after it happened.
//! Nothing the agent's tree executes escapes it: absolute paths, `env -i`, scripts written to
//! disk, static binaries and renamed copies of guarded programs are all seen. A Landlock sandbox
//! keeps the same tree from writing outside the working tree and a few other places.

pub mod filter;
pub mod identity;
pub mod memory;
pub mod sandbox;
mod spin;
pub mod start;
pub mod tracee;
pub mod tracer;
pub mod trampoline;
