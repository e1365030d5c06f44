#!/usr/bin/env bash
# Set up and run the demo consortium (Saga Prefecture's six towns). Extra arguments go to `kyodo demo`
# (e.g. --port 8001, --check to start, verify and stop).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/kyodo demo "$@"
