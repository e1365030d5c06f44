"""Celery tasks for backups: take ``schema_name`` explicitly, idempotent, acknowledged late.

Beat (kyodo/celery.py) runs ``backups_nightly`` and ``drills_weekly``; each fans out one task per town,
so towns run independently and a slow town never holds up the others.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from kyodo.identity.principal import describe, from_task, task_principal
from kyodo.tenancy.models import Municipality, MunicipalityStatus

from . import services
from .errors import BackupFailed, BackupRefused
from .models import BackupRun, DrillRun, RunStatus

logger = logging.getLogger(__name__)
BACKED_UP = (MunicipalityStatus.ACTIVE, MunicipalityStatus.SUSPENDED)  # merged/closed towns are kept as they were


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=60,
             max_retries=3)
def backup_town(self, *, schema_name: str, principal: dict, scheduled_for: str | None = None) -> dict:
    """One town's backup for the night ``scheduled_for``; a second delivery of the same night is a no-op."""
    logger.info("backup of %s for %s", schema_name, describe(from_task(principal)))
    town = Municipality.objects.filter(schema_name=schema_name).first()
    if town is None:
        return {"schema_name": schema_name, "skipped": "no such town"}
    night = dt.date.fromisoformat(scheduled_for) if scheduled_for else None
    if night and BackupRun.objects.filter(town_code=town.code, scheduled_for=night,
                                          status__in=[RunStatus.SUCCEEDED, RunStatus.INCOMPLETE]).exists():
        return {"schema_name": schema_name, "skipped": f"already backed up for {night}"}
    try:
        run = services.backup_run(town=town, scheduled_for=night)
    except BackupRefused as exc:
        logger.warning("backup of %s not started: %s", schema_name, exc.log_message)
        return {"schema_name": schema_name, "skipped": exc.log_message}
    except BackupFailed as exc:
        logger.error("backup of %s failed: %s", schema_name, exc.log_message)
        if self.request.retries < 2:  # a new attempt is a new backup id: nothing is overwritten
            raise self.retry(countdown=600, exc=exc) from None
        return {"schema_name": schema_name, "status": "failed", "error": exc.log_message}
    return {"schema_name": schema_name, "backup_id": run.backup_id, "status": run.status}


@shared_task(acks_late=True)
def backup_drill_town(*, schema_name: str, principal: dict, week: str | None = None) -> dict:
    """Weekly restore drill; a repeated delivery in a week that already has a good drill is a no-op."""
    logger.info("restore drill of %s for %s", schema_name, describe(from_task(principal)))
    town = Municipality.objects.filter(schema_name=schema_name).first()
    if town is None:
        return {"schema_name": schema_name, "skipped": "no such town"}
    if week:
        year, number = (int(p) for p in week.split("-W"))
        monday = dt.date.fromisocalendar(year, number, 1)
        if DrillRun.objects.filter(town_code=town.code, ok=True, started_at__date__gte=monday,
                                   started_at__date__lt=monday + dt.timedelta(days=7)).exists():
            return {"schema_name": schema_name, "skipped": f"drilled in {week}"}
    drill = services.backup_drill(town=town)
    return {"schema_name": schema_name, "ok": drill.ok, "backup_id": drill.backup_id, "error": drill.error}


def _towns():
    return Municipality.objects.exclude(schema_name="public").filter(status__in=BACKED_UP).order_by("code")


@shared_task(acks_late=True)
def backups_nightly() -> int:
    night = timezone.localdate().isoformat()
    towns = list(_towns().values_list("schema_name", flat=True))
    for schema_name in towns:
        backup_town.delay(schema_name=schema_name, scheduled_for=night,
                          principal=task_principal(None, "beat:backups-nightly"))
    return len(towns)


@shared_task(acks_late=True)
def drills_weekly() -> int:
    year, week, _ = timezone.localdate().isocalendar()
    towns = list(_towns().values_list("schema_name", flat=True))
    for schema_name in towns:
        backup_drill_town.delay(schema_name=schema_name, week=f"{year}-W{week:02d}",
                                principal=task_principal(None, "beat:backup-drills-weekly"))
    return len(towns)
