"""Reads of import runs for the console: the list, one run with its files, its issues, and the
report as a download (which leaves a platform audit record: it names persons' data)."""

from __future__ import annotations

import csv
import io

from django.db.models import QuerySet

from kyodo.audit.services import platform_audit_record

from .models import ImportRun

ISSUES_SHOWN = 200
FILE_KINDS = {"households": "世帯", "persons": "個人", "history": "履歴", "measures": "支援措置"}


def import_runs_list() -> QuerySet[ImportRun]:
    """Every run, newest first (the console pages them)."""
    return ImportRun.objects.select_related("town").defer("report").order_by("-created_at", "-pk")


def import_run_get(run_id: int) -> ImportRun | None:
    return ImportRun.objects.select_related("town").filter(pk=run_id).first()


def import_run_files(run: ImportRun) -> list[dict]:
    """The files of a run (name, kind and its label, size, SHA-256), without their content."""
    return [{**row, "label": FILE_KINDS.get(row["kind"], row["kind"])}
            for row in run.files.order_by("kind").values("kind", "name", "size", "sha256")]


def _report_rows(run: ImportRun) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(run.report)))
    return (rows[0], rows[1:]) if rows else ([], [])


def import_run_issues(run: ImportRun, *, actor, limit: int = ISSUES_SHOWN) -> tuple[list[str], list[list[str]]]:
    """The header and the first ``limit`` issues of the report, for the run page (the rule by its
    Japanese name; the CSV keeps the code)."""
    from .codec import RULE_LABELS

    header, rows = _report_rows(run)
    shown = [[*r[:4], RULE_LABELS.get(r[4], r[4]), *r[5:]] if len(r) > 4 else r for r in rows[:limit]]
    if shown:  # the issues quote the files' values (names, addresses): shown on screen, recorded like a download
        platform_audit_record(actor=actor, action="standard_spec.import_report_view", municipality_code=run.town.code,
                              target_type="import", target_id=str(run.pk), detail={"issues": len(shown)})
    return header, shown


def import_report_read(*, actor, run: ImportRun) -> tuple[list[str], list[list[str]]]:
    """The whole report, for a download; recorded in the platform audit log."""
    header, rows = _report_rows(run)
    platform_audit_record(actor=actor, action="standard_spec.import_report", municipality_code=run.town.code,
                          target_type="import", target_id=str(run.pk), detail={"issues": len(rows)})
    return header, rows
