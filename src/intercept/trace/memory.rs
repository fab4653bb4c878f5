//! Reading an exec call's arguments out of a stopped tracee: registers, the path and argv.
//!
//! What is read here can be rewritten by another thread of the tracee before the kernel copies
//! it; it serves the decision and the prompt. Enforcement is the check after the exec (see
//! [`super::tracer`]).

use std::io::IoSliceMut;

use nix::errno::Errno;
use nix::sys::ptrace;
use nix::sys::uio::{RemoteIoVec, process_vm_readv};
use nix::unistd::Pid;

use super::filter::{EXECVE, EXECVEAT, NEW_LISTENER, SECCOMP, SET_MODE_FILTER, X32, X32_EXECS};

/// Longest path read.
const MAX_PATH: usize = 4096;
/// Most arguments read (the kernel's own limit on argv+envp is about 2 MiB).
const MAX_ARGS: usize = 1 << 17;
/// Most bytes of argv read in total.
const MAX_ARGV_BYTES: usize = 4 << 20;

/// An exec call as the tracee made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecCall {
    /// The directory descriptor of `execveat` (`None` for `execve`, or `AT_FDCWD`).
    pub dirfd: Option<i32>,
    /// The path argument.
    pub path: Vec<u8>,
    /// The argument vector.
    pub argv: Vec<Vec<u8>>,
    /// `execveat` with `AT_EMPTY_PATH`: the program is `dirfd` itself.
    pub empty_path: bool,
    /// The address of the environment array (read only when needed, see [`read_env`]).
    pub envp: u64,
}

/// What the stopped system call is.
#[derive(Debug)]
pub enum Stopped {
    /// `execve` or `execveat` of the native ABI.
    Exec(ExecCall),
    /// An exec through the x32 ABI: refused.
    ForeignExec,
    /// A seccomp filter with a user-notification listener (a nested sandbox): refused.
    NotifyFilter,
    /// Some other call, stopped by a filter the agent installed itself: not ours to judge.
    Other,
}

/// Reads the stopped system call of `tid` (at a seccomp stop).
pub fn stopped_call(tid: Pid) -> nix::Result<Stopped> {
    let regs = ptrace::getregs(tid)?;
    let nr = regs.orig_rax;
    if nr & X32 != 0 {
        return Ok(if X32_EXECS.contains(&(nr & !X32)) {
            Stopped::ForeignExec
        } else {
            Stopped::Other
        });
    }
    let (dirfd, path, argv, envp, flags) = match nr {
        SECCOMP if regs.rdi == SET_MODE_FILTER && regs.rsi & NEW_LISTENER != 0 => {
            return Ok(Stopped::NotifyFilter);
        }
        EXECVE => (None, regs.rdi, regs.rsi, regs.rdx, 0),
        EXECVEAT => {
            // The kernel takes the descriptor as a 32-bit int.
            let fd = regs.rdi as u32 as i32;
            (
                (fd != nix::libc::AT_FDCWD).then_some(fd),
                regs.rsi,
                regs.rdx,
                regs.r10,
                regs.r8,
            )
        }
        _ => return Ok(Stopped::Other),
    };
    let path = read_cstr(tid, path, MAX_PATH)?;
    let argv = read_argv(tid, argv)?;
    Ok(Stopped::Exec(ExecCall {
        dirfd,
        empty_path: path.is_empty() && flags & nix::libc::AT_EMPTY_PATH as u64 != 0,
        path,
        argv,
        envp,
    }))
}

/// The variables named in `names` from the environment array at `envp` of the stopped exec
/// call of `tid`, in the order found.
pub fn read_env(tid: Pid, envp: u64, names: &[&str]) -> nix::Result<Vec<(String, String)>> {
    Ok(read_argv(tid, envp)?
        .iter()
        .filter_map(|entry| {
            let entry = String::from_utf8_lossy(entry);
            let (name, value) = entry.split_once('=')?;
            names
                .contains(&name)
                .then(|| (name.to_string(), value.to_string()))
        })
        .collect())
}

/// Makes the stopped exec call of `tid` return `-errno` without running it.
pub fn fail_call(tid: Pid, errno: Errno) -> nix::Result<()> {
    let mut regs = ptrace::getregs(tid)?;
    // System call number -1: the kernel skips the call and returns what `rax` holds.
    regs.orig_rax = u64::MAX;
    regs.rax = (-(errno as i64)) as u64;
    ptrace::setregs(tid, regs)
}

fn read_mem(tid: Pid, addr: u64, buf: &mut [u8]) -> nix::Result<usize> {
    let base = usize::try_from(addr).map_err(|_| Errno::EFAULT)?;
    let remote = [RemoteIoVec {
        base,
        len: buf.len(),
    }];
    process_vm_readv(tid, &mut [IoSliceMut::new(buf)], &remote)
}

/// A NUL-terminated string of at most `max` bytes, read in pieces that never cross a page.
fn read_cstr(tid: Pid, mut addr: u64, max: usize) -> nix::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while out.len() <= max {
        let room = 4096 - (addr as usize & 4095);
        let n = read_mem(tid, addr, &mut buf[..room])?;
        if n == 0 {
            return Err(Errno::EFAULT);
        }
        if let Some(end) = buf[..n].iter().position(|&b| b == 0) {
            out.extend_from_slice(&buf[..end]);
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
        addr += n as u64;
    }
    Err(Errno::E2BIG)
}

/// A NULL-terminated array of string pointers (a null array is an empty argv, as the kernel
/// takes it). Pointers are read a page's worth at a time.
fn read_argv(tid: Pid, mut addr: u64) -> nix::Result<Vec<Vec<u8>>> {
    let mut args = Vec::new();
    if addr == 0 {
        return Ok(args);
    }
    let mut total = 0;
    let mut buf = [0u8; 4096];
    loop {
        let room = (4096 - (addr as usize & 4095)) & !7;
        let room = if room == 0 { 8 } else { room };
        let n = read_mem(tid, addr, &mut buf[..room])?;
        if n < 8 {
            return Err(Errno::EFAULT);
        }
        for word in buf[..n - n % 8].chunks_exact(8) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(word);
            let ptr = u64::from_ne_bytes(bytes);
            if ptr == 0 {
                return Ok(args);
            }
            if args.len() >= MAX_ARGS {
                return Err(Errno::E2BIG);
            }
            let arg = read_cstr(tid, ptr, MAX_ARGV_BYTES.saturating_sub(total))?;
            total += arg.len() + 1;
            args.push(arg);
        }
        addr += (n - n % 8) as u64;
    }
}
