#!/usr/bin/env bash
# Set up and run the demo consortium (Saga Prefecture's six towns). Extra arguments go to `kyodo demo`
# (e.g. --port 8001, --check to start, verify and stop).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export KYODO_DEBUG=1   # the demo is a debug-mode run (production is the default)
exec .venv/bin/kyodo demo "$@"
