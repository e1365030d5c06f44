"""Shared fixtures: real PostgreSQL (DATABASE_URL or embedded pgserver), real Redis (REDIS_URL or an
embedded redis-server), and the two-town isolation fixture every tenant-scoped feature reuses.

Two towns are onboarded once per session through the real provisioning service and committed:
town A = 武雄市 (412066, host takeo.test) and town B = 鹿島市 (412074, host kashima.test), each with a
counter clerk and an approver, plus a prefecture administrator. Ordinary tests run inside a
transaction that is rolled back (DDL included), so they may onboard more towns freely.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client

# Every run checks the SQL it executes against the preconditions of Citus schema-based sharding (docs/scaling.md).
pytest_plugins = ["tests.plugins.sql_schemas"]

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "kyodo-test-password-1"

TOWN_A = {"code": "412066", "name": "武雄市", "name_kana": "タケオシ", "hosts": ["takeo.test"],
          "applications": ["residents"]}
TOWN_B = {"code": "412074", "name": "鹿島市", "name_kana": "カシマシ", "hosts": ["kashima.test"],
          "applications": ["residents"]}


@pytest.fixture(scope="session", autouse=True)
def _redis():
    """Make sure the broker is up. With REDIS_URL unset (pytest run directly, not through
    scripts/test.sh): our embedded redis-server, database 15 (the demo uses 0), on whatever port it
    really runs on; this process's Celery app and the workers it starts are pointed at it."""
    if not os.environ.get("REDIS_URL"):
        from kyodo.celery import app
        from kyodo.config import CONFIG
        from kyodo.embedded import redis_url

        url = redis_url(CONFIG.state_dir, db=15)
        os.environ["REDIS_URL"] = url
        app.conf.update(broker_url=url, broker_read_url=url, broker_write_url=url)
    yield


@pytest.fixture
def sample_app():
    """The throw-away application of tests/sample_app.py, declared for one test."""
    from kyodo import registry
    from tests import sample_app as module

    module.HANDLED.clear()
    with registry.temporarily(module.APPLICATION) as app:
        yield app


@pytest.fixture(autouse=True)
def _public_schema_afterwards():
    """A request through the test client leaves the connection in its town's schema (the tenant
    middleware sets it per request, as in production); the next test starts in the public schema, so
    code that reads a town table only inside a town (the code tables' 元号) does not query in a test
    without database access."""
    yield
    from django.db import connection

    connection.set_schema_to_public()  # attributes only: the search path is set on the next query


@pytest.fixture(autouse=True)
def _test_hosts(settings):
    """Test towns live on *.test hosts."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".test", "testserver"]


def _make_user(username: str, *, town=None, role: str):
    from django.contrib.auth import get_user_model

    from kyodo.identity.models import StaffMembership

    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    StaffMembership.objects.create(user=user, municipality=town, role=role)
    return user


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    """Create the test database (always, also for tests that only use ``committed``), migrate it,
    and onboard the two towns of the isolation fixture through the real provisioning service."""
    from django.test.utils import setup_databases, teardown_databases

    from kyodo.tenancy import services, template

    with django_db_blocker.unblock():
        db_cfg = setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
        template.template_migrate()
        town_a = services.municipality_provision(actor=None, **TOWN_A)
        town_b = services.municipality_provision(actor=None, **TOWN_B)
        _make_user("pref-admin", role="prefecture_admin")
        for town, slug in ((town_a, "a"), (town_b, "b")):
            _make_user(f"clerk-{slug}", town=town, role="counter_clerk")
            _make_user(f"approver-{slug}", town=town, role="approver")
    yield
    with django_db_blocker.unblock():
        from django.db import connections

        connections.close_all()
        teardown_databases(db_cfg, verbosity=0)


@pytest.fixture
def town_a(db):
    from kyodo.tenancy.models import Municipality

    return Municipality.objects.get(code=TOWN_A["code"])


@pytest.fixture
def town_b(db):
    from kyodo.tenancy.models import Municipality

    return Municipality.objects.get(code=TOWN_B["code"])


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


@pytest.fixture
def clerk_a(db):
    return _user("clerk-a")


@pytest.fixture
def clerk_b(db):
    return _user("clerk-b")


@pytest.fixture
def approver_a(db):
    return _user("approver-a")


@pytest.fixture
def pref_admin(db):
    return _user("pref-admin")


def logged_in_client(user, host: str) -> Client:
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


@pytest.fixture
def client_a(clerk_a):
    """Town A's counter clerk on town A's host."""
    return logged_in_client(clerk_a, TOWN_A["hosts"][0])


@pytest.fixture
def console_client(pref_admin):
    return logged_in_client(pref_admin, "localhost")


@pytest.fixture
def in_town():
    """``with in_town(town): ...`` runs ORM code in that town's schema (django-tenants context)."""
    from django_tenants.utils import tenant_context

    return tenant_context


# --- committed state (for code that runs in other processes: workers, parallel migrate) ------------

@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Database access outside the per-test transaction. The test must clean up what it commits;
    ``committed.towns`` made through ``committed.provision`` are removed afterwards."""
    from django.db import connection

    from kyodo.tenancy import services
    from kyodo.tenancy.models import Municipality

    class Committed:
        towns: list[str] = []

        def provision(self, **kwargs):
            town = services.municipality_provision(actor=None, **kwargs)
            self.towns.append(town.code)
            return town

    helper = Committed()
    helper.towns = []
    with django_db_blocker.unblock():
        yield helper
        connection.set_schema_to_public()
        for code in helper.towns:
            town = Municipality.objects.filter(code=code).first()
            if town is not None:
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP SCHEMA IF EXISTS "{town.schema_name}" CASCADE')
                town.domains.all().delete()
                Municipality.objects.filter(pk=town.pk).delete()


def _test_database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    host = s["HOST"]
    if host.startswith("/"):
        return f"postgresql://{s['USER']}:{s['PASSWORD']}@/{s['NAME']}?host={host}"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgresql://{s['USER']}:{s['PASSWORD']}@{host}{port}/{s['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, tmp_path_factory):
    """A real Celery worker (separate process) on the test database and the real broker."""
    from kyodo.celery import app

    queue = f"kyodo-test-{os.getpid()}"
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    # The worker also knows a relay test consumer (it only takes kicktest.* events).
    env = dict(os.environ, DATABASE_URL=_test_database_url(), KYODO_EXTRA_APPLICATIONS="tests.events.kick_app",
               KYODO_RELAYTEST_LOG=str(log.with_name("relay-effects.log")), KYODO_RELAYTEST_SLEEP="0",
               PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
    with contextlib.suppress(Exception):
        app.control.purge()  # drop messages left by earlier runs on this broker database
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "kyodo", "worker", "--concurrency=1",
         "--pool=solo", "--without-gossip", "--without-mingle", "--loglevel=INFO", "-n", f"{queue}@%h"],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        with contextlib.suppress(Exception):
            if app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=0.5):
                break
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited: {log.read_text()[-2000:]}")
    else:
        proc.terminate()
        raise RuntimeError(f"celery worker did not start: {log.read_text()[-2000:]}")

    class Worker:
        queue_name = queue
        log_path = log
        process = proc

    yield Worker()
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


# --- the log-privacy check of the whole run (tests/logprivacy.py) -----------------------------------------

def pytest_sessionstart(session):
    from tests import logprivacy

    logprivacy.start()


def pytest_collection_modifyitems(session, config, items):
    """The log-privacy test reads the log of everything before it: it runs last."""
    last = [item for item in items if item.nodeid.endswith("test_zz_log_privacy.py::test_the_run_logged_no_personal_data")]
    items[:] = [item for item in items if item not in last] + last
