#!/usr/bin/env bash
# Times `interlock hook` as an agent runs it: a fresh process per tool call, payload in, decision
# out, audit record appended. Payload mix (20 payloads): 14 everyday commands (git status, git
# diff, rg, cargo test, a commit, ...), inline python -c and node -e, a 300-line heredoc, two held
# destructive commands (a request file and an audit record each) and a denied one.
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
    # Everyday commands, as most of an agent's calls are.
    "git-status": "git status",
    "git-diff": "git diff --stat HEAD~1",
    "git-log": "git log --oneline -20",
    "ls": "ls -la src",
    "cat": "cat README.md",
    "sed-range": "sed -n '120,180p' src/main.rs",
    "rg": "rg -n 'fn main' --type rust",
    "grep-pipeline": "rg -n TODO src | sort | uniq -c | head",
    "find": "find . -name '*.toml' -not -path './target/*'",
    "cargo-test": "cargo test -- --nocapture 2>&1 | tail -50",
    "npm-test": "npm test -- --watch=false",
    "pytest": "python -m pytest -x -q tests/test_api.py",
    "mkdir-cd": "mkdir -p build && cd build && cmake .. && make -j2",
    "git-commit": "git add -A && git commit -m 'fix teardown of the test fixture'",
    # Inline code and long input.
    "python-inline": "python3 -c 'import json,sys; d=json.load(open(\"package.json\")); print(d[\"version\"])'",
    "node-inline": "node -e 'console.log(require(\"./package.json\").version)'",
    "long-heredoc": heredoc,
    # Destructive: held (a request file and an audit record) or denied.
    "held-aws": "aws --profile prod cloudformation delete-stack --stack-name env",
    "held-push": "git push --force origin main",
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
# Five rounds of 7 runs per payload, so that a slow spell of a shared machine is spread over
# every payload instead of landing on whichever one hyperfine happened to be timing.
for round in 1 2 3 4 5; do
  hyperfine -N -i --warmup 2 --runs 7 --export-json "$work/round$round.json" "${cmds[@]}" > /dev/null 2>&1
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
