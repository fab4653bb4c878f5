#!/usr/bin/env bash
# Run a coding agent in CI under interlock: no terminal, so a command that needs a human waits
# up to 15 minutes for `interlock approve ID --reason "..."` from a maintainer's shell on the
# runner (or is refused), and the audit log is kept as a build artifact.
set -euo pipefail
state="${RUNNER_TEMP:-/tmp}/interlock-state"
trap 'interlock audit verify --state-dir "$state"; cp "$state/audit.jsonl" "${ARTIFACT_DIR:-.}/interlock-audit.jsonl" || true' EXIT
interlock run --non-interactive --wait 900 --state-dir "$state" -- \
  codex exec --full-auto "Fix the failing tests and open a pull request"
