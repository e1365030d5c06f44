"""Celery tasks of identity: housekeeping of the staff's Django sessions (public schema)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from kyodo.identity.principal import describe, from_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def sessions_clear(*, principal: dict) -> int:
    """Delete the expired sessions (Django's ``clearsessions``; idempotent). Returns how many were
    expired before the run, for the log: a signed-out or timed-out session otherwise stays a row forever."""
    expired = Session.objects.filter(expire_date__lt=timezone.now()).count()
    call_command("clearsessions")
    logger.info("clearsessions for %s: %d expired sessions removed", describe(from_task(principal)), expired)
    return expired
