"""Shared benchmark plumbing: a throw-away database, Django setup, and the JSON-line output format."""

from __future__ import annotations

import json
import os
import platform as _stdlib_platform  # noqa: F401  (make sure the stdlib module, not ours, is loaded)
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse


def emit(benchmark: str, metric: str, value: float, unit: str, baseline: float, ratio: float,
         **extra) -> None:
    """One JSON line per figure; ratio > 1 means better than the baseline measured in the same run."""
    line = {"benchmark": benchmark, "metric": metric, "value": round(value, 6), "unit": unit,
            "baseline": round(baseline, 6), "ratio": round(ratio, 3)}
    line.update(extra)
    print(json.dumps(line, ensure_ascii=False), flush=True)


def percentile(samples: list[float], share: float) -> float:
    """The ``share`` percentile by rank (0.95: the value below which 95 % of the samples lie); 0 for none."""
    ordered = sorted(samples)
    return ordered[max(0, int(round(share * len(ordered))) - 1)] if ordered else 0.0


def p95(samples: list[float]) -> float:
    return percentile(samples, 0.95)


def free_port() -> int:
    """A free TCP port on the loopback interface (for a server a benchmark starts)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def median_time(fn: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), samples


ROOT = Path(__file__).resolve().parents[1]
BROKER_DB = 14  # of our embedded redis-server: the demo uses 0, the tests 15
# A benchmark runs on scratch data with generated secrets, in debug mode (production is the default);
# set before kyodo.config is read, here and in the processes a benchmark starts.
os.environ.setdefault("KYODO_DEBUG", "1")


def _embedded(*args: str, env: dict[str, str] | None = None) -> str:
    """``python -m kyodo.embedded ...`` in a child process, on behalf of this one: importing ``kyodo``
    here would read the configuration (and build Django's settings) before DATABASE_URL names the
    scratch database, and the benchmark would write into the demo's database."""
    child_env = dict(env if env is not None else os.environ,
                     PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
    result = subprocess.run([sys.executable, "-m", "kyodo.embedded", *args, "--for-pid", str(os.getpid())],
                            env=child_env, check=True, stdout=subprocess.PIPE, text=True)
    return result.stdout.strip()


_SCRATCH: str | None = None  # the database scratch_database made for this process


@contextmanager
def scratch_database(prefix: str = "kyodo_bench") -> Iterator[str]:
    """Create an empty database next to DATABASE_URL's (or in the embedded server), point
    DATABASE_URL at it for this process, and drop it afterwards. Must run before anything imports
    ``kyodo`` (its configuration is read once); django_ready() checks that Django really uses it.

    With REDIS_URL unset, the tasks that onboarding enqueues go to database 14 of our embedded
    redis-server (emptied afterwards), never to whatever listens on the default port. Embedded
    servers this benchmark used are stopped at the end unless another process still uses them."""
    import psycopg

    global _SCRATCH
    if "kyodo.config" in sys.modules:
        raise RuntimeError("scratch_database() must be entered before kyodo is imported: the configuration "
                           "has already been read, so Django would use the configured database")
    saved = {key: os.environ.get(key) for key in ("DATABASE_URL", "REDIS_URL")}
    base = saved["DATABASE_URL"] or _embedded("postgres-url")
    broker = None
    if not saved["REDIS_URL"]:
        broker = _embedded("start", "--redis-db", str(BROKER_DB), env=dict(os.environ, DATABASE_URL=base))
        os.environ["REDIS_URL"] = broker
    parsed = urlparse(base)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{name}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyodo.settings")
    _SCRATCH = name
    try:
        yield name
    finally:
        _SCRATCH = None
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if broker:
            import redis

            redis.Redis.from_url(broker).flushdb()  # our server, our database: the tasks nobody ran
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if broker or not saved["DATABASE_URL"]:
            _embedded("stop")  # reports on stderr


def assert_scratch_database() -> None:
    """Fail loudly unless Django's default connection is the database scratch_database made."""
    from django.conf import settings

    actual = settings.DATABASES["default"]["NAME"]
    if _SCRATCH is None or actual != _SCRATCH:
        raise RuntimeError(f"benchmark refused to run: Django's database is {actual!r}, not the scratch "
                           f"database {_SCRATCH!r}; it would write into a database it does not own")


def django_ready() -> None:
    import django

    django.setup()
    assert_scratch_database()  # before the first write
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
