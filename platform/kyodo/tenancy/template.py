"""The template schema (雛形スキーマ) new towns are built from.

``kyodo_template`` is an ordinary tenant schema brought up to date by migrations (so it holds every
tenant table, the seed/reference rows of data migrations and the django_migrations records). A new
town is made by replaying the template's DDL and data, captured once per migration state, under the
new schema name -- much faster than running every migration again. tests/tenancy/test_template.py
proves that a replayed schema equals one produced by migrations.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import subprocess
import threading

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_context, schema_exists

from kyodo import pgtools

from .db import use_public_schema

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[str, str] = {}


def template_schema_name() -> str:
    return settings.KYODO_TEMPLATE_SCHEMA


def tenant_app_labels() -> set[str]:
    from django.apps import apps

    return {apps.get_app_config(name.rsplit(".", 1)[-1]).label for name in settings.TENANT_APPS
            if apps.is_installed(name)}


@functools.lru_cache(maxsize=1)
def expected_migrations() -> frozenset[tuple[str, str]]:
    """(app, name) of every migration a tenant schema should have applied (the code's, so cached)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    labels = tenant_app_labels()
    return frozenset(key for key in loader.disk_migrations if key[0] in labels)


def applied_migrations(schema: str) -> set[tuple[str, str]]:
    if not schema_exists(schema):
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s)", [f'"{schema}".django_migrations']
        )
        if cursor.fetchone()[0] is None:
            return set()
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        return {(app, name) for app, name in cursor.fetchall()}


def template_migrate(verbosity: int = 0) -> None:
    """Create/upgrade the template schema with migrations (the slow, authoritative path)."""
    name = template_schema_name()
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{name}"')
    call_command("migrate_schemas", schema_name=name, tenant=True, interactive=False, verbosity=verbosity)
    use_public_schema()
    _cache.clear()


def ensure_template() -> set[tuple[str, str]]:
    """Migrate the template if it is behind the code; return its applied migrations."""
    applied = applied_migrations(template_schema_name())
    labels = tenant_app_labels()
    if {m for m in applied if m[0] in labels} != expected_migrations():
        logger.info("template schema %s is behind the code; migrating it", template_schema_name())
        template_migrate()
        applied = applied_migrations(template_schema_name())
    return applied


def _fingerprint(applied: set[tuple[str, str]] | None = None) -> str:
    if applied is None:
        applied = applied_migrations(template_schema_name())
    return hashlib.sha256(repr(sorted(applied)).encode()).hexdigest()


_PLACEHOLDER = "__kyodo_new_schema__"


def _capture_script() -> str:
    name = template_schema_name()
    dump = subprocess.run(
        [pgtools.client_binary("pg_dump"), *pgtools.conninfo(), "--schema", name, "--no-owner", "--no-privileges",
         "--no-comments", "--inserts", "--quote-all-identifiers"],
        check=True, capture_output=True, text=True, env=pgtools.client_env(),
    ).stdout
    statements = []
    for line in dump.splitlines():
        # Drop psql meta-commands and session settings; the replay runs in the caller's transaction.
        if (line.startswith(("\\", "SET ", "SELECT pg_catalog.set_config", "--")) or not line.strip()):
            continue
        statements.append(line)
    script = "\n".join(statements)
    quoted = f'"{name}"'
    if script.count(name) != script.count(quoted):
        raise RuntimeError(
            f"template dump mentions {name!r} outside a quoted identifier; refusing to rewrite it"
        )
    return script.replace(quoted, f'"{_PLACEHOLDER}"')


def template_script(applied: set[tuple[str, str]] | None = None) -> str:
    """The template's DDL+data with a placeholder schema name, cached per migration fingerprint
    (``applied``: the template's applied migrations, when the caller has just read them)."""
    with _lock:
        fingerprint = _fingerprint(applied)
        if fingerprint not in _cache:
            _cache.clear()
            _cache[fingerprint] = _capture_script()
        return _cache[fingerprint]


_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def schema_create_from_template(schema_name: str, applied: set[tuple[str, str]] | None = None) -> None:
    """Build ``schema_name`` by replaying the template script, inside the caller's transaction."""
    if not _SCHEMA_NAME.match(schema_name):
        raise ValueError(f"invalid schema name {schema_name!r}")
    script = template_script(applied).replace(f'"{_PLACEHOLDER}"', f'"{schema_name}"')
    with connection.cursor() as cursor:
        cursor.execute(script)
    use_public_schema()


def schema_create_by_migrations(schema_name: str, verbosity: int = 0) -> None:
    """The slow path (and the reference the template method is tested against)."""
    if not _SCHEMA_NAME.match(schema_name):
        raise ValueError(f"invalid schema name {schema_name!r}")
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema_name}"')
    call_command("migrate_schemas", schema_name=schema_name, tenant=True, interactive=False, verbosity=verbosity)
    use_public_schema()


__all__ = [
    "ensure_template", "schema_context", "schema_create_by_migrations", "schema_create_from_template",
    "template_migrate", "template_script",
]
