#!/usr/bin/env bash
# Times `interlock hook` as an agent runs it: a fresh process per tool call, payload in, decision
# out, audit record appended. Payload mix (20 payloads): 14 everyday commands (git status, git
# diff, rg, cargo test, a commit, ...), inline python -c and node -e, a 300-line heredoc, two held
# destructive commands (a request file and an audit record each) and a denied one.
# Reports median and 99th percentile per payload and over all 700 calls of each binary.
#
# Usage: benches/hook-latency.sh [path/to/interlock...]
# Without arguments it builds and compares, in the same interleaved rounds, the two ways of
# installing interlock: `dynamic` (plain `cargo build --release`, as `cargo install --path .`)
# and, on Linux with glibc, `static` (the static build the README recommends for hooks: no
# dynamic loader, no shared libraries to map at every call).
set -euo pipefail
cd "$(dirname "$0")/.."
bins=("$@")
if [ ${#bins[@]} -eq 0 ]; then
  cargo build --release --quiet
  bins=(target/release/interlock)
  host=$(rustc -vV | sed -n 's/^host: //p')
  if [[ $host == *-linux-gnu ]]; then
    cargo build --release --quiet --target "$host" \
      --config "target.$host.rustflags=['-C','target-feature=+crt-static']"
    bins+=("target/$host/release/interlock")
  fi
fi
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
# Each binary is copied under a label (`dynamic`, `static`, or its position) that the report uses.
cmds=()
for i in "${!bins[@]}"; do
  label=$i
  if [ $# -eq 0 ]; then label=$([ "$i" -eq 0 ] && echo dynamic || echo static); fi
  mkdir -p "$work/$label"
  cp "$(realpath "${bins[$i]}")" "$work/$label/interlock"
  for p in "$work"/*.json; do
    cmds+=("$work/$label/interlock hook --agent claude --state-dir $work/state-$label --input $p")
  done
done
# Five rounds of 7 runs per payload, so that a slow spell of a shared machine is spread over
# every payload instead of landing on whichever one hyperfine happened to be timing.
for round in 1 2 3 4 5; do
  hyperfine -N -i --warmup 2 --runs 7 --export-json "$work/round$round.json" "${cmds[@]}" > /dev/null 2>&1
done
python3 - "$work" <<'PY'
import glob, json, sys
work = sys.argv[1]
by_bin = {}
for f in sorted(glob.glob(f"{work}/round*.json")):
    for r in json.load(open(f))["results"]:
        binary = r["command"].split(" ")[0]
        payload = r["command"].rsplit("/", 1)[1].removesuffix(".json")
        label = binary.removeprefix(work + "/").split("/")[0]
        by_bin.setdefault(label, {}).setdefault(payload, []).extend(r["times"])
def pct(ts, q):
    return ts[min(len(ts) - 1, int(len(ts) * q))] * 1000
labels = sorted(by_bin)
print(f"{'payload':16}" + "".join(f"  {l + ' median':>16} {'p99':>8}" for l in labels))
for name in sorted(by_bin[labels[0]]):
    cells = ""
    for l in labels:
        ts = sorted(by_bin[l][name])
        cells += f"  {pct(ts, 0.5):13.2f} ms {pct(ts, 0.99):5.2f} ms"
    print(f"{name:16}{cells}")
for l in labels:
    times = sorted(t for ts in by_bin[l].values() for t in ts)
    print(f"{l}: all {len(times)} calls: median {pct(times, 0.5):.2f} ms, p99 {pct(times, 0.99):.2f} ms")
PY
