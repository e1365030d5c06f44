"""Smoke test of ``python -m benchmarks load`` at a tiny size: two towns, a few staff signing in through
the development OpenID provider, two vendors, gunicorn (without the development-server baseline, which
the full run adds: it doubles the time), locust in a process of its own; the figures come out, no
request failed, the audit chains are
intact and hold the staff's and the vendor's reads, and no scratch database is left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.benchmarks.test_graphql_page import _bench_databases

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_load_benchmark_runs_small_without_errors_and_leaves_nothing_behind():
    before = _bench_databases()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
    result = subprocess.run([sys.executable, "-m", "benchmarks", "load", "--towns", "2", "--persons", "200",
                             "--staff", "3", "--chiefs", "1", "--vendors", "2", "--duration", "12",
                             "--think", "0.5", "1", "--spawn-rate", "10", "--no-baseline"],
                            env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [line["metric"] for line in lines] == ["portal_p95_ms", "graphql_p95_ms", "errors"]
    portal, graphql, errors = lines
    assert portal["value"] > 0 and portal["requests"] > 0 and portal["baseline"] == 0  # no baseline asked
    assert any(name.startswith("portal: search") for name in portal["actions"])
    assert portal["sign_in_requests"] == 2 * 3 * 2  # 2 towns × 3 staff, each: start and callback
    assert graphql["value"] > 0 and graphql["requests"] > 0
    assert errors["value"] == 0, errors["failures"]
    assert errors["audit"]["broken"] == [] and errors["audit"]["staff_and_vendor_entries"] > 0
    assert _bench_databases() <= before
