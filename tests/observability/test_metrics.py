"""/metrics: only with the operator's token; latency by URL pattern and town (never a path with ids); relay lag
and backup age per town."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from kyodo.observability import metrics

pytestmark = pytest.mark.django_db
TOKEN = "operator-metrics-token-1"


@pytest.fixture
def token(monkeypatch):
    monkeypatch.setattr(metrics, "metrics_token", lambda: TOKEN)


def scrape(**headers) -> tuple[int, str]:
    response = Client(HTTP_HOST="localhost").get("/metrics", **headers)
    return response.status_code, response.content.decode()


def test_metrics_are_off_without_a_configured_token():
    assert metrics.metrics_token() == ""  # nothing configured in the test environment
    assert scrape(HTTP_AUTHORIZATION="Bearer ")[0] == 404


def test_only_the_operator_token_reads_them(token, client_a):
    assert scrape()[0] == 404
    assert scrape(HTTP_AUTHORIZATION="Bearer wrong-token")[0] == 404
    status, body = scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert status == 200 and "kyodo_http_request_duration_seconds" in body
    assert "python_gc" not in body and "process_" not in body  # no runtime details of the process


def test_latency_is_labelled_by_pattern_and_town(token, client_a, town_a):
    assert client_a.get("/residents/").status_code == 200
    assert client_a.get("/residents/persons/987654/").status_code in (403, 404)
    _, body = scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    lines = [x for x in body.splitlines() if x.startswith("kyodo_http_request_duration_seconds_count")]
    assert any(f'town="{town_a.code}"' in x and 'route="residents/"' in x and 'status="2xx"' in x for x in lines)
    assert any('route="residents/persons/<int:' in x for x in lines)
    assert not any("987654" in x for x in lines)  # the id in the path never becomes a label


def test_relay_lag_and_backup_age_per_town(token, town_a, town_b):
    from kyodo.backups.models import BackupRun, RunStatus

    finished = timezone.now() - dt.timedelta(hours=5)
    BackupRun.objects.create(backup_id="metrics-test-1", municipality=town_a, town_code=town_a.code,
                             schema_name=town_a.schema_name, status=RunStatus.SUCCEEDED,
                             started_at=finished - dt.timedelta(minutes=1), finished_at=finished)
    _, body = scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    [age] = [x for x in body.splitlines() if x.startswith(f'kyodo_backup_age_seconds{{town="{town_a.code}"}}')]
    assert 5 * 3600 - 60 < float(age.split()[-1]) < 5 * 3600 + 600
    assert not [x for x in body.splitlines() if x.startswith(f'kyodo_backup_age_seconds{{town="{town_b.code}"}}')]
    for town in (town_a, town_b):
        assert f'kyodo_events_relay_lag_seconds{{town="{town.code}"}}' in body
        assert f'kyodo_events_pending{{town="{town.code}"}}' in body
