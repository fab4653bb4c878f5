#!/usr/bin/env python3
"""Times whole commands side by side on a machine whose speed drifts.

Usage: alternate.py NAME ROUNDS PREPARE LABEL=COMMAND [LABEL=COMMAND ...]

Each command runs once untimed (warm-up), then ROUNDS rounds each run every command once, in an
order rotated every round, with PREPARE (a shell command, untimed; may be empty) before each
run. The first command is the baseline. For every command this prints its median time and two
ratios to the baseline: of the medians, and the median over rounds of its time divided by the
baseline's time in the same round (paired: a slow spell of a shared VM, which lasts seconds to
minutes, weighs on both sides of each pair instead of on whichever command it fell on).
Commands are split like a shell would (quotes), and run without a shell, as `hyperfine -N`.
"""

import shlex
import statistics
import subprocess
import sys
import time


def run(argv, prepare):
    """Runs PREPARE, then times ARGV; fails loudly if either fails."""
    if prepare:
        subprocess.run(prepare, shell=True, check=True, stdout=subprocess.DEVNULL)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    name, rounds, prepare, *specs = sys.argv[1:]
    commands = []
    for spec in specs:
        label, _, command = spec.partition("=")
        commands.append((label, shlex.split(command)))
    for _, argv in commands:
        run(argv, prepare)
    times = {label: [] for label, _ in commands}
    for r in range(int(rounds)):
        shift = r % len(commands)
        for label, argv in commands[shift:] + commands[:shift]:
            times[label].append(run(argv, prepare))
    base_label = commands[0][0]
    base = times[base_label]
    for label, _ in commands:
        t = times[label]
        median = statistics.median(t)
        ratio = median / statistics.median(base)
        paired = statistics.median(x / b for x, b in zip(t, base))
        print(
            f"{name:<6} {label:<13} median {median:7.3f} s over {len(t):2} runs   "
            f"{ratio:.2f}x {base_label} (paired: {paired:.3f}x)"
        )


if __name__ == "__main__":
    main()
