//! The seccomp filter the agent starts under: `execve` and `execveat` stop for the tracer
//! (`SECCOMP_RET_TRACE`); every other system call runs untouched, at no cost.
//!
//! With no tracer attached, a traced call fails with `ENOSYS`, so an agent that outlives its
//! supervisor cannot run anything (fail closed). Calls through a foreign ABI (32-bit `int 0x80`)
//! kill the process; the x32 numbers of both exec calls stop for the tracer too, which refuses
//! them. So does installing a seccomp filter with a user-notification listener: a nested
//! sandbox's listener would take precedence over this filter's stops and decide execs itself.
//! And so does `process_vm_writev`: one process of the agent's tree could otherwise rewrite
//! another's arguments in memory after its exec was checked (Landlock already keeps the tree
//! from writing `/proc/PID/mem` and from tracing anything outside it).

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

/// The value the filter attaches to its stops (`PTRACE_GETEVENTMSG`), telling interlock's own
/// stops from those of a filter the agent installed itself.
pub const TAG: u32 = 0x1a7e;

/// `execve` on x86_64.
pub const EXECVE: u64 = 59;
/// `execveat` on x86_64.
pub const EXECVEAT: u64 = 322;
/// `seccomp` on x86_64.
pub const SECCOMP: u64 = 317;
/// `process_vm_writev` on x86_64.
pub const PROCESS_VM_WRITEV: u64 = 311;
/// `process_vm_writev` in the x32 ABI (without [`X32`]).
pub const X32_PROCESS_VM_WRITEV: u64 = 540;
/// `SECCOMP_SET_MODE_FILTER`.
pub const SET_MODE_FILTER: u64 = 1;
/// `SECCOMP_FILTER_FLAG_NEW_LISTENER`.
pub const NEW_LISTENER: u64 = 1 << 3;
/// The bit that marks an x32 system call number.
pub const X32: u64 = 0x4000_0000;
/// `execve` and `execveat` in the x32 ABI (without [`X32`]).
pub const X32_EXECS: [u64; 2] = [520, 545];

/// Builds the filter. Built before the agent starts, so a failure is reported, not hit later.
pub fn exec_trap() -> Result<BpfProgram, String> {
    let mut rules = BTreeMap::new();
    for nr in [EXECVE, EXECVEAT, PROCESS_VM_WRITEV]
        .into_iter()
        .chain(X32_EXECS.map(|n| n | X32))
        .chain([X32_PROCESS_VM_WRITEV | X32])
    {
        let nr = i64::try_from(nr).map_err(|e| e.to_string())?;
        rules.insert(nr, Vec::new());
    }
    let listener = |index, op, value| {
        SeccompCondition::new(index, SeccompCmpArgLen::Dword, op, value)
            .map_err(|e| format!("cannot build the exec filter: {e}"))
    };
    let new_listener = SeccompRule::new(vec![
        listener(0, SeccompCmpOp::Eq, SET_MODE_FILTER)?,
        listener(1, SeccompCmpOp::MaskedEq(NEW_LISTENER), NEW_LISTENER)?,
    ])
    .map_err(|e| format!("cannot build the exec filter: {e}"))?;
    rules.insert(
        i64::try_from(SECCOMP).map_err(|e| e.to_string())?,
        vec![new_listener],
    );
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
