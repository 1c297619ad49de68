#!/usr/bin/env bash
# Benchmark: how long `rdsplan plan` takes and how much memory it uses on the staging example
# (13 resources of 9 kinds) against a local moto server. Prints figures; asserts nothing, since
# timings on a shared machine vary. Usage: scripts/bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
scripts/install-moto.sh
cargo build --release --quiet
source scripts/moto.sh
moto_start >/dev/null
trap moto_stop EXIT
bin=./target/release/rdsplan
$bin apply --env staging --auto-approve >/dev/null
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  $bin plan --env staging --detailed-exitcode >/dev/null
  times+=($(( ($(date +%s%N) - start) / 1000000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "plan (staging, $runs runs): min $(echo "$sorted" | head -1) ms, median $(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p") ms, max $(echo "$sorted" | tail -1) ms"
rss=$( { /usr/bin/time -f '%M' $bin plan --env staging >/dev/null; } 2>&1 | tail -1 )
echo "plan peak memory: ${rss} KiB"
