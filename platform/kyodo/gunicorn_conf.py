"""gunicorn's configuration for the web process (``gunicorn -c python:kyodo.gunicorn_conf kyodo.wsgi``):
portal, console and GraphQL, static files through WhiteNoise. docs/operations.md "Serving" says why
gthread workers and how to size them; every KYODO_WEB_* variable is in docs/configuration.md."""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ValueError(f"{name} must be a positive whole number (got {raw!r})")
    return int(raw)


bind = [os.environ.get("KYODO_WEB_BIND") or "127.0.0.1:8000"]
# gthread: a few processes, each with threads. Django views are synchronous and spend most of their
# time waiting on PostgreSQL, so threads give concurrency without one Django (≈100 MB) per request, and a
# slow request (a PDF, an export) does not hold the whole process.
worker_class = "gthread"
workers = _int("KYODO_WEB_WORKERS", min(2 * (os.cpu_count() or 1) + 1, 9))
threads = _int("KYODO_WEB_THREADS", 4)
timeout = _int("KYODO_WEB_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, so that a slow leak cannot grow without bound.
max_requests = _int("KYODO_WEB_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
# The scheme is decided by Django alone (SECURE_PROXY_SSL_HEADER, only when KYODO_TRUST_PROXY_SSL_HEADER
# is set): gunicorn must not set it from X-Forwarded-* headers of its own accord.
secure_scheme_headers: dict[str, str] = {}
forwarded_allow_ips = ""
accesslog = "-"
errorlog = "-"
# No Server version header beyond "gunicorn"; request lines and headers bounded.
limit_request_line = 8190
limit_request_fields = 100
