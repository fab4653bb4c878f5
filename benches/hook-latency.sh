#!/usr/bin/env bash
# Times `interlock hook` as an agent runs it: a fresh process per tool call, payload in, decision
# out, audit record appended. Payload mix: git status, an inline python -c script, a long heredoc,
# everyday commands, and destructive ones that are held (each writes a request file, fsync'd).
# Reports median and 99th percentile over all calls.
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
hyperfine -N -i --warmup 10 --runs 100 --export-json "$work/hook.json" "${cmds[@]}" > /dev/null 2>&1
python3 - "$work/hook.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
times = []
for r in results:
    name = r["command"].rsplit("/", 1)[1].removesuffix(".json")
    ts = sorted(r["times"])
    times += ts
    print(f"{name:16} median {r['median'] * 1000:.2f} ms  p99 {ts[int(len(ts) * 0.99) - 1] * 1000:.2f} ms")
times.sort()
print(f"all {len(times)} calls: median {times[len(times) // 2] * 1000:.2f} ms, p99 {times[int(len(times) * 0.99) - 1] * 1000:.2f} ms")
PY
