#!/usr/bin/env bash
# The test command: installs what the tests need (moto into .venv/, PostgreSQL from Debian)
# and runs the whole suite,
# with the formatting and lint gates first.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\n== %s\n' "$*" >&2; }
say "installing moto into .venv/ (pinned; quick when already there)"
scripts/install-moto.sh
# PostgreSQL (Debian's package) for the test in which a real client connects with the
# credentials rdsplan generated.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    say "installing PostgreSQL (Debian package) for the client-connection test"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL is needed by the tests: sudo apt-get install postgresql" >&2
    exit 1
  fi
fi
export RDSPLAN_MOTO="$PWD/.venv/bin/moto_server"
say "checking formatting (cargo fmt --check)"
cargo fmt --all -- --check
say "linting (cargo clippy -D warnings; a cold build of the AWS SDKs takes about 3 minutes)"
cargo clippy --all-targets --quiet -- -D warnings
say "running the tests: unit tests, then one moto server per integration test (about 5 minutes; the fault campaign is the longest)"
cargo test --all-targets 2>&1
