#!/usr/bin/env bash
# Times the exec tracer against bare runs, side by side in the same hyperfine invocation:
#  1. a loop of 2,000 execs of /bin/true (the worst case: nothing but execs);
#  2. a real build: `make -j2` of a small generated C project (60 files), from clean.
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
hyperfine -N --warmup 2 --runs 10 \
  -n bare "sh -c '$loop'" \
  -n traced "$run sh -c '$loop'"
# The C project: 60 small translation units and a Makefile.
for i in $(seq 60); do
  printf 'int f%d(int x) { int s = 0; for (int i = 0; i < x; i++) s += i * %d; return s; }\n' "$i" "$i" > "$work/proj/f$i.c"
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
cd "$work/proj"
hyperfine -N --warmup 1 --runs 6 --prepare 'make clean' \
  -n bare 'make -j2 app' \
  -n traced "$run make -j2 app"
