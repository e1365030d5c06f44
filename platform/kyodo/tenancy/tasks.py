"""Celery tasks for tenancy. Every task takes ``schema_name`` explicitly and is idempotent."""

from __future__ import annotations

from celery import shared_task
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from .models import Municipality, MunicipalityStatistics


@shared_task(acks_late=True)
def municipality_statistics_refresh(*, schema_name: str) -> dict:
    """Recount one town's figures for the consortium console (upsert: safe to run twice)."""
    town = Municipality.objects.filter(schema_name=schema_name).first()
    if town is None:  # the town was rolled back or removed after the task was queued
        return {"schema_name": schema_name, "skipped": "no such town"}
    with schema_context(schema_name):
        from tenants.reference.models import ReferenceCode

        reference_codes = ReferenceCode.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
            [schema_name],
        )
        tables, size = cursor.fetchone()
    MunicipalityStatistics.objects.update_or_create(
        municipality=town,
        defaults={"table_count": tables, "reference_code_count": reference_codes, "schema_bytes": size,
                  "refreshed_at": timezone.now()},
    )
    return {"schema_name": schema_name, "tables": tables, "reference_codes": reference_codes}
