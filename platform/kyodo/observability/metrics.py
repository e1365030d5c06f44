"""Prometheus metrics (prometheus_client): request latency per route and town, Celery queue depth and task
failures, event-relay lag and backup age per town. docs/operations.md, "Metrics".

Labels are identifiers only — a URL pattern (``residents/persons/<int:pk>/``, never the path with its ids), a
団体コード, a task name — so a scrape reveals no person. ``/metrics`` answers only with the operator's token
(``KYODO_METRICS_TOKEN`` or ``_FILE``); without one configured it is off (404).

Under gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` (an empty directory per start): each
worker then writes its figures there and a scrape adds them up (prometheus_client's multiprocess mode)."""

from __future__ import annotations

import hmac
import os
import time

from django.http import HttpResponse, HttpResponseNotFound
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

REQUEST_SECONDS = Histogram(
    "kyodo_http_request_duration_seconds", "Time to answer a request, by URL pattern, town and status class.",
    ["route", "town", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0))
TASK_FAILURES = Counter("kyodo_celery_task_failures_total", "Celery tasks that ended in an error, by task.",
                        ["task"])
_METHODS = {"GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"}


def route_of(request) -> str:
    """The URL pattern that answered (no ids, no query), or ``unmatched``."""
    match = getattr(request, "resolver_match", None)
    return (match.route or match.view_name or "unmatched")[:120] if match is not None else "unmatched"


def town_of(request) -> str:
    town = getattr(request, "tenant", None)
    code = getattr(town, "code", "") if town is not None and getattr(town, "schema_name", "") != "public" else ""
    return code or "public"


class MetricsMiddleware:
    """Times each request (after the town is known) into ``REQUEST_SECONDS``."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in _METHODS else "other"
        REQUEST_SECONDS.labels(route_of(request), town_of(request), method,
                               f"{response.status_code // 100}xx").observe(time.perf_counter() - started)
        return response


class PlatformCollector:
    """Figures read at scrape time: the Celery queue's length on the broker, each town's event-relay lag
    (oldest event not yet handled by a consumer, and how many wait) and the age of its last good backup."""

    def collect(self):
        queue = GaugeMetricFamily("kyodo_celery_queue_depth", "Tasks waiting in the broker's queue.", labels=["queue"])
        try:
            from kyodo.celery import app, broker_redis

            name = app.conf.task_default_queue
            queue.add_metric([name], float(broker_redis().llen(name)))
        except Exception:  # broker down: the gauge is absent, readiness reports it
            pass
        yield queue
        lag = GaugeMetricFamily("kyodo_events_relay_lag_seconds",
                                "Age of the oldest event a consumer of the town has not handled.", labels=["town"])
        pending = GaugeMetricFamily("kyodo_events_pending", "Events the town's consumers have not handled.",
                                    labels=["town"])
        backup = GaugeMetricFamily("kyodo_backup_age_seconds", "Time since the town's last successful backup "
                                   "finished (absent: never backed up).", labels=["town"])
        try:
            from django.db.models import Max
            from django.utils import timezone

            from kyodo.backups.models import BackupRun, RunStatus
            from kyodo.tenantlog.selectors import relay_status_all

            for status in relay_status_all():
                code = str(getattr(status.town, "code", ""))
                lag.add_metric([code], max((c.lag_seconds for c in status.consumers), default=0.0))
                pending.add_metric([code], float(sum(c.pending for c in status.consumers)))
            now = timezone.now()
            for code, last in (BackupRun.objects.filter(status=RunStatus.SUCCEEDED).values("town_code")
                               .annotate(last=Max("finished_at")).values_list("town_code", "last")):
                if last is not None:
                    backup.add_metric([code], max(0.0, (now - last).total_seconds()))
        except Exception:  # the database down: these gauges are absent, readiness reports it
            pass
        finally:
            from kyodo.tenancy.db import use_public_schema

            use_public_schema()
        yield lag
        yield pending
        yield backup


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:  # this process's own figures (not the default registry's Python runtime details)
        for collector in (REQUEST_SECONDS, TASK_FAILURES):
            registry.register(collector)
    registry.register(PlatformCollector())
    return registry


def metrics_token() -> str:
    from kyodo.config import CONFIG

    return CONFIG.metrics_token


def metrics_view(request):
    """``GET /metrics`` with ``Authorization: Bearer <KYODO_METRICS_TOKEN>``; 404 when no token is configured or
    the token is wrong (nothing tells a stranger that metrics exist)."""
    expected = metrics_token()
    given = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return HttpResponseNotFound()
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


def serve_worker_metrics() -> None:
    """A Celery worker's own figures (its task failures) on ``KYODO_WORKER_METRICS_ADDR`` (``host:port``), when
    set: the worker answers no web requests, so it serves them itself — without a token, so bind it to the
    internal network only."""
    address = os.environ.get("KYODO_WORKER_METRICS_ADDR", "")
    if not address:
        return
    from prometheus_client import start_http_server

    host, _, port = address.rpartition(":")
    registry = CollectorRegistry()
    registry.register(TASK_FAILURES)
    start_http_server(int(port), addr=host or "127.0.0.1", registry=registry)
