#!/usr/bin/env bash
# Benchmark: `rdsplan plan` through the test proxy with LATENCY ms added to every call.
# 1. An environment of N instances that exist, as a ratio to the floor (the region's
#    DescribeDBInstances pages issued raw, one after another, in the same run).
# 2. A 100-instance environment not created yet, in a region holding OTHERS other instances,
#    as a ratio to the same environment alone.
# Prints figures and API calls by action; the tests behind it assert calls, never time.
# Usage: scripts/bench-plan.sh [N=1000] [OTHERS=1000] [LATENCY=50]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-moto.sh
echo "building the release binary (timed), then the tests..." >&2
cargo build --release --quiet
export RDSPLAN_BIN="$PWD/target/release/rdsplan"
echo "seeding moto with instances (a minute or two at 1,000), then timing plans..." >&2
RDSPLAN_MOTO="$PWD/.venv/bin/moto_server" RDSPLAN_BENCH_PLAN_N="${1:-1000}" \
  RDSPLAN_BENCH_OTHERS="${2:-1000}" RDSPLAN_BENCH_ENV_N=100 RDSPLAN_BENCH_LATENCY_MS="${3:-50}" \
  cargo test --test main -- bench_plan --nocapture --test-threads 1 2>&1 \
  | grep -oE '(plan (at|of|spent) .*|test result.*|panicked.*)'
