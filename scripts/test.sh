#!/usr/bin/env bash
# Run every check and the whole test suite. Uses DATABASE_URL / REDIS_URL when set; otherwise an
# embedded PostgreSQL (pgserver) and a private redis-server are started. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PYTHONPATH="$PWD/platform:$PWD"
export KYODO_DEBUG=1
# the vendored front-end files (setup.sh builds them; again here if they were removed since)
.venv/bin/python platform/kyodo/core/frontend/build.py --check 2>/dev/null || .venv/bin/python platform/kyodo/core/frontend/build.py
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  # Embedded servers for the variables left unset, registered as used by this script; at the end they
  # are stopped unless another command (a running demo, say) still uses them (docs/testing.md).
  # What it stopped is written to var/logs/embedded-stop.log, so that pytest's summary stays the last line.
  mkdir -p var/logs
  trap '.venv/bin/python -m kyodo.embedded stop --for-pid $$ >>var/logs/embedded-stop.log 2>&1' EXIT
  embedded_redis=$(.venv/bin/python -m kyodo.embedded start --for-pid $$ --redis-db 15)
  if [ -z "${REDIS_URL:-}" ]; then
    export REDIS_URL=$embedded_redis   # the URL it really runs on; database 15, apart from the demo's 0
  fi
fi
echo "== ruff"
.venv/bin/ruff check .
echo "== mypy"
.venv/bin/mypy $(cat scripts/mypy-paths.txt)
echo "== makemigrations --check"
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null
echo "== pytest"
.venv/bin/python -m pytest "$@"   # not exec: the EXIT trap stops the embedded servers
