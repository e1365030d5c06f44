"""The cascade in a real Celery worker: kill -9 it while it turns 転入 events into 作業, start another, and
every event is handled once and proposes its 作業 exactly once — none lost, none doubled."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from django.db import transaction
from django_tenants.utils import schema_context

from tests.workers import start_worker

ROOT = Path(__file__).resolve().parents[2]
BATCH = 40

pytestmark = pytest.mark.slow


def _kick(schema: str, queue: str) -> None:
    from kyodo.identity.principal import SystemPrincipal
    from kyodo.tenantlog.tasks import relay_town_task

    relay_town_task.apply_async(kwargs={"schema_name": schema, "principal": SystemPrincipal("test").to_task()},
                                queue=queue)


def _handled(schema: str) -> int:
    from kyodo.tenantlog.models import HandledEvent

    with schema_context(schema):
        return HandledEvent.objects.filter(consumer="nhi.enrol").count()


def test_kill_9_mid_cascade_proposes_every_work_item_once(committed, tmp_path, monkeypatch):
    from kyodo.tenantlog.outbox import emit_many
    from tenants.residents.demo import residents_demo_populate
    from tenants.residents.models import ON_REGISTER, PersonVersion
    from tests.conftest import _test_database_url

    town = committed.provision(code="414247", name="江北町", name_kana="コウホクマチ", hosts=["kouhoku.test"],
                               applications=["residents", "nhi"])
    schema = town.schema_name
    # The commits below would kick the relay on the default queue, where a session's test worker (which knows
    # nhi.enrol) may be listening: only the workers started here, on their own queue, may relay this town.
    from kyodo.tenantlog import tasks

    monkeypatch.setattr(tasks, "relay_kick", lambda schema_name: None)
    residents_demo_populate(town=town, scale=0.15, seed=3)
    with schema_context(schema):
        members: dict[int, list[int]] = {}
        for pid, hid in (PersonVersion.objects.filter(is_current=True, status__in=ON_REGISTER)
                         .order_by("household_id", "person_id").values_list("person_id", "household_id")):
            members.setdefault(hid, []).append(pid)
        households = sorted(members.items())
        with transaction.atomic():  # written as the registry's approvals write them
            emit_many(application="residents", town=town, actor=None, events=[
                {"event_type": "residents.moved_in", "aggregate_type": "change", "aggregate_id": str(h),
                 "payload": {"town": town.code, "change_id": None, "kind": "move_in", "effective_on": "2025-06-01",
                             "person_ids": persons, "household_id": h}} for h, persons in households])
    events = len(households)
    expected = sum(len(p) for _, p in households) + events  # 資格取得 per person, 納付義務者 per household
    assert events > 4 * BATCH

    env = dict(os.environ, DATABASE_URL=_test_database_url(), KYODO_RELAY_BATCH=str(BATCH),
               PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
    queue = f"kyodo-nhicascade-{os.getpid()}"
    env["KYODO_CELERY_QUEUE"] = queue
    first = start_worker(queue, env, tmp_path / "w1.log")
    try:
        _kick(schema, queue)
        deadline = time.time() + 60
        while time.time() < deadline and _handled(schema) < BATCH:  # the first batch committed
            time.sleep(0.01)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    before = _handled(schema)
    assert BATCH <= before < events, (before, events)

    second = start_worker(queue, env, tmp_path / "w2.log")
    try:
        _kick(schema, queue)
        deadline = time.time() + 120
        while time.time() < deadline and _handled(schema) < events:
            time.sleep(0.2)
    finally:
        second.terminate()
        second.wait(20)

    from django.db.models import Count

    from kyodo.tenantlog.models import AuditEntry
    from tenants.nhi.models import WorkItem

    with schema_context(schema):
        assert _handled(schema) == events
        assert WorkItem.objects.count() == expected
        doubled = (WorkItem.objects.values("source_event_id", "kind", "person_id").annotate(n=Count("id"))
                   .filter(n__gt=1))
        assert not doubled.exists()
        proposed = sorted(i for e in AuditEntry.objects.filter(chain=f"nhi:{town.code}", action="workitem.propose")
                          for i in e.detail["work_item_ids"])
        assert proposed == sorted(WorkItem.objects.values_list("pk", flat=True))  # every one audited, once
