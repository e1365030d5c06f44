"""Commit order across concurrent writers in one town (committed state, two real connections)."""

from __future__ import annotations

import threading
import time

from django.db import transaction
from django_tenants.utils import schema_context

from kyodo.tenantlog import outbox
from kyodo.tenantlog.models import OutboxEvent


def test_a_second_writer_waits_for_the_first_to_commit_so_positions_follow_commit_order(committed):
    """Two transactions in one town: the one that writes its event second commits second and gets
    the higher position, and a reader never sees a position before the ones below it."""
    from django.db import connections

    town = committed.provision(code="413411", name="基山町", name_kana="キヤマチョウ", hosts=["kiyama.test"])
    order: list[str] = []
    first_wrote = threading.Event()

    def writer(name: str, hold: float, wait_for: threading.Event | None):
        try:
            if wait_for is not None:
                wait_for.wait(5)
            with schema_context(town.schema_name), transaction.atomic():
                outbox.emit(application="relaytest", event_type=f"test.{name}", town=town)
                if wait_for is None:
                    first_wrote.set()
                time.sleep(hold)
                order.append(name)
        finally:
            connections.close_all()

    t1 = threading.Thread(target=writer, args=("first", 0.5, None))
    t2 = threading.Thread(target=writer, args=("second", 0, first_wrote))
    t1.start()
    t2.start()
    t1.join(10)
    t2.join(10)
    assert order == ["first", "second"]
    with schema_context(town.schema_name):
        rows = list(OutboxEvent.objects.order_by("position").values_list("event_type", "position"))
    assert [t for t, _ in rows] == ["test.first", "test.second"]
    assert rows[1][1] == rows[0][1] + 1
