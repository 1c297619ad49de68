#!/usr/bin/env bash
# Runs the long operations' campaign on demand: restore, [[moved]] of an instance and of an
# Aurora cluster, blue/green, a MySQL major upgrade with a replica and a parameter group family
# switch, rotate, member and instance deletes. Each is killed (SIGKILL, by the test proxy)
# after every one of its mutating calls, not only those CI picks, and runs under TRIALS seeded
# fault campaigns (default 5; CI runs 1). Prints each trial.
set -euo pipefail
cd "$(dirname "$0")/.."
TRIALS="${1:-5}"
echo "== installing moto (if needed)"
scripts/install-moto.sh
echo "== building and running (several minutes)"
RDSPLAN_MOTO="$PWD/.venv/bin/moto_server" RDSPLAN_KILL_ALL=1 RDSPLAN_LONG_FAULT_TRIALS="$TRIALS" \
  cargo test --test main -- kills:: --nocapture 2>&1 \
  | grep -E 'killed after|faults seeded|^test |test result|panicked'
