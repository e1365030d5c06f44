"""PostgreSQL client programs (pg_dump, psql) for the configured database: which binary matches the
server, how to reach it, and the password environment. Used by the template schema and backups."""

from __future__ import annotations

import functools
import os

from django.conf import settings
from django.db import connection

from kyodo.embedded import pg_bin


def conninfo() -> list[str]:
    """libpq command-line arguments for the default database."""
    db = settings.DATABASES["default"]
    args = ["--dbname", db["NAME"], "--username", db["USER"] or "postgres"]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    return args


def client_env() -> dict[str, str] | None:
    """The environment for a client program: PGPASSWORD when the database has a password."""
    password = settings.DATABASES["default"].get("PASSWORD")
    return dict(os.environ, PGPASSWORD=password) if password else None


@functools.lru_cache(maxsize=4)
def _server_major(dbname: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def client_binary(name: str) -> str:
    """``pg_dump``/``psql`` of the server's major version: Debian's, else the embedded pgserver's
    (pg_dump refuses a newer server, so the system default is not good enough)."""
    major = _server_major(settings.DATABASES["default"]["NAME"])
    debian = f"/usr/lib/postgresql/{major}/bin/{name}"
    if os.path.exists(debian):
        return debian
    return pg_bin(name)
