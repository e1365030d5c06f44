"""Benchmark `migrate-noop`: `kyodo migrate` over 20 up-to-date towns (shared schema, template and
towns in parallel) against django-tenants' own sequential `migrate_schemas` in the same run."""

from __future__ import annotations

import argparse
import io
import time

from .common import django_ready, emit, scratch_database, town_codes


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks migrate-noop")
    parser.add_argument("--towns", type=int, default=20)
    parser.add_argument("--processes", type=int, default=None)
    args = parser.parse_args(argv)

    with scratch_database():
        django_ready()
        from django.conf import settings
        from django.core.management import call_command

        from kyodo.tenancy import services
        from kyodo.tenancy.migrate import migrate_all

        for code in town_codes(args.towns):
            services.municipality_provision(actor=None, code=code, name=f"町{code}", name_kana="マチ")
        processes = args.processes or settings.KYODO_MIGRATE_PROCESSES

        started = time.perf_counter()
        results = migrate_all(processes=processes)
        ours = time.perf_counter() - started
        failed = [r for r in results if not r.ok]
        if failed:
            raise SystemExit(f"migrate failed for {[r.schema_name for r in failed]}")

        started = time.perf_counter()
        call_command("migrate_schemas", interactive=False, verbosity=0, stdout=io.StringIO())
        baseline = time.perf_counter() - started

    emit("migrate-noop", "migrate_noop_s", ours, "s", baseline, baseline / ours, towns=args.towns,
         processes=processes, goal="<15 s")
    return 0
