//! Acting on a stopped tracee — resuming, refusing, keeping it stopped, telling it why — and
//! reading what it is about to run or has just started.

use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sys::ptrace;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use super::memory::{self, ExecCall};

/// The file an exec call names, as this process can open it.
pub fn target_path(tid: Pid, call: &ExecCall) -> PathBuf {
    let path = Path::new(OsStr::from_bytes(&call.path));
    match call.dirfd {
        Some(fd) if call.empty_path => PathBuf::from(format!("/proc/{tid}/fd/{fd}")),
        _ if path.is_absolute() => path.to_path_buf(),
        None => Path::new(&format!("/proc/{tid}/cwd")).join(path),
        Some(fd) => Path::new(&format!("/proc/{tid}/fd/{fd}")).join(path),
    }
}

/// The name of the program: the last part of the path as given, else of the resolved target.
pub fn base_name(path: &[u8], target: &Path) -> String {
    Path::new(OsStr::from_bytes(path))
        .file_name()
        .or_else(|| target.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The argv of the image that just started (at `PTRACE_EVENT_EXEC` nothing of it has run, so
/// this is what the kernel was given): from its stack, else from `/proc/PID/cmdline`.
pub fn started_argv(pid: Pid) -> Vec<Vec<u8>> {
    memory::started_argv(pid).unwrap_or_else(|| cmdline(pid))
}

/// The argv in `/proc/PID/cmdline`; empty if it cannot be read.
fn cmdline(pid: Pid) -> Vec<Vec<u8>> {
    use std::io::Read;
    let mut raw = Vec::new();
    if let Ok(mut file) = std::fs::File::open(format!("/proc/{pid}/cmdline")) {
        // Plain reads: `read_to_end` would first ask for a size procfs does not know, and
        // read once more to see the end (three more system calls on every exec). procfs
        // returns all it has up to the buffer's size, so a short read is the end.
        let mut chunk = [0u8; 4096];
        loop {
            match file.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) if n < chunk.len() => {
                    raw.extend_from_slice(&chunk[..n]);
                    break;
                }
                Ok(n) => raw.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }
    let raw = raw.strip_suffix(&[0]).unwrap_or(&raw);
    if raw.is_empty() {
        return Vec::new();
    }
    raw.split(|&b| b == 0).map(<[u8]>::to_vec).collect()
}

/// Resumes a stopped tracee (one that is gone is no error).
pub fn resume(tid: Pid, signal: Option<Signal>) {
    let _ = ptrace::cont(tid, signal);
}

/// Leaves a tracee in its job-control stop, but lets SIGCONT wake it (`PTRACE_LISTEN`).
#[allow(unsafe_code)]
pub fn listen(tid: Pid) {
    // SAFETY: PTRACE_LISTEN takes no addresses (both are 0); it only changes the state of a
    // tracee of this thread, which is in a group-stop. nix has no wrapper for it.
    let done = unsafe {
        nix::libc::ptrace(
            nix::libc::PTRACE_LISTEN,
            tid.as_raw(),
            std::ptr::null_mut::<nix::libc::c_void>(),
            std::ptr::null_mut::<nix::libc::c_void>(),
        )
    };
    if done != 0 {
        // Could not listen: better running than stuck where nothing will wake it.
        resume(tid, None);
    }
}

/// Fails the stopped exec call of `tid` with EPERM and resumes it.
pub fn deny(tid: Pid) {
    if memory::fail_call(tid, Errno::EPERM).is_err() {
        // Registers cannot be set: the tracee must not go on into the exec.
        let _ = kill(tid, Signal::SIGKILL);
    }
    resume(tid, None);
}

/// Writes `message` to the tracee's standard error, if it has a writable one.
pub fn tell(tid: Pid, message: &str) {
    if let Ok(mut err) = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(nix::libc::O_NONBLOCK)
        .open(format!("/proc/{tid}/fd/2"))
    {
        let _ = writeln!(err, "interlock: {message}");
    }
}
