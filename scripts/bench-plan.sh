#!/usr/bin/env bash
# Benchmark: `rdsplan plan` (release build) through the test proxy with LATENCY ms added to
# every call, the fastest of three runs. Cases:
# 1. environments of N existing instances (100: the common small case; then the larger sizes),
#    each as a ratio to the floor: the region's DescribeDBInstances pages issued raw, one after
#    another, in the same run (one page at 100);
# 2. an environment of ENV_N=101 instances not created yet (one past the old cliff) in a region
#    holding OTHERS other instances, as a ratio to the same environment alone.
# Prints figures and API calls by action; the tests behind it assert calls, never time.
# Usage: scripts/bench-plan.sh [SIZES="100 1000"] [OTHERS=500] [LATENCY=50]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${1:-100 1000}"
others="${2:-500}"
latency="${3:-50}"
scripts/install-moto.sh
echo "building the release binary, then the tests..." >&2
cargo build --release --quiet
export RDSPLAN_BIN="$PWD/target/release/rdsplan" RDSPLAN_MOTO="$PWD/.venv/bin/moto_server"
export RDSPLAN_BENCH_LATENCY_MS="$latency"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); release build; ${latency} ms per call"
for n in $sizes; do
  echo "seeding moto with $n instances, then timing plans..." >&2
  RDSPLAN_BENCH_PLAN_N="$n" cargo test --quiet --test main -- \
    bench_plan::plan_at_scale_against_the_sequential_describe_floor --nocapture 2>&1 \
    | grep -oE '(plan at .*|panicked.*)' || true
done
echo "seeding moto with $others other instances, then timing plans..." >&2
RDSPLAN_BENCH_OTHERS="$others" RDSPLAN_BENCH_ENV_N=101 cargo test --quiet --test main -- \
  bench_plan::plan_reads_scale_with_the_environment_not_the_account --nocapture 2>&1 \
  | grep -oE '(plan of .*|panicked.*)' || true
