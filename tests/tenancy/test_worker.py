"""A real Celery worker (separate process, real broker) refreshes a town's statistics after onboarding."""

import time

import pytest

from kyodo.tenancy.models import MunicipalityStatistics
from kyodo.tenancy.tasks import municipality_statistics_refresh
from tenants.reference.seed import rows

SYSTEM = {"kind": "system", "name": "test"}


@pytest.mark.slow
def test_worker_refreshes_statistics_for_the_town_named_in_the_task(celery_worker_process, committed):
    town = committed.provision(code="412091", name="嬉野市", name_kana="ウレシノシ", hosts=["ureshino.test"])
    # Onboarding enqueued the refresh on commit; the worker in its own process picks it up.
    deadline = time.time() + 30
    while time.time() < deadline and not MunicipalityStatistics.objects.filter(municipality=town).exists():
        time.sleep(0.2)
    stats = MunicipalityStatistics.objects.get(municipality=town)
    assert stats.figures["コード数"] == len(list(rows()))
    assert stats.table_count >= 2


@pytest.mark.slow
def test_task_is_idempotent_and_ignores_unknown_towns(celery_worker_process, committed):
    town = committed.provision(code="414239", name="大町町", name_kana="オオマチチョウ", hosts=["omachi.test"])
    first = municipality_statistics_refresh.delay(schema_name=town.schema_name, principal=SYSTEM)
    second = municipality_statistics_refresh.delay(schema_name=town.schema_name, principal=SYSTEM)
    gone = municipality_statistics_refresh.delay(schema_name="town_999999", principal=SYSTEM)
    deadline = time.time() + 30
    while time.time() < deadline and not MunicipalityStatistics.objects.filter(municipality=town).exists():
        time.sleep(0.2)
    time.sleep(1)
    assert MunicipalityStatistics.objects.filter(municipality=town).count() == 1
    assert first.id != second.id != gone.id
