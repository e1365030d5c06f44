"""Smoke test of ``python -m benchmarks import`` at a tiny size: it runs end to end (Shift_JIS files
exported from a scratch town, imported, exported, onboarded), prints one JSON line per figure with a
baseline, and leaves no scratch database behind."""

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
def test_import_benchmark_runs_small_and_leaves_nothing_behind():
    before = _bench_databases()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
    result = subprocess.run([sys.executable, "-m", "benchmarks", "import", "--persons", "300"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [line["metric"] for line in lines] == ["import_100k_s", "export_rows_s", "onboard_with_data_s"]
    imported, exported, onboard = lines
    assert {line["benchmark"] for line in lines} == {"import"}
    assert imported["persons"] == 300 and imported["baseline_counts"]["persons"] == 300
    assert imported["value"] > 0 and imported["baseline"] > 0 and imported["peak_traced_mb"] > 0
    assert exported["rows"] == exported["baseline_rows"] > 300 and exported["value"] > 0
    assert onboard["value"] > 0 and onboard["baseline"] > 0
    assert _bench_databases() <= before
