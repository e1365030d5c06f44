"""Backups run against real PostgreSQL (committed data: pg_dump and psql are other processes) and three
real moto S3 servers over HTTP on loopback ports of their own."""

from __future__ import annotations

import contextlib
import os

import pytest

from kyodo.backups.embedded import free_ports, local_store_env
from kyodo.config import backups_reconfigure

# Free ports per session, so two test sessions on one machine never share or stop each other's stores.
_PORTS = free_ports(4)
TEST_PORTS = tuple(_PORTS[:3])
DOWN_PORT = _PORTS[3]  # nothing listens here: "a store that is down"
# Set before any worker process starts so a real Celery worker sees the same stores.
os.environ.update(local_store_env(TEST_PORTS, bucket_prefix="kyodo-test"))
os.environ.setdefault("KYODO_BACKUP_SIGNING_KEY", "test-signing-key-not-a-secret-" + "x" * 16)
# kyodo.config read the backup configuration when Django started, before these variables were set.
backups_reconfigure()

OMACHI = {"code": "414239", "name": "大町町", "name_kana": "オオマチチョウ", "hosts": ["omachi.test"],
          "applications": ["residents"]}
KOHOKU = {"code": "414247", "name": "江北町", "name_kana": "コウホクマチ", "hosts": ["kohoku.test"],
          "applications": ["residents"]}


@pytest.fixture(scope="session")
def local_stores(tmp_path_factory):
    from kyodo.backups.embedded import start_local_stores

    env, processes = start_local_stores(tmp_path_factory.mktemp("stores"), ports=TEST_PORTS,
                                        unless_configured=False)
    # start_local_stores made buckets for the demo names; the tests use their own bucket names.
    stores = stores_from(os.environ)
    for store in stores.values():
        store.ensure_bucket()
    yield stores
    for proc in processes:
        proc.terminate()
        with contextlib.suppress(Exception):
            proc.wait(timeout=10)


def stores_from(environ) -> dict:
    from integrations.objectstore import store_configs_from_env, store_open

    return {name: store_open(c) for name, c in store_configs_from_env(environ).items()}


@pytest.fixture
def stores(local_stores):
    return dict(local_stores)


@pytest.fixture
def down_store_env():
    env = dict(os.environ)
    env["KYODO_BACKUP_STORE_B_ENDPOINT"] = f"http://127.0.0.1:{DOWN_PORT}"
    env["KYODO_BACKUP_STORE_B_TIMEOUT_SECONDS"] = "1"
    return env


def _fill(town) -> None:
    """Rows that are awkward for a dump/restore: newlines, tabs, backslashes, NULLs, Japanese, bytea,
    JSON, and text that names the town's schema (the restore must never rewrite data)."""
    from django.db import connection

    schema = town.schema_name
    with connection.cursor() as cursor:
        cursor.execute(f'''
            CREATE TABLE "{schema}".backup_sample (
                id bigserial PRIMARY KEY, name text, note text, amount numeric(12, 2), born date,
                payload jsonb, raw bytea, flag boolean)''')
        cursor.execute(f'''
            INSERT INTO "{schema}".backup_sample (name, note, amount, born, payload, raw, flag)
            SELECT '住民' || g, CASE WHEN g % 7 = 0 THEN NULL ELSE E'line1\\nline2\\t"{schema}".x \\\\ ' || g END,
                   g * 1.25, date '1950-01-01' + g, jsonb_build_object('n', g, 's', '世帯' || g),
                   decode(md5(g::text), 'hex'), g % 2 = 0
            FROM generate_series(1, 3000) g''')
        cursor.execute(f'''INSERT INTO "{schema}".reference_referencecode
            (code_type, code, label, label_kana, sort_order, standard)
            VALUES ('relationship', '99', '{schema} 独自続柄', 'ドクジ', 99, false)''')


@pytest.fixture
def backup_town(committed):
    """A committed town of our own with sample data; runs, drills and stray schemas are cleaned up."""
    from django.db import connection

    from kyodo.backups.models import BackupRun, DrillRun

    town = committed.provision(**OMACHI)
    _fill(town)
    yield town
    connection.set_schema_to_public()
    BackupRun.objects.filter(town_code__in=[OMACHI["code"], KOHOKU["code"], "412066", "412074"]).delete()
    DrillRun.objects.filter(town_code__in=[OMACHI["code"], KOHOKU["code"], "412066", "412074"]).delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'restored_%%' OR nspname LIKE 'drill_%%'")
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP SCHEMA "{name}" CASCADE')


def checksums(schema: str) -> dict:
    from django.db import connection

    from kyodo.backups.pgio import table_checksums

    with connection.cursor() as cursor:
        return table_checksums(cursor, schema)
