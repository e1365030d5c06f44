"""Benchmark `import`: the residents registry in and out of standard-layout files at 100,000 persons.

The files are made once per run: a scratch town is filled with ``residents_demo_populate`` and
exported with ``export_residents(..., encoding="cp932", entitled=True)`` (Shift_JIS CSV: households,
persons, history — one history row per person — and measures).

- ``import_100k_s``: ``import_residents`` into a fresh town, end to end (decode, type, build the
  versions, COPY into staging, SQL checks, INSERT … SELECT, audit). Baseline, same run: the same
  files through the same Python validation (``codec.read`` via ``read_files`` + ``build_versions``)
  and then ORM ``bulk_create`` of Household, Person, Change and PersonVersion (no COPY, no SQL
  checks), in a second fresh town. Peak memory of the import: ``tracemalloc`` peak of a third,
  separate import run (tracemalloc slows Python down, so that run is not the timed one), and the
  process's ``ru_maxrss``.
- ``export_rows_s``: rows per second streamed by ``export_residents`` (every file consumed and
  discarded). Baseline: the same rows read with ``.values_list(...).iterator()`` and written with
  ``csv.writer`` (no layout, no encoding rules, no 支援措置 handling).
- ``onboard_with_data_s``: ``kyodo town onboard --data DIR`` (``build_parser()`` → ``cmd_onboard``)
  with the files in a folder. Baseline: ``kyodo town create`` alone.
"""

from __future__ import annotations

import argparse
import csv
import io
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

from .common import django_ready, emit, scratch_database, town_codes

LAYOUT = "chukan-2.7"


def _files(exported: dict) -> dict[str, bytes]:
    return {kind: b"".join(chunks) for kind, chunks in exported.items()}


def _orm_baseline(*, town, sources) -> dict[str, int]:
    """The same rows through the same Python validation, then ORM bulk_create (one transaction)."""
    from django.db import transaction
    from django_tenants.utils import tenant_context

    from integrations.standard_spec.layout import load
    from integrations.standard_spec.residents import VERSION_COLUMNS, build_versions, read_files
    from tenants.residents.models import Change, ChangeKind, ChangeStatus, Household, Person, PersonVersion

    with tenant_context(town), transaction.atomic():
        rows, issues, _ = read_files(sources, load(LAYOUT), form="csv", encoding="cp932")
        assert not issues, issues[:5]
        versions = build_versions(rows.get("persons", []), rows.get("history", []))
        households = Household.objects.bulk_create(
            [Household(number=r.values["number"]) for r in rows["households"]], batch_size=5000)
        by_number = {h.number: h for h in households}
        persons = Person.objects.bulk_create(
            [Person(atena_number=r.values["atena_number"], resident_code=r.values.get("resident_code") or "")
             for r in rows["persons"]], batch_size=5000)
        by_atena = {p.atena_number: p for p in persons}
        keys = sorted({(v["reason_code"] or "A03", v["valid_from"], v["change_notified_on"]) for v in versions})
        changes = Change.objects.bulk_create(
            [Change(kind=ChangeKind.INITIAL_LOAD, status=ChangeStatus.APPROVED, notified_on=notified, effective_on=valid,
                    reason_code=reason, payload={"import": "bench-orm"}, entered_by_id=0, entered_by_username="bench",
                    decided_by_id=0, decided_by_username="bench") for reason, valid, notified in keys],
            batch_size=5000)
        by_key = dict(zip(keys, changes, strict=True))
        PersonVersion.objects.bulk_create(
            [PersonVersion(person=by_atena[v["atena_number"]], household=by_number[v["household_number"]],
                           change=by_key[(v["reason_code"] or "A03", v["valid_from"], v["change_notified_on"])],
                           **{c: v[c] for c in VERSION_COLUMNS}) for v in versions], batch_size=5000)
    return {"households": len(households), "persons": len(persons), "versions": len(versions)}


def _export_baseline() -> int:
    """The same rows, straight from the tables with values_list().iterator() into csv.writer."""
    from integrations.standard_spec.residents import VERSION_COLUMNS
    from tenants.residents.models import PersonVersion, SupportMeasure

    sink = io.StringIO()
    writer = csv.writer(sink, lineterminator="\r\n")
    count = 0
    queries = (
        PersonVersion.objects.filter(is_current=True, relationship="世帯主").order_by("household_id").values_list(
            "household__number", "person__atena_number", "address", "katagaki", "postal_code", "district"),
        PersonVersion.objects.filter(is_current=True).order_by("person_id").values_list(
            "person__atena_number", "household__number", "person__resident_code", *VERSION_COLUMNS),
        PersonVersion.objects.order_by("person_id", "history_no").values_list(
            "person__atena_number", "household__number", "change__reason_code", "change__notified_on", *VERSION_COLUMNS),
        SupportMeasure.objects.filter(status="active").order_by("pk").values_list(
            "person__atena_number", "kind", "starts_on", "ends_on"),
    )
    for query in queries:
        for row in query.iterator(chunk_size=2000):
            writer.writerow(row)
            count += 1
            if sink.tell() > 1 << 20:
                sink.seek(0)
                sink.truncate()
    return count


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks import")
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    args = parser.parse_args(argv)

    with scratch_database():
        django_ready()
        from django_tenants.utils import tenant_context

        from integrations.standard_spec.residents import (
            ExportRequest,
            SourceFile,
            export_residents,
            import_residents,
        )
        from kyodo.cli import build_parser
        from kyodo.identity.principal import SystemPrincipal
        from kyodo.tenancy import services as tenancy
        from kyodo.tenancy.db import use_public_schema
        from tenants.residents.demo import residents_demo_populate

        actor = SystemPrincipal("bench:import")
        codes = town_codes(8, start=42401)

        def provision(name: str):
            code = next(codes)
            return tenancy.municipality_provision(actor=None, code=code, name=name, name_kana="ケイソクチョウ",
                                                  hosts=[f"t{code}.localhost"], applications=["residents"])

        source = provision("出典町")
        started = time.perf_counter()
        residents_demo_populate(town=source, scale=args.persons / 10_000, seed=7)
        populate_s = time.perf_counter() - started
        request = ExportRequest(purpose="計測", recipient="計測", entitled=True)
        with tenant_context(source):
            files = _files(export_residents(town=source, actor=actor, request=request, layout_name=LAYOUT,
                                            encoding="cp932"))
        sources = [SourceFile(kind, f"{kind}.csv", content) for kind, content in files.items()]
        lines = {kind: content.count(b"\n") for kind, content in files.items()}

        # --- import_100k_s ---
        target = provision("取込町")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        with tenant_context(target):
            result = import_residents(town=target, actor=actor, files=sources, layout_name=LAYOUT, encoding="cp932",
                                      run_label="bench-1")
        import_s = time.perf_counter() - started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert result.loaded and not result.issues, result.report_csv()[:2000]

        baseline_town = provision("比較町")
        started = time.perf_counter()
        orm_counts = _orm_baseline(town=baseline_town, sources=sources)
        orm_s = time.perf_counter() - started

        peak_mb = None
        if not args.no_memory:
            memory_town = provision("記憶町")
            tracemalloc.start()
            with tenant_context(memory_town):
                again = import_residents(town=memory_town, actor=actor, files=sources, layout_name=LAYOUT,
                                         encoding="cp932", run_label="bench-mem")
            peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            assert again.loaded

        # --- export_rows_s ---
        with tenant_context(target):
            started = time.perf_counter()
            exported = 0
            for chunks in export_residents(town=target, actor=actor, request=request, layout_name=LAYOUT,
                                           encoding="cp932").values():
                for chunk in chunks:  # pieces of about 256 KiB: one record per CRLF
                    exported += chunk.count(b"\r\n")
            export_s = time.perf_counter() - started
            started = time.perf_counter()
            baseline_rows = _export_baseline()
            export_baseline_s = time.perf_counter() - started

        # --- onboard_with_data_s ---
        with tempfile.TemporaryDirectory(prefix="kyodo-bench-import-") as folder:
            for kind, content in files.items():
                (Path(folder) / f"{kind}.csv").write_bytes(content)
            onboard_code, create_code = next(codes), next(codes)
            onboard = build_parser().parse_args(["town", "onboard", "--code", onboard_code, "--name", "搭載町", "--kana",
                                                 "トウサイチョウ", "--host", f"t{onboard_code}.localhost",
                                                 "--data", folder, "--encoding", "cp932"])
            started = time.perf_counter()
            status = onboard.func(onboard)
            onboard_s = time.perf_counter() - started
            assert status == 0, status
        use_public_schema()
        create = build_parser().parse_args(["town", "create", "--code", create_code, "--name", "新設町", "--kana",
                                            "シンセツチョウ", "--host", f"t{create_code}.localhost"])
        started = time.perf_counter()
        assert create.func(create) == 0
        create_s = time.perf_counter() - started
        use_public_schema()

    counts = result.counts
    emit("import", "import_100k_s", import_s, "s", orm_s, orm_s / import_s, persons=counts["persons"],
         households=counts["households"], versions=counts["versions"], file_lines=lines,
         file_mb=round(sum(len(c) for c in files.values()) / 2**20, 1), encoding="cp932",
         baseline_counts=orm_counts, peak_traced_mb=None if peak_mb is None else round(peak_mb, 1),
         maxrss_mb_before=round(rss_before / 1024, 1), maxrss_mb_after=round(rss_after / 1024, 1),
         populate_s=round(populate_s, 2),
         baseline_kind="same read_files + build_versions, then ORM bulk_create (no COPY, no SQL checks)",
         goal="<=6 s and >=10x baseline")
    emit("import", "export_rows_s", exported / export_s, "rows/s", baseline_rows / export_baseline_s,
         (exported / export_s) / (baseline_rows / export_baseline_s), rows=exported, baseline_rows=baseline_rows,
         seconds=round(export_s, 3), baseline_seconds=round(export_baseline_s, 3),
         baseline_kind="values_list().iterator() into csv.writer (no layout)", goal=">=100000 rows/s")
    emit("import", "onboard_with_data_s", onboard_s, "s", create_s, create_s / onboard_s, persons=counts["persons"],
         baseline_kind="kyodo town create alone", goal="<=10 s")
    return 0
