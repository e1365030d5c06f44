"""Celery tasks for tenancy. Every task takes ``schema_name`` explicitly and is idempotent."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import task_failure
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from kyodo import registry
from kyodo.identity.principal import describe, from_task

from .models import Municipality, MunicipalityStatistics, TaskFailure

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def municipality_statistics_refresh(*, schema_name: str, principal: dict) -> dict:
    """Recount one town's figures for the consortium console (upsert: safe to run twice). Each
    application the town uses contributes its declared figures (counts only, never a person)."""
    logger.info("statistics refresh of %s for %s", schema_name, describe(from_task(principal)))
    town = Municipality.objects.filter(schema_name=schema_name).first()
    if town is None:  # the town was rolled back or removed after the task was queued
        return {"schema_name": schema_name, "skipped": "no such town"}
    figures: dict[str, int] = {}
    with schema_context(schema_name):
        for app in registry.enabled_for(town):
            if app.statistics:
                figures.update(registry.load_callable(app.statistics)(town))
        events = _relay_figures(town)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
            [schema_name],
        )
        tables, size = cursor.fetchone()
    MunicipalityStatistics.objects.update_or_create(
        municipality=town,
        defaults={"table_count": tables, "figures": figures, "schema_bytes": size, "events": events,
                  "refreshed_at": timezone.now()},
    )
    return {"schema_name": schema_name, "tables": tables, "figures": figures, "events": events}


def _relay_figures(town) -> dict:
    """The event relay of the town (in its schema), summed over its consumers: undelivered events,
    the oldest one's age, parked events and consumers failing now."""
    from kyodo.tenantlog.relay import consumer_lag

    lags = consumer_lag(town)
    return {
        "pending": sum(c.pending for c in lags),
        "lag_seconds": round(max((c.lag_seconds for c in lags), default=0.0), 1),
        "parked": sum(c.parked for c in lags),
        "failing": sum(1 for c in lags if c.failures),
    }


@shared_task(acks_late=True, ignore_result=True)
def statistics_refresh_all(*, principal: dict) -> int:
    """Beat: queue a statistics refresh for every town (the console reads only these cached figures)."""
    queued = 0
    for schema_name in Municipality.objects.exclude(schema_name="public").order_by("code") \
            .values_list("schema_name", flat=True):
        municipality_statistics_refresh.delay(schema_name=schema_name, principal=principal)
        queued += 1
    return queued


@shared_task(acks_late=True, ignore_result=True)
def for_every_town(*, application: str, task: str, job: str, principal: dict) -> int:
    """Beat: queue ``task`` for every active town that uses ``application`` (a declared periodic job),
    each carrying the principal of this job (the system, on a schedule)."""
    from celery import current_app

    who = from_task(principal)
    declared = registry.get(application)
    if declared is None:
        return 0
    queued = 0
    for town in Municipality.objects.exclude(schema_name="public").filter(status="active").order_by("code"):
        if declared in registry.enabled_for(town):
            current_app.send_task(task, kwargs={"schema_name": town.schema_name, "principal": who.to_task()})
            queued += 1
    return queued


@task_failure.connect
def task_failure_record(sender=None, task_id=None, exception=None, kwargs=None, **_):
    """Keep a row for the console's failures column (the town from the task's ``schema_name``).
    Never raises: a failure to record must not hide the task's own error in the worker log."""
    try:
        schema_name = str((kwargs or {}).get("schema_name") or "")
        code = Municipality.objects.filter(schema_name=schema_name).values_list("code", flat=True).first() \
            if schema_name else None
        TaskFailure.objects.create(
            task=str(getattr(sender, "name", sender))[:200], task_id=str(task_id or "")[:64],
            town_code=code or "", error=f"{type(exception).__name__}: {exception}"[:2000],
            failed_at=timezone.now())
    except Exception:
        logger.exception("could not record the failure of task %s", task_id)
