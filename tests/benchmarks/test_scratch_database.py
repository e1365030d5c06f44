"""benchmarks.common.scratch_database: Django really uses the throw-away database, which is gone afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
from benchmarks.common import assert_scratch_database, scratch_database
with scratch_database(prefix="kyodo_bench_probe") as name:
    import django
    django.setup()
    assert_scratch_database()
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        current = cursor.fetchone()[0]
    import os
    print(json.dumps({"scratch": name, "django_name": connection.settings_dict["NAME"], "current": current,
                      "broker": os.environ["REDIS_URL"]}))
"""


def _server_admin_url() -> str:
    from django.conf import settings

    s = settings.DATABASES["default"]
    host = s["HOST"]
    if host.startswith("/"):
        return f"postgresql://{s['USER']}:{s['PASSWORD']}@/postgres?host={host}"
    return f"postgresql://{s['USER']}:{s['PASSWORD']}@{host}:{s['PORT'] or 5432}/postgres"


def _probe(env: dict[str, str]) -> dict[str, str]:
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["scratch"].startswith("kyodo_bench_probe_")
    return seen


def _databases(admin_url: str) -> list[str]:
    with psycopg.connect(admin_url) as conn:
        return [row[0] for row in conn.execute("SELECT datname FROM pg_database")]


def test_django_uses_the_scratch_database_and_it_is_dropped_afterwards():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
    seen = _probe(env)
    assert seen["django_name"] == seen["current"] == seen["scratch"]
    assert seen["scratch"] not in _databases(_server_admin_url())


@pytest.mark.slow
def test_without_database_url_and_redis_url_everything_is_our_own_and_gone_afterwards(tmp_path):
    """The case that used to write into the demo's database: DATABASE_URL (and REDIS_URL) unset."""
    from kyodo.embedded import port_open, stop_embedded

    state = tmp_path / "state"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
               KYODO_STATE_DIR=str(state))
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    try:
        seen = _probe(env)
        assert seen["django_name"] == seen["current"] == seen["scratch"]
        # Nobody else used the embedded servers of this state dir: the benchmark stopped them.
        assert not (state / "pgdata" / "postmaster.pid").exists()
        broker_port = int(seen["broker"].rsplit(":", 1)[1].split("/")[0])
        assert seen["broker"].endswith("/14") and not port_open("127.0.0.1", broker_port)
        embedded = subprocess.run([sys.executable, "-m", "kyodo.embedded", "postgres-url"], env=env,
                                  capture_output=True, text=True, check=True).stdout.strip()
        assert f"host={state / 'pgdata'}" in embedded
        assert seen["scratch"] not in _databases(embedded)
    finally:
        stop_embedded(state, services=["postgres", "redis"])


def test_scratch_database_refuses_once_kyodo_is_configured():
    """In a process that has already read kyodo's configuration, Django would keep the configured
    database: scratch_database refuses before creating anything."""
    from benchmarks.common import scratch_database

    assert "kyodo.config" in sys.modules
    with pytest.raises(RuntimeError, match="before kyodo is imported"), scratch_database():
        pass


def test_assert_scratch_database_fails_loudly_outside_a_scratch_database():
    from benchmarks.common import assert_scratch_database

    with pytest.raises(RuntimeError, match="benchmark refused to run"):
        assert_scratch_database()
