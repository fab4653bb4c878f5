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

use super::filter::{
    EXECVE, EXECVEAT, NEW_LISTENER, PROCESS_VM_WRITEV, SECCOMP, SET_MODE_FILTER, X32, X32_EXECS,
    X32_PROCESS_VM_WRITEV,
};

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
    /// A write into another process's memory (`process_vm_writev`): refused.
    MemoryWrite,
    /// Some other call, stopped by a filter the agent installed itself: not ours to judge.
    Other,
}

/// Reads the stopped system call of `tid` (at a seccomp stop).
pub fn stopped_call(tid: Pid) -> nix::Result<Stopped> {
    let regs = ptrace::getregs(tid)?;
    let nr = regs.orig_rax;
    if nr & X32 != 0 {
        return Ok(match nr & !X32 {
            n if X32_EXECS.contains(&n) => Stopped::ForeignExec,
            X32_PROCESS_VM_WRITEV => Stopped::MemoryWrite,
            _ => Stopped::Other,
        });
    }
    let (dirfd, path, argv, envp, flags) = match nr {
        SECCOMP if regs.rdi == SET_MODE_FILTER && regs.rsi & NEW_LISTENER != 0 => {
            return Ok(Stopped::NotifyFilter);
        }
        PROCESS_VM_WRITEV => return Ok(Stopped::MemoryWrite),
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
    let mut pages = Pages::new(tid);
    let path = pages.cstr(path, MAX_PATH)?;
    let argv = pages.argv(argv)?;
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
    Ok(Pages::new(tid)
        .argv(envp)?
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

/// The code segment selector of 64-bit user code on x86-64.
const USER_CS_64: u64 = 0x33;

/// The argv of a 64-bit program stopped at its exec event (`PTRACE_EVENT_EXEC`), read from its
/// new stack: the count at the stack pointer, then the pointers to the strings. Nothing of the
/// new image has run and no other thread is left, so this is what the kernel laid out — what
/// `/proc/PID/cmdline` shows, without a procfs lookup for each new process. `None` for another
/// kind of image (a 32-bit program lays out 4-byte words) or memory that cannot be read.
pub fn started_argv(tid: Pid) -> Option<Vec<Vec<u8>>> {
    let regs = ptrace::getregs(tid).ok()?;
    if regs.cs != USER_CS_64 {
        return None;
    }
    let mut pages = Pages::new(tid);
    let argc = usize::try_from(pages.word(regs.rsp).ok()?).ok()?;
    if argc > MAX_ARGS {
        return None;
    }
    let args = pages.argv(regs.rsp.checked_add(8)?).ok()?;
    // The array ends with a null pointer right after `argc` entries.
    (args.len() == argc).then_some(args)
}

/// Makes the stopped exec call of `tid` return `-errno` without running it.
pub fn fail_call(tid: Pid, errno: Errno) -> nix::Result<()> {
    let mut regs = ptrace::getregs(tid)?;
    // System call number -1: the kernel skips the call and returns what `rax` holds.
    regs.orig_rax = u64::MAX;
    regs.rax = (-(errno as i64)) as u64;
    ptrace::setregs(tid, regs)
}

/// Reads a tracee's memory a whole page at a time and keeps the pages it read: an exec call's
/// path, argument array and argument strings usually share one page, which is then read with
/// one system call.
struct Pages {
    tid: Pid,
    /// Pages read so far: the page's address and as many of its bytes as could be read.
    pages: Vec<(u64, Vec<u8>)>,
}

/// The page size assumed for reads (a smaller real page would only mean shorter reads).
const PAGE: u64 = 4096;
/// Pages kept at once; more are read again when needed.
const KEPT_PAGES: usize = 16;

impl Pages {
    fn new(tid: Pid) -> Self {
        Self {
            tid,
            pages: Vec::new(),
        }
    }

    /// The bytes from `addr` to the end of its page (fewer if the page could not be read).
    fn at(&mut self, addr: u64) -> nix::Result<&[u8]> {
        let page = addr & !(PAGE - 1);
        let offset = (addr - page) as usize;
        let index = match self.pages.iter().position(|(p, _)| *p == page) {
            Some(index) => index,
            None => {
                let mut buf = vec![0u8; PAGE as usize];
                let base = usize::try_from(page).map_err(|_| Errno::EFAULT)?;
                let remote = [RemoteIoVec {
                    base,
                    len: buf.len(),
                }];
                let n = process_vm_readv(self.tid, &mut [IoSliceMut::new(&mut buf)], &remote)?;
                buf.truncate(n);
                if self.pages.len() >= KEPT_PAGES {
                    self.pages.remove(0);
                }
                self.pages.push((page, buf));
                self.pages.len() - 1
            }
        };
        self.pages[index]
            .1
            .get(offset..)
            .filter(|rest| !rest.is_empty())
            .ok_or(Errno::EFAULT)
    }

    /// The 8-byte word at `addr`.
    fn word(&mut self, addr: u64) -> nix::Result<u64> {
        let mut word = [0u8; 8];
        for (i, byte) in word.iter_mut().enumerate() {
            let at = addr.checked_add(i as u64).ok_or(Errno::EFAULT)?;
            *byte = self.at(at)?[0];
        }
        Ok(u64::from_ne_bytes(word))
    }

    /// A NUL-terminated string of at most `max` bytes.
    fn cstr(&mut self, mut addr: u64, max: usize) -> nix::Result<Vec<u8>> {
        let mut out = Vec::new();
        while out.len() <= max {
            let bytes = self.at(addr)?;
            if let Some(end) = bytes.iter().position(|&b| b == 0) {
                out.extend_from_slice(&bytes[..end]);
                return Ok(out);
            }
            out.extend_from_slice(bytes);
            addr = addr.checked_add(bytes.len() as u64).ok_or(Errno::EFAULT)?;
        }
        Err(Errno::E2BIG)
    }

    /// A NULL-terminated array of string pointers (a null array is an empty argv, as the kernel
    /// takes it).
    fn argv(&mut self, mut addr: u64) -> nix::Result<Vec<Vec<u8>>> {
        let mut args = Vec::new();
        if addr == 0 {
            return Ok(args);
        }
        let mut total = 0;
        loop {
            let ptr = self.word(addr)?;
            if ptr == 0 {
                return Ok(args);
            }
            if args.len() >= MAX_ARGS {
                return Err(Errno::E2BIG);
            }
            let arg = self.cstr(ptr, MAX_ARGV_BYTES.saturating_sub(total))?;
            total += arg.len() + 1;
            args.push(arg);
            addr = addr.checked_add(8).ok_or(Errno::EFAULT)?;
        }
    }
}
