#!/usr/bin/env bash
# Benchmark: `rdsplan validate` (release build, no AWS) on an environment of N Multi-AZ
# instances with tags, the median of RUNS runs: what an editor running it on every keystroke
# waits for. Target: 3,000 instances within 80 ms.
# Usage: scripts/bench-validate.sh [N=3000] [RUNS=11]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-3000}"
runs="${2:-11}"
cargo build --release --quiet
bin="$PWD/target/release/rdsplan"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/big"
printf '[environment]\nregion = "eu-west-1"\ntags = { team = "bench" }\n' > "$dir/big/environment.toml"
printf '[vpc.main]\ncidr = "10.0.0.0/16"\nazs = 3\n\n[security_group.db]\nvpc = "main"\ndescription = "db"\n' \
  > "$dir/big/network.toml"
for i in $(seq 0 $((n - 1))); do
  printf '[instance.db%d]\nengine = "postgres"\nengine_version = "16.4"\ninstance_class = "db.t3.micro"\nallocated_storage = 20\nvpc = "main"\nsecurity_groups = ["db"]\nmulti_az = true\nbackup_retention_days = 7\ntags = { owner = "team-%d" }\n\n' "$i" "$((i % 7))"
done > "$dir/big/databases.toml"
"$bin" --dir "$dir" validate --env big >/dev/null
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  "$bin" --dir "$dir" validate --env big >/dev/null
  times+=($(( ($(date +%s%N) - start) / 1000000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
rss=$( { /usr/bin/time -f '%M' "$bin" --dir "$dir" validate --env big >/dev/null; } 2>&1 | tail -1 )
echo "validate of $n instances (release build, $(nproc) cores): median $(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p") ms (min $(echo "$sorted" | head -1), max $(echo "$sorted" | tail -1)), peak memory ${rss} KiB"
