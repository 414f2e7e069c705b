#!/usr/bin/env bash
# Create .venv from the locked requirements, or reuse it when the lock has not changed.
# The venv records the hash of what it was built from; a different hash (lock or pyproject edited)
# rebuilds it from scratch so no stale package survives.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
venv=.venv
stamp=$venv/.built-from.sha256
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)

if [[ -x $venv/bin/python && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    exit 0
fi

"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "medres needs Python 3.11 or newer")'
started=$SECONDS
packages=$(grep -c '^[A-Za-z0-9_.-]*==' requirements.lock || true)
# .ci/run greps for "creating .venv" to prove a second build reuses the environment.
echo "medres: creating $venv from requirements.lock (first run, or the lock changed; later builds reuse it)"
rm -rf "$venv"
"$python" -m venv "$venv"
echo "medres:   installing $packages pinned packages (dbt, DuckDB, pandas, scipy, great-expectations, ...)"
echo "medres:   with pip --require-hashes: about 2 minutes on a fast network, pip stays quiet meanwhile"
# --require-hashes: every package, transitive ones included, must match the lock's hashes.
"$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
echo "medres:   installing medres itself (editable, a few seconds)"
# medres itself, editable, so dbt's Python models import the same code the tests exercise.
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
echo "$want" > "$stamp"
echo "medres: $venv ready after $((SECONDS - started)) s"
