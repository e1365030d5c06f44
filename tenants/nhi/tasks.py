"""Celery tasks of 国保: take ``schema_name`` and the principal that enqueued them, call a service."""

from __future__ import annotations

import logging

from celery import shared_task
from django_tenants.utils import schema_context

from kyodo.identity.principal import describe, from_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def assessments_recalculate(*, schema_name: str, principal: dict, fiscal_year: int) -> int:
    """一括再計算 of the year (levy_services.assessments_recalculate): safe to run again (rows are added and the
    latest is current)."""
    from kyodo.tenancy.models import Municipality

    from .levy_services import assessments_recalculate as recalculate

    who = from_task(principal)
    town = Municipality.objects.filter(schema_name=schema_name).first()
    if town is None:
        return 0
    with schema_context(schema_name):
        done = recalculate(actor=who, town=town, fiscal_year=fiscal_year)
    logger.info("%s: %d households assessed for %s by %s", schema_name, done.households, fiscal_year, describe(who))
    return done.households


@shared_task(acks_late=True, ignore_result=True)
def late_elderly_propose(*, schema_name: str, principal: dict) -> int:
    """Daily: propose the 75歳到達 喪失 of the coming month (age.late_elderly_propose; safe to run again)."""
    from kyodo.tenancy.models import Municipality

    from .age import late_elderly_propose as propose

    town = Municipality.objects.filter(schema_name=schema_name).first()
    if town is None or not town.has_application("nhi"):
        return 0
    with schema_context(schema_name):
        made = propose(town=town)
    logger.info("%s: %d 75歳到達 work items proposed (%s)", schema_name, len(made), describe(from_task(principal)))
    return len(made)
