#!/usr/bin/env bash
# The test command: installs what the tests need (moto into .venv/) and runs the whole suite,
# with the formatting and lint gates first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-moto.sh
export RDSPLAN_MOTO="$PWD/.venv/bin/moto_server"
cargo fmt --all -- --check
cargo clippy --all-targets --quiet -- -D warnings
cargo test --all-targets 2>&1
