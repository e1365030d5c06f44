#!/usr/bin/env bash
# Run every check and the whole test suite. Uses DATABASE_URL / REDIS_URL when set; otherwise an
# embedded PostgreSQL (pgserver) and a private redis-server are started. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PYTHONPATH="$PWD/platform:$PWD"
export KYODO_DEBUG=1
if [ -z "${REDIS_URL:-}" ]; then
  .venv/bin/python -c "from kyodo.config import CONFIG; from kyodo.embedded import redis_url; redis_url(CONFIG.state_dir)"
  export REDIS_URL=redis://127.0.0.1:6390/15   # a database of its own, apart from the demo's
fi
echo "== ruff"
.venv/bin/ruff check .
echo "== mypy"
.venv/bin/mypy $(cat scripts/mypy-paths.txt)
echo "== makemigrations --check"
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
