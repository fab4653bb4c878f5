//! Runs a command where ptrace(2) is refused, as under a container profile that does not allow
//! it: a seccomp filter makes every ptrace call fail with EPERM, then the command is executed.
use std::os::unix::process::CommandExt;

#[repr(C)]
struct SockFilter {
    code: u16,
    jt: u8,
    jf: u8,
    k: u32,
}

#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

unsafe extern "C" {
    fn syscall(number: i64, ...) -> i64;
    fn prctl(option: i32, ...) -> i32;
}

const SYS_SECCOMP: i64 = 317;
const SYS_PTRACE: u32 = 101;
const SECCOMP_SET_MODE_FILTER: i64 = 1;
const PR_SET_NO_NEW_PRIVS: i32 = 38;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
const SECCOMP_RET_ERRNO_EPERM: u32 = 0x0005_0000 | 1;

fn main() {
    let filter = [
        // A = seccomp_data.nr
        SockFilter { code: 0x20, jt: 0, jf: 0, k: 0 },
        // if A == ptrace: next, else skip one
        SockFilter { code: 0x15, jt: 0, jf: 1, k: SYS_PTRACE },
        SockFilter { code: 0x06, jt: 0, jf: 0, k: SECCOMP_RET_ERRNO_EPERM },
        SockFilter { code: 0x06, jt: 0, jf: 0, k: SECCOMP_RET_ALLOW },
    ];
    let program = SockFprog {
        len: filter.len() as u16,
        filter: filter.as_ptr(),
    };
    // SAFETY: plain system calls with valid arguments; `program` outlives the call.
    let installed = unsafe {
        prctl(PR_SET_NO_NEW_PRIVS, 1i64, 0i64, 0i64, 0i64);
        syscall(SYS_SECCOMP, SECCOMP_SET_MODE_FILTER, 0i64, &program as *const SockFprog)
    };
    assert_eq!(installed, 0, "cannot install the filter");
    let mut args = std::env::args_os().skip(1);
    let program = args.next().expect("a command");
    let err = std::process::Command::new(program).args(args).exec();
    panic!("cannot run the command: {err}");
}
