"""Liveness (``/healthz``) and readiness (``/readyz``) for the load balancer and the orchestrator.

Answered by a middleware placed first, before the host is checked against ALLOWED_HOSTS and before the
town is looked up: a probe works on every host (public, town, an IP address) and never needs a login.
The answers name each check and say ``ok`` or ``failed``, nothing else: no version, no host name, no
error text (those go to the log)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from django.db import connection
from django.http import HttpResponse, JsonResponse

log = logging.getLogger(__name__)

HEALTH_PATHS = frozenset({"/healthz", "/readyz"})
CHECK_TIMEOUT_SECONDS = 2.0


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker() -> None:
    """The Celery broker (Redis) answers PING."""
    import redis

    from kyodo.celery import app

    url = app.conf.broker_write_url or app.conf.broker_url
    client = redis.Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
                                  socket_timeout=CHECK_TIMEOUT_SECONDS)
    try:
        if not client.ping():
            raise RuntimeError("broker did not answer PING")
    finally:
        client.close()


def check_backup_stores() -> None:
    """Every configured backup store answers for its bucket (a HEAD of a key that need not exist)."""
    from integrations.objectstore import store_open
    from kyodo import config

    for store in config.BACKUPS.stores.values():
        store_open(dataclasses.replace(store, timeout_seconds=CHECK_TIMEOUT_SECONDS)).head("readyz-probe")


def readiness_checks() -> dict[str, Callable[[], None]]:
    """The checks of ``/readyz`` by name. The backup stores are checked when some are configured."""
    from kyodo import config

    checks: dict[str, Callable[[], None]] = {"database": check_database, "broker": check_broker}
    if config.BACKUPS.stores:
        checks["backup_stores"] = check_backup_stores
    return checks


def readiness() -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    for name, check in readiness_checks().items():
        try:
            check()
            results[name] = "ok"
        except Exception:  # any failure is "failed"; the reason goes to the log only
            log.warning("readiness check %s failed", name, exc_info=True)
            results[name] = "failed"
    return all(v == "ok" for v in results.values()), results


def _answer(body: dict, status: int) -> HttpResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path not in HEALTH_PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        if path == "/healthz":
            return _answer({"status": "ok"}, 200)
        ready, results = readiness()
        return _answer({"status": "ok" if ready else "failed", "checks": results}, 200 if ready else 503)
