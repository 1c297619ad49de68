#!/usr/bin/env bash
# Runs the seeded fault campaign on demand: TRIALS (default 20) applies of the staging example
# through the fault-injecting proxy (20% throttling, 5% 5xx, 2% dropped connections, half
# before and half after the call reaches moto), and prints each trial's figures and the totals.
# CI runs the same test with 10 trials as part of the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
TRIALS="${1:-20}"
echo "== installing moto (if needed)"
scripts/install-moto.sh
echo "== building and running $TRIALS trials (a few minutes)"
RDSPLAN_MOTO="$PWD/.venv/bin/moto_server" RDSPLAN_FAULT_TRIALS="$TRIALS" \
  cargo test --test main -- faults::a_seeded_fault_campaign --nocapture 2>&1 \
  | grep -E '^(trial|fault campaign|test result)|panicked'
