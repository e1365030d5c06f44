"""Declared in a real Celery worker (KYODO_EXTRA_APPLICATIONS) by the kill -9 test: a slow consumer
whose effect is a row in the town's own table, written in the relay's transaction, and a line in a
log file outside the database (which survives a rollback, so it shows re-delivery)."""

from __future__ import annotations

import os
import time

from django.db import connection

from kyodo.registry import ConsumerSpec, TownApplication


def slow_effect(event, town) -> None:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO relaytest_effect (event_id, aggregate_id, seq) VALUES (%s, %s, %s)",
                       [event.event_id, event.aggregate_id, event.payload["seq"]])
    with open(os.environ["KYODO_RELAYTEST_LOG"], "a") as log:
        log.write(f"{event.event_id}\n")
    time.sleep(float(os.environ.get("KYODO_RELAYTEST_SLEEP", "0.02")))


APPLICATION = TownApplication(
    code="killtest", label="停止試験", selectable=False, menu=False,
    consumers=(ConsumerSpec("killtest.slow", "tests.events.kill_app:slow_effect", ("killtest.*",)),),
)
