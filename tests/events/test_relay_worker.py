"""The relay in real Celery workers: kill -9 one in the middle of a batch, start another, and prove
that no event is lost, no consumer handled one twice, and order per aggregate holds."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from kyodo.tenantlog import outbox
from kyodo.tenantlog.models import HandledEvent
from tests.events.conftest import create_effect_table
from tests.workers import start_worker

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 240
AGGREGATES = 6

pytestmark = pytest.mark.slow


def _effects(schema: str) -> list[tuple[str, str, int]]:
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute("SELECT event_id, aggregate_id, seq FROM relaytest_effect ORDER BY id")
        return [(str(e), a, s) for e, a, s in cursor.fetchall()]


def _kick(schema: str, queue: str) -> None:
    from kyodo.identity.principal import SystemPrincipal
    from kyodo.tenantlog.tasks import relay_town_task

    relay_town_task.apply_async(kwargs={"schema_name": schema, "principal": SystemPrincipal("test").to_task()},
                                queue=queue)


def test_kill_9_mid_batch_loses_nothing_and_handles_nothing_twice(committed, tmp_path):
    from tests.conftest import _test_database_url

    town = committed.provision(code="413453", name="上峰町", name_kana="カミミネチョウ", hosts=["kamimine.test"])
    schema = town.schema_name
    create_effect_table(schema)
    # Events of several aggregates, interleaved, in a few transactions (the relay's kick after
    # commit goes to the default queue; the workers here listen on their own).
    seq = {f"agg{i}": 0 for i in range(AGGREGATES)}
    with schema_context(schema):
        for start in range(0, EVENTS, 40):
            with transaction.atomic():
                for n in range(start, start + 40):
                    aggregate = f"agg{n % AGGREGATES}"
                    seq[aggregate] += 1
                    outbox.emit(application="killtest", event_type="killtest.step", town=town,
                                aggregate_type="thing", aggregate_id=aggregate, payload={"seq": seq[aggregate]})
    log = tmp_path / "delivered.log"
    env = dict(os.environ, DATABASE_URL=_test_database_url(), KYODO_EXTRA_APPLICATIONS="tests.events.kill_app",
               KYODO_RELAYTEST_LOG=str(log), KYODO_RELAYTEST_SLEEP="0.02", KYODO_RELAY_BATCH="50",
               PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
    queue = f"kyodo-relaytest-{os.getpid()}"
    env["KYODO_CELERY_QUEUE"] = queue  # the workers' own kicks stay on their queue
    first = start_worker(queue, env, tmp_path / "w1.log")
    try:
        _kick(schema, queue)
        # Wait until the first batch (50) committed and the second is under way, then kill -9.
        deadline = time.time() + 60
        while time.time() < deadline:
            delivered = log.read_text().splitlines() if log.exists() else []
            if len(delivered) >= 70:
                break
            time.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    committed_before = len(_effects(schema))
    delivered_before = len(log.read_text().splitlines())
    assert 50 <= committed_before < delivered_before < EVENTS, (committed_before, delivered_before)

    second = start_worker(queue, env, tmp_path / "w2.log")
    try:
        _kick(schema, queue)
        deadline = time.time() + 120
        while time.time() < deadline:
            with schema_context(schema):
                if HandledEvent.objects.filter(consumer="killtest.slow").count() >= EVENTS:
                    break
            time.sleep(0.2)
    finally:
        second.terminate()
        second.wait(20)

    effects = _effects(schema)
    delivered = log.read_text().splitlines()
    with schema_context(schema):
        handled = list(HandledEvent.objects.filter(consumer="killtest.slow").values_list("event_id", flat=True))
        from kyodo.tenantlog.models import OutboxEvent

        all_ids = {str(e) for e in OutboxEvent.objects.values_list("event_id", flat=True)}
    # Nothing lost: every event was handled, and its effect is there.
    assert len(all_ids) == EVENTS
    assert {str(h) for h in handled} == all_ids and len(handled) == EVENTS
    assert {e for e, _, _ in effects} == all_ids
    # Nothing handled twice, although the killed batch was delivered twice (the log outside the
    # database shows the re-delivery; the database effect was rolled back with the batch).
    assert len(effects) == EVENTS
    assert len(delivered) > EVENTS
    # Order per aggregate holds.
    for aggregate in seq:
        steps = [s for _, a, s in effects if a == aggregate]
        assert steps == list(range(1, seq[aggregate] + 1))


def test_a_commit_kicks_the_relay_in_the_worker(committed, celery_worker_process):
    """No explicit task: writing events and committing is enough for the worker to deliver them."""
    town = committed.provision(code="414018", name="有田町", name_kana="アリタチョウ", hosts=["arita.test"])
    schema = town.schema_name
    create_effect_table(schema)
    with schema_context(schema):
        for batch in range(3):
            with transaction.atomic():
                for n in range(5):
                    outbox.emit(application="kicktest", event_type="kicktest.step", town=town,
                                aggregate_id="a", payload={"seq": batch * 5 + n + 1})
    deadline = time.time() + 60
    while time.time() < deadline and len(_effects(schema)) < 15:
        time.sleep(0.2)
    assert [s for _, _, s in _effects(schema)] == list(range(1, 16)), \
        celery_worker_process.log_path.read_text()[-3000:]
