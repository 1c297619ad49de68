#!/usr/bin/env bash
# Benchmark: `rdsplan drift` (release build) over E environments of one region (each a VPC, a
# security group, a parameter group and an instance with generated credentials, applied in
# moto first), through the test proxy with LATENCY ms added to every call. Prints the time,
# calls per environment and the most calls in flight per service, for each E: time should grow
# linearly with E, calls per environment stay flat (the region-wide lists are read once).
# Usage: scripts/bench-drift.sh [ES="10 30"] [LATENCY=50]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-moto.sh
echo "building the release binary, then the tests..." >&2
cargo build --release --quiet
export RDSPLAN_BIN="$PWD/target/release/rdsplan" RDSPLAN_MOTO="$PWD/.venv/bin/moto_server"
export RDSPLAN_BENCH_LATENCY_MS="${2:-50}"
echo "machine: $(nproc) cores; release build; ${RDSPLAN_BENCH_LATENCY_MS} ms per call"
for e in ${1:-10 30}; do
  echo "applying $e environments in moto, then timing drift..." >&2
  RDSPLAN_BENCH_DRIFT_E="$e" cargo test --quiet --test main -- drift_many --nocapture 2>&1 \
    | grep -oE '(drift over .*|panicked.*)' || true
done
