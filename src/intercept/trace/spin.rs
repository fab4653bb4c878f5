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
//! from the count of runnable tasks in `/proc/loadavg`, asked once the loop has polled for
//! [`FIRST_CHECK`] (a stop that follows at once costs no question) and again every [`RECHECK`]
//! while it polls; a busy answer ends this window only, so a task that was runnable for a moment
//! does not stop the polling for the stops that follow. A window that runs out with no stop
//! starts a sparse spell, in which the loop does not poll, until a stop comes within a window
//! of the one before: a build's compilers stop the loop seldom, and polling after each of their
//! stops took a CPU from them for the whole window. An agent that runs nothing costs nothing:
//! the loop sleeps once a window passes with no stop.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::time::{Duration, Instant};

/// How long after a stop the loop polls for the next one. A shell running commands one after
/// another stops again within this (a short command's whole run fits in it).
pub const WINDOW: Duration = Duration::from_millis(1);

/// How long the loop polls after a stop before it first asks whether a CPU is idle.
pub const FIRST_CHECK: Duration = Duration::from_micros(50);

/// How often it asks again while it polls.
pub const RECHECK: Duration = Duration::from_micros(200);

/// The polling state of one tracing loop.
pub struct Spin {
    loadavg: Option<File>,
    cpus: usize,
    last_stop: Instant,
    next_check: Instant,
    /// This window is over: it ran out, or a CPU was found busy.
    given_up: bool,
    /// The last window ran out with no stop, and no stop has come close after another since:
    /// stops are sparse (a build's compilers at work), and polling would only take a CPU.
    sparse: bool,
}

impl Spin {
    /// A loop that has seen no stop yet (so it does not poll).
    pub fn new() -> Spin {
        Spin::reading(
            File::open("/proc/loadavg").ok(),
            std::thread::available_parallelism().map_or(1, |n| n.get()),
        )
    }

    /// A loop that reads the runnable count from `loadavg` and may use `cpus` CPUs.
    fn reading(loadavg: Option<File>, cpus: usize) -> Spin {
        let now = Instant::now();
        Spin {
            loadavg,
            cpus,
            last_stop: now,
            next_check: now,
            given_up: true,
            sparse: false,
        }
    }

    /// Notes a stop just served: a new window starts, unless stops are sparse — the last window
    /// ran out and this stop came no sooner than a window after the one before. A stop that
    /// comes within a window of the one before ends a sparse spell.
    pub fn stopped(&mut self) {
        let now = Instant::now();
        self.sparse = self.sparse && now.duration_since(self.last_stop) >= WINDOW;
        self.last_stop = now;
        self.next_check = now + FIRST_CHECK;
        self.given_up = self.sparse;
    }

    /// Whether to poll for the next stop now rather than sleep.
    pub fn polling(&mut self) -> bool {
        if self.given_up {
            return false;
        }
        let now = Instant::now();
        if now.duration_since(self.last_stop) >= WINDOW {
            self.given_up = true;
            self.sparse = true;
        } else if now >= self.next_check {
            self.next_check = now + RECHECK;
            self.given_up = !self.cpu_idle();
        }
        !self.given_up
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

    /// A loop reading a runnable count of `runnable` from a file, on two CPUs, and the file.
    fn loop_seeing(runnable: usize) -> (Spin, tempfile::NamedTempFile) {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(
            &mut file,
            format!("0.50 0.40 0.30 {runnable}/80 1234\n").as_bytes(),
        )
        .unwrap();
        let spin = Spin::reading(Some(file.reopen().unwrap()), 2);
        (spin, file)
    }

    #[test]
    fn a_fresh_loop_does_not_poll() {
        assert!(!Spin::new().polling());
    }

    #[test]
    fn polls_within_the_window_after_a_stop_while_a_cpu_is_idle() {
        let (mut spin, _file) = loop_seeing(2);
        spin.stopped();
        assert!(spin.polling());
        // Past the first check: the file says a CPU is idle.
        spin.next_check = Instant::now();
        assert!(spin.polling());
        spin.last_stop = Instant::now() - WINDOW;
        assert!(!spin.polling());
        // A window that ran out stays over until the next stop.
        spin.last_stop = Instant::now();
        assert!(!spin.polling());
        spin.stopped();
        assert!(spin.polling());
    }

    #[test]
    fn a_busy_machine_ends_the_window_at_the_first_check() {
        let (mut spin, _file) = loop_seeing(3);
        spin.stopped();
        // Before the first check it polls: a stop that follows at once costs no question.
        assert!(spin.polling());
        spin.next_check = Instant::now();
        assert!(!spin.polling());
        assert!(!spin.polling());
        // The next stop starts a new window.
        spin.stopped();
        assert!(spin.polling());
    }

    #[test]
    fn a_window_that_runs_out_stops_polling_until_stops_come_close_again() {
        let (mut spin, _file) = loop_seeing(1);
        spin.stopped();
        spin.last_stop = Instant::now() - WINDOW;
        assert!(!spin.polling());
        // The next stop comes long after the one before: no polling after it.
        spin.stopped();
        assert!(!spin.polling());
        spin.last_stop = Instant::now() - WINDOW;
        spin.stopped();
        assert!(!spin.polling());
        // A stop right after the one before: stops come close together again, so it polls.
        spin.stopped();
        assert!(spin.polling());
    }

    #[test]
    fn an_unreadable_count_is_busy() {
        let mut spin = Spin::reading(None, 2);
        spin.stopped();
        spin.next_check = Instant::now();
        assert!(!spin.polling());
    }
}
