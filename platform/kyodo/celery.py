"""The Celery application. Tasks take ``schema_name`` (and ids) explicitly and switch schema themselves.

Configured straight from kyodo.config (not lazily from Django settings) so that the broker URL is
known before Django is set up, in the web process and the worker alike.
"""

from __future__ import annotations

import functools
import os

from celery import Celery, signals
from celery.schedules import crontab

from . import registry
from .config import CONFIG, RELAY
from .embedded import EMBEDDED_REDIS_URL, redis_url_recorded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyodo.settings")
_BROKER_URL = CONFIG.redis_url or redis_url_recorded(CONFIG.state_dir) or EMBEDDED_REDIS_URL

app = Celery("kyodo")
app.conf.update(
    # Without REDIS_URL: the embedded redis-server started by `kyodo demo`, `kyodo worker` or the tests
    # (on the port it was started on; those commands also point this app at it, kyodo.embedded.use_services).
    broker_url=_BROKER_URL,
    # set explicitly: celery 5.7 can resolve the write URL to None when the first use is a publish
    broker_write_url=_BROKER_URL,
    broker_read_url=_BROKER_URL,
    broker_connection_retry_on_startup=True,
    # A task whose worker was killed goes back to the queue after this long (late acknowledgement).
    broker_transport_options={"visibility_timeout": CONFIG.celery_visibility_timeout},
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_always_eager=CONFIG.celery_eager,
    task_default_queue=CONFIG.celery_queue,
    task_serializer="json",
    accept_content=["json"],
    timezone="Asia/Tokyo",
    task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.2},
    # The worker logs through settings.LOGGING (JSON lines with the task's id, town and principal).
    worker_hijack_root_logger=False,
)
app.autodiscover_tasks(["kyodo.tenancy", "kyodo.backups", "kyodo.tenantlog", "kyodo.identity",
                        "integrations.standard_spec",
                        *(a.django_app for a in registry.applications() if a.django_app)])
# Backups (docs/backups.md): every town nightly at 02:00 JST, a restore drill per town on Sundays at 04:00.
app.conf.beat_schedule = {
    "backups-nightly": {"task": "kyodo.backups.tasks.backups_nightly", "schedule": crontab(hour=2, minute=0)},
    "backup-drills-weekly": {"task": "kyodo.backups.tasks.drills_weekly",
                             "schedule": crontab(hour=4, minute=0, day_of_week="sun")},
    # Event relay (docs/events.md): commits kick the relay at once; this sweep catches lost kicks and retries.
    "events-relay-sweep": {"task": "kyodo.tenantlog.tasks.relay_sweep", "schedule": RELAY.sweep_seconds,
                           "kwargs": {"principal": {"kind": "system", "name": "beat:events-relay-sweep"}}},
    # Console figures (docs/architecture.md, "The consortium console"): every town every 10 minutes.
    "statistics-refresh": {"task": "kyodo.tenancy.tasks.statistics_refresh_all", "schedule": 600.0,
                           "kwargs": {"principal": {"kind": "system", "name": "beat:statistics-refresh"}}},
    # Expired Django sessions (public schema, every town's staff): Django never deletes them by itself.
    "sessions-clear": {"task": "kyodo.identity.tasks.sessions_clear", "schedule": crontab(hour=3, minute=30),
                       "kwargs": {"principal": {"kind": "system", "name": "beat:sessions-clear"}}},
}

# Jobs the town applications declare (kyodo.registry.PeriodicSpec): one beat entry each, fanned out
# to every town that uses the application.
for _app in registry.applications():
    for _job in _app.periodic:
        app.conf.beat_schedule[f"{_app.code}-{_job.name}"] = {
            "task": "kyodo.tenancy.tasks.for_every_town",
            "schedule": crontab(**_job.schedule) if isinstance(_job.schedule, dict) else _job.schedule,
            "kwargs": {"application": _app.code, "task": _job.task, "job": _job.name,
                       "principal": {"kind": "system", "name": f"beat:{_app.code}.{_job.name}"}},
        }


@functools.lru_cache(maxsize=1)
def broker_redis():
    """One Redis client (and connection pool) per process on the broker's Redis, for what the platform keeps
    there besides Celery's queues: relay kicks, the API's leaky buckets, import progress."""
    import redis

    return redis.Redis.from_url(app.conf.broker_url, socket_timeout=1, socket_connect_timeout=1)


# Log lines of a task carry its id, town and principal (kyodo.observability), as a request's do.
@signals.task_prerun.connect
def _work_context_start(task_id=None, task=None, kwargs=None, **_):
    from .observability import context

    kwargs = kwargs or {}
    token = context.start(task_id)
    context.bind_town(kwargs.get("schema_name"))
    context.bind_principal(kwargs.get("principal"))
    if task is not None:
        task.request.kyodo_work_token = token


@signals.task_postrun.connect
def _work_context_end(task=None, **_):
    from .observability import context

    token = getattr(getattr(task, "request", None), "kyodo_work_token", None)
    if token is not None:
        try:
            context.end(token)
        except ValueError:  # a token from another context (eager tasks run inside the caller's)
            pass


@signals.task_failure.connect
def _count_failure(sender=None, **_):
    from .observability.metrics import TASK_FAILURES

    TASK_FAILURES.labels(getattr(sender, "name", "unknown")[:120]).inc()


@signals.worker_init.connect
def _worker_metrics(**_):
    from .observability.metrics import serve_worker_metrics

    serve_worker_metrics()
