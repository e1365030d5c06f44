"""Reads for backups: the consortium console's backup status per town."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from kyodo.tenancy.models import Municipality

from .models import BackupRun, DrillRun, RunStatus

STALE_AFTER = dt.timedelta(hours=26)


@dataclass(frozen=True)
class TownBackupStatus:
    town: Municipality
    last_run: BackupRun | None
    last_good_run: BackupRun | None
    last_drill: DrillRun | None
    last_good_drill: DrillRun | None
    alerts: tuple[str, ...]


def backup_runs_list(*, town_code: str | None = None, limit: int = 50):
    runs = BackupRun.objects.prefetch_related("store_results").order_by("-started_at")
    if town_code:
        runs = runs.filter(town_code=town_code)
    return runs[:limit]


def backup_status_by_town(now: dt.datetime | None = None) -> list[TownBackupStatus]:
    now = now or timezone.now()
    towns = list(Municipality.objects.exclude(schema_name="public").order_by("code"))
    codes = [t.code for t in towns]
    def latest(queryset) -> dict:
        return {row.town_code: row for row in queryset.filter(town_code__in=codes)
                .order_by("town_code", "-started_at").distinct("town_code")}

    last_run = latest(BackupRun.objects.all())
    last_good = latest(BackupRun.objects.filter(status=RunStatus.SUCCEEDED))
    last_drill = latest(DrillRun.objects.all())
    last_good_drill = latest(DrillRun.objects.filter(ok=True))
    result = []
    for town in towns:
        alerts = []
        run = last_run.get(town.code)
        if run is None:
            alerts.append("バックアップがまだありません。")
        elif run.status == RunStatus.FAILED:
            alerts.append(f"最新のバックアップが失敗しました: {run.error}")
        elif run.status == RunStatus.INCOMPLETE:
            alerts.append(f"最新のバックアップは不完全です: {run.error}")
        good = last_good.get(town.code)
        if run is not None and (good is None or now - good.started_at > STALE_AFTER):
            alerts.append("26時間以内に成功したバックアップがありません。")
        drill = last_drill.get(town.code)
        if drill is not None and not drill.ok:
            alerts.append(f"最新のリストア訓練が失敗しました: {drill.error}")
        result.append(TownBackupStatus(town=town, last_run=run, last_good_run=good, last_drill=drill,
                                       last_good_drill=last_good_drill.get(town.code), alerts=tuple(alerts)))
    return result
