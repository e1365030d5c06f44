"""`kyodo migrate`: shared schema first, then the template, then every town in parallel.

Towns are independent schemas, so their migrations can run side by side; shared rows created by
post-migrate hooks (content types, permissions) already exist once the template is migrated, so the
parallel runs only read them. A town whose migration fails is reported and the others go on.
"""

from __future__ import annotations

import io
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from django.core.management import call_command
from django.db import connections

from . import template
from .db import use_public_schema


@dataclass
class TownMigrateResult:
    schema_name: str
    ok: bool
    applied: int
    seconds: float
    error: str = ""


def _applied_count(schema: str) -> int:
    return len(template.applied_migrations(schema))


def migrate_one(schema_name: str) -> TownMigrateResult:
    started = time.perf_counter()
    try:
        before = _applied_count(schema_name)
        call_command("migrate_schemas", schema_name=schema_name, tenant=True, interactive=False,
                     verbosity=0, stdout=io.StringIO())
        after = _applied_count(schema_name)
        return TownMigrateResult(schema_name, True, after - before, time.perf_counter() - started)
    except Exception as exc:  # reported per town; the run goes on
        return TownMigrateResult(schema_name, False, 0, time.perf_counter() - started,
                                 f"{type(exc).__name__}: {exc}".strip()[:500])
    finally:
        use_public_schema()


def _worker_init() -> None:
    # A forked child must not share the parent's database socket.
    for conn in connections.all(initialized_only=True):
        conn.inc_thread_sharing()
        conn.close()


def migrate_all(*, processes: int = 2, schemas: list[str] | None = None, shared: bool = True,
                on_result=None) -> list[TownMigrateResult]:
    from .models import Municipality

    if shared:
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0, stdout=io.StringIO())
        template.template_migrate()
    if schemas is None:
        schemas = list(Municipality.objects.exclude(schema_name="public").order_by("code")
                       .values_list("schema_name", flat=True))
    results: list[TownMigrateResult] = []
    if processes <= 1 or len(schemas) <= 1:
        for name in schemas:
            result = migrate_one(name)
            results.append(result)
            if on_result:
                on_result(result)
        return results
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=_worker_init) as pool:
        futures = {pool.submit(migrate_one, name): name for name in schemas}
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # the worker process itself died
                result = TownMigrateResult(futures[future], False, 0, 0.0, f"{type(exc).__name__}: {exc}")
            results.append(result)
            if on_result:
                on_result(result)
    results.sort(key=lambda r: r.schema_name)
    return results
