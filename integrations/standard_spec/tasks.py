"""The import as a Celery task: it carries the run and the principal that submitted it, acknowledges
late (a worker killed mid-run hands the task to the next), and is idempotent (services)."""

from __future__ import annotations

import logging

from celery import shared_task

from kyodo.identity.principal import describe, from_task

log = logging.getLogger(__name__)


@shared_task(name="integrations.standard_spec.tasks.import_run")
def import_run(*, run_id: int, principal: dict) -> str:
    from .services import import_run_execute

    caller = from_task(principal)
    log.info("import run %s for %s", run_id, describe(caller))
    return import_run_execute(run_id=run_id, actor=caller).status
