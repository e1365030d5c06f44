"""Shared benchmark plumbing: a throw-away database, Django setup, and the JSON-line output format."""

from __future__ import annotations

import json
import os
import platform as _stdlib_platform  # noqa: F401  (make sure the stdlib module, not ours, is loaded)
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlparse, urlunparse


def emit(benchmark: str, metric: str, value: float, unit: str, baseline: float, ratio: float,
         **extra) -> None:
    """One JSON line per figure; ratio > 1 means better than the baseline measured in the same run."""
    line = {"benchmark": benchmark, "metric": metric, "value": round(value, 6), "unit": unit,
            "baseline": round(baseline, 6), "ratio": round(ratio, 3)}
    line.update(extra)
    print(json.dumps(line, ensure_ascii=False), flush=True)


def median_time(fn: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), samples


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    from kyodo.config import CONFIG
    from kyodo.embedded import postgres_url

    return postgres_url(CONFIG.state_dir)


@contextmanager
def scratch_database(prefix: str = "kyodo_bench") -> Iterator[str]:
    """Create an empty database next to DATABASE_URL's (or in the embedded server), point
    DATABASE_URL at it for this process, and drop it afterwards."""
    import psycopg

    base = _server_url()
    parsed = urlparse(base)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{name}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyodo.settings")
    try:
        yield name
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_ready() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    from kyodo.tenancy import template

    template.template_migrate()


def town_codes(count: int, start: int = 42001) -> Iterator[str]:
    """Valid 全国地方公共団体コード outside the demo's six towns (prefecture 42 = 長崎県)."""
    from kyodo.tenancy.codes import check_digit

    n = start
    produced = 0
    while produced < count:
        five = f"{n:05d}"
        n += 1
        yield five + str(check_digit(five))
        produced += 1
