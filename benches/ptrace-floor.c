/*
 * The floor of issue 5's tracing mechanism: a tracer that does nothing but the mechanism.
 * It runs a command under the same seccomp filter action (SECCOMP_RET_TRACE on execve) and
 * the same ptrace options as `interlock run --enforce trace` (seize; follow fork, vfork,
 * clone; exec events; exit-kill), and resumes every stop at once: no reading, no checks.
 * benches/trace-overhead.sh times it beside interlock, so the cost of the kernel's ptrace
 * stops on the machine at hand is told apart from the cost of interlock's own work.
 * With PTRACE_FLOOR_POLL_US=N in its environment it polls for the next stop for N µs after
 * each one before sleeping, as interlock does while a CPU is idle (src/intercept/trace/spin.rs).
 * Build: cc -O2 -o ptrace-floor benches/ptrace-floor.c      Run: ./ptrace-floor CMD ARGS...
 */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000L + t.tv_nsec / 1000;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s CMD [ARGS...]\n", argv[0]);
    return 2;
  }
  pid_t child = fork();
  if (child < 0) {
    perror("fork");
    return 1;
  }
  if (child == 0) {
    raise(SIGSTOP); /* wait to be seized */
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_execve, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof code / sizeof code[0], code};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
      perror("seccomp");
      _exit(126);
    }
    execvp(argv[1], argv + 1);
    perror("exec");
    _exit(127);
  }
  long options = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                 PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
  if (ptrace(PTRACE_SEIZE, child, 0, options)) {
    perror("ptrace");
    return 1;
  }
  int status;
  waitpid(child, &status, WSTOPPED);
  ptrace(PTRACE_CONT, child, 0, 0);
  int code = 1;
  const char *poll_env = getenv("PTRACE_FLOOR_POLL_US");
  long poll_us = poll_env ? atol(poll_env) : 0;
  long last_stop = now_us();
  for (;;) {
    int polling = poll_us > 0 && now_us() - last_stop < poll_us;
    pid_t pid = waitpid(-1, &status, __WALL | (polling ? WNOHANG : 0));
    if (pid == 0)
      continue;
    if (pid < 0)
      break;
    last_stop = now_us();
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (pid == child)
        code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      continue;
    }
    int signal = WSTOPSIG(status);
    /* An event stop (fork, exec, seccomp, a new child's first stop) carries no signal. */
    if (status >> 16 || signal == SIGTRAP)
      signal = 0;
    ptrace(PTRACE_CONT, pid, 0, signal);
  }
  return code;
}
