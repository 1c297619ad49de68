#!/usr/bin/env bash
# The demo: installs moto into .venv/, starts it on 127.0.0.1, and runs validate, plan,
# apply --auto-approve and plan again (no changes) against environments/dev; then stops moto.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== installing moto into .venv/ (quick when already there)" >&2
scripts/install-moto.sh
# --all-targets builds with the tests' features, so that after `scripts/test.sh` nothing (the
# AWS SDKs above all) is rebuilt.
echo "== building rdsplan" >&2
cargo build --all-targets --quiet
echo "== starting moto on 127.0.0.1" >&2
source scripts/moto.sh
moto_start
trap moto_stop EXIT
rdsplan=./target/debug/rdsplan
run() { printf '\n$ rdsplan %s\n' "$*"; "$rdsplan" "$@"; }
run validate --env dev
run plan --env dev
run apply --env dev --auto-approve
run plan --env dev --detailed-exitcode
echo
echo "demo complete: the second plan shows no changes."
