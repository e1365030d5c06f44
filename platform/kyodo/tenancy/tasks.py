"""Celery tasks for tenancy. Every task takes ``schema_name`` explicitly and is idempotent."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from kyodo import registry
from kyodo.identity.principal import describe, from_task

from .models import Municipality, MunicipalityStatistics

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
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
            [schema_name],
        )
        tables, size = cursor.fetchone()
    MunicipalityStatistics.objects.update_or_create(
        municipality=town,
        defaults={"table_count": tables, "figures": figures, "schema_bytes": size, "refreshed_at": timezone.now()},
    )
    return {"schema_name": schema_name, "tables": tables, "figures": figures}


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
