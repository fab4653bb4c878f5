#!/usr/bin/env bash
# Times the exec tracer against bare runs, side by side: every command once per round, in
# alternation, over 15-20 rounds (benches/alternate.py):
#  1. a loop of 2,000 execs of /bin/true (the worst case: nothing but execs), also under
#     benches/ptrace-floor.c, the mechanism with a tracer that does no work (sleeping between
#     stops, and polling for 1 ms after each as interlock does while a CPU is idle);
#  2. real builds from clean: `make -j2` of a small generated C project (40 files of ~120
#     lines), and `cargo build` of a small generated crate.
# Budget (issue 5): the loop at most 1.3x the bare run under trace, the build at most 1.05x.
# Usage: benches/trace-overhead.sh [path/to/interlock]   (default: builds target/release/interlock)
set -euo pipefail
cd "$(dirname "$0")/.."
bench=$(pwd)/benches
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
# compare NAME ROUNDS PREPARE LABEL=COMMAND...: every command once per round, in alternation
# (benches/alternate.py), so that the VM's slow spells fall on both sides of each comparison.
compare() {
  python3 "$bench/alternate.py" "$@"
}
compare loop 15 '' \
  "bare=sh -c '$loop'" \
  "traced=$run sh -c '$loop'" \
  "ptrace-floor=$work/ptrace-floor sh -c '$loop'" \
  "floor-polling=env PTRACE_FLOOR_POLL_US=1000 $work/ptrace-floor sh -c '$loop'"
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
  compare make 15 'make clean' \
    "bare=make -j2 app" \
    "traced=$run make -j2 app"
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
  compare cargo 20 'cargo clean --quiet' \
    "bare=cargo build --quiet --offline" \
    "traced=$run cargo build --quiet --offline"
)
