"""Celery tasks of the residents registry: take ``schema_name`` and the principal, call a service,
are idempotent."""

from __future__ import annotations

import logging

from celery import shared_task
from django_tenants.utils import schema_context

from kyodo.identity.principal import describe, from_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def move_outs_complete(*, schema_name: str, principal: dict) -> int:
    """Daily: 転出予定 persons whose 転出予定日 has come leave the registry (services.move_outs_complete)."""
    from kyodo.tenancy.models import Municipality

    from .services import move_outs_complete as complete

    who = from_task(principal)
    town = Municipality.objects.filter(schema_name=schema_name).first()
    if town is None:
        return 0
    with schema_context(schema_name):
        done = complete(actor=who, town=town)
    logger.info("%s: %d move-outs completed for %s", schema_name, len(done), describe(who))
    return len(done)
