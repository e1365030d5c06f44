"""The operator's routes: the ``kyodo backup`` command, Celery tasks on a real worker, the console page."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

import pytest
from django.utils import timezone

from kyodo.backups import layout
from kyodo.backups.models import BackupRun, DrillRun, RunStatus

from ..conftest import ROOT, _test_database_url
from .conftest import checksums


def kyodo(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=_test_database_url(),
               PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
    return subprocess.run([sys.executable, "-m", "kyodo.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def test_cli_backup_restore_drill_list(backup_town, stores):
    ran = kyodo("backup", "run", "--town", backup_town.code, "--chunk-bytes", "65536")
    assert ran.returncode == 0, ran.stderr
    run = BackupRun.objects.filter(town_code=backup_town.code).latest("started_at")
    assert run.status == RunStatus.SUCCEEDED and run.backup_id in ran.stdout

    restored = kyodo("backup", "restore", "--town", backup_town.code, "--from", "store-a,store-c",
                     "--as-new-schema", "restored_cli")
    assert restored.returncode == 0, restored.stderr
    assert "チェックサム一致" in restored.stdout
    assert checksums("restored_cli") == checksums(backup_town.schema_name)

    drilled = kyodo("backup", "drill", "--town", backup_town.code, "--from", "store-b,store-c")
    assert drilled.returncode == 0, drilled.stderr
    assert "リストア訓練 成功" in drilled.stdout and "backup_sample\t3000 行" in drilled.stdout

    listed = kyodo("backup", "list", "--town", backup_town.code)
    assert run.backup_id in listed.stdout


def test_cli_restore_names_the_tampered_object(backup_town, stores):
    assert kyodo("backup", "run", "--town", backup_town.code).returncode == 0
    run = BackupRun.objects.filter(town_code=backup_town.code).latest("started_at")
    key = layout.chunk_key(backup_town.code, run.backup_id, 0, 2)
    data = bytearray(stores["store-c"].get(key))
    data[-1] ^= 0x80
    stores["store-c"].client.put_object(Bucket=stores["store-c"].config.bucket, Key=key, Body=bytes(data))

    result = kyodo("backup", "restore", "--town", backup_town.code, "--from", "store-a,store-c",
                   "--as-new-schema", "restored_bad")

    assert result.returncode == 1
    assert "store-c" in result.stderr and key in result.stderr and "チャンク 0" in result.stderr


def test_cli_unknown_town_is_a_clear_error(committed):
    result = kyodo("backup", "run", "--town", "414417")
    assert result.returncode == 2 and "414417" in result.stderr


@pytest.mark.slow
def test_backup_task_on_a_real_worker_then_repeat_is_a_no_op(backup_town, stores, celery_worker_process):
    from kyodo.backups.tasks import backup_town as task

    night = "2026-11-20"
    task.delay(schema_name=backup_town.schema_name, scheduled_for=night,
               principal={"kind": "system", "name": "test"})
    deadline = time.time() + 120
    while time.time() < deadline:
        run = BackupRun.objects.filter(town_code=backup_town.code, scheduled_for=night).first()
        if run is not None and run.status != RunStatus.RUNNING:
            break
        time.sleep(0.3)
    assert run is not None and run.status == RunStatus.SUCCEEDED, celery_worker_process.log_path.read_text()[-3000:]

    again = task.apply(kwargs={"schema_name": backup_town.schema_name, "scheduled_for": night,
                               "principal": {"kind": "system", "name": "test"}}).get()

    assert again["skipped"] == f"already backed up for {night}"
    assert BackupRun.objects.filter(town_code=backup_town.code, scheduled_for=night).count() == 1


def test_drill_task_and_weekly_idempotence(backup_town, stores):
    from kyodo.backups.services import backup_run
    from kyodo.backups.tasks import backup_drill_town

    backup_run(town=backup_town, stores=stores)
    year, week, _ = timezone.localdate().isocalendar()
    label = f"{year}-W{week:02d}"
    first = backup_drill_town.apply(kwargs={"schema_name": backup_town.schema_name, "week": label,
                                             "principal": {"kind": "system", "name": "test"}}).get()
    second = backup_drill_town.apply(kwargs={"schema_name": backup_town.schema_name, "week": label,
                                             "principal": {"kind": "system", "name": "test"}}).get()
    assert first["ok"], first
    assert second == {"schema_name": backup_town.schema_name, "skipped": f"drilled in {label}"}
    assert DrillRun.objects.filter(town_code=backup_town.code).count() == 1


def test_beat_schedules_nightly_backups_and_weekly_drills():
    from kyodo.celery import app

    schedule = app.conf.beat_schedule
    assert schedule["backups-nightly"]["task"] == "kyodo.backups.tasks.backups_nightly"
    assert schedule["backup-drills-weekly"]["task"] == "kyodo.backups.tasks.drills_weekly"
    app.loader.import_default_modules()
    assert {"kyodo.backups.tasks.backups_nightly", "kyodo.backups.tasks.drills_weekly",
            "kyodo.backups.tasks.backup_town"} <= set(app.tasks)
    assert app.tasks["kyodo.backups.tasks.backup_town"].acks_late


@pytest.mark.django_db
def test_console_shows_status_size_duration_drill_and_failure_alert(console_client, town_a, town_b):
    now = timezone.now()
    BackupRun.objects.create(backup_id="20261122T170000000000Z-aaaaaaaa", municipality=town_a, town_code=town_a.code,
                             schema_name=town_a.schema_name, status=RunStatus.SUCCEEDED, started_at=now,
                             finished_at=now, duration_seconds=12.5, stored_bytes=3 * 1024 * 1024,
                             stores=["store-a", "store-b", "store-c"])
    DrillRun.objects.create(municipality=town_a, town_code=town_a.code, backup_id="20261122T170000000000Z-aaaaaaaa",
                            stores=["store-a", "store-c"], ok=True, started_at=now, tables_compared=7)
    BackupRun.objects.create(backup_id="20261122T170000000000Z-bbbbbbbb", municipality=town_b, town_code=town_b.code,
                             schema_name=town_b.schema_name, status=RunStatus.FAILED,
                             started_at=now - dt.timedelta(minutes=5), error="store-b に接続できません")

    response = console_client.get("/console/backups/")

    assert response.status_code == 200
    html = response.content.decode()
    row_a = html[html.index('data-code="412066"'):html.index('data-code="412074"')]
    assert "成功" in row_a and "3.0" in row_a and "12.5 秒" in row_a and "store-a+store-c, 7 表" in row_a
    row_b = html[html.index('data-code="412074"'):]
    assert 'class="alert"' in html[html.index('data-code="412074"') - 20:html.index('data-code="412074"') + 40]
    assert "最新のバックアップが失敗しました: store-b に接続できません" in row_b
    assert 'id="backup-alerts"' in html
    assert 'href="/console/backups/"' in console_client.get("/console/").content.decode()


@pytest.mark.django_db
def test_console_backups_page_is_for_prefecture_admins_only(client_a):
    response = client_a.get("/console/backups/", HTTP_HOST="localhost")
    assert response.status_code in (302, 403)
