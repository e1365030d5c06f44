"""Smoke test of ``python -m benchmarks graphql-page`` at small sizes: it runs end to end (dev IdP,
real vendor token, the API view), prints one JSON line per figure with a baseline, and leaves no
scratch database behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.benchmarks.test_scratch_database import _server_admin_url

ROOT = Path(__file__).resolve().parents[2]


def _bench_databases() -> set[str]:
    with psycopg.connect(_server_admin_url()) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'kyodo_bench_%'")}


@pytest.mark.slow
def test_graphql_page_benchmark_runs_small_and_leaves_nothing_behind():
    before = _bench_databases()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
    result = subprocess.run([sys.executable, "-m", "benchmarks", "graphql-page", "--persons", "300", "--runs", "1",
                             "--events", "300"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [line["metric"] for line in lines] == ["page_p99_ms", "feed_events_s"]
    page, feed = lines
    assert page["benchmark"] == feed["benchmark"] == "graphql-page"
    assert page["value"] > 0 and page["baseline"] > 0 and page["samples"] == 2  # 300 persons: 2 pages
    assert max(page["sql_queries"]) < min(page["baseline_sql_queries"])  # batched vs one query per row
    assert feed["events"] == 300 and feed["value"] > 0 and feed["baseline"] > 0
    assert _bench_databases() <= before
