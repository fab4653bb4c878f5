//! Installs a seccomp filter with a user-notification listener, as a nested sandbox (syd,
//! podman, LXC) does: its listener would take precedence over an outer tracer's exec stops.
//! Prints `listener` on success, `refused errno=N` on failure.

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
    fn __errno_location() -> *mut i32;
}

const SYS_SECCOMP: i64 = 317;
const SECCOMP_SET_MODE_FILTER: i64 = 1;
const SECCOMP_FILTER_FLAG_NEW_LISTENER: i64 = 1 << 3;
const PR_SET_NO_NEW_PRIVS: i32 = 38;

fn main() {
    // BPF_RET | BPF_K, SECCOMP_RET_ALLOW: a filter that allows everything, with a listener.
    let allow = [SockFilter {
        code: 0x06,
        jt: 0,
        jf: 0,
        k: 0x7fff_0000,
    }];
    let program = SockFprog {
        len: 1,
        filter: allow.as_ptr(),
    };
    // SAFETY: plain system calls with valid arguments; `program` outlives the call.
    let result = unsafe {
        prctl(PR_SET_NO_NEW_PRIVS, 1i64, 0i64, 0i64, 0i64);
        syscall(
            SYS_SECCOMP,
            SECCOMP_SET_MODE_FILTER,
            SECCOMP_FILTER_FLAG_NEW_LISTENER,
            &program as *const SockFprog,
        )
    };
    if result < 0 {
        // SAFETY: errno of this thread, read right after the failed call.
        println!("refused errno={}", unsafe { *__errno_location() });
        std::process::exit(1);
    }
    println!("listener");
}
