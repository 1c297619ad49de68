#!/usr/bin/env bash
# Benchmark (release build), printing figures; the tests behind it assert structure only:
# 1. apply of N independent instances whose creation takes DELAY seconds (the test proxy keeps
#    each `creating`, then `backing-up`), as a ratio to one creation time, and the
#    DescribeDBInstances calls it made;
# 2. apply of a change AWS makes without a status change (deletion_protection) at AWS's poll
#    cadence (5 s) with 50 ms added to every call. Target: within 2 s.
# Usage: scripts/bench-apply.sh [N=24] [DELAY=8]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-moto.sh
echo "building the release binary (timed), then the tests..." >&2
cargo build --release --quiet
export RDSPLAN_BIN="$PWD/target/release/rdsplan"
RDSPLAN_MOTO="$PWD/.venv/bin/moto_server" RDSPLAN_BENCH_N="${1:-24}" RDSPLAN_BENCH_DELAY_S="${2:-8}" \
  cargo test --test main -- waits::independent_creations --nocapture 2>&1 \
  | grep -E 'creations of|test result|panicked'
RDSPLAN_MOTO="$PWD/.venv/bin/moto_server" RDSPLAN_BENCH_POLL_MS=5000 RDSPLAN_BENCH_LATENCY_MS=50 \
  cargo test --test main -- waits::a_quiet_change_takes_awss_answer_as_its_reading --nocapture 2>&1 \
  | grep -E 'quiet change|test result|panicked'
