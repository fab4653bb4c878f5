#!/usr/bin/env bash
# Times whole `interlock` processes, as an agent hook would spawn them:
#   1. `interlock check --shell CMD` start-up (median over many runs), with every shipped ruleset;
#   2. `interlock check --batch` throughput on a mixed corpus (commands per second);
#   3. peak memory (max RSS) of one `check`.
# Usage: benches/time-processes.sh [path/to/interlock]   (default: builds target/release/interlock)
set -euo pipefail
# The binary given is resolved from the caller's directory, before this script moves.
bin=${1:+$(realpath "$1")}
cd "$(dirname "$0")/.."
repo=$PWD
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin=$repo/target/release/interlock
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/project/.git"
cd "$work/project"

echo "== start-up: interlock check --shell (fresh process each run)"
if command -v hyperfine >/dev/null; then
  hyperfine -N -i --warmup 20 --runs 300 --export-json "$work/startup.json" \
    "$bin check --shell 'git status'" \
    "$bin check --shell 'aws --profile prod cloudformation delete-stack --stack-name api'" \
    "$bin check --shell 'bash -c \"cd ~ && rm -rf .\"'" 2>&1 | grep -E "Benchmark|Time|Range" || true
  python3 - "$work/startup.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"median {r['median'] * 1000:.2f} ms  p95 {sorted(r['times'])[int(len(r['times']) * 0.95)] * 1000:.2f} ms  {r['command'].split(' check ', 1)[1]}")
PY
else
  echo "hyperfine not installed (apt-get install hyperfine); timing 300 runs with bash's clock"
  start=$(date +%s%N)
  for _ in $(seq 300); do "$bin" check --shell 'git status' >/dev/null || true; done
  end=$(date +%s%N)
  echo "mean $(( (end - start) / 300 / 1000 )) µs per process"
fi

echo "== batch throughput: interlock check --batch (one core)"
corpus="$work/mixed.jsonl"
python3 - "$repo/tests/corpus/own.jsonl" "$corpus" <<'PY'
import json, sys
src, dst = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(src)]
allow = [r["cmd"] for r in rows if r["expect"] == "allow"]
block = [r["cmd"] for r in rows if r["expect"] == "block"]
# Mostly harmless: 9 everyday commands for each destructive one, 100,000 lines.
mix = []
i = j = 0
while len(mix) < 100_000:
    for _ in range(9):
        mix.append(allow[i % len(allow)]); i += 1
    mix.append(block[j % len(block)]); j += 1
with open(dst, "w") as f:
    for c in mix:
        f.write(json.dumps({"cmd": c}) + "\n")
PY
lines=$(wc -l < "$corpus")
start=$(date +%s%N)
taskset -c 0 "$bin" check --batch "$corpus" > /dev/null || true
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
echo "$lines commands in ${ms} ms: $(( lines * 1000 / (ms > 0 ? ms : 1) )) commands/s"

echo "== peak memory: one check"
/usr/bin/time -f "max RSS %M KB" "$bin" check --shell 'terraform destroy -auto-approve' > /dev/null || true
/usr/bin/time -f "max RSS %M KB (batch of $lines)" "$bin" check --batch "$corpus" > /dev/null || true

echo "== shim overhead: a harmless guarded command (git status) inside interlock run --enforce shims, vs. direct"
if ! command -v hyperfine > /dev/null; then
  echo "hyperfine not installed (apt-get install hyperfine): shim overhead not measured"
  exit 0
fi
git init -q "$work/repo"
real_git=$(command -v git)
cat > "$work/agent.sh" <<AGENT
cd "$work/repo"
hyperfine -N -i --warmup 20 --runs 400 "git status --short" "$real_git status --short" --export-json "$work/shim.json" > /dev/null 2>&1
ps -o rss= -p \$PPID > "$work/rss.txt"
AGENT
"$bin" run --enforce shims --state-dir "$work/state" --non-interactive -- sh "$work/agent.sh"
python3 - "$work/shim.json" "$work/rss.txt" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(f"via shim median {r[0]['median'] * 1000:.2f} ms, direct median {r[1]['median'] * 1000:.2f} ms, overhead {(r[0]['median'] - r[1]['median']) * 1000:.2f} ms")
print(f"supervisor RSS after 840 requests {int(open(sys.argv[2]).read()) / 1024:.1f} MB")
PY
