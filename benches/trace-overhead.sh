#!/usr/bin/env bash
# Times the exec tracer against bare runs, side by side, in five interleaved rounds:
#  1. a loop of 2,000 execs of /bin/true (the worst case: nothing but execs), also under
#     benches/ptrace-floor.c, the mechanism with a tracer that does no work (sleeping between
#     stops, and polling for 1 ms after each as interlock does while a CPU is idle);
#  2. real builds from clean: `make -j2` of a small generated C project (40 files of ~120
#     lines), and `cargo build` of a small generated crate.
# Budget (issue 5): the loop at most 1.3x the bare run under trace, the build at most 1.05x.
# Usage: benches/trace-overhead.sh [path/to/interlock]   (default: builds target/release/interlock)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin=target/release/interlock
fi
bin=$(realpath "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/state" "$work/proj"
loop='i=0; while [ $i -lt 2000 ]; do /bin/true; i=$((i+1)); done'
run="$bin run --non-interactive --enforce trace --state-dir $work/state --"
# ptrace-floor: the same filter and ptrace options with a tracer that does no work, to tell
# the kernel's cost of the mechanism on this machine from interlock's own.
cc -O2 -o "$work/ptrace-floor" benches/ptrace-floor.c
# compare NAME HYPERFINE-ARGS...: five rounds of a few runs of every command, so that a slow
# spell of a shared machine is spread over all of them; prints each command's median over all
# runs and its ratio to the first (bare) one.
compare() {
  local name=$1
  shift
  for round in 1 2 3 4 5; do
    hyperfine -N --export-json "$work/$name-$round.json" "$@" > /dev/null 2>&1
  done
  python3 - "$work" "$name" <<'PY'
import glob, json, statistics, sys
work, name = sys.argv[1], sys.argv[2]
times = {}
for f in sorted(glob.glob(f"{work}/{name}-*.json")):
    for r in json.load(open(f))["results"]:
        times.setdefault(r["command"], []).extend(r["times"])
base = None
for command, t in times.items():
    median = statistics.median(t)
    base = base or median
    print(f"{name:<6} {command:<13} median {median:7.3f} s over {len(t):2} runs   {median / base:.2f}x bare")
PY
}
compare loop --warmup 1 --runs 3 \
  -n bare "sh -c '$loop'" \
  -n traced "$run sh -c '$loop'" \
  -n ptrace-floor "$work/ptrace-floor sh -c '$loop'" \
  -n floor-polling "env PTRACE_FLOOR_POLL_US=1000 $work/ptrace-floor sh -c '$loop'"
# A small C project: 40 translation units of ~120 lines each, and a Makefile.
for i in $(seq 40); do
  {
    printf '#include <string.h>\n#include <stdlib.h>\n'
    printf 'struct item%d { int key; double weight; char name[32]; };\n' "$i"
    for j in $(seq 12); do
      printf 'static int cmp%d_%d(const void *a, const void *b) {\n' "$i" "$j"
      printf '  const struct item%d *x = a, *y = b;\n' "$i"
      printf '  if (x->key != y->key) return x->key < y->key ? -1 : 1;\n'
      printf '  return strcmp(x->name, y->name);\n}\n'
      printf 'double work%d_%d(struct item%d *v, int n) {\n' "$i" "$j" "$i"
      printf '  qsort(v, n, sizeof *v, cmp%d_%d);\n  double s = 0;\n' "$i" "$j"
      printf '  for (int k = 0; k < n; k++) { s += v[k].weight * (k %% %d + 1); v[k].key ^= k * %d; }\n' "$((j + 2))" "$j"
      printf '  return s;\n}\n'
    done
  } > "$work/proj/f$i.c"
done
printf 'int main(void) { return 0; }\n' > "$work/proj/main.c"
cat > "$work/proj/Makefile" <<'MK'
SRCS := $(wildcard *.c)
OBJS := $(SRCS:.c=.o)
app: $(OBJS)
	cc -o $@ $(OBJS)
%.o: %.c
	cc -O2 -c $< -o $@
clean:
	rm -f *.o app
MK
(
  cd "$work/proj"
  compare make --warmup 1 --runs 2 --prepare 'make clean' \
    -n bare 'make -j2 app' \
    -n traced "$run make -j2 app"
)
# A small Rust crate (no dependencies): cargo and rustc, from clean.
cargo new --quiet --vcs none "$work/small"
for m in $(seq 24); do
  echo "pub mod m$m;" >> "$work/small/src/main.rs"
  for f in $(seq 30); do
    printf 'pub fn f%d(v: &mut Vec<u64>) -> u64 { v.sort_unstable(); v.iter().enumerate().map(|(i, x)| x.wrapping_mul(i as u64 + %d)).sum() }\n' "$f" "$f"
  done > "$work/small/src/m$m.rs"
done
(
  cd "$work/small"
  compare cargo --warmup 1 --runs 2 --prepare 'cargo clean --quiet' \
    -n bare 'cargo build --quiet --offline' \
    -n traced "$run cargo build --quiet --offline"
)
