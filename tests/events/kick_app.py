"""Declared in the test session's Celery worker: a consumer of ``kicktest.*`` events only, so that
the kill -9 test's ``killtest.*`` events are left to the workers that test starts itself."""

from __future__ import annotations

from kyodo.registry import ConsumerSpec, TownApplication

APPLICATION = TownApplication(
    code="kicktest", label="起動試験", selectable=False, menu=False,
    consumers=(ConsumerSpec("kicktest.effect", "tests.events.kill_app:slow_effect", ("kicktest.*",)),),
)
