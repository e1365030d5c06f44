"""Import runs (取込の実行): accept a set of files for a town, run them once, keep the report.

A run is executed in one transaction in the town's schema (kyodo.standard_spec.residents), which
also marks the run loaded or refused: either both happen or neither. A worker killed in the middle
leaves the run as it was before; Celery gives the task to the next worker (late acknowledgement),
which runs it again from the start. A run already loaded or refused is never run again."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from kyodo.audit.services import platform_audit_record
from kyodo.identity.principal import audit_actor_of

from .layout import LayoutError, load
from .models import ImportFile, ImportRun, ImportStatus
from .residents import FILES, SourceFile, import_residents

log = logging.getLogger(__name__)
MAX_FILE_BYTES = 512 * 1024 * 1024
PROGRESS_KEY = "kyodo:import:progress:{run}"


def kind_of(name: str) -> str | None:
    """The layout file a name stands for: ``persons.csv``, ``20240401_households.dat`` …"""
    stem = name.rsplit("/", 1)[-1].lower()
    return next((kind for kind in FILES if kind in stem), None)


def import_run_create(*, actor, town, layout: str, files: Iterable[SourceFile], form: str = "csv",
                      encoding: str = "", load_valid_part: bool = False) -> ImportRun:
    """受付: check what can be checked before the run (layout, form, encoding, which files) and keep
    the files with the run. Raises ValidationError naming the field."""
    from . import codec

    errors: dict[str, list[str]] = {}
    try:
        load(layout)
    except LayoutError as exc:
        errors["layout"] = [str(exc)]
    if form not in codec.FORMS:
        errors["form"] = ["形式は csv か fixed を選んでください。"]
    try:
        codec.encoding_name(encoding or None)
    except ValueError as exc:
        errors["encoding"] = [str(exc)]
    sources = list(files)
    kinds = [s.kind for s in sources]
    if len(set(kinds)) != len(kinds) or any(k not in FILES for k in kinds):
        errors["files"] = ["ファイルの種類（households, persons, history, measures）が重複しているか不明です。"]
    if not {"households", "persons"} <= set(kinds):
        errors.setdefault("files", []).append("世帯（households）と個人（persons）のファイルは必須です。")
    if any(len(s.content) > MAX_FILE_BYTES for s in sources):
        errors.setdefault("files", []).append(f"1ファイルは {MAX_FILE_BYTES // 1024 // 1024} MB までです。")
    if town is None or not town.is_active or not town.has_application("residents"):
        errors["town"] = ["取込先の団体が稼働中でないか、住民記録を利用していません。"]
    if errors:
        raise ValidationError(errors)
    who = audit_actor_of(actor)
    with transaction.atomic():
        run = ImportRun.objects.create(town=town, layout=layout, form=form, encoding=encoding,
                                       load_valid_part=load_valid_part,
                                       created_by_id=who.user_id if who else None,
                                       created_by_name=(who.name if who else "system")[:150])
        _store_files(run, sources)
        platform_audit_record(actor=actor, action="standard_spec.import_submit", municipality_code=town.code,
                              target_type="import", target_id=str(run.pk),
                              detail={"layout": layout, "files": {s.kind: s.sha256 for s in sources},
                                      "load_valid_part": load_valid_part})
    return run


def _progress(run_id: int):
    def step(name: str, percent: int) -> None:
        try:
            from kyodo.celery import broker_redis

            broker_redis().set(PROGRESS_KEY.format(run=run_id), json.dumps({"step": name, "percent": percent}), ex=86400)
        except Exception:  # noqa: BLE001 - progress is shown when Redis is there; the run does not need it
            log.debug("import progress not recorded", exc_info=True)
    return step


def import_progress(run: ImportRun) -> dict:
    """What the console shows while a run is going: the step and the percentage."""
    if run.status in (ImportStatus.LOADED, ImportStatus.REFUSED, ImportStatus.FAILED):
        return {"step": run.get_status_display(), "percent": 100}
    try:
        from kyodo.celery import broker_redis

        raw = broker_redis().get(PROGRESS_KEY.format(run=run.pk))
    except Exception:  # noqa: BLE001
        raw = None
    return json.loads(raw) if raw else {"step": run.get_status_display(), "percent": run.progress}


def _store_files(run: ImportRun, sources: list[SourceFile]) -> None:
    """The files kept with the run, by binary COPY: as SQL parameters the contents travel hex-escaped in
    the statement's text (42 MB of files: 2.0 s; by binary COPY a fraction of that)."""
    columns = ("run_id", "kind", "name", "sha256", "size", "content")
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{ImportFile._meta.db_table}" ({", ".join(columns)}) FROM STDIN '
                                "(FORMAT BINARY)") as copy:
            copy.set_types(["int8", "varchar", "varchar", "varchar", "int8", "bytea"])
            for source in sources:
                copy.write_row((run.pk, source.kind, source.name[:200], source.sha256, len(source.content),
                                source.content))


def import_run_execute(*, run_id: int, actor) -> ImportRun:
    """Run an accepted import once (idempotent: a loaded or refused run is returned as it is)."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().select_related("town").get(pk=run_id)
        if run.status in (ImportStatus.LOADED, ImportStatus.REFUSED):
            return run
        run.status, run.attempts, run.started_at = ImportStatus.CHECKING, run.attempts + 1, timezone.now()
        run.save(update_fields=["status", "attempts", "started_at"])
    step = _progress(run.pk)
    files = [SourceFile(f.kind, f.name, bytes(f.content)) for f in run.files.all()]
    try:
        with tenant_context(run.town), transaction.atomic():
            # Held until commit: a second worker given the same run waits here, then finds it done.
            run = ImportRun.objects.select_for_update().select_related("town").get(pk=run_id)
            if run.status in (ImportStatus.LOADED, ImportStatus.REFUSED):
                return run
            result = import_residents(town=run.town, actor=actor, files=files, layout_name=run.layout, form=run.form,
                                      encoding=run.encoding or None, load_valid_part=run.load_valid_part,
                                      run_label=f"import-{run.pk}", on_step=step)
            run.status = ImportStatus.LOADED if result.loaded else ImportStatus.REFUSED
            run.counts, run.issues_count = result.counts, len(result.issues)
            run.report = result.report_csv() if result.issues else ""
            run.progress, run.finished_at = 100, timezone.now()
            run.save(update_fields=["status", "counts", "issues_count", "report", "progress", "finished_at"])
            if result.loaded:
                ImportFile.objects.filter(run=run).update(content=b"")  # the registry holds the data now
            platform_audit_record(actor=actor, action="standard_spec.import_run", municipality_code=run.town.code,
                                  target_type="import", target_id=str(run.pk),
                                  outcome="ok" if result.loaded else "refused",
                                  detail={"counts": result.counts, "issues": len(result.issues)})
    except Exception as exc:
        log.exception("import run %s failed", run_id)
        ImportRun.objects.filter(pk=run_id).update(status=ImportStatus.FAILED, error=type(exc).__name__[:300],
                                                   finished_at=timezone.now())
        raise
    step(run.get_status_display(), 100)
    return run
