//! The seccomp filter the agent starts under: `execve` and `execveat` stop for the tracer
//! (`SECCOMP_RET_TRACE`); every other system call runs untouched, at no cost.
//!
//! With no tracer attached, a traced call fails with `ENOSYS`, so an agent that outlives its
//! supervisor cannot run anything (fail closed). Calls through a foreign ABI (32-bit `int 0x80`)
//! kill the process; the x32 numbers of both exec calls stop for the tracer too, which refuses
//! them.

use std::collections::BTreeMap;

use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};

/// The value the filter attaches to its stops (`PTRACE_GETEVENTMSG`), telling interlock's own
/// stops from those of a filter the agent installed itself.
pub const TAG: u32 = 0x1a7e;

/// `execve` on x86_64.
pub const EXECVE: u64 = 59;
/// `execveat` on x86_64.
pub const EXECVEAT: u64 = 322;
/// The bit that marks an x32 system call number.
pub const X32: u64 = 0x4000_0000;
/// `execve` and `execveat` in the x32 ABI (without [`X32`]).
pub const X32_EXECS: [u64; 2] = [520, 545];

/// Builds the filter. Built before the agent starts, so a failure is reported, not hit later.
pub fn exec_trap() -> Result<BpfProgram, String> {
    let mut rules = BTreeMap::new();
    for nr in [EXECVE, EXECVEAT]
        .into_iter()
        .chain(X32_EXECS.map(|n| n | X32))
    {
        let nr = i64::try_from(nr).map_err(|e| e.to_string())?;
        rules.insert(nr, Vec::new());
    }
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Trace(TAG),
        TargetArch::x86_64,
    )
    .map_err(|e| format!("cannot build the exec filter: {e}"))?;
    filter
        .try_into()
        .map_err(|e: seccompiler::BackendError| format!("cannot compile the exec filter: {e}"))
}

/// Installs `program` on the calling thread (after `PR_SET_NO_NEW_PRIVS`); it is inherited by
/// every thread and process started afterwards and cannot be removed.
pub fn install(program: &BpfProgram) -> Result<(), String> {
    seccompiler::apply_filter(program).map_err(|e| format!("cannot install the exec filter: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_builds() {
        let program = exec_trap().unwrap();
        assert!(program.len() > 4);
    }
}
