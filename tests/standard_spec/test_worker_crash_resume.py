"""Imports in real Celery workers: the console's upload loaded by the worker, and a worker killed with
``kill -9`` in the middle of a run — the next worker is given the same task (late acknowledgement) and
loads the run once: every person exactly once, households and history complete, town B untouched."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import signal
import time
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context

from integrations.standard_spec.models import ImportRun, ImportStatus
from integrations.standard_spec.residents import ExportRequest, SourceFile, export_residents
from tests.workers import start_worker

ROOT = Path(__file__).resolve().parents[2]
PERSONS = 20_000
FINISHED = (ImportStatus.LOADED, ImportStatus.REFUSED, ImportStatus.FAILED)

pytestmark = pytest.mark.slow


def _admin():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="pref-admin")


def _export(town, actor) -> dict[str, bytes]:
    with tenant_context(town):
        return {kind: b"".join(chunks) for kind, chunks in export_residents(
            town=town, actor=actor, request=ExportRequest(purpose="移行", recipient="移行先", entitled=True)).items()}


def _rows(content: bytes) -> list[list[str]]:
    """The records of an exported CSV file (the export writes no header row)."""
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _wait_finished(run: ImportRun, seconds: float) -> ImportRun:
    deadline = time.time() + seconds
    while run.status not in FINISHED and time.time() < deadline:
        time.sleep(0.3)
        run.refresh_from_db()
    return run


def test_the_console_upload_is_loaded_by_a_real_worker(committed, celery_worker_process):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tenants.residents.demo import residents_demo_populate
    from tenants.residents.models import Person
    from tests.conftest import logged_in_client

    admin = _admin()
    source = committed.provision(code="414018", name="有田町", name_kana="アリタチョウ", hosts=["arita.test"],
                                 applications=["residents"])
    residents_demo_populate(town=source, scale=0.005, seed=3)
    files = _export(source, admin)
    target = committed.provision(code="413879", name="玄海町", name_kana="ゲンカイチョウ", hosts=["genkai.test"],
                                 applications=["residents"])
    try:
        response = logged_in_client(admin, "localhost").post("/console/imports/new/", {
            "town": target.code, "layout": "chukan-2.7", "form": "csv", "encoding": "",
            "uploads": [SimpleUploadedFile(f"{k}.csv", v) for k, v in files.items()]})
        assert response.status_code == 302
        run = _wait_finished(ImportRun.objects.get(town=target), 60)
        assert run.status == ImportStatus.LOADED, (run.status, run.error,
                                                   celery_worker_process.log_path.read_text()[-2000:])
        with tenant_context(target):
            assert Person.objects.count() == run.counts["persons"] == len(_rows(files["persons"]))
        assert run.attempts == 1 and run.created_by_name == "pref-admin"
    finally:
        ImportRun.objects.filter(town__code__in=committed.towns).delete()


def test_kill_9_mid_run_the_next_worker_loads_it_once(committed, tmp_path):
    from integrations.standard_spec import tasks
    from integrations.standard_spec.services import import_progress, import_run_create
    from kyodo.celery import app
    from kyodo.identity.principal import task_principal
    from kyodo.tenancy.models import Municipality
    from tenants.residents.demo import residents_demo_populate
    from tenants.residents.models import Household, Person, PersonVersion
    from tests.conftest import _test_database_url

    admin = _admin()
    town_b = Municipality.objects.get(code="412074")  # the session's 鹿島市 (not the fixture: it would hold a transaction)
    with tenant_context(town_b):
        b_before = (Person.objects.count(), Household.objects.count(), PersonVersion.objects.count())
    source = committed.provision(code="414417", name="太良町", name_kana="タラチョウ", hosts=["tara.test"],
                                 applications=["residents"])
    residents_demo_populate(town=source, scale=PERSONS / 10_000, seed=5)
    files = _export(source, admin)
    exported_atena = {row[0] for row in _rows(files["persons"])}  # 宛名番号 is the first item
    with tenant_context(source):
        # What the files carry (the export leaves out what it must; the counts are the files').
        expected = {"persons": len(exported_atena), "households": len(_rows(files["households"])),
                    "versions": PersonVersion.objects.filter(person__atena_number__in=exported_atena).count()}
    assert expected["persons"] == len(_rows(files["persons"])) >= PERSONS * 0.9
    target = committed.provision(code="413461", name="みやき町", name_kana="ミヤキチョウ", hosts=["miyaki.test"],
                                 applications=["residents"])
    queue = f"kyodo-importtest-{os.getpid()}"
    env = dict(os.environ, DATABASE_URL=_test_database_url(), KYODO_CELERY_QUEUE=queue,
               KYODO_CELERY_VISIBILITY_TIMEOUT="3",
               PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
    try:
        run = import_run_create(actor=admin, town=target, layout="chukan-2.7",
                                files=[SourceFile(k, f"{k}.csv", v) for k, v in files.items()])
        first = start_worker(queue, env, tmp_path / "w1.log")
        try:
            tasks.import_run.apply_async(kwargs={"run_id": run.pk,
                                                 "principal": task_principal(admin, "console:standard_spec-import")},
                                         queue=queue)
            # Kill it once the run is inside its transaction (the staging COPY or later) and not done.
            deadline, seen = time.time() + 120, []
            while time.time() < deadline:
                run.refresh_from_db()
                progress = import_progress(run)
                seen.append(progress["percent"])
                if run.status in FINISHED or 40 <= progress["percent"] < 100:
                    break
                time.sleep(0.05)
            assert run.status == ImportStatus.CHECKING and 40 <= progress["percent"] < 100, (run.status, seen[-5:])
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        run.refresh_from_db()
        with tenant_context(target):
            assert Person.objects.count() == 0  # the killed run's transaction left nothing
        assert run.status == ImportStatus.CHECKING and run.attempts == 1

        second = start_worker(queue, env, tmp_path / "w2.log")
        try:
            run = _wait_finished(run, 180)
        finally:
            second.terminate()
            second.wait(30)
        assert run.status == ImportStatus.LOADED, (run.status, run.error, (tmp_path / "w2.log").read_text()[-3000:])
        assert run.attempts == 2
        with tenant_context(target):
            atena = list(Person.objects.values_list("atena_number", flat=True))
            assert len(atena) == len(set(atena)) == expected["persons"]
            assert set(atena) == exported_atena
            assert Household.objects.count() == expected["households"]
            assert PersonVersion.objects.count() == expected["versions"]
        assert run.counts["persons"] == expected["persons"] and run.counts["households"] == expected["households"]
        with tenant_context(town_b):
            assert (Person.objects.count(), Household.objects.count(), PersonVersion.objects.count()) == b_before
        assert not ImportRun.objects.filter(town=town_b).exists()
    finally:
        with contextlib.suppress(Exception):
            app.control.purge()
        ImportRun.objects.filter(town__code__in=committed.towns).delete()
