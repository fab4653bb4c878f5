//! When the tracing loop polls for the next stop instead of sleeping in the kernel.
//!
//! Every exec under the tracer costs about five ptrace stops (the fork event, the child's first
//! stop, the seccomp stop, the exec event, the parent's SIGCHLD), and each stop is two wake-ups:
//! the tracee wakes the tracer, the tracer's answer wakes the tracee. When the CPU being woken
//! has halted, the wake-up costs far more than the tracer's work — on virtual machines that do
//! not poll before halting (Firecracker guests with `haltpoll.guest_halt_poll_ns=0`), an exec
//! loop ran 1.3–1.5× its bare time, and the same loop pinned to one CPU ran at bare speed.
//!
//! So after each stop the loop keeps polling for a short while ([`WINDOW`]), as the kernel's
//! own halt-polling would, but only while some CPU would otherwise sit idle: polling on a busy
//! machine takes a CPU from the agent's own work (a parallel build). Whether a CPU is idle comes
//! from the count of runnable tasks in `/proc/loadavg`, read again at most every [`RECHECK`].
//! An agent that runs nothing costs nothing: the loop sleeps once a window passes with no stop.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::time::{Duration, Instant};

/// How long after a stop the loop polls for the next one. A shell running commands one after
/// another stops again within this (a short command's whole run fits in it).
pub const WINDOW: Duration = Duration::from_millis(1);

/// How long an answer to "is a CPU idle?" is trusted.
pub const RECHECK: Duration = Duration::from_millis(2);

/// The polling state of one tracing loop.
pub struct Spin {
    loadavg: Option<File>,
    cpus: usize,
    last_stop: Instant,
    checked: Option<Instant>,
    idle_cpu: bool,
}

impl Spin {
    /// A loop that has seen no stop yet (so it does not poll).
    pub fn new() -> Spin {
        Spin {
            loadavg: File::open("/proc/loadavg").ok(),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            last_stop: Instant::now() - WINDOW,
            checked: None,
            idle_cpu: false,
        }
    }

    /// Notes a stop just served.
    pub fn stopped(&mut self) {
        self.last_stop = Instant::now();
        if self.checked.is_none_or(|at| at.elapsed() >= RECHECK) {
            self.idle_cpu = self.cpu_idle();
            self.checked = Some(self.last_stop);
        }
    }

    /// Whether to poll for the next stop now rather than sleep.
    pub fn polling(&self) -> bool {
        self.idle_cpu && self.last_stop.elapsed() < WINDOW
    }

    /// Whether some CPU has nothing to run: runnable tasks (this loop among them) no more than
    /// the CPUs this process may use. Unknown counts as busy.
    fn cpu_idle(&self) -> bool {
        let Some(file) = &self.loadavg else {
            return false;
        };
        let mut buf = [0u8; 128];
        let Ok(n) = file.read_at(&mut buf, 0) else {
            return false;
        };
        runnable(&buf[..n]).is_some_and(|r| r <= self.cpus)
    }
}

/// The count of runnable tasks in the text of `/proc/loadavg` (`0.91 1.51 1.40 2/80 23440`).
fn runnable(loadavg: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(loadavg).ok()?;
    let field = text.split_ascii_whitespace().nth(3)?;
    field.split_once('/')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_runnable_count() {
        assert_eq!(runnable(b"0.91 1.51 1.40 2/80 23440\n"), Some(2));
        assert_eq!(runnable(b"12.00 9.10 3.33 17/1203 9\n"), Some(17));
        assert_eq!(runnable(b"0.91 1.51 1.40\n"), None);
        assert_eq!(runnable(b"garbage"), None);
    }

    #[test]
    fn a_fresh_loop_does_not_poll() {
        assert!(!Spin::new().polling());
    }

    #[test]
    fn polls_only_within_the_window_after_a_stop() {
        let mut spin = Spin::new();
        spin.stopped();
        spin.idle_cpu = true;
        assert!(spin.polling());
        spin.last_stop = Instant::now() - WINDOW;
        assert!(!spin.polling());
        spin.last_stop = Instant::now();
        spin.idle_cpu = false;
        assert!(!spin.polling());
    }
}
