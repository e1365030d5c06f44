"""/healthz and /readyz: on every host (public, town, unknown, an IP address), without a login, saying
ok/failed per named check and nothing else; 503 when a check fails."""

from __future__ import annotations

import json
import socket

import pytest
from django.test import Client

from ..conftest import TOWN_A


@pytest.fixture(autouse=True)
def _no_backup_stores(monkeypatch):
    """The run may have backup stores configured by other tests' servers; these tests configure their own."""
    from kyodo import config

    monkeypatch.setattr(config, "BACKUPS", config.BackupConfig(stores={}, retention_days=35,
                                                               retention_days_by_town={}, chunk_bytes=1024))

pytestmark = pytest.mark.django_db

HOSTS = ["localhost", TOWN_A["hosts"][0], "no-such-town.test", "10.1.2.3"]


@pytest.mark.parametrize("host", HOSTS)
def test_liveness_answers_on_every_host_without_login(host):
    response = Client(HTTP_HOST=host).get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("host", HOSTS)
def test_readiness_checks_the_database_and_the_broker(host):
    response = Client(HTTP_HOST=host).get("/readyz")
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok" and body["checks"]["broker"] == "ok"
    assert set(body) == {"status", "checks"} and set(body["checks"].values()) == {"ok"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the with block ends: nothing listens there


def test_readiness_is_503_when_the_database_is_unreachable(monkeypatch):
    """The database check on a second connection to a closed port: failed, and nothing of why."""
    from django.db import connections

    from kyodo.core import health

    port = _closed_port()
    settings_dict = {**connections["default"].settings_dict, "HOST": "127.0.0.1", "PORT": str(port)}
    broken = connections["default"].__class__(settings_dict, alias="readyz-broken")

    def check_database():
        try:
            with broken.cursor() as cursor:
                cursor.execute("SELECT 1")
        finally:
            broken.close()

    monkeypatch.setattr(health, "check_database", check_database)
    response = Client(HTTP_HOST="localhost").get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body == {"status": "failed", "checks": {**body["checks"], "database": "failed"}}
    text = response.content.decode()
    assert str(port) not in text and "127.0.0.1" not in text and "connection" not in text.lower()


def test_readiness_is_503_when_the_broker_is_unreachable(monkeypatch):
    from kyodo.celery import app

    port = _closed_port()
    monkeypatch.setattr(app.conf, "broker_write_url", f"redis://127.0.0.1:{port}/0")
    response = Client(HTTP_HOST=TOWN_A["hosts"][0]).get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"] == {"database": "ok", "broker": "failed"}
    assert str(port) not in response.content.decode()


def test_readiness_checks_the_backup_stores_when_configured(monkeypatch):
    from integrations.objectstore import StoreConfig
    from kyodo import config

    port = _closed_port()
    store = StoreConfig(name="a", kind="s3", endpoint=f"http://127.0.0.1:{port}", bucket="kyodo-a",
                        access_key_id="x", secret_access_key="y", region="us-east-1", lock_mode=None,
                        timeout_seconds=1.0)
    monkeypatch.setattr(config, "BACKUPS", config.BackupConfig(stores={"a": store}, retention_days=35,
                                                               retention_days_by_town={}, chunk_bytes=1024))
    response = Client(HTTP_HOST="localhost").get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["backup_stores"] == "failed"


def test_health_paths_take_only_get_and_head():
    client = Client(HTTP_HOST="localhost")
    assert client.post("/readyz").status_code == 405
    assert client.head("/healthz").status_code == 200
    # Only the exact paths: anything longer is an ordinary (login-protected) page.
    assert client.get("/healthz/x", HTTP_HOST=TOWN_A["hosts"][0]).status_code == 302
