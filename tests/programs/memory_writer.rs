//! Writes into a process's memory with `process_vm_writev`, as a process rewriting another's
//! arguments after its exec was checked would. Its target is itself (a buffer of its own), so
//! the call succeeds wherever the system call is allowed.
//! Prints `wrote` on success, `refused errno=N` on failure.

#[repr(C)]
struct IoVec {
    base: *mut u8,
    len: usize,
}

unsafe extern "C" {
    fn getpid() -> i32;
    fn process_vm_writev(
        pid: i32,
        local: *const IoVec,
        local_count: u64,
        remote: *const IoVec,
        remote_count: u64,
        flags: u64,
    ) -> isize;
    fn __errno_location() -> *mut i32;
}

fn main() {
    let mut source = *b"rewritten";
    let mut target = *b"original!";
    let local = IoVec {
        base: source.as_mut_ptr(),
        len: source.len(),
    };
    let remote = IoVec {
        base: target.as_mut_ptr(),
        len: target.len(),
    };
    // SAFETY: both vectors describe live buffers of this process of the stated lengths.
    let written = unsafe { process_vm_writev(getpid(), &local, 1, &remote, 1, 0) };
    if written == source.len() as isize && std::hint::black_box(target) == source {
        println!("wrote");
    } else {
        // SAFETY: reading this thread's errno.
        println!("refused errno={}", unsafe { *__errno_location() });
    }
}
