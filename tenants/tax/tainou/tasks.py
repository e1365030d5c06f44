"""Celery tasks of the 滞納管理 link: take ``schema_name`` and the principal that enqueued them (beat: the
system), call a service; safe to run again (one file per vendor, layout and day)."""

from __future__ import annotations

import logging

from celery import shared_task
from django_tenants.utils import schema_context

from kyodo.identity.principal import describe, from_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def deliveries_write(*, schema_name: str, principal: dict) -> int:
    """Daily: the 調定・収納 file of the town for each contracted 滞納管理 vendor (services.deliveries_write)."""
    from kyodo.tenancy.models import Municipality

    from .services import deliveries_write as write

    who = from_task(principal)
    town = Municipality.objects.filter(schema_name=schema_name).first()
    if town is None or not town.has_application("tax"):
        return 0
    with schema_context(schema_name):
        written = write(actor=who, town=town)
    logger.info("%s: %d 滞納管理 files (%s)", schema_name, len(written), describe(who))
    return len(written)
