#!/usr/bin/env bash
# Times `interlock hook` as an agent runs it: a fresh process per tool call, payload in, decision
# out, audit record appended. Payload mix: git status, an inline python -c script, a long heredoc,
# everyday commands, and destructive ones that are held (each writes a request file, fsync'd).
# Reports median and 99th percentile per payload and over all 700 calls.
# Usage: benches/hook-latency.sh [path/to/interlock]   (default: builds target/release/interlock)
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
mkdir -p "$work/project/.git"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
heredoc = "cat > notes.md <<'EOF'\n" + "\n".join(f"line {i}: some notes with `code` and $VARS" for i in range(300)) + "\nEOF"
commands = {
    "git-status": "git status",
    "python-inline": "python3 -c 'import json,sys; d=json.load(open(\"package.json\")); print(d[\"version\"])'",
    "long-heredoc": heredoc,
    "cargo-test": "cargo test -- --nocapture 2>&1 | tail -50",
    "grep-pipeline": "rg -n TODO src | sort | uniq -c | head",
    "held-aws": "aws --profile prod cloudformation delete-stack --stack-name env",
    "denied-rm": "rm -rf ~",
}
for name, cmd in commands.items():
    payload = {"session_id": "bench", "cwd": f"{work}/project", "hook_event_name": "PreToolUse",
               "tool_name": "Bash", "tool_input": {"command": cmd, "description": "bench"}, "tool_use_id": "t"}
    open(f"{work}/{name}.json", "w").write(json.dumps(payload))
PY
cmds=()
for p in "$work"/*.json; do
  cmds+=("$bin hook --agent claude --state-dir $work/state --input $p")
done
# Five rounds of 20 runs per payload, so that a slow spell of a shared machine is spread over
# every payload instead of landing on whichever one hyperfine happened to be timing.
for round in 1 2 3 4 5; do
  hyperfine -N -i --warmup 3 --runs 20 --export-json "$work/round$round.json" "${cmds[@]}" > /dev/null 2>&1
done
python3 - "$work" <<'PY'
import glob, json, sys
by_name = {}
for f in sorted(glob.glob(f"{sys.argv[1]}/round*.json")):
    for r in json.load(open(f))["results"]:
        name = r["command"].rsplit("/", 1)[1].removesuffix(".json")
        by_name.setdefault(name, []).extend(r["times"])
def pct(ts, q):
    return ts[min(len(ts) - 1, int(len(ts) * q))] * 1000
times = []
for name, ts in sorted(by_name.items()):
    ts.sort()
    times += ts
    print(f"{name:16} median {pct(ts, 0.5):.2f} ms  p99 {pct(ts, 0.99):.2f} ms")
times.sort()
print(f"all {len(times)} calls: median {pct(times, 0.5):.2f} ms, p99 {pct(times, 0.99):.2f} ms")
PY
