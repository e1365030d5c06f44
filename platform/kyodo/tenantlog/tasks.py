"""Celery tasks of the event relay. They take ``schema_name`` and the enqueuing principal, are
idempotent (the relay skips what was handled) and acknowledge late."""

from __future__ import annotations

import logging

from celery import shared_task
from django_tenants.utils import schema_context

from kyodo.identity.principal import SystemPrincipal, describe, from_task

logger = logging.getLogger(__name__)
KICK_KEY = "kyodo:relay-kick:{database}:{schema}"  # one Redis may serve several deployments' databases
RELAY_PRINCIPAL = SystemPrincipal("relay")


def _redis():
    """The process's client on the broker's Redis (kyodo.celery.broker_redis)."""
    from kyodo.celery import broker_redis

    return broker_redis()


KICK_TTL_SECONDS = 30  # a worker killed mid-task holds back kicks of its town this long at most


def relay_kick(schema_name: str, principal=RELAY_PRINCIPAL) -> None:
    """Ask for a relay of ``schema_name`` soon. At most one relay task per town is queued or
    running: while one is, a kick does nothing (that task looks again before it finishes)."""
    try:
        if not _redis().set(_kick_key(schema_name), 1, nx=True, ex=KICK_TTL_SECONDS):
            return  # a relay of this town is queued or running and will see this event
    except Exception:  # noqa: BLE001 - no debounce without redis; the task itself is idempotent
        logger.debug("relay kick debounce unavailable", exc_info=True)
    try:
        relay_town_task.apply_async(kwargs={"schema_name": schema_name, "principal": principal.to_task()})
    except Exception:  # noqa: BLE001 - a lost kick is caught by the sweep
        logger.warning("could not enqueue the relay of %s; the sweep will catch up", schema_name, exc_info=True)


@shared_task(acks_late=True, ignore_result=True)
def relay_town_task(*, schema_name: str, principal: dict) -> dict:
    """Deliver one town's pending events (all consumers); re-queue itself for a consumer's back-off."""
    from kyodo.tenancy.models import Municipality

    from .relay import has_pending, relay_town

    who = from_task(principal)  # refuse a task without an explicit principal
    logger.debug("relay of %s for %s", schema_name, describe(who))
    town = Municipality.objects.filter(schema_name=schema_name).first()
    if town is None:
        _release(schema_name)
        return {"schema_name": schema_name, "skipped": "no such town"}
    try:
        with schema_context(schema_name):
            report = relay_town(town)
    finally:
        _release(schema_name)
    # Events committed while this task ran found the kick taken: look once more, now it is released.
    with schema_context(schema_name):
        pending = has_pending(town)
    if pending:
        relay_kick(schema_name, principal=who)
    if report.retry_in is not None:
        relay_town_task.apply_async(kwargs={"schema_name": schema_name, "principal": principal},
                                    countdown=max(0.5, report.retry_in))
    return {"schema_name": schema_name, "handled": report.handled, "failed": report.failed,
            "parked": report.parked}


def _kick_key(schema_name: str) -> str:
    from django.db import connection

    return KICK_KEY.format(database=connection.settings_dict["NAME"], schema=schema_name)


def _release(schema_name: str) -> None:
    try:
        _redis().delete(_kick_key(schema_name))
    except Exception:  # noqa: BLE001 - the key expires by itself
        logger.debug("could not release the relay kick of %s", schema_name, exc_info=True)


@shared_task(acks_late=True, ignore_result=True)
def relay_sweep(*, principal: dict) -> int:
    """Beat: queue a relay for every town with events some consumer has not reached."""
    from kyodo.tenancy.models import Municipality

    from .relay import has_pending

    who = from_task(principal)
    queued = 0
    for town in Municipality.objects.exclude(schema_name="public"):
        with schema_context(town.schema_name):
            pending = has_pending(town)
        if pending:
            relay_kick(town.schema_name, principal=who)
            queued += 1
    return queued
