#!/usr/bin/env bash
# Install everything Kyodo needs on a fresh Debian machine: system packages (when missing),
# a virtualenv in .venv with the pinned Python packages, the pinned npm packages vendored into static
# files (platform/kyodo/core/frontend: design tokens, htmx, axe-core; docs/ui.md), and checkov in .venv-checkov.
# Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null 2>&1 || [ -n "${REDIS_URL:-}" ] || need_apt+=(redis-server)
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need_apt+=(fonts-noto-cjk)
[ -e /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf ] || need_apt+=(fonts-ipaexfont-gothic fonts-ipaexfont-mincho)
# IPAmj明朝: the 文字情報基盤 font, for 異体字 (IVS) in names on certificates (docs/residents.md)
[ -e /usr/share/fonts/truetype/ipamj/ipamjm.ttf ] || need_apt+=(fonts-ipamj-mincho)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: apt-get install ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install with apt-get: ${need_apt[*]}" >&2
  fi
fi

PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PY=$candidate; break
    fi
  done
fi
[ -n "$PY" ] || { echo "setup: Python 3.11 is required" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.kyodo-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v "^WARNING: Location" || true
  # (kyodo itself is only located, not imported: importing it reads the configuration, which wants secrets)
  .venv/bin/python -c "import importlib.util as u, django_tenants, pgserver, gunicorn; assert u.find_spec('kyodo')" 2>/dev/null \
    || { echo "setup: the Python packages did not install" >&2; exit 1; }
  touch "$stamp"
fi

# checkov (infrastructure scan) in a virtualenv of its own: its dependencies must not clash with the app's
# pins. Installed again only when scripts/checkov-requirements.txt changed.
if [ ! -x .venv-checkov/bin/python ]; then
  "$PY" -m venv .venv-checkov
fi
checkov_stamp=.venv-checkov/.kyodo-installed
if [ ! -f "$checkov_stamp" ] || [ scripts/checkov-requirements.txt -nt "$checkov_stamp" ]; then
  .venv-checkov/bin/python -m pip install -q --disable-pip-version-check -r scripts/checkov-requirements.txt 2>&1 | grep -v "^WARNING: Location" || true
  .venv-checkov/bin/checkov --version >/dev/null 2>&1 \
    || { echo "setup: checkov did not install into .venv-checkov" >&2; exit 1; }
  touch "$checkov_stamp"
fi

# Front-end packages: npm ci from the committed lock file, then copied into kyodo/core/static/kyodo/vendor/
# (no CDN: pages load them from this host). Done again only when the lock file changed.
frontend=platform/kyodo/core/frontend
if [ ! -f "$frontend/node_modules/.kyodo-installed" ] || [ "$frontend/package-lock.json" -nt "$frontend/node_modules/.kyodo-installed" ]; then
  npm ci --prefix "$frontend" --no-audit --no-fund --loglevel=error >/dev/null
  touch "$frontend/node_modules/.kyodo-installed"
fi
.venv/bin/python "$frontend/build.py" --check 2>/dev/null || .venv/bin/python "$frontend/build.py"
